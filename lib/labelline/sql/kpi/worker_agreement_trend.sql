-- name: kpi/worker_agreement_trend
-- One annotator's agreement with the others who answered the same items, per period
-- ($grain: 'day' or 'week', UTC, of the annotator's answer): period, items (their answers
-- on items someone else also answered), pairs (answer pairs with another annotator),
-- agreements (pairs with the same label), percent_agreement (share of pairs that agree).
with mine as (
    select project, item_id, label, submitted_at
    from labels_in()
    where worker_id = $worker
),

others as (
    select project, item_id, label
    from labels_in()
    where worker_id <> $worker
)

select
    date_trunc($grain, m.submitted_at) as period,
    count(distinct (m.project, m.item_id)) as items,
    count(*) as pairs,
    count(*) filter (where m.label = o.label) as agreements,
    agreements / pairs as percent_agreement
from mine as m
join others as o using (project, item_id)
group by all
order by period
