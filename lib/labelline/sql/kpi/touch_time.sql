-- name: kpi/touch_time
-- Touch time (active_s, seconds) by stage, and by stage within each task type, tier and
-- worker: dimension ('stage', 'task_type', 'tier', 'worker'), value (the task type, tier or
-- worker; null for 'stage'), stage, events (with a measured time), p50_s, p90_s, p95_s,
-- mean_s (seconds, each time capped at $cap_s), capped (events above the cap).
select
    case
        when grouping(task_type) = 0 then 'task_type'
        when grouping(tier) = 0 then 'tier'
        when grouping(worker_id) = 0 then 'worker'
        else 'stage'
    end as dimension,
    coalesce(task_type, tier, worker_id) as value,
    stage,
    count(*) as events,
    quantile_cont(least(active_s, $cap_s), 0.5) as p50_s,
    quantile_cont(least(active_s, $cap_s), 0.9) as p90_s,
    quantile_cont(least(active_s, $cap_s), 0.95) as p95_s,
    avg(least(active_s, $cap_s)) as mean_s,
    count(*) filter (where active_s > $cap_s) as capped
from facts_in()
where active_s is not null
group by grouping sets ((stage), (stage, task_type), (stage, tier), (stage, worker_id))
order by dimension, stage, value
