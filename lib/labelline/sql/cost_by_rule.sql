-- name: cost_by_rule
-- What the rate card priced, rule by rule: cost_basis ('source', 'per_item', 'hourly',
-- 'unpriced'), cost_rule (null for source-priced and unpriced events), events (count),
-- cost (money, in cost_currency or the source's), of which platform_fee (money).
-- Reads the view `priced_events`.
select
    cost_basis,
    cost_rule,
    count(*) as events,
    round(sum(cost_amount), 2) as cost,
    round(sum(platform_fee_amount), 2) as platform_fee
from priced_events
group by all
order by cost_basis, cost_rule nulls first
