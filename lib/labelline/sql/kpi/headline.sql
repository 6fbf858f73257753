-- name: kpi/headline
-- The headline numbers of the events in the filter, one row: events, items (distinct
-- project/item pairs touched), workers (distinct, model pre-labelers included), label_events
-- (stage label, submitted), first_at / last_at (timestamps, UTC), cost (money), unpriced
-- (events no rule could price), touch_p50_s / touch_p90_s / touch_p95_s / touch_mean_s
-- (seconds of active_s at stage label, capped at $cap_s), touch_events (label events with a
-- measured time), touch_capped (how many were above $cap_s), reviewed_first_pass (label
-- events at attempt 1 that were judged), accepted_first_pass (of those, accepted at their
-- first judgement), label_submitted (label events submitted), rework_labels (of those at
-- attempt > 1), reviews (review and qa judgements), rejected_reviews, gold_trials (submitted
-- labels on gold items), gold_correct.
select
    count(*) as events,
    count(distinct (project, item_id)) as items,
    count(distinct worker_id) as workers,
    count(*) filter (where stage = 'label' and outcome = 'submitted') as label_events,
    min(submitted_at) as first_at,
    max(submitted_at) as last_at,
    coalesce(sum(cost), 0) as cost,
    count(*) filter (where cost_basis = 'unpriced') as unpriced,
    quantile_cont(least(active_s, $cap_s), [0.5, 0.9, 0.95]) filter (where stage = 'label' and active_s is not null)
        as touch_quantiles_s,
    avg(least(active_s, $cap_s)) filter (where stage = 'label') as touch_mean_s,
    count(active_s) filter (where stage = 'label') as touch_events,
    count(*) filter (where stage = 'label' and active_s > $cap_s) as touch_capped,
    count(*) filter (where stage = 'label' and attempt = 1 and first_review is not null) as reviewed_first_pass,
    count(*) filter (where stage = 'label' and attempt = 1 and first_review = 'accepted') as accepted_first_pass,
    count(*) filter (where stage = 'label' and outcome = 'submitted') as label_submitted,
    count(*) filter (where stage = 'label' and outcome = 'submitted' and attempt > 1) as rework_labels,
    count(*) filter (where stage in ('review', 'qa')) as reviews,
    count(*) filter (where stage in ('review', 'qa') and outcome = 'rejected') as rejected_reviews,
    count(gold_correct) as gold_trials,
    count(*) filter (where gold_correct) as gold_correct
from facts_in()
