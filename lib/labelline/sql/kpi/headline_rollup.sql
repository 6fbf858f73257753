-- name: kpi/headline_rollup
-- The columns of kpi/headline, read from the rollups (no worker filter): exact counts and
-- money; touch-time quantiles, mean and capped count from the 2 % histogram (within 1 % of
-- the exact values, times capped at $cap_s); items = items whose first-to-last event span
-- overlaps the range (of the projects and task types), or, under a stage, tier or org
-- filter, null (the facade then counts them from the events).
with ev as (
    select * from rollup_events where rollup_in(day, project, task_type, stage, tier, org)
),

hist as (
    select
        least(case when bucket = -9999 then 0 else exp((bucket + 0.5) * ln(1.02)) end, $cap_s) as value,
        case when bucket = -9999 then 0 else exp(bucket * ln(1.02)) end > $cap_s as above_cap,
        sum(n) as n
    from rollup_touch
    where rollup_in(day, project, task_type, stage, tier, org) and stage = 'label'
    group by all
),

cum as (
    select value, above_cap, n, sum(n) over (order by value rows unbounded preceding) as cum, sum(n) over () as total
    from hist
),

quantiles as (
    select list(v order by q) as touch_quantiles_s
    from (
        select q, min(value) filter (where cum >= q * total) as v
        from cum, (select unnest([0.5, 0.9, 0.95]) as q)
        group by q
    )
    where v is not null
)

select
    (select coalesce(sum(events), 0) from ev) as events,
    case
        when getvariable('f_stages') is null and getvariable('f_tiers') is null and getvariable('f_orgs') is null
            then (
                select count(*) from items
                where in_list(project, getvariable('f_projects'))
                    and in_list(task_type, getvariable('f_task_types'))
                    and (getvariable('f_start') is null or last_event_at >= getvariable('f_start'))
                    and (getvariable('f_end') is null or first_event_at < getvariable('f_end'))
            )
    end as items,
    (
        select count(distinct worker_id) from rollup_workers
        where rollup_in(day, project, task_type, stage, tier, org)
    ) as workers,
    (select coalesce(sum(label_submitted), 0) from ev) as label_events,
    (select min(first_at) from ev) as first_at,
    (select max(last_at) from ev) as last_at,
    (select coalesce(sum(cost), 0) from ev) as cost,
    (select coalesce(sum(unpriced), 0) from ev) as unpriced,
    (select touch_quantiles_s from quantiles) as touch_quantiles_s,
    (select sum(value * n) / sum(n) from hist) as touch_mean_s,
    (select coalesce(sum(n), 0) from hist) as touch_events,
    (select coalesce(sum(n) filter (where above_cap), 0) from hist) as touch_capped,
    (select coalesce(sum(reviewed_first_pass), 0) from ev) as reviewed_first_pass,
    (select coalesce(sum(accepted_first_pass), 0) from ev) as accepted_first_pass,
    (select coalesce(sum(label_submitted), 0) from ev) as label_submitted,
    (select coalesce(sum(rework_labels), 0) from ev) as rework_labels,
    (select coalesce(sum(reviews), 0) from ev) as reviews,
    (select coalesce(sum(rejected_reviews), 0) from ev) as rejected_reviews,
    (select coalesce(sum(gold_trials), 0) from ev) as gold_trials,
    (select coalesce(sum(gold_correct), 0) from ev) as gold_correct
