-- name: filter_date_span
-- The UTC days the event log covers, for the sidebar's date range: first_day, last_day
-- (dates, null when there are no events).
select
    min(submitted_at)::date as first_day,
    max(submitted_at)::date as last_day
from events
