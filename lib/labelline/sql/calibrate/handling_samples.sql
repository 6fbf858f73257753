-- name: calibrate/handling_samples
-- Measured handling times to fit, per tier, org, stage and task type: tier, org, stage,
-- task_type, active_s (seconds, positive, at most $cap_s), up to $per_group rows per group
-- (a seeded sample: fitting needs thousands, not millions). Labels on items a model
-- pre-labeled are left out: the scenario applies the pre-label's time saving on top.
with prelabeled as (
    select distinct project, item_id from facts_in() where stage = 'prelabel'
)

select tier, org, stage, task_type, active_s
from (
    select f.tier, coalesce(f.org, 'in_house') as org, f.stage, f.task_type, f.active_s,
        row_number() over (partition by f.tier, f.org, f.stage, f.task_type order by hash(f.event_id)) as n
    from facts_in() as f
    anti join prelabeled as p on f.stage = 'label' and p.project = f.project and p.item_id = f.item_id
    where f.active_s > 0 and f.active_s <= $cap_s and f.outcome <> 'skipped'
)
where n <= $per_group
