-- name: ingest/validate
-- Every staged record, typed to the event schema, with the first rule it breaks:
-- _field (the column) and _reason (why), both null for a good event. Good events also
-- carry content_hash. Reads the relation `staged` (text or typed columns). Parameters:
-- $default_source, $source_ref, $default_project, $stages (text[]), $stage_outcomes
-- (text[] of 'stage/outcome'), $earliest, $latest (timestamptz: plausible
-- submission window), $max_active_s (seconds: longer is not a work session).
with typed as (
    select
        coalesce(nullif(trim(event_id::varchar), ''), null) as given_event_id,
        coalesce(nullif(trim(source::varchar), ''), $default_source) as source,
        $source_ref as source_ref,
        coalesce(nullif(trim(project::varchar), ''), $default_project) as project,
        nullif(trim(batch::varchar), '') as batch,
        nullif(trim(item_id::varchar), '') as item_id,
        nullif(trim(task_type::varchar), '') as task_type,
        lower(nullif(trim(stage::varchar), '')) as stage,
        coalesce(nullif(trim(attempt::varchar), ''), '1') as attempt_text,
        nullif(trim(worker_id::varchar), '') as worker_id,
        nullif(trim(tier::varchar), '') as tier,
        nullif(trim(org::varchar), '') as org,
        nullif(trim(queued_at::varchar), '') as queued_at_text,
        nullif(trim(started_at::varchar), '') as started_at_text,
        nullif(trim(submitted_at::varchar), '') as submitted_at_text,
        nullif(trim(active_s::varchar), '') as active_s_text,
        lower(nullif(trim(outcome::varchar), '')) as outcome,
        label::varchar as label,
        gold_label::varchar as gold_label,
        nullif(trim(reviews_event_id::varchar), '') as reviews_event_id,
        nullif(trim(cost::varchar), '') as cost_text,
        nullif(trim(meta::varchar), '') as meta,
        _seq,
        _record,
        _position,
        _raw
    from staged
),

cast_values as (
    select
        *,
        try_cast(attempt_text as integer) as attempt,
        try_cast(queued_at_text as timestamptz) as queued_at,
        try_cast(started_at_text as timestamptz) as started_at,
        try_cast(submitted_at_text as timestamptz) as submitted_at,
        try_cast(active_s_text as double) as active_s,
        try_cast(cost_text as double) as cost
    from typed
),

problems as (
    select
        *,
        case
            when project is null then ['project', 'required value is missing']
            when item_id is null then ['item_id', 'required value is missing']
            when task_type is null then ['task_type', 'required value is missing']
            when stage is null then ['stage', 'required value is missing']
            when not list_contains($stages, stage) then
                ['stage', '''' || left(stage, 40) || ''' is not one of ' || array_to_string($stages, ', ')]
            when attempt is null then ['attempt', 'not a whole number: ''' || left(attempt_text, 40) || '''']
            when attempt < 1 then ['attempt', 'must be 1 or more, got ' || attempt::varchar]
            when worker_id is null then ['worker_id', 'required value is missing']
            when tier is null then ['tier', 'required value is missing']
            when outcome is null then ['outcome', 'required value is missing']
            when not list_contains($stage_outcomes, stage || '/' || outcome) then ['outcome', '''' || left(outcome, 40) || ''' is not an outcome of stage ' || stage]
            when submitted_at_text is null then ['submitted_at', 'required value is missing']
            when submitted_at is null then
                ['submitted_at', 'not a timestamp: ''' || left(submitted_at_text, 40) || '''']
            when submitted_at < $earliest or submitted_at > $latest then
                ['submitted_at', 'impossible time ' || strftime(submitted_at, '%Y-%m-%dT%H:%M:%SZ')]
            when started_at_text is not null and started_at is null then
                ['started_at', 'not a timestamp: ''' || left(started_at_text, 40) || '''']
            when started_at < $earliest then
                ['started_at', 'impossible time ' || strftime(started_at, '%Y-%m-%dT%H:%M:%SZ')]
            when started_at > submitted_at + interval 1 second then
                ['started_at', 'after submitted_at']
            when queued_at_text is not null and queued_at is null then
                ['queued_at', 'not a timestamp: ''' || left(queued_at_text, 40) || '''']
            when queued_at < $earliest then
                ['queued_at', 'impossible time ' || strftime(queued_at, '%Y-%m-%dT%H:%M:%SZ')]
            when queued_at > coalesce(started_at, submitted_at) + interval 1 second then
                ['queued_at', 'after the work started']
            when active_s_text is not null and active_s is null then
                ['active_s', 'not a number: ''' || left(active_s_text, 40) || '''']
            when isnan(active_s) or isinf(active_s) then ['active_s', 'not a finite number']
            when active_s < 0 then ['active_s', 'negative duration ' || active_s::varchar || ' s']
            when active_s > $max_active_s then
                ['active_s', 'absurd duration ' || active_s::varchar || ' s (limit ' || $max_active_s::varchar || ' s)']
            when cost_text is not null and cost is null then
                ['cost', 'not a number: ''' || left(cost_text, 40) || '''']
            when isnan(cost) or isinf(cost) or cost < 0 then ['cost', 'must be a finite amount >= 0']
            when meta is not null and not coalesce(try(json_valid(meta)), false) then ['meta', 'not valid JSON']
        end as problem
    from cast_values
)

select
    coalesce(
        given_event_id,
        'derived-' || md5(concat_ws(chr(31), source, project, item_id, stage, attempt_text, worker_id,
                                    submitted_at_text))
    ) as event_id,
    source,
    source_ref,
    project,
    batch,
    item_id,
    task_type,
    stage,
    attempt,
    worker_id,
    tier,
    org,
    queued_at,
    started_at,
    submitted_at,
    active_s,
    outcome,
    label,
    gold_label,
    reviews_event_id,
    cost,
    meta,
    case when problem is null then content_hash(
        source, project, batch, item_id, task_type, stage, attempt, worker_id, tier, org,
        queued_at, started_at, submitted_at, active_s, outcome, label, gold_label,
        reviews_event_id, cost, meta
    ) end as content_hash,
    _seq,
    _record,
    _position,
    -- A rejected row keeps its source text for the quarantine; a good one needs none.
    case when problem is not null then coalesce(_raw, to_json({
        'event_id': given_event_id, 'source': source, 'project': project, 'batch': batch,
        'item_id': item_id, 'task_type': task_type, 'stage': stage, 'attempt': attempt_text,
        'worker_id': worker_id, 'tier': tier, 'org': org, 'queued_at': queued_at_text,
        'started_at': started_at_text, 'submitted_at': submitted_at_text, 'active_s': active_s_text,
        'outcome': outcome, 'label': label, 'gold_label': gold_label,
        'reviews_event_id': reviews_event_id, 'cost': cost_text, 'meta': meta
    })::varchar) end as _raw,
    problem[1] as _field,
    problem[2] as _reason
from problems
