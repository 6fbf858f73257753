-- name: kpi/touch_time_rollup
-- The columns of kpi/touch_time by stage, and by stage within task type and tier (no worker
-- rows), read from the histogram rollup_touch (no worker filter): events exact; p50_s,
-- p90_s, p95_s (quantile_cont's interpolation on the buckets' middles) and mean_s within 1 %
-- (each time capped at $cap_s); capped counts the buckets that start above the cap (the one
-- bucket that straddles it is not counted).
with hist as (
    select
        case
            when grouping(task_type) = 0 then 'task_type'
            when grouping(tier) = 0 then 'tier'
            else 'stage'
        end as dimension,
        coalesce(task_type, tier) as value,
        stage,
        bucket,
        sum(n) as n
    from rollup_touch
    where rollup_in(day, project, task_type, stage, tier, org)
    group by grouping sets ((stage, bucket), (stage, task_type, bucket), (stage, tier, bucket))
),

valued as (
    select
        dimension,
        value,
        stage,
        n,
        least(case when bucket = -9999 then 0 else exp((bucket + 0.5) * ln(1.02)) end, $cap_s) as v,
        case when bucket = -9999 then 0 else exp(bucket * ln(1.02)) end > $cap_s as above_cap
    from hist
),

cum as (
    select
        *,
        sum(n) over (partition by dimension, value, stage order by v rows unbounded preceding) as cum,
        (sum(n) over (partition by dimension, value, stage) - 1) * 0.5 as h50,
        (sum(n) over (partition by dimension, value, stage) - 1) * 0.9 as h90,
        (sum(n) over (partition by dimension, value, stage) - 1) * 0.95 as h95
    from valued
),

-- quantile_cont on the buckets' middles: at position h = (events - 1) q, between the order
-- statistics floor(h) and ceil(h) (0-based; the k-th lies in the first bucket with cum > k).
around as (
    select
        dimension,
        value,
        stage,
        sum(n)::bigint as events,
        any_value(h50) as h50,
        any_value(h90) as h90,
        any_value(h95) as h95,
        min(v) filter (where cum > floor(h50)) as lo50,
        min(v) filter (where cum > ceil(h50)) as hi50,
        min(v) filter (where cum > floor(h90)) as lo90,
        min(v) filter (where cum > ceil(h90)) as hi90,
        min(v) filter (where cum > floor(h95)) as lo95,
        min(v) filter (where cum > ceil(h95)) as hi95,
        sum(v * n) / sum(n) as mean_s,
        coalesce(sum(n) filter (where above_cap), 0)::bigint as capped
    from cum
    group by dimension, value, stage
)

select
    dimension,
    value,
    stage,
    events,
    lo50 + (h50 - floor(h50)) * (hi50 - lo50) as p50_s,
    lo90 + (h90 - floor(h90)) * (hi90 - lo90) as p90_s,
    lo95 + (h95 - floor(h95)) * (hi95 - lo95) as p95_s,
    mean_s,
    capped
from around
order by dimension, stage, value
