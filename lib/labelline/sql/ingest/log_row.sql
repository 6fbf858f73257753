-- name: ingest/log_row
-- One row of the `ingests` table for a finished file, typed as the table wants it. Built in
-- DuckDB rather than from Python values: pyarrow imports pandas to convert those (0.5-2 s).
select
    $ingest_id::varchar as ingest_id,
    $started_at::timestamptz as started_at,
    $finished_at::timestamptz as finished_at,
    $source_file::varchar as source_file,
    $file_sha256::varchar as file_sha256,
    $format::varchar as format,
    $records::bigint as records,
    $ingested::bigint as ingested,
    $updated::bigint as updated,
    $unchanged::bigint as unchanged,
    $quarantined::bigint as quarantined,
    $events_version::bigint as events_version
