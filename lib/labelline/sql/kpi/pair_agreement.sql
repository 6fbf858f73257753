-- name: kpi/pair_agreement
-- Cohen's kappa and percent agreement for every pair of annotators sharing at least
-- $min_items items, from the counted pairs of first-pass answers (pair_labels), with the
-- filter labels_in() applies to each answer: worker_a, worker_b (worker_a < worker_b),
-- items (shared), agreements (same label), percent_agreement (share), cohen_kappa
-- ((N A - S) / (N^2 - S), S = sum over labels of a_c b_c, each worker's own label counts
-- on the shared items: scikit-learn's cohen_kappa_score; null where N^2 = S). The same
-- numbers as labelline.kpis.agreement.pairwise_agreement on kpi/first_pass_labels.
with pairs as (
    select worker_a, worker_b, label_a, label_b, sum(n) as n
    from pair_labels
    where in_range(day::timestamp)
        and in_list(project, getvariable('f_projects'))
        and in_list(task_type_a, getvariable('f_task_types'))
        and in_list(task_type_b, getvariable('f_task_types'))
        and in_list(tier_a, getvariable('f_tiers'))
        and in_list(tier_b, getvariable('f_tiers'))
        and in_list(org_a, getvariable('f_orgs'))
        and in_list(org_b, getvariable('f_orgs'))
        and in_list(worker_a, getvariable('f_workers'))
        and in_list(worker_b, getvariable('f_workers'))
        and in_list('label', getvariable('f_stages'))
    group by all
),

shared as (
    select worker_a, worker_b, sum(n) as items, coalesce(sum(n) filter (where label_a = label_b), 0) as agreements
    from pairs
    group by all
),

given_a as (select worker_a, worker_b, label_a as label, sum(n) as n from pairs group by all),

given_b as (select worker_a, worker_b, label_b as label, sum(n) as n from pairs group by all),

chance as (
    select worker_a, worker_b, sum(a.n * b.n) as s
    from given_a as a
    join given_b as b using (worker_a, worker_b, label)
    group by all
)

select
    worker_a,
    worker_b,
    s.items::bigint as items,
    s.agreements::bigint as agreements,
    s.agreements / s.items as percent_agreement,
    case
        when s.items * s.items - coalesce(c.s, 0) > 0
            then (s.items * s.agreements - coalesce(c.s, 0)) / (s.items * s.items - coalesce(c.s, 0))
    end as cohen_kappa
from shared as s
left join chance as c using (worker_a, worker_b)
where s.items >= $min_items
order by worker_a, worker_b
