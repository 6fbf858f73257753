-- name: kpi/events_by_source
-- The columns of sql/store_events_by_source (source, events; largest first), from facts.
select source, count(*) as events
from facts
group by source
order by events desc, source
