-- name: ingest/classify_first
-- ingest/classify for an empty store: the good rows of `checked`, all new, as stored.
-- No partitioning (measured: a partitioned COPY costs ~1.3 s per 1M rows more than a plain
-- one); the caller compares the rows written with a count of the file's records and takes
-- the full path on any difference. Parameters: $ingest_id, $now.
-- Written without CTEs so it can follow the caller's `with checked as (...)`.
select
    * exclude (_seq, _record, _position, _raw, _field, _reason, _insert_only),
    $ingest_id as ingest_id,
    $now::timestamptz as ingested_at
from checked
where _reason is null
