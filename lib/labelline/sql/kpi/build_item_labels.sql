-- name: kpi/build_item_labels
-- Builds table `item_labels` (a SELECT; labelline.kpis.tables creates or updates it): the
-- independent first-pass answers agreement is measured on: one row per (project, item_id,
-- worker_id) with that worker's latest submitted label at stage 'label', attempt 1 (rework is
-- not an independent opinion; model pre-labels are not annotators). Columns: project, item_id,
-- task_type, worker_id, tier, org, label, gold_label, submitted_at, day, item_first_at (the
-- item's first answer: agreement is over items first answered in a date range, with all their
-- answers, so one item is never split).
select *, min(submitted_at) over (partition by project, item_id) as item_first_at
from (
select
    project,
    item_id,
    any_value(task_type) as task_type,
    worker_id,
    arg_max(tier, submitted_at) as tier,
    arg_max(org, submitted_at) as org,
    arg_max(label, submitted_at) as label,
    any_value(gold_label) as gold_label,
    max(submitted_at) as submitted_at,
    max(submitted_at)::date as day
from facts
where stage = 'label' and attempt = 1 and outcome = 'submitted' and label is not null
group by project, item_id, worker_id
)
order by submitted_at
