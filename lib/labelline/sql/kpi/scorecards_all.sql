-- name: kpi/scorecards_all
-- The rows of kpi/scorecards for the whole snapshot at the default touch cap, prepared when
-- the KPI tables are built (table scorecards_all): what the Annotators page shows unfiltered.
select * from scorecards_all
order by label_events desc, worker_id
