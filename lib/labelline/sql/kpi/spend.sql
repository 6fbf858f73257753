-- name: kpi/spend
-- Spend per period ($grain: 'hour', 'day' or 'week', UTC) and stage: cost (money), events,
-- label_events (labels submitted), platform_fee (money, part of cost).
select
    date_trunc($grain, submitted_at) as period,
    stage,
    sum(cost) as cost,
    count(*) as events,
    count(*) filter (where stage = 'label' and outcome = 'submitted') as label_events,
    sum(platform_fee) as platform_fee
from facts_in()
group by all
order by period, stage
