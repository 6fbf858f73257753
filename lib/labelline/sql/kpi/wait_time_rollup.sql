-- name: kpi/wait_time_rollup
-- The columns of kpi/wait_time (stage, events, p50_s, p90_s, p95_s, mean_s, coverage), read
-- from rollup_events and the histogram rollup_wait (no worker filter): events, mean_s and
-- coverage exact; the percentiles within 1 %.
with stages as (
    select stage, sum(wait_events)::bigint as events, sum(wait_s) as wait_s, sum(events) as all_events
    from rollup_events
    where rollup_in(day, project, task_type, stage, tier, org)
    group by stage
),

hist as (
    select
        stage,
        case when bucket = -9999 then 0 else exp((bucket + 0.5) * ln(1.02)) end as v,
        sum(n) as n
    from rollup_wait
    where rollup_in(day, project, task_type, stage, tier, org)
    group by all
),

cum as (
    select
        *,
        sum(n) over (partition by stage order by v rows unbounded preceding) as cum,
        (sum(n) over (partition by stage) - 1) * 0.5 as h50,
        (sum(n) over (partition by stage) - 1) * 0.9 as h90,
        (sum(n) over (partition by stage) - 1) * 0.95 as h95
    from hist
),

-- quantile_cont on the buckets' middles (as kpi/touch_time_rollup).
quantiles as (
    select
        stage,
        any_value(h50) as h50,
        any_value(h90) as h90,
        any_value(h95) as h95,
        min(v) filter (where cum > floor(h50)) as lo50,
        min(v) filter (where cum > ceil(h50)) as hi50,
        min(v) filter (where cum > floor(h90)) as lo90,
        min(v) filter (where cum > ceil(h90)) as hi90,
        min(v) filter (where cum > floor(h95)) as lo95,
        min(v) filter (where cum > ceil(h95)) as hi95
    from cum
    group by stage
)

select
    s.stage,
    s.events,
    q.lo50 + (q.h50 - floor(q.h50)) * (q.hi50 - q.lo50) as p50_s,
    q.lo90 + (q.h90 - floor(q.h90)) * (q.hi90 - q.lo90) as p90_s,
    q.lo95 + (q.h95 - floor(q.h95)) * (q.hi95 - q.lo95) as p95_s,
    s.wait_s / nullif(s.events, 0) as mean_s,
    s.events / s.all_events as coverage
from stages as s
left join quantiles as q using (stage)
order by stage
