-- name: kpi/build_agreement_labels
-- Builds table `agreement_labels`: per project, task_type, day (of the item's first answer)
-- and label, n: answers with that label on the items of `item_agreement` (two or more
-- answers), the label shares Fleiss' kappa and Krippendorff's alpha expect by chance.
-- Reads `item_labels` and `item_agreement`.
select l.project, l.task_type, l.item_first_at::date as day, l.label, count(*) as n
from item_labels as l
semi join item_agreement using (project, item_id)
group by all
order by day
