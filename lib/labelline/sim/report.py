"""How a simulation's figures are named, formatted and explained: shared by the CLI and the app.

One list, so `labelline simulate` and the Simulator page say the same thing about the same
figure, units included.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module at start-up: keep it light
    import pandas as pd

    from labelline.sim.scenario import Scenario

__all__ = ["HEADLINE", "figure_rows", "interval_text", "bottleneck_words"]

# figure key, label with unit, format
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("throughput_per_hour", "throughput (items/h)", "{:,.2f}"),
    ("cycle_time_mean_h", "cycle time mean (h)", "{:,.2f}"),
    ("cycle_time_p95_h", "cycle time p95 (h)", "{:,.2f}"),
    ("wip_mean", "work in progress (items)", "{:,.1f}"),
    ("cost_per_accepted_label", "cost per accepted label (money)", "{:,.3f}"),
    ("cost_per_correct_label", "cost per correct label (money)", "{:,.3f}"),
    ("final_accuracy", "final accuracy", "{:.1%}"),
)


def figure_rows(summary: pd.DataFrame, scenario: Scenario) -> list[tuple[str, str, str]]:
    """(key, label, format) for every figure worth showing, in reading order, present in summary."""
    rows = list(HEADLINE)
    if scenario.sla_cycle_h is not None:
        rows.append(("sla_attainment", f"SLA attainment (cycle time ≤ {scenario.sla_cycle_h:g} h)", "{:.1%}"))
    rows.append(("backlog_drain_h", "backlog drained at (h from start)", "{:,.1f}"))
    rows.append(("cost_total", "total spend in the window (money)", "{:,.0f}"))
    rows += [(f, f"wait for {f.split('.', 1)[1]} (h)", "{:,.3f}") for f in summary.index if f.startswith("wait_mean_h.")]
    rows += [(f, f"utilisation of {f.split('.', 1)[1]}", "{:.1%}") for f in summary.index
             if f.startswith("utilisation.")]
    return [r for r in rows if r[0] in summary.index]


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def interval_text(summary: pd.DataFrame, figure: str, fmt: str, runs: int) -> str:
    """"12.3 (95 % CI 11.9–12.8)", saying when a figure had no interval or fewer replications."""
    row = summary.loc[figure]
    mean = _finite(row["mean"])
    if mean is None:
        return "n/a"
    text = fmt.format(mean)
    low, high = _finite(row["low"]), _finite(row["high"])
    text += f" (95 % CI {fmt.format(low)}–{fmt.format(high)})" if low is not None and high is not None \
        else " (no interval: one value)"
    counted = int(row["replications"])
    if counted < runs:
        text += f" [in {counted} of {runs} replications]"
    return text


def bottleneck_words(bottleneck: dict[str, Any] | None) -> str:
    """The bottleneck in a sentence an ops planner can act on."""
    if bottleneck is None:
        return "bottleneck: none found (no pool with a fixed headcount did work inside the measured window)"
    words = f"bottleneck: {bottleneck['pool']} limit the line at {bottleneck['capacity_items_per_h']:,.1f} items/h"
    if bottleneck.get("utilisation") is not None:
        words += f"; measured utilisation {bottleneck['utilisation'] * 100:.0f} %"
    if not bottleneck.get("agrees") and bottleneck.get("busiest_pool"):
        words += f" (the busiest pool is {bottleneck['busiest_pool']}: an upstream limit may be throttling the flow)"
    return words
