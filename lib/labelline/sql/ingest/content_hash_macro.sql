-- name: ingest/content_hash_macro
-- Defines content_hash(...): an md5 over everything an event says (schema.HASHED_COLUMNS),
-- so a re-ingest can tell an unchanged event from an edited one. Nulls hash differently
-- from empty text. Timestamps are hashed as UTC text, numbers as DuckDB's shortest text.
create or replace temp macro content_hash(
    source, project, batch, item_id, task_type, stage, attempt, worker_id, tier, org,
    queued_at, started_at, submitted_at, active_s, outcome, label, gold_label,
    reviews_event_id, cost, meta
) as md5(concat_ws(chr(31),
    coalesce(source, chr(0)), coalesce(project, chr(0)), coalesce(batch, chr(0)),
    coalesce(item_id, chr(0)), coalesce(task_type, chr(0)), coalesce(stage, chr(0)),
    coalesce(attempt::varchar, chr(0)), coalesce(worker_id, chr(0)), coalesce(tier, chr(0)),
    coalesce(org, chr(0)), coalesce(queued_at::varchar, chr(0)), coalesce(started_at::varchar, chr(0)),
    coalesce(submitted_at::varchar, chr(0)), coalesce(active_s::varchar, chr(0)),
    coalesce(outcome, chr(0)), coalesce(label, chr(0)), coalesce(gold_label, chr(0)),
    coalesce(reviews_event_id, chr(0)), coalesce(cost::varchar, chr(0)), coalesce(meta, chr(0))
))
