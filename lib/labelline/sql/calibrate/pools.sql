-- name: calibrate/pools
-- Who works, per tier and org (one pool each): tier, org, stages (list of stages worked),
-- workers (distinct), weekly_workers (median distinct workers active per week, weeks with
-- work), start_hour (UTC hour of day by which 2 % of the pool's work has started: the
-- working window opens), hours_per_day (from then until 98 % of its work was submitted:
-- the window's length; one worker's own first-to-last span understates the hours they are
-- available), weekdays (0 = Monday: the days carrying at least 0.5 % of its work), events, cost
-- (money), active_h (hours of measured work).
with work as (
    select tier, coalesce(org, 'in_house') as org, worker_id, stage, day,
        coalesce(started_at, submitted_at - to_microseconds((coalesce(active_s, 0) * 1e6)::bigint)) as start_at,
        submitted_at, cost, active_s
    from facts_in()
),

weekly as (
    select tier, org, date_trunc('week', day) as week, count(distinct worker_id) as workers,
        count(distinct (worker_id, day)) / count(distinct worker_id) as days_per_worker
    from work group by all
)

select
    w.tier,
    w.org,
    list(distinct w.stage order by w.stage) as stages,
    count(distinct w.worker_id) as workers,
    (select median(workers) from weekly as k where k.tier = w.tier and k.org = w.org) as weekly_workers,
    (
        select list(weekday - 1 order by weekday) from (
            select isodow(x.start_at) as weekday, count(*) / sum(count(*)) over () as share
            from work as x where x.tier = w.tier and x.org = w.org group by all
        ) where share >= 0.005
    ) as weekdays,
    quantile_cont(hour(w.start_at) + minute(w.start_at) / 60.0, 0.02) as start_hour,
    quantile_cont(hour(w.submitted_at) + minute(w.submitted_at) / 60.0, 0.98) - start_hour as hours_per_day,
    count(*) as events,
    coalesce(sum(w.cost), 0) as cost,
    coalesce(sum(w.active_s), 0) / 3600.0 as active_h
from work as w
group by w.tier, w.org
order by events desc
