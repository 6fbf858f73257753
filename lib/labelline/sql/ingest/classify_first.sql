-- name: ingest/classify_first
-- ingest/classify for an empty store: the rows of `checked`, all new, as stored. The first
-- record that breaks a rule raises an error instead (the caller then takes the full path,
-- which quarantines each bad record with its number): so a clean file needs neither a
-- partitioned write nor a second pass to count what was left out. Parameters: $ingest_id, $now.
-- Written without CTEs so it can follow the caller's `with checked as (...)`.
select
    * exclude (_seq, _record, _position, _raw, _field, _reason, _insert_only),
    $ingest_id as ingest_id,
    $now::timestamptz as ingested_at
from checked
where _reason is null or error('labelline: a record breaks a rule') is null
