-- name: kpi/update_file_keys
-- Each event of some event files as an update compares them: event_key (a 64-bit hash of
-- event_id) and content_hash (the ingest's hash of its content). Two integers compare
-- several times faster than the ids and names themselves. $files: the files' paths.
select hash(event_id) as event_key, content_hash
from read_parquet($files)
