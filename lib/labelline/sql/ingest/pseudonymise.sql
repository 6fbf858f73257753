-- name: ingest/pseudonymise
-- Replaces identifying worker ids (e-mails, names) by their keyed pseudonyms from table
-- `worker_map(raw, pseudonym)` and re-hashes the rows it changed. Updates `checked`.
update checked
set worker_id = worker_map.pseudonym,
    content_hash = content_hash(
        checked.source, checked.project, checked.batch, checked.item_id, checked.task_type,
        checked.stage, checked.attempt, worker_map.pseudonym, checked.tier, checked.org,
        checked.queued_at, checked.started_at, checked.submitted_at, checked.active_s,
        checked.outcome, checked.label, checked.gold_label, checked.reviews_event_id,
        checked.cost, checked.meta
    )
from worker_map
where checked.worker_id = worker_map.raw
