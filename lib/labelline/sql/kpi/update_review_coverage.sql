-- name: kpi/update_review_coverage
-- Whether each project of the changed items is fully reviewed (kpi/review_coverage_macro),
-- the rule kpi/build_items settles unjudged items by. If an update flips it,
-- every item of the project changes status and the tables are built afresh instead.
-- Reads `items` and `changed_items`.
select
    project,
    fully_reviewed(last_judgement, labels) as fully_reviewed
from items
where project in (select project from changed_items)
group by project
