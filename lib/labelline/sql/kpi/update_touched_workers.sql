-- name: kpi/update_touched_workers
-- The workers with an event on a changed item (their scorecards are redone). Run before and
-- after the items are rebuilt. Reads `facts` and `changed_items`.
select distinct worker_id from facts semi join changed_items using (project, item_id)
