"""Money: what labeling cost, per label, per finished item, per correct label, and where it went.

Cost per accepted label is the number finance asks for: everything the finished items
needed (every attempt, overlap, review, adjudication, gold, platform fees) divided by the
items finished. Cost per correct label divides that by the accuracy the labels are
estimated to have (gold accuracy where there is gold, Dawid-Skene skill otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from labelline.kpis.filters import KpiFilter
from labelline.kpis.flow import Grain, _grain, cycle_time
from labelline.kpis.session import KpiSession

__all__ = ["CostSummary", "cost_summary", "cost_breakdown", "spend", "cost_rules", "burn_rate"]


@dataclass(frozen=True)
class CostSummary:
    cost: float  # money spent on the events in the filter
    label_events: int
    cost_per_label: float | None  # cost / labels submitted
    finished_items: int
    finished_cost: float  # money spent on the items finished in the range (all their events)
    cost_per_accepted_label: float | None  # finished_cost / finished_items
    unpriced_events: int  # events no rule could price (counted as zero)


def cost_summary(s: KpiSession, flt: KpiFilter | None = None) -> CostSummary:
    head = s.row("headline_rollup" if s.use_rollups(flt) else "headline", flt, cap_s=1e12)
    done = cycle_time(s, flt)
    labels = int(head["label_events"] or 0)
    cost = float(head["cost"] or 0.0)
    return CostSummary(
        cost=cost,
        label_events=labels,
        cost_per_label=cost / labels if labels else None,
        finished_items=done.finished,
        finished_cost=done.cost,
        cost_per_accepted_label=done.cost / done.finished if done.finished else None,
        unpriced_events=int(head["unpriced"] or 0),
    )


def cost_per_correct_label(cost_per_accepted_label: float | None, accuracy: float | None) -> float | None:
    """What a correct label costs when a share (1 - accuracy) of accepted labels is still wrong."""
    if cost_per_accepted_label is None or not accuracy:
        return None
    return cost_per_accepted_label / accuracy


def cost_breakdown(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Cost by stage, tier, org, activity and value-adding vs overhead; each dimension sums to the total."""
    return s.frame("cost_breakdown_rollup" if s.use_rollups(flt) else "cost_breakdown", flt)


def spend(s: KpiSession, flt: KpiFilter | None = None, grain: Grain = "day") -> pd.DataFrame:
    """Spend per period and stage."""
    name = "spend_rollup" if grain != "hour" and s.use_rollups(flt) else "spend"
    return s.frame(name, flt, grain=_grain(grain))


def cost_rules(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Which rate rule (or the source's own cost) priced how many events, for how much."""
    return s.frame("cost_rules_rollup" if s.use_rollups(flt) else "cost_rules", flt)


def burn_rate(daily_spend: pd.DataFrame, days: int = 7) -> float | None:
    """Mean spend per day over the last `days` calendar days of a daily spend frame."""
    if daily_spend.empty:
        return None
    per_day = daily_spend.groupby("period")["cost"].sum()
    per_day.index = pd.to_datetime(per_day.index)
    full = per_day.reindex(pd.date_range(per_day.index.min(), per_day.index.max(), freq="D"), fill_value=0.0)
    return float(full.iloc[-days:].mean())
