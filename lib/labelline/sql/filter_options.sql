-- name: filter_options
-- The values the sidebar filters offer: one row per dimension (project, task_type, tier,
-- org) and value, with its events, most used first. Events without an org are left out.
with dims as (
    select 'project' as dimension, project as value from events
    union all
    select 'task_type', task_type from events
    union all
    select 'tier', tier from events
    union all
    select 'org', org from events
)
select dimension, value, count(*) as events
from dims
where value is not null
group by all
order by dimension, events desc, value
