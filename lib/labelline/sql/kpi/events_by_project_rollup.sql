-- name: kpi/events_by_project_rollup
-- The columns of sql/store_events_by_project (project, events; largest first), from rollup_events.
select project, sum(events)::bigint as events
from rollup_events
group by project
order by events desc, project
