-- name: kpi/wip_rollup
-- The columns of kpi/wip (day, stage, wip, events), read from rollup_wip (no worker filter).
select
    wip_day as day,
    stage,
    sum(wip_s) / 86400.0 as wip,
    sum(events)::bigint as events
from rollup_wip
where rollup_in(day, project, task_type, stage, tier, org)
group by all
order by day, stage
