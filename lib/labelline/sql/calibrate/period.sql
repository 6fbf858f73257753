-- name: calibrate/period
-- The observed period: first_at, last_at (timestamps, UTC) of the events in the filter,
-- items (created in it), finished (items finished in it).
select
    (select min(submitted_at) from facts_in()) as first_at,
    (select max(submitted_at) from facts_in()) as last_at,
    (select count(*) from items_in() where in_range(created_at)) as items,
    (select count(*) from items_in() where finished_at is not null and in_range(finished_at)) as finished
