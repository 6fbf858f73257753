"""KPIs read out in words: where the line is stuck, whether Little's law holds, when the budget runs out.

A manager should not have to compare six bars to find the bottleneck. Each function here
takes KPI results the other modules return and gives a small dataclass with the numbers
and one or two plain sentences; the dashboard shows the sentences, tests check the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from labelline.kpis.flow import LittlesLaw
from labelline.kpis.money import burn_rate

__all__ = ["Bottleneck", "bottleneck", "littles_law_reading", "BudgetForecast", "budget_forecast"]

# Within this distance of 1 the measured WIP and throughput x cycle time agree
# (the same 10 % flow.LittlesLaw.consistent uses).
_LITTLE_TOLERANCE = 0.10


@dataclass(frozen=True)
class Bottleneck:
    stage: str | None  # the stage where finished items waited longest (None: no waits known)
    wait_h: float | None  # mean hours a finished item waited there
    share_of_cycle: float | None  # that wait over the mean cycle time
    busiest_stage: str | None  # the stage whose people were busiest
    utilisation: float | None  # busy share of available hours at busiest_stage
    stage_utilisation: float | None  # busy share at `stage`
    message: str


def bottleneck(breakdown: pd.DataFrame, stage_utilisation: pd.DataFrame) -> Bottleneck:
    """The bottleneck from the cycle-time breakdown (wait per stage) and utilisation by stage.

    ``breakdown``: stage, part ('wait'|'touch'|'untracked'), hours_per_item (flow.cycle_breakdown).
    ``stage_utilisation``: stage, utilisation (drilldown.utilisation_by_stage).
    The stage where items wait longest is where more capacity shortens the cycle most; the
    busiest stage is the one that will stall first if volume grows. Both are named, with
    numbers, and the sentence says whether they coincide.
    """
    waits = breakdown[breakdown["part"] == "wait"].set_index("stage")["hours_per_item"].dropna()
    cycle_h = float(breakdown["hours_per_item"].sum()) if len(breakdown) else 0.0
    util = stage_utilisation.dropna(subset=["utilisation"]).set_index("stage")["utilisation"]
    busiest = str(util.idxmax()) if len(util) else None
    busiest_u = float(util.max()) if len(util) else None
    if waits.empty or waits.max() <= 0:
        text = "No finished item has a recorded wait (queued_at missing), so the waiting stage cannot be named."
        if busiest is not None:
            text += f" The busiest people work at **{busiest}**: busy {busiest_u:.0%} of their available hours."
        return Bottleneck(None, None, None, busiest, busiest_u, None, text)
    stage = str(waits.idxmax())
    wait_h = float(waits.max())
    share = wait_h / cycle_h if cycle_h > 0 else None
    stage_u = float(util[stage]) if stage in util.index else None
    text = f"**{stage}** is the bottleneck: a finished item waited {_hours(wait_h)} there on average"
    if share is None:
        text += "."
    elif share <= 1:
        text += f" ({share:.0%} of the mean cycle time of {_hours(cycle_h)})."
    else:
        # Summed over events: on items several people label, their waits run side by side.
        text += (f", longer than the whole mean cycle time of {_hours(cycle_h)} because items labeled by "
                 "several people wait for each of them at once.")
    if stage_u is not None:
        text += f" Its people were busy {stage_u:.0%} of their available hours"
        if busiest is not None and busiest != stage:
            text += f"; the busiest stage is **{busiest}** at {busiest_u:.0%}."
        else:
            text += ", the highest of any stage."
        if stage_u < 0.5:
            # Long queues beside idle hours point at scheduling, not at headcount.
            text += (" Long waits with people mostly idle point at when work is picked up (shifts, "
                     "batching, assignment) rather than at too few people.")
        elif stage_u >= 0.85:
            text += " Near full utilisation, queues grow fast with volume: add people or hours here first."
    return Bottleneck(stage, wait_h, share, busiest, busiest_u, stage_u, text)


def _hours(h: float) -> str:
    return f"{h * 60:.0f} min" if abs(h) < 1 else f"{h:,.1f} h"


def littles_law_reading(law: LittlesLaw) -> str:
    """Little's law (L = λW) in words: measured WIP against throughput x mean cycle time."""
    if law.wip is None or law.predicted_wip is None or law.ratio is None or law.throughput_per_h is None:
        return ("Little's law cannot be checked: no item both entered and finished the line in this range. "
                "Widen the date range.")
    text = (f"On average **{law.wip:,.1f} items** were on the line (L). Throughput of "
            f"{law.throughput_per_h:,.2f} items/h (λ) × mean cycle time of {law.cycle_mean_h:,.1f} h (W) predicts "
            f"**{law.predicted_wip:,.1f}** (ratio L / λW = {law.ratio:.2f}, over {law.window_h:,.0f} h). ")
    if abs(law.ratio - 1.0) <= _LITTLE_TOLERANCE:
        text += ("They agree within 10 %: the line was near steady state and the log's timestamps account "
                 "for the work on it, so the cycle times shown here can be trusted for planning.")
    elif law.ratio > 1.0:
        text += ("More items sat on the line than finishing work explains: the backlog grew in this window "
                 "(arrivals outpaced throughput), or items were started and never finished. Expect cycle "
                 "times to rise; check the backlog and WIP charts.")
    else:
        text += ("Fewer items sat on the line than predicted: the window cuts through work in flight "
                 "(items created before it and finished inside it lengthen W), or created times are missing. "
                 "Choose a longer window, or read the cycle times with care.")
    return text


