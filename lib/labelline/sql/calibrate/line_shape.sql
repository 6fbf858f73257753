-- name: calibrate/line_shape
-- The shape of the line, one row: labeled_items (items with a first-pass label),
-- prelabeled_items (of those, pre-labeled by a model), overlap_items (with 2+ first-pass
-- labels), overlap_k (the commonest count among those), label_events_first (attempt-1
-- labels), reviewed_first (of those judged), rejected_first (of those rejected at once),
-- max_attempt (highest label attempt), adjudicated_items, disagreeing_items (overlap items
-- whose answers differ), label_s_prelabeled / label_s_plain (median label seconds on items
-- with and without a pre-label), qa_items.
with per_item as (
    select project, item_id,
        count(*) filter (where stage = 'label' and attempt = 1 and outcome = 'submitted') as first_labels,
        count(distinct label) filter (where stage = 'label' and attempt = 1 and outcome = 'submitted') as answers,
        bool_or(stage = 'prelabel') as prelabeled,
        bool_or(stage = 'adjudicate') as adjudicated,
        bool_or(stage = 'qa') as qa
    from facts_in()
    group by all
),

labels as (
    select f.active_s, p.prelabeled
    from facts_in() as f join per_item as p using (project, item_id)
    where f.stage = 'label' and f.outcome = 'submitted' and f.active_s > 0
)

select
    count(*) filter (where first_labels > 0) as labeled_items,
    count(*) filter (where first_labels > 0 and prelabeled) as prelabeled_items,
    count(*) filter (where first_labels > 1) as overlap_items,
    mode(first_labels) filter (where first_labels > 1) as overlap_k,
    (select count(*) from facts_in() where stage = 'label' and attempt = 1 and outcome = 'submitted')
        as label_events_first,
    (select count(*) from facts_in() where stage = 'label' and attempt = 1 and first_review is not null)
        as reviewed_first,
    (select count(*) from facts_in() where stage = 'label' and attempt = 1 and first_review = 'rejected')
        as rejected_first,
    (select max(attempt) from facts_in() where stage = 'label') as max_attempt,
    count(*) filter (where adjudicated) as adjudicated_items,
    count(*) filter (where answers > 1) as disagreeing_items,
    (select median(active_s) from labels where prelabeled) as label_s_prelabeled,
    (select median(active_s) from labels where not prelabeled) as label_s_plain,
    count(*) filter (where qa) as qa_items
from per_item
