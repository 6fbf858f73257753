-- name: kpi/utilisation_by_stage_rollup
-- The columns of kpi/utilisation_by_stage (stage, workers, worker_days, busy_h, available_h,
-- utilisation), read from rollup_workers (no worker filter): exact.
select
    stage,
    count(distinct worker_id) as workers,
    count(distinct (worker_id, day)) as worker_days,
    coalesce(sum(active_s), 0) / 3600.0 as busy_h,
    worker_days * $available_h_per_day as available_h,
    busy_h / nullif(available_h, 0) as utilisation
from rollup_workers
where rollup_in(day, project, task_type, stage, tier, org) and stage <> 'prelabel'
group by stage
order by stage
