-- name: store_status
-- One row of headline counts for `labelline status`: events, distinct items
-- (per project), distinct workers, projects, first and last submission (UTC),
-- quarantined records, and files ingested.
with event_counts as (
    select
        count(*) as events,
        count(distinct (project, item_id)) as items,
        count(distinct worker_id) as workers,
        count(distinct project) as projects,
        min(submitted_at) as first_event_at,
        max(submitted_at) as last_event_at
    from events
),

quarantine_counts as (
    select count(*) as quarantined from quarantine
),

ingest_counts as (
    select count(*) as ingests from ingests
)

select
    event_counts.events,
    event_counts.items,
    event_counts.workers,
    event_counts.projects,
    event_counts.first_event_at,
    event_counts.last_event_at,
    quarantine_counts.quarantined,
    ingest_counts.ingests
from event_counts, quarantine_counts, ingest_counts
