-- name: kpi/finished_items_rollup
-- The columns of kpi/finished_items, read from rollup_finished and rollup_created (no
-- worker filter): exact counts, money and mean; cycle-time quantiles from the 2 % histogram
-- (within 1 %).
with done as (
    select
        case when bucket = -9999 then 0 else exp((bucket + 0.5) * ln(1.02)) end as value,
        status, n, cost, cycle_h
    from rollup_finished
    where in_range(day::timestamp) and item_rollup_in(project, task_type, final_tier, final_org)
),

hist as (select value, sum(n) as n from done group by value),

cum as (
    select value, sum(n) over (order by value rows unbounded preceding) as cum, sum(n) over () as total from hist
),

span as (
    select
        coalesce(getvariable('f_start'), (select min(day) from rollup_created)::timestamp) as range_start,
        coalesce(
            getvariable('f_end'),
            greatest((select max(day) from rollup_created), (select max(day) from rollup_finished))::timestamp
            + interval 1 day
        ) as range_end
),

created as (
    select coalesce(sum(n), 0) as n from rollup_created, span
    where day::timestamp < span.range_end and item_rollup_in(project, task_type, final_tier, final_org)
),

finished_before_end as (
    select coalesce(sum(n), 0) as n from rollup_finished, span
    where day::timestamp < span.range_end and item_rollup_in(project, task_type, final_tier, final_org)
)

select
    (select coalesce(sum(n), 0) from done) as finished,
    (select coalesce(sum(n) filter (where status = 'accepted'), 0) from done) as accepted,
    (select coalesce(sum(cost), 0) from done) as cost,
    (
        select list(v order by q) from (
            select q, min(value) filter (where cum >= q * total) as v
            from cum, (select unnest([0.5, 0.9, 0.95]) as q)
            group by q
        ) where v is not null
    ) as cycle_quantiles_h,
    (select sum(cycle_h) / sum(n) from done) as cycle_mean_h,
    (select created.n - finished_before_end.n from created, finished_before_end) as backlog,
    (select greatest(datediff('day', range_start, range_end), 0) from span) as days
