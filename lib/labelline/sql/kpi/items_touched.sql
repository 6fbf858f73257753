-- name: kpi/items_touched
-- Distinct items (project, item_id) with an event in the filter: one row, items (count).
select count(distinct (project, item_id)) as items from facts_in()
