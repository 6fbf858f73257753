-- name: ingest/duplicate_ids
-- Marks every repeat of an event_id within one file as a rejected record pointing at
-- the first occurrence (kept). Updates table `checked` in place; returns the count.
with repeated as (
    select event_id, min(_seq) as first_seq
    from checked
    where _reason is null
    group by event_id
    having count(*) > 1
),

first_records as (
    select repeated.event_id, repeated.first_seq, checked._record as first_record
    from repeated
    join checked on checked._seq = repeated.first_seq
)

update checked
set _field = 'event_id',
    _reason = 'duplicate of record ' || first_records.first_record::varchar || ' in this file',
    _raw = coalesce(checked._raw, to_json({'event_id': checked.event_id, 'item_id': checked.item_id,
        'stage': checked.stage, 'worker_id': checked.worker_id,
        'submitted_at': checked.submitted_at::varchar})::varchar)
from first_records
where checked.event_id = first_records.event_id
  and checked._seq <> first_records.first_seq
  and checked._reason is null
