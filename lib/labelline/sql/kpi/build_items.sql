-- name: kpi/build_items
-- Builds table `items` (a SELECT; labelline.kpis.tables creates or updates it): one row
-- per (project, item_id) of `facts`, with its life on the line.
-- created_at: when it entered the line (earliest queued_at, started_at or submitted_at of its
-- events: the log has no item table, so this is derived). finished_at: when its work settled:
-- its latest judgement (review, qa, adjudicate) if that accepted, fixed or resolved it; or,
-- in a project that reviews only a sample (under 90 % of labeled items judged), its last
-- submitted label when it was never judged. status: 'accepted' (finished by a judgement),
-- 'submitted' (finished without review), 'rework' (latest judgement rejected it),
-- 'awaiting_review' (labeled, in a fully reviewed project, not judged yet), 'open' (no
-- submitted label). final_tier, final_org, final_worker: who gave its last submitted label
-- (throughput is attributed to them, so throughput by tier sums to the total).
-- cost (money): everything spent on the item. labels, events: counts. first_event_at,
-- last_event_at: its first and last event. cycle_h: hours from created_at to finished_at.
with per_item as (
    select
        project,
        item_id,
        any_value(task_type) as task_type,
        min(least(
            coalesce(queued_at, submitted_at), coalesce(started_at, submitted_at), submitted_at
        )) as created_at,
        bool_or(item_is_gold) as is_gold,
        min(submitted_at) as first_event_at,
        max(submitted_at) as last_event_at,
        count(*) as events,
        count(*) filter (where stage = 'label' and outcome = 'submitted') as labels,
        sum(cost) as cost,
        max(submitted_at) filter (where stage = 'label' and outcome = 'submitted') as last_label_at,
        arg_max(outcome, submitted_at) filter (
            where stage in ('review', 'qa', 'adjudicate') and outcome <> 'skipped'
        ) as last_judgement,
        max(submitted_at) filter (
            where stage in ('review', 'qa', 'adjudicate') and outcome <> 'skipped'
        ) as last_judgement_at,
        arg_max(tier, submitted_at) filter (where stage = 'label' and outcome = 'submitted') as final_tier,
        arg_max(org, submitted_at) filter (where stage = 'label' and outcome = 'submitted') as final_org,
        arg_max(worker_id, submitted_at) filter (where stage = 'label' and outcome = 'submitted') as final_worker
    from facts
    group by project, item_id
),

-- A project's review coverage is over all its items: `items_kept` holds those an update
-- does not rebuild (none in a full build).
-- fully_reviewed: kpi/review_coverage_macro.
coverage as (
    select project, fully_reviewed(last_judgement, labels) as fully_reviewed
    from (
        select project, last_judgement, labels from per_item
        union all
        select project, last_judgement, labels from items_kept
    )
    group by project
),

settled as (
    select
        i.*,
        c.fully_reviewed,
        case
            when i.last_judgement in ('accepted', 'fixed', 'resolved') then 'accepted'
            when i.last_judgement = 'rejected' then 'rework'
            when i.labels = 0 then 'open'
            when c.fully_reviewed then 'awaiting_review'
            else 'submitted'
        end as status
    from per_item as i
    join coverage as c using (project)
)

select
    * exclude (fully_reviewed),
    case status
        when 'accepted' then last_judgement_at
        when 'submitted' then last_label_at
    end as finished_at,
    epoch(finished_at - created_at) / 3600.0 as cycle_h
from settled
order by created_at
