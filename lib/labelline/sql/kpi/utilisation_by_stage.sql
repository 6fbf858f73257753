-- name: kpi/utilisation_by_stage
-- Utilisation by stage: busy hours at the stage (sum of active_s / 3600) over the hours the
-- people who worked it were available, each available $available_h_per_day hours on every
-- day they worked that stage (a person who labels and reviews on one day counts that day in
-- both stages: the log cannot tell how they split it). Columns: stage, workers, worker_days,
-- busy_h, available_h, utilisation (share). Model pre-labelers are left out.
select
    stage,
    count(distinct worker_id) as workers,
    count(distinct (worker_id, day)) as worker_days,
    coalesce(sum(active_s), 0) / 3600.0 as busy_h,
    worker_days * $available_h_per_day as available_h,
    busy_h / nullif(available_h, 0) as utilisation
from facts_in()
where stage <> 'prelabel'
group by stage
order by stage
