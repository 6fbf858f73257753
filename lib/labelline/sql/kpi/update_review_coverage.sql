-- name: kpi/update_review_coverage
-- Whether each project of the changed items is fully reviewed (90 % or more of its labeled
-- items judged), the rule kpi/build_items settles unjudged items by. If an update flips it,
-- every item of the project changes status and the tables are built afresh instead.
-- Reads `items` and `changed_items`.
select
    project,
    count(*) filter (where last_judgement is not null) / greatest(count(*) filter (where labels > 0), 1) >= 0.9
        as fully_reviewed
from items
where project in (select project from changed_items)
group by project
