-- name: kpi/build_rollup_wait
-- Builds table `rollup_wait`: the rollup_touch histogram of wait_s (queued to started,
-- seconds) per day, project, task_type, stage, tier, org. Reads `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
select
    day, project, task_type, stage, tier, org,
    case when wait_s > 0 then floor(ln(wait_s) / ln(1.02))::int else -9999 end as bucket,
    count(*) as n
from facts
where wait_s is not null
group by all
order by day
