-- name: calibrate/label_waits
-- How long first-pass labels waited to be picked up, per pool: tier, org, queued_h,
-- started_h (hours since Monday 1970-01-05 00:00 UTC, so the caller can count working hours
-- on a weekly shift), up to $per_group seeded rows per pool.
select tier, org, queued_h, started_h
from (
    select tier, coalesce(org, 'in_house') as org,
        epoch(queued_at - timestamp '1970-01-05') / 3600.0 as queued_h,
        epoch(started_at - timestamp '1970-01-05') / 3600.0 as started_h,
        row_number() over (partition by tier, org order by hash(event_id)) as n
    from facts_in()
    where stage = 'label' and attempt = 1 and started_at >= queued_at
)
where n <= $per_group
