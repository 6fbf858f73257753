-- name: kpi/build_rollup_touch
-- Builds table `rollup_touch`: a histogram of active_s per day, project, task_type, stage,
-- tier, org: bucket b holds times in [1.02^b, 1.02^(b+1)) seconds (b = -9999 for zero), n
-- events. Quantiles read from it are within 1 % of the exact ones (the bucket's geometric
-- middle is at most 1 % off). Reads `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
select
    day, project, task_type, stage, tier, org,
    case when active_s > 0 then floor(ln(active_s) / ln(1.02))::int else -9999 end as bucket,
    count(*) as n
from facts
where active_s is not null
group by all
order by day
