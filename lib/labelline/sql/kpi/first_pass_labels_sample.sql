-- name: kpi/first_pass_labels_sample
-- The columns of kpi/first_pass_labels (item, worker_id, tier, label, gold_label) for at most
-- $max_items of the items with $min_answers+ answers: those first by a hash of project and
-- item id, so the sample is pseudo-random, the same on every run, and whole items (every
-- answer of a chosen item). Dawid-Skene is fit on it where all items would take too long.
with answers as (
    select project, item_id, worker_id, tier, label, gold_label from labels_in()
),

multi as (
    select project, item_id from answers group by all having count(*) >= $min_answers
),

chosen as (
    select project, item_id from multi
    order by hash(project, item_id), project, item_id
    limit $max_items
)

select project || chr(31) || item_id as item, worker_id, tier, label, gold_label
from answers
semi join chosen using (project, item_id)
order by item, worker_id
