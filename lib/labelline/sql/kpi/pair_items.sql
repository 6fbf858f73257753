-- name: kpi/pair_items
-- The items two annotators both answered at first pass (the items their Cohen's kappa is
-- measured on): project, item_id, task_type, label_a ($worker_a's answer), label_b
-- ($worker_b's), gold_label (null unless a gold item), agree (label_a = label_b),
-- answered_at (UTC, the later of the two answers). Disagreements first, newest first.
with a as (
    select project, item_id, task_type, label, gold_label, submitted_at
    from labels_in()
    where worker_id = $worker_a
),

b as (
    select project, item_id, label, submitted_at
    from labels_in()
    where worker_id = $worker_b
)

select
    a.project,
    a.item_id,
    a.task_type,
    a.label as label_a,
    b.label as label_b,
    a.gold_label,
    a.label = b.label as agree,
    greatest(a.submitted_at, b.submitted_at) as answered_at
from a
join b using (project, item_id)
order by agree, answered_at desc, a.project, a.item_id
