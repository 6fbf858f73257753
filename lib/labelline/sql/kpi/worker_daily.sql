-- name: kpi/worker_daily
-- Per worker and day, for drift: events (label events with a measured positive time),
-- mean_log_active_s and var_log_active_s (mean and sample variance of ln(active_s)), trials
-- and correct (checked answers and how many were right: a label on a gold item is checked
-- against gold; any other label by its first review verdict, accepted counting as right).
-- Gold alone is too thin to see a worker drift (about one gold answer a day in the demo).
select
    worker_id,
    day,
    count(active_s) filter (where active_s > 0) as events,
    avg(ln(active_s)) filter (where active_s > 0) as mean_log_active_s,
    var_samp(ln(active_s)) filter (where active_s > 0) as var_log_active_s,
    count(gold_correct) + count(first_review) filter (where gold_correct is null) as trials,
    count(*) filter (where gold_correct) + count(*) filter (where gold_correct is null and first_review = 'accepted')
        as correct
from facts_in()
where stage = 'label' and outcome = 'submitted'
group by all
order by worker_id, day
