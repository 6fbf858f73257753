-- name: kpi/backlog_rollup
-- The columns of kpi/backlog, read from rollup_created and rollup_finished.
with created as (
    select day, sum(n) as n from rollup_created
    where item_rollup_in(project, task_type, final_tier, final_org) group by day
),

finished as (
    select day, sum(n) as n from rollup_finished
    where item_rollup_in(project, task_type, final_tier, final_org) group by day
),

days as (
    select unnest(generate_series(
        (select min(day) from created), greatest((select max(day) from created), (select max(day) from finished)),
        interval 1 day
    ))::date as day
),

series as (
    select days.day, coalesce(created.n, 0) as created, coalesce(finished.n, 0) as finished
    from days
    left join created using (day)
    left join finished using (day)
)

select day, created::bigint as created, finished::bigint as finished,
    sum(created - finished) over (order by day) as backlog
from series
qualify in_range(day::timestamp)
order by day
