-- name: calibrate/task_types
-- Task types of the items in the filter: task_type, items (count), classes (distinct
-- first-pass answers, at least 2).
select
    i.task_type,
    count(*) as items,
    greatest(2, coalesce((select count(distinct label) from labels_in() as l where l.task_type = i.task_type), 2))
        as classes
from items_in() as i
where in_range(i.created_at)
group by i.task_type
order by items desc
