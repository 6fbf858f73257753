-- name: kpi/build_rollup_finished
-- Builds table `rollup_finished`: finished items per finish day, project, task_type, final
-- tier and org, status, cycle-time bucket (as rollup_touch's, on hours): n, cost (money),
-- cycle_h (sum of hours). Reads `items`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
select
    finished_at::date as day, project, task_type, final_tier, final_org, status,
    case when cycle_h > 0 then floor(ln(cycle_h) / ln(1.02))::int else -9999 end as bucket,
    count(*) as n,
    sum(cost) as cost,
    sum(cycle_h) as cycle_h
from items
where finished_at is not null
group by all
order by day
