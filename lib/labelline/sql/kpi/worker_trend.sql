-- name: kpi/worker_trend
-- One annotator's first-pass and rework labels per period ($grain: 'day' or 'week', UTC):
-- period, label_events (labels submitted), timed_events (with a measured time), p50_s and
-- mean_s (seconds per label, capped at $cap_s), gold_trials, gold_correct (labels on gold
-- items, and how many matched gold), reviewed_first_pass, accepted_first_pass (attempt-1
-- labels judged, and accepted at their first judgement).
select
    date_trunc($grain, submitted_at) as period,
    count(*) as label_events,
    count(active_s) as timed_events,
    quantile_cont(least(active_s, $cap_s), 0.5) as p50_s,
    avg(least(active_s, $cap_s)) as mean_s,
    count(gold_correct) as gold_trials,
    count(*) filter (where gold_correct) as gold_correct,
    count(*) filter (where attempt = 1 and first_review is not null) as reviewed_first_pass,
    count(*) filter (where attempt = 1 and first_review = 'accepted') as accepted_first_pass
from facts_in()
where worker_id = $worker and stage = 'label' and outcome = 'submitted'
group by all
order by period
