-- name: kpi/build_rollups
-- Builds the rollups the Overview reads at scale, all by UTC day (the finest date filter):
-- rollup_events: per day, project, task_type, stage, tier, org: events, the headline's
--   counts (label_submitted, rework_labels, reviewed_first_pass, accepted_first_pass,
--   reviews, rejected_reviews, gold_trials, gold_correct, unpriced), cost, platform_fee
--   (money), active_s (seconds), first_at / last_at (timestamps).
-- rollup_workers: the distinct workers of each such group (distinct counts do not add up).
-- rollup_touch: a histogram of active_s per such group: bucket b holds times in
--   [1.02^b, 1.02^(b+1)) seconds (b = -9999 for zero), n events. Quantiles read from it are
--   within 1 % of the exact ones (the bucket's geometric middle is at most 1 % off).
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
    min(submitted_at) as first_at,
    max(submitted_at) as last_at
from facts
group by all
order by day;

create or replace table rollup_workers as
select distinct day, project, task_type, stage, tier, org, worker_id
from facts
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
