-- name: kpi/build_time_chunks
-- Events per week of submitted_at (week: the Monday it starts, UTC), in time order: a full
-- build writes `facts` a run of whole weeks at a time (labelline.kpis.tables).
select date_trunc('week', submitted_at) as week, count(*) as events
from events
group by all
order by week
