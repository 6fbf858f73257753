-- name: ingest/diff
-- For each good staged event: 'new' (id not in the store), 'unchanged' (same content
-- hash, or an insert-only event already stored) or 'updated' (same id, other content).
-- Parameter: $files (text[]: the events table's current Parquet files).
with stored as (
    select event_id, content_hash
    from read_parquet($files)
)

select
    checked._seq,
    case
        when stored.event_id is null then 'new'
        when stored.content_hash = checked.content_hash then 'unchanged'
        -- restated by another export (Prodigy review versions): what is stored stands
        when checked._insert_only then 'unchanged'
        else 'updated'
    end as status
from checked
left join stored on stored.event_id = checked.event_id
where checked._reason is null
