-- name: kpi/wait_time
-- Wait time before work started (started_at - queued_at, seconds) by stage, where both
-- exist: stage, events (with a known wait), p50_s, p90_s, p95_s, mean_s (seconds), and
-- coverage (share of the stage's events that carry a wait).
select
    stage,
    count(wait_s) as events,
    quantile_cont(wait_s, 0.5) as p50_s,
    quantile_cont(wait_s, 0.9) as p90_s,
    quantile_cont(wait_s, 0.95) as p95_s,
    avg(wait_s) as mean_s,
    count(wait_s) / count(*) as coverage
from facts_in()
group by stage
order by stage
