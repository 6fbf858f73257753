-- name: ingest/validate
-- Every staged record, typed to the event schema, with the first rule it breaks:
-- _field (the column) and _reason (why), both null for a good event. Good events also
-- carry content_hash. Reads the relation `staged` (text or typed columns). Parameters:
-- $default_source, $source_ref, $default_project, $stages (text[]), $stage_outcomes
-- (text[] of 'stage/outcome'), $earliest, $latest (timestamptz: plausible
-- submission window), $max_active_s (seconds: longer is not a work session).
with typed as (
    select
        clean_text(event_id::varchar) as given_event_id,
        coalesce(clean_text(source::varchar), $default_source) as source,
        $source_ref as source_ref,
        coalesce(clean_text(project::varchar), $default_project) as project,
        clean_text(batch::varchar) as batch,
        clean_text(item_id::varchar) as item_id,
        clean_text(task_type::varchar) as task_type,
        lower(clean_text(stage::varchar)) as stage,
        clean_text(worker_id::varchar) as worker_id,
        clean_text(tier::varchar) as tier,
        clean_text(org::varchar) as org,
        lower(clean_text(outcome::varchar)) as outcome,
        label::varchar as label,
        gold_label::varchar as gold_label,
        clean_text(reviews_event_id::varchar) as reviews_event_id,
        clean_text(meta::varchar) as meta,
        -- Times and numbers arrive typed (Parquet, CSV read with types) or as text (adapters).
        -- try_cast is free on typed input; the text form is only built for messages.
        attempt as attempt_in,
        queued_at as queued_at_in,
        started_at as started_at_in,
        submitted_at as submitted_at_in,
        active_s as active_s_in,
        cost as cost_in,
        -- Missing means the first attempt. The CASE builds the text only for a value
        -- that does not cast (a projection evaluates every operand of AND/OR/nullif
        -- for every row; CASE and COALESCE evaluate a branch only for the rows reaching it).
        coalesce(try_cast(attempt as integer),
                 case when attempt is null or clean_text(attempt::varchar) is null then 1 end) as attempt,
        try_cast(queued_at as timestamptz) as queued_at,
        try_cast(started_at as timestamptz) as started_at,
        try_cast(submitted_at as timestamptz) as submitted_at,
        try_cast(active_s as double) as active_s,
        try_cast(cost as double) as cost,
        _seq,
        _record,
        _position,
        _raw,
        _insert_only
    from staged
),

cast_values as (
    select
        *,
        -- Present but not castable: text that is not blank. Typed input (the CSV reader,
        -- Parquet) never gets past the first test, so the text form is built only for
        -- text that did not cast: converting every timestamp to text cost ~1 s per 1M rows.
        attempt is null as attempt_bad,
        case when queued_at is null and queued_at_in is not null
             then clean_text(queued_at_in::varchar) is not null else false end as queued_at_bad,
        case when started_at is null and started_at_in is not null
             then clean_text(started_at_in::varchar) is not null else false end as started_at_bad,
        case when active_s is null and active_s_in is not null
             then clean_text(active_s_in::varchar) is not null else false end as active_s_bad,
        case when cost is null and cost_in is not null
             then clean_text(cost_in::varchar) is not null else false end as cost_bad
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
            when attempt_bad then ['attempt', 'not a whole number: ''' || left(attempt_in::varchar, 40) || '''']
            when attempt < 1 then ['attempt', 'must be 1 or more, got ' || attempt::varchar]
            when worker_id is null then ['worker_id', 'required value is missing']
            when tier is null then ['tier', 'required value is missing']
            when outcome is null then ['outcome', 'required value is missing']
            when not list_contains($stage_outcomes, stage || '/' || outcome) then ['outcome', '''' || left(outcome, 40) || ''' is not an outcome of stage ' || stage]
            when submitted_at is null and clean_text(submitted_at_in::varchar) is null then
                ['submitted_at', 'required value is missing']
            when submitted_at is null then
                ['submitted_at', 'not a timestamp: ''' || left(submitted_at_in::varchar, 40) || '''']
            when submitted_at < $earliest or submitted_at > $latest then
                ['submitted_at', 'impossible time ' || strftime(submitted_at, '%Y-%m-%dT%H:%M:%SZ')]
            when started_at_bad then
                ['started_at', 'not a timestamp: ''' || left(started_at_in::varchar, 40) || '''']
            when started_at < $earliest then
                ['started_at', 'impossible time ' || strftime(started_at, '%Y-%m-%dT%H:%M:%SZ')]
            when started_at > submitted_at + interval 1 second then
                ['started_at', 'after submitted_at']
            when queued_at_bad then
                ['queued_at', 'not a timestamp: ''' || left(queued_at_in::varchar, 40) || '''']
            when queued_at < $earliest then
                ['queued_at', 'impossible time ' || strftime(queued_at, '%Y-%m-%dT%H:%M:%SZ')]
            when queued_at > coalesce(started_at, submitted_at) + interval 1 second then
                ['queued_at', 'after the work started']
            when active_s_bad then
                ['active_s', 'not a number: ''' || left(active_s_in::varchar, 40) || '''']
            when isnan(active_s) or isinf(active_s) then ['active_s', 'not a finite number']
            when active_s < 0 then ['active_s', 'negative duration ' || active_s::varchar || ' s']
            when active_s > $max_active_s then
                ['active_s', 'absurd duration ' || active_s::varchar || ' s (limit ' || $max_active_s::varchar || ' s)']
            when cost_bad then
                ['cost', 'not a number: ''' || left(cost_in::varchar, 40) || '''']
            when isnan(cost) or isinf(cost) or cost < 0 then ['cost', 'must be a finite amount >= 0']
            when meta is not null and not coalesce(try(json_valid(meta)), false) then ['meta', 'not valid JSON']
        end as problem
    from cast_values
)

select
    coalesce(
        given_event_id,
        'derived-' || md5(concat_ws(chr(31), source, project, item_id, stage, attempt::varchar, worker_id,
                                    epoch_us(submitted_at)::varchar))
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
    _insert_only,
    -- A rejected row keeps its source text for the quarantine; a good one needs none.
    case when problem is not null then coalesce(_raw, to_json({
        'event_id': given_event_id, 'source': source, 'project': project, 'batch': batch,
        'item_id': item_id, 'task_type': task_type, 'stage': stage, 'attempt': attempt_in::varchar,
        'worker_id': worker_id, 'tier': tier, 'org': org, 'queued_at': queued_at_in::varchar,
        'started_at': started_at_in::varchar, 'submitted_at': submitted_at_in::varchar,
        'active_s': active_s_in::varchar, 'outcome': outcome, 'label': label, 'gold_label': gold_label,
        'reviews_event_id': reviews_event_id, 'cost': cost_in::varchar, 'meta': meta
    })::varchar) end as _raw,
    problem[1] as _field,
    problem[2] as _reason
from problems
