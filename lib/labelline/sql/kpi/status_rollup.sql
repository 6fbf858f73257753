-- name: kpi/status_rollup
-- The event counts of `labelline status` (sql/store_status), read from the KPI tables of the
-- same snapshot instead of scanning the events: events, items (distinct project and item),
-- workers (distinct), projects (distinct), first_event_at, last_event_at (UTC). Exact.
select
    (select coalesce(sum(events), 0)::bigint from rollup_events) as events,
    (select count(*) from items) as items,
    (select count(distinct worker_id) from rollup_workers) as workers,
    (select count(distinct project) from rollup_events) as projects,
    (select min(first_at) from rollup_events) as first_event_at,
    (select max(last_at) from rollup_events) as last_event_at
