-- name: kpi/stage_events
-- Work done per period ($grain: 'hour', 'day' or 'week') and stage: events (count), by outcome
-- (submitted, skipped, accepted, rejected, fixed, resolved: counts), active_h (hours of
-- measured work) and cost (money).
select
    date_trunc($grain, submitted_at) as period,
    stage,
    count(*) as events,
    count(*) filter (where outcome = 'submitted') as submitted,
    count(*) filter (where outcome = 'skipped') as skipped,
    count(*) filter (where outcome = 'accepted') as accepted,
    count(*) filter (where outcome = 'rejected') as rejected,
    count(*) filter (where outcome = 'fixed') as fixed,
    count(*) filter (where outcome = 'resolved') as resolved,
    coalesce(sum(active_s), 0) / 3600.0 as active_h,
    sum(cost) as cost
from facts_in()
group by all
order by period, stage
