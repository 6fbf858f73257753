-- name: ingest/classify_first
-- ingest/classify for an empty store: every good row is 'new', every other 'bad' (its
-- columns null; the full path re-reads it with record numbers). Parameters: $ingest_id, $now.
-- Written without CTEs so it can follow the caller's `with checked as (...)`.
select
    * exclude (_seq, _record, _position, _raw, _field, _reason)
        replace (
            case when _reason is null then content_hash end as content_hash
        ),
    $ingest_id as ingest_id,
    $now::timestamptz as ingested_at,
    case when _reason is null then 'new' else 'bad' end as _class
from checked
