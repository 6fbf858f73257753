-- name: kpi/store_log_counts
-- On a store connection (the views quarantine and ingests, not the KPI tables): quarantined
-- (records that could not be ingested) and ingests (files ingested), as sql/store_status.
select
    (select count(*) from quarantine) as quarantined,
    (select count(*) from ingests) as ingests
