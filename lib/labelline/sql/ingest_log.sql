-- name: ingest_log
-- Ingested files, newest first: when (UTC), the file, its format, and where each of its
-- records went (records = ingested + updated + unchanged + quarantined).
select
    finished_at,
    source_file,
    format,
    records,
    ingested,
    updated,
    unchanged,
    quarantined,
    round(epoch(finished_at) - epoch(started_at), 2) as seconds,
    ingest_id
from ingests
order by finished_at desc
