-- name: ingest/repeated_ids
-- How many event ids occur more than once among a one-pass publish's written rows
-- (new, updated and unchanged). Parameter: $files (text[]). Any repeat sends the file
-- down the full path, which quarantines the repeats with their record numbers.
select count(*)
from (
    select event_id
    from read_parquet($files)
    group by event_id
    having count(*) > 1
)
