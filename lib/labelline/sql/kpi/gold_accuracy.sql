-- name: kpi/gold_accuracy
-- Gold accuracy: submitted labels on gold items that equal gold_label, by dimension ('all',
-- 'project', 'task_type', 'tier', 'worker'; value null for 'all'): trials (labels on gold
-- items), correct, accuracy (share; the Wilson interval is added in Python).
select
    case
        when grouping(project) = 0 then 'project'
        when grouping(task_type) = 0 then 'task_type'
        when grouping(tier) = 0 then 'tier'
        when grouping(worker_id) = 0 then 'worker'
        else 'all'
    end as dimension,
    coalesce(project, task_type, tier, worker_id) as value,
    count(*) as trials,
    count(*) filter (where gold_correct) as correct,
    correct / trials as accuracy
from facts_in()
where gold_correct is not null
group by grouping sets ((), (project), (task_type), (tier), (worker_id))
order by dimension, value
