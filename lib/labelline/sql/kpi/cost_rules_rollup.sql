-- name: kpi/cost_rules_rollup
-- The columns of kpi/cost_rules (cost_basis, cost_rule, events, cost, platform_fee), read
-- from rollup_costs (no worker filter): exact.
select
    cost_basis,
    cost_rule,
    sum(events)::bigint as events,
    sum(cost) as cost,
    sum(platform_fee) as platform_fee
from rollup_costs
where rollup_in(day, project, task_type, stage, tier, org)
group by all
order by cost_basis, cost_rule nulls first
