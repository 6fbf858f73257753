-- name: kpi/update_touched_days
-- The (project, day) groups of the rollups that the changed items' rows fall in, on every
-- day a rollup groups by: the day of each event (facts.day), of each item's first answer
-- (item_labels.item_first_at), of its finish and of its creation (items). Run before and
-- after the items are rebuilt, so groups they leave and groups they join are both redone.
-- Every event of a changed item lies in [$first_at, $last_at] (kpi/update_changed_span):
-- the conditions on it let the scans skip row groups (facts and item_labels are in time order).
-- Reads `facts`, `items`, `item_labels` and `changed_items`.
select project, day from facts semi join changed_items using (project, item_id)
where submitted_at between $first_at and $last_at
union
select project, item_first_at::date from item_labels semi join changed_items using (project, item_id)
where submitted_at between $first_at and $last_at
union
select project, finished_at::date from items semi join changed_items using (project, item_id)
where finished_at is not null and last_event_at between $first_at and $last_at
union
select project, created_at::date from items semi join changed_items using (project, item_id)
where last_event_at between $first_at and $last_at
