-- name: kpi/agreement
-- Percent agreement, Fleiss' kappa and Krippendorff's alpha (nominal) from the prepared
-- per-item table, for filters on date, project and task type only (the facade falls back
-- to kpi/label_counts otherwise). One row: items (with 2+ answers), labels (answers),
-- percent_agreement (mean share of agreeing answer pairs per item), fleiss_kappa
-- (generalised to varying answers per item: (P - Pe) / (1 - Pe), Pe = sum of squared label
-- shares), krippendorff_alpha (1 - (n - 1) * observed / expected disagreement). Null where
-- undefined (no items, or a single label: nothing to correct for chance against).
with items as (
    select *
    from item_agreement
    where in_range(item_first_at)
        and in_list(project, getvariable('f_projects'))
        and in_list(task_type, getvariable('f_task_types'))
),

labels as (
    select label, sum(n) as n
    from agreement_labels
    where in_range(day::timestamp)
        and in_list(project, getvariable('f_projects'))
        and in_list(task_type, getvariable('f_task_types'))
    group by label
),

totals as (
    select sum(n) as n, sum(n * n) as sum_sq, sum(n * n) / (sum(n) * sum(n)) as pe from labels
),

per_item as (
    select count(*) as items, sum(m) as labels, avg(agreeing_pairs / (m * (m - 1))) as p_bar,
        sum(disagreement) as observed
    from items
)

select
    per_item.items,
    coalesce(per_item.labels, 0) as labels,
    per_item.p_bar as percent_agreement,
    case when totals.pe < 1 then (per_item.p_bar - totals.pe) / (1 - totals.pe) end as fleiss_kappa,
    case when totals.n * totals.n - totals.sum_sq > 0
        then 1 - (totals.n - 1) * per_item.observed / (totals.n * totals.n - totals.sum_sq)
    end as krippendorff_alpha
from per_item, totals
