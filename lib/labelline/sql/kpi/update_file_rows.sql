-- name: kpi/update_file_rows
-- The rows of some event files as an update compares them: event_id, content_hash (the
-- ingest's hash of the event's content), project, item_id. $files: the files' paths.
select event_id, content_hash, project, item_id
from read_parquet($files)
