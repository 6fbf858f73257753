-- name: kpi/filter_date_span_rollup
-- The row of sql/filter_date_span (first_day, last_day: dates, null without events), from
-- rollup_events.
select min(day) as first_day, max(day) as last_day
from rollup_events
