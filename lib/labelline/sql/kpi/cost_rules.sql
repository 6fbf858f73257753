-- name: kpi/cost_rules
-- Which rule priced the events in the filter: cost_basis ('source': the event's own cost;
-- 'per_item' or 'hourly': a rate-card rule; 'unpriced'), cost_rule (rule id, null for
-- source and unpriced), events (count), cost (money), platform_fee (money, part of cost).
select
    cost_basis,
    cost_rule,
    count(*) as events,
    sum(cost) as cost,
    sum(platform_fee) as platform_fee
from facts_in()
group by all
order by cost_basis, cost_rule nulls first
