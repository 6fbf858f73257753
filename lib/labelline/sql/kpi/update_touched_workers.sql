-- name: kpi/update_touched_workers
-- The workers with an event on a changed item (their scorecards are redone). Run before and
-- after the items are rebuilt. Every event of a changed item lies in [$first_at, $last_at]
-- (kpi/update_changed_span). Reads `facts` and `changed_items`.
select distinct worker_id from facts semi join changed_items using (project, item_id)
where submitted_at between $first_at and $last_at
