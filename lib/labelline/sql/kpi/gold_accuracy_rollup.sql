-- name: kpi/gold_accuracy_rollup
-- The columns of kpi/gold_accuracy (dimension, value, trials, correct, accuracy), read from
-- rollup_workers (no worker filter): exact.
with gold as (
    select * from rollup_workers
    where rollup_in(day, project, task_type, stage, tier, org) and gold_trials > 0
),

counts as (
    select
        case
            when grouping(project) = 0 then 'project'
            when grouping(task_type) = 0 then 'task_type'
            when grouping(tier) = 0 then 'tier'
            when grouping(worker_id) = 0 then 'worker'
            else 'all'
        end as dimension,
        coalesce(project, task_type, tier, worker_id) as value,
        sum(gold_trials)::bigint as trials,
        sum(gold_correct)::bigint as correct
    from gold
    group by grouping sets ((), (project), (task_type), (tier), (worker_id))
)

select dimension, value, trials, correct, correct / trials as accuracy
from counts
order by dimension, value
