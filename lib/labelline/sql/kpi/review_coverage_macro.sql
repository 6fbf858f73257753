-- name: kpi/review_coverage_macro
-- fully_reviewed(last_judgement, labels): an aggregate over a project's items (their latest
-- judgement and submitted-label count, as in `items`): whether 90 % or more of its labeled
-- items were judged. kpi/build_items settles unjudged items by it; an update checks it did
-- not flip (kpi/update_review_coverage). One definition for both.
create or replace temp macro fully_reviewed(last_judgement, labels) as
    count(*) filter (where last_judgement is not null) / greatest(count(*) filter (where labels > 0), 1) >= 0.9;
