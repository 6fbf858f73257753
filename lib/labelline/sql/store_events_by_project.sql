-- name: store_events_by_project
-- Events per project, largest first.
select project, count(*) as events
from events
group by project
order by events desc, project
