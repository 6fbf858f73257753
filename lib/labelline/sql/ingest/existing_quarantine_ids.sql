-- name: ingest/existing_quarantine_ids
-- Quarantine ids already recorded, so the same bad record is not quarantined twice.
-- Parameter: $files (text[]: the quarantine table's current Parquet files).
select quarantine_id from read_parquet($files)
