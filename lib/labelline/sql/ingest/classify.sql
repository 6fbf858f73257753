-- name: ingest/classify
-- The one-pass publish of a clean file: every validated row of `checked` with its class:
-- 'new' (id not in `stored`), 'updated' (same id, other content), 'unchanged', or 'bad'
-- (breaks a rule). New and updated rows carry the full event; unchanged rows only their
-- id (for the duplicate check); bad rows nothing (the full path re-reads them with record
-- numbers). Reads `checked` and `stored(event_id, content_hash)`. Parameters: $ingest_id, $now.
-- Written without CTEs so it can follow the caller's `with checked as (...)`.

select
    case when _class <> 'bad' then event_id end as event_id,
    case when _keep then source end as source,
    case when _keep then source_ref end as source_ref,
    case when _keep then project end as project,
    case when _keep then batch end as batch,
    case when _keep then item_id end as item_id,
    case when _keep then task_type end as task_type,
    case when _keep then stage end as stage,
    case when _keep then attempt end as attempt,
    case when _keep then worker_id end as worker_id,
    case when _keep then tier end as tier,
    case when _keep then org end as org,
    case when _keep then queued_at end as queued_at,
    case when _keep then started_at end as started_at,
    case when _keep then submitted_at end as submitted_at,
    case when _keep then active_s end as active_s,
    case when _keep then outcome end as outcome,
    case when _keep then label end as label,
    case when _keep then gold_label end as gold_label,
    case when _keep then reviews_event_id end as reviews_event_id,
    case when _keep then cost end as cost,
    case when _keep then meta end as meta,
    case when _keep then content_hash end as content_hash,
    case when _keep then $ingest_id end as ingest_id,
    case when _keep then $now::timestamptz end as ingested_at,
    _class
from (
    select
        checked.*,
        case
            when checked._reason is not null then 'bad'
            when stored.event_id is null then 'new'
            when stored.content_hash = checked.content_hash or checked._insert_only then 'unchanged'
            else 'updated'
        end as _class
    from checked
    left join stored on stored.event_id = checked.event_id
) as classified,
    lateral (select _class in ('new', 'updated') as _keep)
