"""Flow: how fast work moves through the line and where it waits.

Throughput counts items finished (see docs/kpis.md for when an item is finished);
touch time is measured work per event; wait time is queue time before work started;
cycle time runs from an item entering the line to its finish. On large stores each of
these reads its rollup (``KpiSession.use_rollups``): sums and counts stay exact, touch and
wait percentiles come from histograms within 1 % (``percentiles_approximate`` says when).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from labelline.kpis.filters import KpiFilter
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S, KpiSession

__all__ = [
    "Grain", "CycleTime", "LittlesLaw", "throughput", "stage_events", "backlog", "wip", "touch_time",
    "wait_time", "cycle_time", "cycle_breakdown", "littles_law", "utilisation", "percentiles_approximate",
]

Grain = Literal["hour", "day", "week"]
_GRAINS = ("hour", "day", "week")


def _grain(grain: str) -> str:
    if grain not in _GRAINS:
        raise ValueError(f"grain must be one of {', '.join(_GRAINS)}, not {grain!r}")
    return grain


def throughput(s: KpiSession, flt: KpiFilter | None = None, grain: Grain = "day") -> pd.DataFrame:
    """Items finished per period and tier: period, tier, finished, accepted."""
    name = "throughput_rollup" if grain != "hour" and s.use_rollups(flt) else "throughput"
    return s.frame(name, flt, grain=_grain(grain))


def stage_events(s: KpiSession, flt: KpiFilter | None = None, grain: Grain = "day") -> pd.DataFrame:
    """Events per period and stage, by outcome, with hours worked and cost."""
    return s.frame("stage_events", flt, grain=_grain(grain))


def backlog(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Per day: items created, finished, and the open backlog at the end of the day."""
    return s.frame("backlog_rollup" if s.use_rollups(flt) else "backlog", flt)


def wip(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Per day and stage: time-averaged events waiting or in work."""
    return s.frame("wip_rollup" if s.use_rollups(flt) else "wip", flt)


def percentiles_approximate(s: KpiSession, flt: KpiFilter | None = None) -> bool:
    """Whether touch and wait percentiles (and touch means) for this filter come from histograms (within 1 %)."""
    return s.use_rollups(flt)


def touch_time(s: KpiSession, flt: KpiFilter | None = None, cap_s: float = DEFAULT_TOUCH_CAP_S,
               by_worker: bool = True) -> pd.DataFrame:
    """Touch-time percentiles (seconds, capped) by stage and by task type, tier and (by_worker) worker.

    Without the worker rows a large store answers from the histogram rollup: events exact,
    percentiles and mean within 1 %, the capped count without the bucket that straddles the cap.
    """
    if not by_worker and s.use_rollups(flt):
        return s.frame("touch_time_rollup", flt, cap_s=float(cap_s))
    out = s.frame("touch_time", flt, cap_s=float(cap_s))
    return out if by_worker else out[out["dimension"] != "worker"].reset_index(drop=True)


def wait_time(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Queue-wait percentiles (seconds) by stage, where the log records queued_at (large stores: within 1 %)."""
    return s.frame("wait_time_rollup" if s.use_rollups(flt) else "wait_time", flt)


@dataclass(frozen=True)
class CycleTime:
    finished: int  # items finished in the range
    accepted: int  # of which finished by a positive judgement
    backlog: int  # items open at the end of the range
    days: int  # calendar days in the range
    p50_h: float | None
    p90_h: float | None
    p95_h: float | None
    mean_h: float | None
    cost: float  # money spent on the finished items

    @property
    def throughput_per_day(self) -> float | None:
        return self.finished / self.days if self.days else None


def cycle_time(s: KpiSession, flt: KpiFilter | None = None) -> CycleTime:
    """Finished items, backlog and cycle-time percentiles (hours) over the range."""
    row = s.row("finished_items_rollup" if s.use_rollups(flt) else "finished_items", flt)
    q = row["cycle_quantiles_h"] or [None, None, None]
    return CycleTime(
        finished=int(row["finished"] or 0), accepted=int(row["accepted"] or 0), backlog=int(row["backlog"] or 0),
        days=int(row["days"] or 0), p50_h=q[0], p90_h=q[1], p95_h=q[2], mean_h=row["cycle_mean_h"],
        cost=float(row["cost"] or 0.0),
    )


def cycle_breakdown(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Mean hours per finished item spent waiting and in work at each stage, plus untracked."""
    return s.frame("cycle_breakdown_rollup" if s.use_rollups(flt) else "cycle_breakdown", flt)


@dataclass(frozen=True)
class LittlesLaw:
    wip: float | None  # time-average items on the line
    throughput_per_h: float | None
    cycle_mean_h: float | None
    predicted_wip: float | None  # throughput x mean cycle time
    ratio: float | None  # wip / predicted_wip
    window_h: float | None

    @property
    def consistent(self) -> bool | None:
        """Within 10 %: what a stable line over a long window shows (docs/kpis.md)."""
        return None if self.ratio is None else abs(self.ratio - 1.0) <= 0.10


def littles_law(s: KpiSession, flt: KpiFilter | None = None) -> LittlesLaw:
    """Average WIP against throughput x cycle time over the range."""
    return LittlesLaw(**s.row("littles_law", flt))


def utilisation(s: KpiSession, flt: KpiFilter | None = None, available_h_per_day: float = 8.0) -> pd.DataFrame:
    """Busy hours over available hours by tier, each worker available that many hours per day worked."""
    if available_h_per_day <= 0:
        raise ValueError("available_h_per_day must be positive")
    name = "utilisation_rollup" if s.use_rollups(flt) else "utilisation"
    return s.frame(name, flt, available_h_per_day=float(available_h_per_day))
