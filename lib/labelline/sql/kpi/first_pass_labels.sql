-- name: kpi/first_pass_labels
-- First-pass answers on items that got at least two (pairwise agreement, Dawid-Skene): item
-- (project and item id joined by a unit separator), worker_id, tier, label, gold_label
-- (null unless a gold item).
with answers as (
    select project, item_id, worker_id, tier, label, gold_label from labels_in()
),

multi as (
    select project, item_id from answers group by all having count(*) >= $min_answers
)

select project || chr(31) || item_id as item, worker_id, tier, label, gold_label
from answers
semi join multi using (project, item_id)
order by item, worker_id
