-- name: kpi/cycle_breakdown
-- Where an item's cycle time goes, for items finished in the range: per stage the mean wait
-- (queued_at to started_at) and touch (active_s) per finished item, in hours, and one row
-- with stage 'untracked' holding the rest of the mean cycle time (time between stages and
-- waits the log did not record). Columns: stage, part ('wait', 'touch' or 'untracked'),
-- hours_per_item, items (finished items measured). The parts add up to the mean cycle time.
with done as (
    select project, item_id, finished_at, epoch(finished_at - created_at) / 3600.0 as cycle_h
    from items_in()
    where finished_at is not null and in_range(finished_at)
),

-- Only the work an item needed up to its finish counts towards its cycle.
work as (
    select f.stage, coalesce(f.wait_s, 0) / 3600.0 as wait_h, coalesce(f.active_s, 0) / 3600.0 as touch_h
    from facts as f
    join done as d using (project, item_id)
    where f.submitted_at <= d.finished_at
),

n as (select count(*) as items, avg(cycle_h) as cycle_h from done),

parts as (
    select stage, 'wait' as part, sum(wait_h) as total_h from work group by stage
    union all
    select stage, 'touch' as part, sum(touch_h) as total_h from work group by stage
)

select stage, part, total_h / n.items as hours_per_item, n.items
from parts, n
where n.items > 0
union all
select 'untracked', 'untracked', n.cycle_h - coalesce((select sum(total_h) from parts), 0) / n.items, n.items
from n
where n.items > 0
order by part = 'untracked', stage, part
