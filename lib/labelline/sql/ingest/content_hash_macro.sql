-- name: ingest/content_hash_macro
-- Defines content_hash(...): a 63-bit hash of everything an event says
-- (schema.HASHED_COLUMNS), so a re-ingest can tell an unchanged event from an edited one.
-- DuckDB's hash() is ~5x cheaper than md5 over text (measured: 0.14 s vs 0.77 s per 1M
-- rows). It may change between DuckDB releases; the only effect is that the first
-- re-ingest after such an upgrade rewrites its events as "updated" (no duplicates).
create or replace temp macro content_hash(
    source, project, batch, item_id, task_type, stage, attempt, worker_id, tier, org,
    queued_at, started_at, submitted_at, active_s, outcome, label, gold_label,
    reviews_event_id, cost, meta
) as (hash(
    source, project, batch, item_id, task_type, stage, attempt, worker_id, tier, org,
    queued_at, started_at, submitted_at, active_s, outcome, label, gold_label,
    reviews_event_id, cost, meta
) & 9223372036854775807)::bigint
