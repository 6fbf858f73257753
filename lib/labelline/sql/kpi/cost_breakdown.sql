-- name: kpi/cost_breakdown
-- Activity-based cost: money by dimension ('stage', 'tier', 'org', 'activity', 'value';
-- value 'value_adding' or 'overhead' for 'value') with events (count), cost (money),
-- share (of the filter's total cost), active_h (hours of measured work). Within each
-- dimension the rows add up to the total.
with base as (
    select
        stage,
        tier,
        coalesce(org, '(none)') as org,
        activity,
        case when value_adding then 'value_adding' else 'overhead' end as value_class,
        cost,
        active_s
    from facts_in()
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
        count(*) as events,
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
