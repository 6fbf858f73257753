-- name: quarantine_list
-- Quarantined input records, newest ingest first, then in file order: the file, the
-- record number and position, the field and the reason, and the raw record.
-- Parameter: $limit (rows; null for all).
select
    quarantined_at,
    ingest_id,
    source_file,
    format,
    record,
    position,
    field,
    reason,
    raw
from quarantine
order by quarantined_at desc, source_file, record nulls first
limit $limit
