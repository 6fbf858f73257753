-- name: priced_events
-- Every event of `events`, once, with what it cost and why: cost_amount (money, in
-- cost_currency), cost_basis ('source': the event's own cost; 'per_item' or 'hourly': a
-- rate-card rule; 'unpriced': no rule matches, or an hourly rule but no active_s),
-- cost_rule (the rule that priced it) and platform_fee_amount (part of cost_amount).
-- Reads `events` and `rates` (lib/labelline/rates.py registers it). The best rule for an
-- event matches on tier, org, stage and task_type (or '*'), is valid at submitted_at
-- (valid_to exclusive), and is the most specific, then the latest valid_from, then the first.
with candidates as (
    select
        events.event_id,
        rates.*,
        row_number() over (
            partition by events.event_id
            order by rates.specificity desc, rates.valid_from desc nulls last, rates.rule_number
        ) as preference
    from events
    join rates
        on (rates.tier = '*' or rates.tier = events.tier)
        and (rates.org = '*' or rates.org = events.org)
        and (rates.stage = '*' or rates.stage = events.stage)
        and (rates.task_type = '*' or rates.task_type = events.task_type)
        and (rates.valid_from is null or events.submitted_at >= rates.valid_from::timestamp)
        and (rates.valid_to is null or events.submitted_at < rates.valid_to::timestamp)
    where events.cost is null
),

best_rule as (
    select * from candidates where preference = 1
),

based as (
    select
        events.*,
        best_rule.rule_id,
        best_rule.platform_fee_pct,
        best_rule.currency,
        case
            when events.cost is not null then 'source'
            when best_rule.per_item_price is not null then 'per_item'
            when best_rule.hourly_rate is not null and events.active_s is not null then 'hourly'
            else 'unpriced'
        end as cost_basis,
        case
            when best_rule.per_item_price is not null then best_rule.per_item_price
            when best_rule.hourly_rate is not null then events.active_s / 3600.0 * best_rule.hourly_rate
        end as rule_amount
    from events
    left join best_rule on best_rule.event_id = events.event_id
)

select
    * exclude (rule_id, platform_fee_pct, currency, rule_amount),
    case cost_basis
        when 'source' then cost
        when 'unpriced' then null
        else rule_amount * (1 + platform_fee_pct / 100.0)
    end as cost_amount,
    case when cost_basis in ('per_item', 'hourly') then rule_amount * platform_fee_pct / 100.0 end
        as platform_fee_amount,
    case when cost_basis in ('per_item', 'hourly') then rule_id end as cost_rule,
    case when cost_basis in ('per_item', 'hourly') then currency end as cost_currency
from based
