-- name: kpi/build_rollup_created
-- Builds table `rollup_created`: items per creation day, project, task_type, final tier
-- and org: n. Reads `items`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
select created_at::date as day, project, task_type, final_tier, final_org, count(*) as n
from items
group by all
order by day
