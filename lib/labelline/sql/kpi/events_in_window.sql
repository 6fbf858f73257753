-- name: kpi/events_in_window
-- The store's events (view `store_events`) submitted in [events_from, events_to) (session
-- variables, TIMESTAMP): what a KPI-table build reads as `events`. The window is everything
-- except while `facts` is written a few weeks at a time; DuckDB folds the variables into the
-- Parquet scan, so a window skips the other row groups.
select * from store_events
where submitted_at >= getvariable('events_from') and submitted_at < getvariable('events_to')
