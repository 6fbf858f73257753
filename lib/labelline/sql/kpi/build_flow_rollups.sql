-- name: kpi/build_flow_rollups
-- Builds the rollups behind the Flow page's WIP and cycle breakdown, exact when added up:
-- rollup_wip: per day (of submitted_at, the day the date filter reads), project, task_type,
--   stage, tier, org and wip_day (a day the event was waiting or in work, from queued_at,
--   else started_at, to submitted_at): wip_s (seconds of that day it spent on the line) and
--   events (events that overlapped wip_day). kpi/wip adds these up per wip_day and stage.
-- rollup_cycle: per finish day, project, task_type, final tier and org of finished items,
--   and stage: wait_h and touch_h (hours of wait, queued to started, and of measured work of
--   the items' events up to their finish). kpi/cycle_breakdown adds these up per stage.
create or replace table rollup_wip as
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
order by day;

create or replace table rollup_cycle as
select
    i.finished_at::date as day,
    i.project,
    i.task_type,
    i.final_tier,
    i.final_org,
    f.stage,
    sum(coalesce(f.wait_s, 0) / 3600.0) as wait_h,
    sum(coalesce(f.active_s, 0) / 3600.0) as touch_h
from items as i
join facts as f using (project, item_id)
-- Only the work an item needed up to its finish counts towards its cycle.
where i.finished_at is not null and f.submitted_at <= i.finished_at
group by all
order by day;
