-- name: kpi/backlog
-- Backlog and burndown per day (UTC): created (items that entered the line that day),
-- finished (items finished that day), backlog (items created by the end of the day and not
-- finished by then: open work, counted from the start of the history so the first day of a
-- filtered range starts from the true level). Days with no activity are included.
with bounds as (
    select
        min(created_at)::date as first_day,
        greatest(max(created_at), max(finished_at))::date as last_day
    from items_in()
),

days as (
    select unnest(generate_series(first_day, last_day, interval 1 day))::date as day
    from bounds
    where first_day is not null
),

created as (select created_at::date as day, count(*) as n from items_in() group by all),
finished as (
    select finished_at::date as day, count(*) as n from items_in() where finished_at is not null group by all
),

series as (
    select
        days.day,
        coalesce(created.n, 0) as created,
        coalesce(finished.n, 0) as finished
    from days
    left join created using (day)
    left join finished using (day)
)

select
    day,
    created,
    finished,
    sum(created - finished) over (order by day) as backlog
from series
qualify in_range(day::timestamp)
order by day
