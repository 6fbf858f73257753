-- name: kpi/build_rollup_cycle
-- Builds table `rollup_cycle`, behind the Flow page's cycle breakdown: per finish day,
-- project, task_type, final tier and org of finished items, and stage: wait_h and touch_h
-- (hours of wait, queued to started, and of measured work of the items' events up to their
-- finish). kpi/cycle_breakdown adds these up per stage. Reads `items` and `facts`.
-- A SELECT: labelline.kpis.tables creates the table from it, or adds the groups an update
-- touched.
select
    i.finished_at::date as day,
    i.project,
    i.task_type,
    i.final_tier,
    i.final_org,
    f.stage,
    sum(coalesce(f.wait_s, 0) / 3600.0) as wait_h,
    sum(coalesce(f.active_s, 0) / 3600.0) as touch_h
from items as i
join facts as f using (project, item_id)
-- Only the work an item needed up to its finish counts towards its cycle.
where i.finished_at is not null and f.submitted_at <= i.finished_at
group by all
order by day
