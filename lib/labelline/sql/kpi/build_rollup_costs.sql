-- name: kpi/build_rollup_costs
-- Builds table `rollup_costs`: per day, project, task_type, stage, tier, org, activity,
-- value_adding, cost_basis, cost_rule: events, cost, platform_fee (money), active_s
-- (seconds): the activity-based cost breakdown and the rate rules, exact. Reads `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
select
    day, project, task_type, stage, tier, org, activity, value_adding, cost_basis, cost_rule,
    count(*) as events,
    sum(cost) as cost,
    sum(platform_fee) as platform_fee,
    coalesce(sum(active_s), 0) as active_s
from facts
group by all
order by day
