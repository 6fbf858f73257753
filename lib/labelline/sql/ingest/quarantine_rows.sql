-- name: ingest/quarantine_rows
-- The records of this file that did not become events: rule breaks from `checked` and
-- unparseable records from `rejected`, each with a stable quarantine_id so a re-ingest
-- of the same bad file adds nothing. Parameters: $ingest_id, $now, $source_file, $format.
with bad as (
    select _record as record, _position as position, _field as field, _reason as reason, _raw as raw
    from checked
    where _reason is not null
    union all
    select record, position, field, reason, raw
    from rejected
)

select
    md5(concat_ws(chr(31), $source_file, coalesce(record::varchar, ''), coalesce(position, ''),
                  coalesce(field, ''), reason, coalesce(md5(raw), ''))) as quarantine_id,
    $ingest_id as ingest_id,
    $now as quarantined_at,
    $source_file as source_file,
    $format as format,
    record,
    coalesce(position, 'record ' || record::varchar) as position,
    field,
    reason,
    raw
from bad
order by record nulls first
