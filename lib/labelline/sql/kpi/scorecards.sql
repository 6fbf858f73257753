-- name: kpi/scorecards
-- One row per worker in the filter: worker_id, tier, org (latest), projects (how many),
-- events, label_events (labels submitted), items (distinct items touched), active_h (hours
-- of measured work), label_p50_s / label_mean_s (seconds per label, capped at $cap_s),
-- reviewed_first_pass, accepted_first_pass, first_pass_acceptance (share), rework_labels,
-- rework_rate (share), gold_trials, gold_right, gold_accuracy (share), cost (money),
-- cost_per_label (money), first_at, last_at (UTC).
select
    worker_id,
    arg_max(tier, submitted_at) as tier,
    arg_max(org, submitted_at) as org,
    count(distinct project) as projects,
    count(*) as events,
    count(*) filter (where stage = 'label' and outcome = 'submitted') as label_events,
    count(distinct (project, item_id)) as items,
    coalesce(sum(active_s), 0) / 3600.0 as active_h,
    quantile_cont(least(active_s, $cap_s), 0.5) filter (where stage = 'label') as label_p50_s,
    avg(least(active_s, $cap_s)) filter (where stage = 'label') as label_mean_s,
    count(*) filter (where stage = 'label' and attempt = 1 and first_review is not null) as reviewed_first_pass,
    count(*) filter (where stage = 'label' and attempt = 1 and first_review = 'accepted') as accepted_first_pass,
    accepted_first_pass / nullif(reviewed_first_pass, 0) as first_pass_acceptance,
    count(*) filter (where stage = 'label' and outcome = 'submitted' and attempt > 1) as rework_labels,
    rework_labels / nullif(label_events, 0) as rework_rate,
    count(gold_correct) as gold_trials,
    count(*) filter (where gold_correct) as gold_right,
    gold_right / nullif(gold_trials, 0) as gold_accuracy,
    sum(cost) as cost,
    sum(cost) filter (where stage = 'label') / nullif(label_events, 0) as cost_per_label,
    min(submitted_at) as first_at,
    max(submitted_at) as last_at
from facts_in()
group by worker_id
order by label_events desc, worker_id
