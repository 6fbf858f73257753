-- name: kpi/utilisation
-- Utilisation by tier: busy hours (sum of active_s / 3600) over available hours, where each
-- worker is available $available_h_per_day hours on each day they worked. Columns: tier,
-- workers, worker_days, busy_h, available_h, utilisation (share). Model pre-labelers are left out.
select
    tier,
    count(distinct worker_id) as workers,
    count(distinct (worker_id, day)) as worker_days,
    coalesce(sum(active_s), 0) / 3600.0 as busy_h,
    worker_days * $available_h_per_day as available_h,
    busy_h / nullif(available_h, 0) as utilisation
from facts_in()
where stage <> 'prelabel'
group by tier
order by tier
