-- name: overview_daily_events
-- Events submitted per UTC day and stage, for the Overview chart: day (date, UTC),
-- stage, events (count).
select
    submitted_at::date as day,
    stage,
    count(*) as events
from events
group by all
order by day, stage
