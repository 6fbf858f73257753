-- name: kpi/macros
-- Temporary macros every KPI query reads through, so the filter is written once. They read
-- the session variables that labelline.kpis.filters.KpiFilter.apply sets (f_start, f_end:
-- TIMESTAMP, end exclusive; f_projects, f_task_types, f_stages, f_tiers, f_orgs, f_workers:
-- VARCHAR[] or NULL for all).
-- facts_in(): events submitted in the range, matching every dimension.
-- items_in(): items of the projects and task types, attributed (final label) to the tiers,
-- orgs and workers; no date condition: each KPI applies the range to the moment it counts.
-- labels_in(): first-pass answers (item_labels) of items first answered in the range,
-- matching the dimensions (stage is always label).
-- in_range(ts): whether a timestamp is inside the range.
create or replace temp macro in_list(value, allowed) as (allowed is null or list_contains(allowed, value));

create or replace temp macro in_range(ts) as (
    (getvariable('f_start') is null or ts >= getvariable('f_start'))
    and (getvariable('f_end') is null or ts < getvariable('f_end'))
);

create or replace temp macro facts_in() as table
select *
from facts
where in_range(submitted_at)
    and in_list(project, getvariable('f_projects'))
    and in_list(task_type, getvariable('f_task_types'))
    and in_list(stage, getvariable('f_stages'))
    and in_list(tier, getvariable('f_tiers'))
    and in_list(org, getvariable('f_orgs'))
    and in_list(worker_id, getvariable('f_workers'));

create or replace temp macro items_in() as table
select *
from items
where in_list(project, getvariable('f_projects'))
    and in_list(task_type, getvariable('f_task_types'))
    and in_list(final_tier, getvariable('f_tiers'))
    and in_list(final_org, getvariable('f_orgs'))
    and in_list(final_worker, getvariable('f_workers'));

create or replace temp macro labels_in() as table
select *
from item_labels
where in_range(item_first_at)
    and in_list(project, getvariable('f_projects'))
    and in_list(task_type, getvariable('f_task_types'))
    and in_list(tier, getvariable('f_tiers'))
    and in_list(org, getvariable('f_orgs'))
    and in_list(worker_id, getvariable('f_workers'))
    and in_list('label', getvariable('f_stages'));

-- Rollups (built per snapshot, by day): the same filters, minus workers (the facade reads
-- the events themselves when a worker filter is set).
create or replace temp macro rollup_in(day, project, task_type, stage, tier, org) as (
    in_range(day::timestamp)
    and in_list(project, getvariable('f_projects'))
    and in_list(task_type, getvariable('f_task_types'))
    and in_list(stage, getvariable('f_stages'))
    and in_list(tier, getvariable('f_tiers'))
    and in_list(org, getvariable('f_orgs'))
);

create or replace temp macro item_rollup_in(project, task_type, final_tier, final_org) as (
    in_list(project, getvariable('f_projects'))
    and in_list(task_type, getvariable('f_task_types'))
    and in_list(final_tier, getvariable('f_tiers'))
    and in_list(final_org, getvariable('f_orgs'))
);
