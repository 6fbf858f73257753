-- name: kpi/label_counts
-- How many first-pass answers each item got with each label, for items with at least two
-- answers in the filter (the input of percent agreement, Fleiss' kappa and Krippendorff's
-- alpha): item (project and item id joined by a unit separator), label, n (answers).
with answers as (
    select project, item_id, label from labels_in()
),

multi as (
    select project, item_id from answers group by all having count(*) >= 2
)

select project || chr(31) || item_id as item, label, count(*) as n
from answers
semi join multi using (project, item_id)
group by all