@dataclass(frozen=True)
class BudgetForecast:
    budget: float
    spent: float  # money spent over the days shown
    remaining: float  # budget - spent (negative: overspent)
    burn_per_day: float | None  # mean spend per calendar day over the last burn_days
    burn_days: int
    last_day: date | None  # the last day with data: the forecast runs from here
    days_left: float | None  # remaining / burn_per_day (None: nothing is being spent)
    runs_out_on: date | None
    message: str


def budget_forecast(daily_spend: pd.DataFrame, budget: float, burn_days: int = 7,
                    currency: str = "") -> BudgetForecast:
    """Spend so far against a budget, the burn rate, and the day the budget runs out at that rate.

    ``daily_spend`` has period (day) and cost columns (money.spend at grain 'day'; several
    rows per day are added up). The burn rate is the mean spend per calendar day over the
    last ``burn_days`` days of data (days without spend count as zero).
    """
    if budget < 0 or math.isnan(budget):
        raise ValueError("budget must be zero or more")
    unit = f" {currency}" if currency else ""
    if daily_spend.empty:
        return BudgetForecast(budget, 0.0, budget, None, burn_days, None, None, None,
                              "Nothing has been spent in this range yet, so there is no burn rate to project.")
    spent = float(daily_spend["cost"].sum())
    remaining = budget - spent
    burn = burn_rate(daily_spend, burn_days)
    last_day = pd.to_datetime(daily_spend["period"]).max().date()
    if remaining <= 0:
        return BudgetForecast(budget, spent, remaining, burn, burn_days, last_day, 0.0, last_day,
                              f"The budget of {budget:,.2f}{unit} is used up: {spent:,.2f}{unit} spent, "
                              f"{-remaining:,.2f}{unit} over.")
    if not burn or burn <= 0:
        return BudgetForecast(budget, spent, remaining, burn, burn_days, last_day, None, None,
                              f"{spent:,.2f}{unit} spent, {remaining:,.2f}{unit} left; nothing was spent in the last "
                              f"{burn_days} days, so at the current burn the budget does not run out.")
    days_left = remaining / burn
    runs_out = last_day + timedelta(days=math.floor(days_left))
    return BudgetForecast(budget, spent, remaining, burn, burn_days, last_day, days_left, runs_out,
                          f"{spent:,.2f}{unit} spent, {remaining:,.2f}{unit} left. At the current burn of "
                          f"{burn:,.2f}{unit} a day "
                          f"(mean of the last {burn_days} days), the budget runs out in {days_left:,.0f} days, "
                          f"on **{runs_out:%d %b %Y}**.")
