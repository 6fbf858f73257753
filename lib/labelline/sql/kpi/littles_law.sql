-- name: kpi/littles_law
-- Little's law check over the range (the data's span when unbounded): wip (time-average
-- number of items on the line: created, not yet finished), throughput_per_h (items finished
-- per hour), cycle_mean_h (mean hours from created to finished, items finished in the
-- range), predicted_wip (throughput_per_h x cycle_mean_h), ratio (wip / predicted_wip: near 1
-- on a stable line; far from 1 means the range is not in steady state or times are
-- missing), window_h (hours in the window).
with span as (
    select
        coalesce(getvariable('f_start'), min(created_at)) as w_start,
        coalesce(getvariable('f_end'), max(coalesce(finished_at, created_at))) as w_end
    from items_in()
),

on_line as (
    select
        sum(epoch(least(coalesce(i.finished_at, s.w_end), s.w_end) - greatest(i.created_at, s.w_start))) as item_s
    from items_in() as i, span as s
    where i.created_at < s.w_end and coalesce(i.finished_at, s.w_end) > s.w_start
),

done as (
    select count(*) as n, avg(epoch(i.finished_at - i.created_at)) / 3600.0 as cycle_mean_h
    from items_in() as i
    where i.finished_at is not null and in_range(i.finished_at)
)

select
    on_line.item_s / nullif(epoch(s.w_end - s.w_start), 0) as wip,
    done.n / nullif(epoch(s.w_end - s.w_start) / 3600.0, 0) as throughput_per_h,
    done.cycle_mean_h,
    throughput_per_h * done.cycle_mean_h as predicted_wip,
    wip / nullif(predicted_wip, 0) as ratio,
    epoch(s.w_end - s.w_start) / 3600.0 as window_h
from span as s, on_line, done
