-- name: kpi/finished_items
-- Items finished inside the filter's range (finished_at in range), one row: finished
-- (count), accepted (finished by a positive judgement), cost (money spent on those items,
-- every event they needed), cycle_p50_h / cycle_p90_h / cycle_p95_h / cycle_mean_h (hours
-- from created_at to finished_at), backlog (items created before the range end and not
-- finished by then), days (calendar days the range covers; the data's span when unbounded).
with span as (
    select
        coalesce(getvariable('f_start'), min(created_at)::date::timestamp) as range_start,
        coalesce(getvariable('f_end'), max(coalesce(finished_at, created_at))::date::timestamp + interval 1 day)
            as range_end
    from items_in()
),

done as (
    select *, epoch(finished_at - created_at) / 3600.0 as cycle_h
    from items_in()
    where finished_at is not null and in_range(finished_at)
)

select
    (select count(*) from done) as finished,
    (select count(*) from done where status = 'accepted') as accepted,
    (select coalesce(sum(cost), 0) from done) as cost,
    (select quantile_cont(cycle_h, [0.5, 0.9, 0.95]) from done) as cycle_quantiles_h,
    (select avg(cycle_h) from done) as cycle_mean_h,
    (
        select count(*) from items_in(), span
        where created_at < span.range_end and (finished_at is null or finished_at >= span.range_end)
    ) as backlog,
    (select greatest(datediff('day', range_start, range_end), 0) from span) as days
