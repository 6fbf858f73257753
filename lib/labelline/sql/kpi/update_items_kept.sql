-- name: kpi/update_items_kept
-- What kpi/build_items needs of the items an update keeps: project, last_judgement and
-- labels of every other item of the changed items' projects (their review coverage).
-- Reads `items` (with the changed items already removed) and `changed_items`.
select project, last_judgement, labels
from items
where project in (select project from changed_items)
