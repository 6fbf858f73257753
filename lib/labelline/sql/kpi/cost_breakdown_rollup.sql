-- name: kpi/cost_breakdown_rollup
-- The columns of kpi/cost_breakdown (dimension, value, events, cost, share, active_h), read
-- from rollup_costs (no worker filter): exact.
with base as (
    select
        stage,
        tier,
        coalesce(org, '(none)') as org,
        activity,
        case when value_adding then 'value_adding' else 'overhead' end as value_class,
        events,
        cost,
        active_s
    from rollup_costs
    where rollup_in(day, project, task_type, stage, tier, org)
),

grouped as (
    select
        case
            when grouping(stage) = 0 then 'stage'
            when grouping(tier) = 0 then 'tier'
            when grouping(org) = 0 then 'org'
            when grouping(activity) = 0 then 'activity'
            else 'value'
        end as dimension,
        coalesce(stage, tier, org, activity, value_class) as value,
        sum(events)::bigint as events,
        sum(cost) as cost,
        coalesce(sum(active_s), 0) / 3600.0 as active_h
    from base
    group by grouping sets ((stage), (tier), (org), (activity), (value_class))
)

select
    dimension,
    value,
    events,
    cost,
    cost / nullif(sum(cost) over (partition by dimension), 0) as share,
    active_h
from grouped
order by dimension, cost desc, value
