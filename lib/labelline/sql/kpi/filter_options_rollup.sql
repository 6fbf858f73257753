-- name: kpi/filter_options_rollup
-- The rows of sql/filter_options (dimension, value, events; most used first, events
-- without an org left out), from rollup_events.
with dims as (
    select 'project' as dimension, project as value, events from rollup_events
    union all
    select 'task_type', task_type, events from rollup_events
    union all
    select 'tier', tier, events from rollup_events
    union all
    select 'org', org, events from rollup_events
)

select dimension, value, sum(events)::bigint as events
from dims
where value is not null
group by all
order by dimension, events desc, value
