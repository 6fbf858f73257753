-- name: kpi/build_rollup_workers
-- Builds table `rollup_workers`: one row per worker of each rollup_events group (distinct
-- counts do not add up, so the workers stay apart) with their additive counts: events,
-- label_submitted, rework_labels, and of the submitted labels: reviewed_first_pass_submitted
-- and accepted_first_pass_submitted (attempt 1, judged / accepted at the first judgement),
-- judged_labels and rejected_labels (any attempt, judged / rejected at the first judgement);
-- gold_trials, gold_correct, active_s (seconds). Reads `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched (every rollup is keyed by day and project).
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
order by day
