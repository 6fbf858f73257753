-- name: store_last_ingest
-- The most recent ingested file: when it finished (UTC) and its record counts.
select
    ingest_id,
    finished_at,
    source_file,
    format,
    records,
    ingested,
    updated,
    unchanged,
    quarantined
from ingests
order by finished_at desc
limit 1
