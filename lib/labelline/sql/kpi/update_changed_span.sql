-- name: kpi/update_changed_span
-- The span of submitted_at (first_at, last_at) holding every event of the changed items,
-- old and new: their rows of `facts` (before the update) and their changed events
-- (`changed_items`). An update reads the store's events in this span only.
select min(first_at) as first_at, max(last_at) as last_at
from (
    select first_at, last_at from changed_items
    union all
    select min(submitted_at), max(submitted_at) from facts semi join changed_items using (project, item_id)
)
