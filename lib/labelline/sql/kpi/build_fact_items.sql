-- name: kpi/build_fact_items
-- Per item of `events` (project, item_id): item_is_gold (any event carries a gold label),
-- first_label_id (its first submitted first-pass label: the one the item needed; later ones
-- are overlap), and first_at / last_at (the span of its events' submitted_at), in order of
-- first_at. A temporary table kpi/build_facts joins back; the span lets a build that writes
-- a few weeks at a time skip, by zone maps, the items with no event in those weeks.
select project, item_id, bool_or(gold_label is not null) as item_is_gold,
    arg_min(event_id, (submitted_at, event_id)) filter (
        where stage = 'label' and attempt = 1 and outcome = 'submitted'
    ) as first_label_id,
    min(submitted_at) as first_at,
    max(submitted_at) as last_at
from events
group by all
order by first_at
