-- name: kpi/build_rollup_wip
-- Builds table `rollup_wip`, behind the Flow page's WIP, exact when added up: per day (of
-- submitted_at, the day the date filter reads), project, task_type, stage, tier, org and
-- wip_day (a day the event was waiting or in work, from queued_at, else started_at, to
-- submitted_at): wip_s (seconds of that day it spent on the line) and events (events that
-- overlapped wip_day). kpi/wip adds these up per wip_day and stage. Reads `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched.
with spans as (
    select
        day, project, task_type, stage, tier, org,
        coalesce(queued_at, started_at) as span_start,
        submitted_at as span_end
    from facts
    where coalesce(queued_at, started_at) is not null and coalesce(queued_at, started_at) < submitted_at
),

per_day as (
    select
        *,
        unnest(generate_series(span_start::date, span_end::date, interval 1 day))::date as wip_day
    from spans
)

select
    day, project, task_type, stage, tier, org, wip_day,
    sum(epoch(least(span_end, wip_day + interval 1 day) - greatest(span_start, wip_day::timestamp))) as wip_s,
    count(*) as events
from per_day
group by all
order by day
