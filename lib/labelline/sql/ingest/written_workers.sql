-- name: ingest/written_workers
-- Distinct human worker ids in a one-pass publish's files: if any is an e-mail or a name,
-- the file takes the full path, which pseudonymises them. Parameter: $files (text[]).
select distinct worker_id
from read_parquet($files)
where tier <> 'model'
