-- name: kpi/throughput_rollup
-- The columns of kpi/throughput at $grain 'day' or 'week', read from rollup_finished.
select
    date_trunc($grain, day)::timestamp as period,
    coalesce(final_tier, '(none)') as tier,
    sum(n)::bigint as finished,
    (sum(n) filter (where status = 'accepted'))::bigint as accepted
from rollup_finished
where in_range(day::timestamp) and item_rollup_in(project, task_type, final_tier, final_org)
group by all
order by period, tier
