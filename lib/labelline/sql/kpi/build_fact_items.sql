-- name: kpi/build_fact_items
-- Per item of `events` (project, item_id): item_is_gold (any event carries a gold label) and
-- first_label_id (its first submitted first-pass label: the one the item needed; later ones
-- are overlap). A temporary table kpi/build_facts joins back.
select project, item_id, bool_or(gold_label is not null) as item_is_gold,
    arg_min(event_id, (submitted_at, event_id)) filter (
        where stage = 'label' and attempt = 1 and outcome = 'submitted'
    ) as first_label_id
from events
group by all
