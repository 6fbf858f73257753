-- name: ingest/stale_in_scope
-- Stored events of the items this file covers (same source, project and item) that the
-- file no longer holds: work deleted at the source since the last copy. Used only when
-- the file is the whole truth about its items (a live sync's fresh copy of changed tasks).
-- A record the file holds but the checks rejected keeps its stored version: bad input
-- must not delete good data.
-- Parameter: $files (text[]: the events table's current Parquet files).
-- Returns: event_id (text), one row per event to retire.
with scope as (
    select distinct source, project, item_id
    from checked
    where _reason is null
),

present as (
    select event_id
    from checked
    where event_id is not null
)

select stored.event_id
from read_parquet($files) as stored
semi join scope using (source, project, item_id)
anti join present using (event_id)
