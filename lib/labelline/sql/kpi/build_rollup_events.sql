-- name: kpi/build_rollup_events
-- Builds table `rollup_events`: per UTC day (the finest date filter), project, task_type,
-- stage, tier, org: events, the headline's counts (label_submitted, rework_labels,
-- reviewed_first_pass, accepted_first_pass, reviews, rejected_reviews, gold_trials,
-- gold_correct, unpriced), cost, platform_fee (money), active_s (seconds), wait_events
-- (events with a known wait), wait_s (their summed wait, seconds), first_at / last_at
-- (timestamps). Reads `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
select
    day, project, task_type, stage, tier, org,
    count(*) as events,
    count(*) filter (where stage = 'label' and outcome = 'submitted') as label_submitted,
    count(*) filter (where stage = 'label' and outcome = 'submitted' and attempt > 1) as rework_labels,
    count(*) filter (where stage = 'label' and attempt = 1 and first_review is not null) as reviewed_first_pass,
    count(*) filter (where stage = 'label' and attempt = 1 and first_review = 'accepted') as accepted_first_pass,
    count(*) filter (where stage in ('review', 'qa')) as reviews,
    count(*) filter (where stage in ('review', 'qa') and outcome = 'rejected') as rejected_reviews,
    count(gold_correct) as gold_trials,
    count(*) filter (where gold_correct) as gold_correct,
    count(*) filter (where cost_basis = 'unpriced') as unpriced,
    sum(cost) as cost,
    sum(platform_fee) as platform_fee,
    coalesce(sum(active_s), 0) as active_s,
    count(wait_s) as wait_events,
    coalesce(sum(wait_s), 0) as wait_s,
    min(submitted_at) as first_at,
    max(submitted_at) as last_at
from facts
group by all
order by day
