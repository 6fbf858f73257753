-- name: kpi/build_pair_labels
-- Builds table `pair_labels` (a SELECT; labelline.kpis.tables creates or updates it): every
-- pair of first-pass answers on one item (item_labels), counted, so Cohen's kappa per pair of
-- annotators adds up rows instead of pairing millions of answers. One row per day (of the
-- item's first answer, as agreement filters dates), project, the two answers' task types,
-- worker_a < worker_b with each one's tier and org, and label_a, label_b (worker_a's and
-- worker_b's answers): n (items).
select
    a.item_first_at::date as day,
    a.project,
    a.task_type as task_type_a,
    b.task_type as task_type_b,
    a.worker_id as worker_a,
    a.tier as tier_a,
    a.org as org_a,
    b.worker_id as worker_b,
    b.tier as tier_b,
    b.org as org_b,
    a.label as label_a,
    b.label as label_b,
    count(*) as n
from item_labels as a
join item_labels as b on a.project = b.project and a.item_id = b.item_id and a.worker_id < b.worker_id
group by all
order by day
