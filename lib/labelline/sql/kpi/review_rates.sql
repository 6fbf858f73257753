-- name: kpi/review_rates
-- Review outcomes of submitted labels by dimension ('all', 'project', 'tier', 'worker' of
-- the labeler; value null for 'all'): label_submitted (label events), rework_labels (of those
-- at attempt > 1), rework_rate (share), reviewed_first_pass (attempt-1 labels that were
-- judged), accepted_first_pass (of those, accepted at their first judgement),
-- first_pass_acceptance (share), judged_labels (labels of any attempt that were judged),
-- rejected_labels (of those, rejected at their first judgement), rejection_rate (share).
with labels as (
    select project, tier, worker_id, attempt, first_review, reviews
    from facts_in()
    where stage = 'label' and outcome = 'submitted'
)

select
    case
        when grouping(project) = 0 then 'project'
        when grouping(tier) = 0 then 'tier'
        when grouping(worker_id) = 0 then 'worker'
        else 'all'
    end as dimension,
    coalesce(project, tier, worker_id) as value,
    count(*) as label_submitted,
    count(*) filter (where attempt > 1) as rework_labels,
    rework_labels / nullif(label_submitted, 0) as rework_rate,
    count(*) filter (where attempt = 1 and first_review is not null) as reviewed_first_pass,
    count(*) filter (where attempt = 1 and first_review = 'accepted') as accepted_first_pass,
    accepted_first_pass / nullif(reviewed_first_pass, 0) as first_pass_acceptance,
    count(*) filter (where first_review is not null) as judged_labels,
    count(*) filter (where first_review = 'rejected') as rejected_labels,
    rejected_labels / nullif(judged_labels, 0) as rejection_rate
from labels
group by grouping sets ((), (project), (tier), (worker_id))
order by dimension, value
