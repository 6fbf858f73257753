-- name: kpi/build_fact_judged
-- Per judged event (project, item_id, event_id): first_review (the outcome of its first
-- review or qa judgement) and reviews (how many it got), with its item's first_at / last_at
-- (from `fact_items`), in order of first_at. A judgement counts for the event it names within
-- its own item (a review is a stage of an item), which keeps every row of `facts` a function
-- of its item's events alone: an update rebuilds only the items that changed
-- (labelline.kpis.update). A temporary table kpi/build_facts joins back.
select j.*, i.first_at, i.last_at
from (
    select project, item_id, reviews_event_id as event_id,
        arg_min(outcome, submitted_at) as first_review, count(*) as reviews
    from events
    where stage in ('review', 'qa') and reviews_event_id is not null
    group by all
) as j
join fact_items as i using (project, item_id)
order by i.first_at
