-- name: kpi/daily_events_rollup
-- The columns of sql/overview_daily_events (day, stage, events), from rollup_events.
select day, stage, sum(events)::bigint as events
from rollup_events
group by all
order by day, stage
