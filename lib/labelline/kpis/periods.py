"""Reporting periods: "the last 7 days" and the period before it, for deltas on the Overview.

A manager reads a tile as "this week, and how that compares with last week"; the previous
period has the same length and ends the day before the current one starts, so a delta
compares like with like. Periods end on the last day with data (not today), so a store
whose newest export is a week old still shows a full period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from labelline.kpis.filters import KpiFilter

__all__ = ["Period", "period_filters", "PERIOD_CHOICES", "DEFAULT_PERIOD", "relative_change"]

# Choice shown to the user -> length in days (None: the sidebar's own range, or all data).
PERIOD_CHOICES: dict[str, int | None] = {
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "Sidebar range / all data": None,
}
DEFAULT_PERIOD = "Last 30 days"  # what the Overview shows first


@dataclass(frozen=True)
class Period:
    current: KpiFilter
    previous: KpiFilter | None  # None when there is no earlier period of the same length
    label: str  # "7 days to 2026-11-06"
    previous_label: str | None  # "previous 7 days"


def period_filters(flt: KpiFilter, first_day: date, last_day: date, days: int | None) -> Period:
    """The current period's filter (flt narrowed to `days` ending on the last day in range) and
    the equally long period just before it, when the data reaches back that far."""
    end = min(flt.until or last_day, last_day)
    if days is None:
        if not (flt.since and flt.until):
            return Period(flt, None, flt.describe(), None)
        start = flt.since
    else:
        start = max(end - timedelta(days=days - 1), flt.since or first_day)
    length = (end - start).days + 1
    current = flt.model_copy(update={"since": start, "until": end})
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=length - 1)
    # The previous period may lie before the sidebar's start: it is there to compare with.
    previous = flt.model_copy(update={"since": prev_start, "until": prev_end}) if prev_start >= first_day else None
    label = f"{length} day{'s' if length != 1 else ''} to {end:%Y-%m-%d}"
    return Period(current, previous, label, f"previous {length} day{'s' if length != 1 else ''}" if previous else None)


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) / |previous|; None when either is missing or previous is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)
