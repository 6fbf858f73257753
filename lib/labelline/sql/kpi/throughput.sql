-- name: kpi/throughput
-- Throughput: items finished per period ($grain: 'hour', 'day' or 'week'; periods start at
-- the grain's boundary, UTC), by the tier of each item's last label (so tiers add up to the
-- total). Columns: period (timestamp), tier, finished (items), accepted (finished by a
-- positive judgement).
select
    date_trunc($grain, finished_at) as period,
    coalesce(final_tier, '(none)') as tier,
    count(*) as finished,
    count(*) filter (where status = 'accepted') as accepted
from items_in()
where finished_at is not null and in_range(finished_at)
group by all
order by period, tier
