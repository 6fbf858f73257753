-- name: kpi/wip
-- Work in progress per stage and day: the time-weighted average number of events waiting or
-- being worked at that stage during the day (each event counts from queued_at, else
-- started_at, to submitted_at; events with neither have no known WIP). Columns: day, stage,
-- wip (average count), events (events that overlapped the day).
with spans as (
    select
        stage,
        coalesce(queued_at, started_at) as span_start,
        submitted_at as span_end
    from facts_in()
    where coalesce(queued_at, started_at) is not null and coalesce(queued_at, started_at) < submitted_at
),

per_day as (
    select
        stage,
        span_start,
        span_end,
        unnest(generate_series(span_start::date, span_end::date, interval 1 day))::date as day
    from spans
)

select
    day,
    stage,
    sum(epoch(least(span_end, day + interval 1 day) - greatest(span_start, day::timestamp))) / 86400.0 as wip,
    count(*) as events
from per_day
group by all
order by day, stage
