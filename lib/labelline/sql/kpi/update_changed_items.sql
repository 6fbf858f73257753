-- name: kpi/update_changed_items
-- The items an ingest changed: (project, item_id) of every event that is in the files it
-- retired but not, with the same content, in the files it added, or the other way round.
-- Copy-on-write rewrites carry unchanged rows from a retired file to an added one; they
-- cancel out. Reads tables `gone_rows` and `came_rows` (kpi/update_file_rows).
with changed as (
    (select * from gone_rows except select * from came_rows)
    union all
    (select * from came_rows except select * from gone_rows)
)

select distinct project, item_id from changed
