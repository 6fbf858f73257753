-- name: kpi/cycle_breakdown_rollup
-- The columns of kpi/cycle_breakdown (stage, part, hours_per_item, items), read from
-- rollup_cycle and rollup_finished (no worker filter).
with n as (
    select sum(n)::bigint as items, sum(cycle_h) / sum(n) as cycle_h
    from rollup_finished
    where in_range(day::timestamp) and item_rollup_in(project, task_type, final_tier, final_org)
),

work as (
    select stage, sum(wait_h) as wait_h, sum(touch_h) as touch_h
    from rollup_cycle
    where in_range(day::timestamp) and item_rollup_in(project, task_type, final_tier, final_org)
    group by stage
),

parts as (
    select stage, 'wait' as part, wait_h as total_h from work
    union all
    select stage, 'touch' as part, touch_h as total_h from work
)

select stage, part, total_h / n.items as hours_per_item, n.items
from parts, n
where n.items > 0
union all
select 'untracked', 'untracked', n.cycle_h - coalesce((select sum(total_h) from parts), 0) / n.items, n.items
from n
where n.items > 0
order by part = 'untracked', stage, part
