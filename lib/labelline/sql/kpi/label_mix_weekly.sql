-- name: kpi/label_mix_weekly
-- The label mix per project and week (weeks start on Monday, UTC): project, week (date),
-- label, n (first-pass answers).
select project, date_trunc('week', day) as week, label, count(*) as n
from labels_in()
group by all
order by project, week, label
