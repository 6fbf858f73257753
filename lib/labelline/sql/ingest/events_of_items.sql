-- name: ingest/events_of_items
-- Every stored event of the given items of one source and project: what retiring a
-- deleted task removes.
-- Parameters: $files (text[]: the events table's current Parquet files), $source (text),
-- $project (text), $items (text[]: item ids).
-- Returns: event_id (text).
select event_id
from read_parquet($files)
where source = $source
    and project = $project
    and list_contains($items, item_id)
