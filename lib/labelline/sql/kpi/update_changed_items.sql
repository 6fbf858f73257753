-- name: kpi/update_changed_items
-- The items an ingest changed, with the span of time their changed events cover: project,
-- item_id, first_at, last_at (submitted_at). A changed event is in the files the ingest
-- retired but not, with the same content, in the files it added, or the other way round;
-- copy-on-write rewrites carry unchanged rows from a retired file to an added one, and
-- cancel out. Reads tables `gone_keys` and `came_keys` (kpi/update_file_keys); $files: the
-- retired and added files, read again only for the changed events' rows.
with changed as (
    (select * from gone_keys anti join came_keys using (event_key, content_hash))
    union all
    (select * from came_keys anti join gone_keys using (event_key, content_hash))
),

rows as (
    select hash(event_id) as event_key, content_hash, project, item_id, submitted_at
    from read_parquet($files)
    where content_hash in (select content_hash from changed)
)

select project, item_id, min(submitted_at::timestamp) as first_at, max(submitted_at::timestamp) as last_at
from rows semi join changed using (event_key, content_hash)
group by project, item_id
