-- name: kpi/spend_rollup
-- The columns of kpi/spend at $grain 'day' or 'week', read from rollup_events.
select
    date_trunc($grain, day)::timestamp as period,
    stage,
    sum(cost) as cost,
    sum(events)::bigint as events,
    sum(label_submitted)::bigint as label_events,
    sum(platform_fee) as platform_fee
from rollup_events
where rollup_in(day, project, task_type, stage, tier, org)
group by all
order by period, stage
