-- name: ingest/repeated_ids
-- How many event ids (by 64-bit hash) occur more than once among a one-pass publish's
-- written rows (new, updated and unchanged). Parameter: $files (text[]). Any repeat sends
-- the file down the full path, which quarantines the repeats with their record numbers.
-- Grouping on the hash rather than the text is ~25 % cheaper at 10M ids; a collision
-- (odds about 3 in a million for 10M distinct ids) only costs the full path's exact check.
select count(*)
from (
    select hash(event_id) as id_hash
    from read_parquet($files)
    group by id_hash
    having count(*) > 1
)
