-- name: calibrate/quality
-- Quality per tier, org and task type at the label stage: tier, org, task_type,
-- gold_trials, gold_correct (labels on gold items and how many were right),
-- reviewed_first_pass, accepted_first_pass (attempt-1 labels judged, accepted at once).
select
    tier, coalesce(org, 'in_house') as org, task_type,
    count(gold_correct) as gold_trials,
    count(*) filter (where gold_correct) as gold_correct,
    count(*) filter (where attempt = 1 and first_review is not null) as reviewed_first_pass,
    count(*) filter (where attempt = 1 and first_review = 'accepted') as accepted_first_pass
from facts_in()
where stage = 'label' and outcome = 'submitted'
group by all
