-- name: kpi/build_rollups
-- Builds the rollups the dashboard reads at scale, all by UTC day (the finest date filter):
-- rollup_events: per day, project, task_type, stage, tier, org: events, the headline's
--   counts (label_submitted, rework_labels, reviewed_first_pass, accepted_first_pass,
--   reviews, rejected_reviews, gold_trials, gold_correct, unpriced), cost, platform_fee
--   (money), active_s (seconds), wait_events (events with a known wait), wait_s (their
--   summed wait, seconds), first_at / last_at (timestamps).
-- rollup_workers: one row per worker of each such group (distinct counts do not add up, so
--   the workers stay apart) with their additive counts: events, label_submitted,
--   rework_labels, and of the submitted labels: reviewed_first_pass_submitted and
--   accepted_first_pass_submitted (attempt 1, judged / accepted at the first judgement),
--   judged_labels and rejected_labels (any attempt, judged / rejected at the first
--   judgement); gold_trials, gold_correct, active_s (seconds).
-- rollup_touch: a histogram of active_s per such group: bucket b holds times in
--   [1.02^b, 1.02^(b+1)) seconds (b = -9999 for zero), n events. Quantiles read from it are
--   within 1 % of the exact ones (the bucket's geometric middle is at most 1 % off).
-- rollup_wait: the same histogram of wait_s (queued to started, seconds) per such group.
-- rollup_costs: per such group and activity, value_adding, cost_basis, cost_rule: events,
--   cost, platform_fee (money), active_s (seconds): the activity-based cost breakdown and the
--   rate rules, exact.
-- rollup_finished: finished items per finish day, project, task_type, final tier and org,
--   status, cycle-time bucket (as above, on hours): n, cost (money), cycle_h (sum of hours).
-- rollup_created: items per creation day, project, task_type, final tier and org: n.
create or replace table rollup_events as
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
order by day;

create or replace table rollup_workers as
with labels as (
    select *, stage = 'label' and outcome = 'submitted' as submitted_label
    from facts
)

select
    day, project, task_type, stage, tier, org, worker_id,
    count(*) as events,
    count(*) filter (where submitted_label) as label_submitted,
    count(*) filter (where submitted_label and attempt > 1) as rework_labels,
    count(*) filter (where submitted_label and attempt = 1 and first_review is not null)
        as reviewed_first_pass_submitted,
    count(*) filter (where submitted_label and attempt = 1 and first_review = 'accepted')
        as accepted_first_pass_submitted,
    count(*) filter (where submitted_label and first_review is not null) as judged_labels,
    count(*) filter (where submitted_label and first_review = 'rejected') as rejected_labels,
    count(gold_correct) as gold_trials,
    count(*) filter (where gold_correct) as gold_correct,
    coalesce(sum(active_s), 0) as active_s
from labels
group by all
order by day;

create or replace table rollup_touch as
select
    day, project, task_type, stage, tier, org,
    case when active_s > 0 then floor(ln(active_s) / ln(1.02))::int else -9999 end as bucket,
    count(*) as n
from facts
where active_s is not null
group by all
order by day;

create or replace table rollup_wait as
select
    day, project, task_type, stage, tier, org,
    case when wait_s > 0 then floor(ln(wait_s) / ln(1.02))::int else -9999 end as bucket,
    count(*) as n
from facts
where wait_s is not null
group by all
order by day;

create or replace table rollup_costs as
select
    day, project, task_type, stage, tier, org, activity, value_adding, cost_basis, cost_rule,
    count(*) as events,
    sum(cost) as cost,
    sum(platform_fee) as platform_fee,
    coalesce(sum(active_s), 0) as active_s
from facts
group by all
order by day;

create or replace table rollup_finished as
select
    finished_at::date as day, project, task_type, final_tier, final_org, status,
    case when cycle_h > 0 then floor(ln(cycle_h) / ln(1.02))::int else -9999 end as bucket,
    count(*) as n,
    sum(cost) as cost,
    sum(cycle_h) as cycle_h
from items
where finished_at is not null
group by all
order by day;

create or replace table rollup_created as
select created_at::date as day, project, task_type, final_tier, final_org, count(*) as n
from items
group by all
order by day;
