-- name: store_events_by_source
-- Events per source (label_studio, mturk, prodigy, csv, sim:...), largest first.
select source, count(*) as events
from events
group by source
order by events desc, source
