-- name: kpi/build_item_agreement
-- Builds table `item_agreement` (a SELECT): agreement prepared per item, so the headline's
-- percent agreement, Fleiss' kappa and Krippendorff's alpha add up rows instead
-- of recounting millions of answers. Only items with at least two first-pass answers.
-- Columns: project, item_id, task_type, item_first_at, m (answers), agreeing_pairs
-- (sum over labels of n(n-1): ordered pairs of answers that agree), disagreement (sum over
-- label pairs c != k of n_c n_k / (m - 1): the item's share of Krippendorff's observed
-- coincidences). kpi/build_agreement_labels counts their labels. Reads `item_labels`.
with counts as (
    select project, item_id, any_value(task_type) as task_type, any_value(item_first_at) as item_first_at,
        label, count(*) as n
    from item_labels
    group by project, item_id, label
)

select
    project,
    item_id,
    any_value(task_type) as task_type,
    any_value(item_first_at) as item_first_at,
    sum(n) as m,
    sum(n * (n - 1)) as agreeing_pairs,
    (sum(n) * sum(n) - sum(n * n)) / (sum(n) - 1) as disagreement
from counts
group by project, item_id
having sum(n) >= 2
order by item_first_at
