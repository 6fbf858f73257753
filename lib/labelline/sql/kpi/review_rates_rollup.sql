-- name: kpi/review_rates_rollup
-- The columns of kpi/review_rates, read from rollup_workers (no worker filter): exact.
with labels as (
    select * from rollup_workers
    where rollup_in(day, project, task_type, stage, tier, org) and label_submitted > 0
),

counts as (
    select
        case
            when grouping(project) = 0 then 'project'
            when grouping(tier) = 0 then 'tier'
            when grouping(worker_id) = 0 then 'worker'
            else 'all'
        end as dimension,
        coalesce(project, tier, worker_id) as value,
        sum(label_submitted)::bigint as n_submitted,
        sum(rework_labels)::bigint as n_rework,
        sum(reviewed_first_pass_submitted)::bigint as n_reviewed_first_pass,
        sum(accepted_first_pass_submitted)::bigint as n_accepted_first_pass,
        sum(judged_labels)::bigint as n_judged,
        sum(rejected_labels)::bigint as n_rejected
    from labels
    group by grouping sets ((), (project), (tier), (worker_id))
)

select
    dimension,
    value,
    n_submitted as label_submitted,
    n_rework as rework_labels,
    n_rework / nullif(n_submitted, 0) as rework_rate,
    n_reviewed_first_pass as reviewed_first_pass,
    n_accepted_first_pass as accepted_first_pass,
    n_accepted_first_pass / nullif(n_reviewed_first_pass, 0) as first_pass_acceptance,
    n_judged as judged_labels,
    n_rejected as rejected_labels,
    n_rejected / nullif(n_judged, 0) as rejection_rate
from counts
order by dimension, value
