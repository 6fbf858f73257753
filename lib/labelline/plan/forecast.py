"""Forecast to completion: when the open backlog finishes and what it costs, with a band.

The line is calibrated from the store (sim/calibrate.py: pools, shifts, handling times,
quality, rework), then simulated from the data's last event onwards with the items still
open as a backlog and new work arriving at the recent rate. Each replication gives a finish
time (the last backlog item done) and a cost; across replications these give the p10, p50
and p90. The result carries the store's snapshot key: a new ingest changes the key, so a
caller caching on it recomputes exactly when new data lands.

Open items are simulated from scratch (an item awaiting review is relabeled in the model),
so the forecast errs late and dear by the work already done on them; docs/planning/economics.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from labelline.kpis.filters import KpiFilter
from labelline.kpis.flow import backlog as daily_backlog
from labelline.kpis.flow import cycle_time
from labelline.kpis.session import KpiSession, open_kpis
from labelline.sim.calibrate import Calibration, calibrate
from labelline.sim.model import run_replication
from labelline.sim.runs import summarise
from labelline.sim.scenario import Scenario
from labelline.store import EventStore

__all__ = ["Forecast", "Recent", "forecast", "recent_flow", "forecast_scenario", "run_forecast"]

_FAN_POINTS = 120  # time points on the backlog fan
_MIN_HORIZON_H = 168.0  # a week at least: shifts and weekends need room to show
_QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Recent:
    """What the data says about now: the open backlog and the recent flow."""

    data_end: datetime  # last event in the filter (UTC, aware)
    backlog_items: int  # items created and not finished
    arrivals_per_h: float  # items created per hour over the recent window
    throughput_per_h: float  # items finished per hour over it
    window_h: float  # the recent window's length


def recent_flow(s: KpiSession, flt: KpiFilter | None = None, recent_days: int = 14) -> Recent:
    """The open backlog and the arrival and finishing rates over the last `recent_days` days."""
    flt = flt or KpiFilter()
    period = s.row("calibrate/period", flt)
    if period["last_at"] is None:
        raise ValueError(f"no events in {flt.describe()}: nothing to forecast")
    end = period["last_at"].replace(tzinfo=timezone.utc)
    daily = daily_backlog(s, flt)
    days = pd.to_datetime(daily["day"])
    first_day = max(days.min(), pd.Timestamp(end.date()) - pd.Timedelta(days=recent_days - 1))
    recent = daily[days >= first_day]
    window_h = max((end - first_day.to_pydatetime().replace(tzinfo=timezone.utc)).total_seconds() / 3600, 1.0)
    return Recent(data_end=end, backlog_items=cycle_time(s, flt).backlog,
                  arrivals_per_h=float(recent["created"].sum()) / window_h,
                  throughput_per_h=float(recent["finished"].sum()) / window_h, window_h=window_h)


def _aligned_shifts(scenario: Scenario, start: datetime) -> list[dict]:
    """The pools with their shifts rotated so that simulated hour 0 is `start`.

    The simulator's hour 0 is a Monday 00:00 UTC. A pool working local weekdays W from
    start_hour at UTC offset o, seen from a clock started at `start` (phase p hours into its
    UTC week), works at model-local time t + o + p = t + r + 24 D with r in [-12, 12): so the
    same start_hour with offset r, on the weekdays W shifted back by D.
    """
    phase_h = start.weekday() * 24 + start.hour + start.minute / 60 + start.second / 3600
    pools = []
    for pool in scenario.pool:
        data = pool.model_dump()
        if pool.shift is not None:
            q = pool.shift.utc_offset_h + phase_h
            r = (q + 12) % 24 - 12
            days = round((q - r) / 24)
            weekdays = pool.shift.weekdays or list(range(pool.shift.days_per_week))
            data["shift"]["utc_offset_h"] = r
            data["shift"]["weekdays"] = sorted({(d - days) % 7 for d in weekdays})
        pools.append(data)
    return pools


def forecast_scenario(calibrated: Scenario, backlog_items: int, arrivals_per_h: float, start: datetime,
                      horizon_h: float) -> Scenario:
    """The calibrated line from `start`: the backlog at hour 0, Poisson arrivals at the recent rate."""
    data = calibrated.model_dump()
    data.update(
        name=f"{calibrated.name}-forecast", horizon_h=float(horizon_h), warmup_h=0.0, cooldown_h=0.0,
        arrivals={"backlog_items": int(backlog_items), "rate_per_h": float(arrivals_per_h), "batch": []},
        pool=_aligned_shifts(calibrated, start),
    )
    return Scenario.model_validate(data)


def _replication(job: tuple[Scenario, int, int, np.ndarray]) -> dict:
    """One replication: finish hour of the backlog (inf if unfinished), its cost, spend until then, fan."""
    scenario, replication, seed, grid_h = job
    rep = run_replication(scenario, replication, seed)
    backlog = [r for r in rep.items if r.from_backlog]
    finished = np.sort([r.finished_h for r in backlog if r.finished_h is not None])
    drained = len(finished) == len(backlog)
    finish_h = float(finished[-1]) if drained and len(finished) else (0.0 if drained else math.inf)
    remaining = len(backlog) - np.searchsorted(finished, grid_h, side="right")
    figures = summarise(rep)
    cols = rep.columns()
    submitted = np.asarray(cols["submitted_at"], dtype=float)
    cost = np.asarray(cols["cost"], dtype=float)
    # Costs not on any event (monthly fees, paid idle time) accrue evenly over the horizon.
    off_events_per_h = (figures.get("cost_total", cost.sum()) - cost.sum()) / scenario.horizon_h
    spend = float(cost[submitted <= finish_h].sum() + off_events_per_h * finish_h) if drained else math.nan
    return {"replication": replication, "finish_h": finish_h,
            "cost_to_finish": float(sum(r.cost for r in backlog)) if drained else math.nan,
            "spend_until_finished": spend, "remaining": remaining}


def _quantiles(values: np.ndarray) -> dict[str, float | None]:
    """p10/p50/p90 as observed values (an unfinished replication is +inf: a quantile there is None)."""
    out = {}
    for q in _QUANTILES:
        v = float(np.quantile(values, q, method="inverted_cdf"))
        out[f"p{round(q * 100)}"] = None if math.isinf(v) or math.isnan(v) else v
    return out


@dataclass(frozen=True)
class Forecast:
    snapshot_key: tuple[int, int, int]  # the store snapshot the forecast was made from
    filter: str  # the filter, in words
    currency: str  # the rate card's: every money figure is in it
    recent: Recent
    scenario: Scenario  # the calibrated line as simulated from now
    replications: int
    seed: int
    horizon_h: float
    drained: int  # replications in which the backlog finished within the horizon
    finish_h: dict[str, float | None]  # p10, p50, p90: hours after data_end (None: later than the horizon)
    cost_to_finish: dict[str, float | None]  # p10, p50, p90: money spent on the open items' work
    spend_until_finished: dict[str, float | None]  # p10, p50, p90: all spend until then (new work, fees)
    per_replication: pd.DataFrame  # replication, finish_h, cost_to_finish, spend_until_finished
    fan: pd.DataFrame  # hours, at (UTC), p10, p50, p90: backlog items still open
    notes: tuple[str, ...]

    @property
    def finish_at(self) -> dict[str, datetime | None]:
        """The finish quantiles as UTC times."""
        return {k: None if v is None else self.recent.data_end + timedelta(hours=v) for k, v in self.finish_h.items()}

    def summary(self) -> pd.DataFrame:
        """One row per quantile: finish_h, finish_at (UTC), cost_to_finish, spend_until_finished."""
        at = self.finish_at
        return pd.DataFrame([{"quantile": q, "finish_h": self.finish_h[q],
                              "finish_at": None if at[q] is None else at[q].strftime("%Y-%m-%d %H:%M UTC"),
                              "cost_to_finish": self.cost_to_finish[q],
                              "spend_until_finished": self.spend_until_finished[q]} for q in self.finish_h])

    def tables(self) -> dict[str, pd.DataFrame]:
        """What an export writes: the summary, every replication, and the backlog fan."""
        fan = self.fan.assign(at=self.fan["at"].dt.strftime("%Y-%m-%d %H:%M UTC"))
        return {"forecast": self.summary(), "replications": self.per_replication, "fan": fan}

    def to_json(self) -> dict:
        """Stable keys (docs/planning/economics.md): times ISO 8601 UTC, hours after data_end, money in currency."""
        iso = {k: None if v is None else v.isoformat().replace("+00:00", "Z") for k, v in self.finish_at.items()}
        return {
            "snapshot_key": list(self.snapshot_key), "filter": self.filter, "currency": self.currency,
            "data_end": self.recent.data_end.isoformat().replace("+00:00", "Z"),
            "backlog_items": self.recent.backlog_items, "arrivals_per_h": self.recent.arrivals_per_h,
            "throughput_per_h": self.recent.throughput_per_h, "recent_window_h": self.recent.window_h,
            "replications": self.replications, "seed": self.seed, "horizon_h": self.horizon_h,
            "drained": self.drained, "finish_h": self.finish_h, "finish_at": iso,
            "cost_to_finish": self.cost_to_finish, "spend_until_finished": self.spend_until_finished,
            "notes": list(self.notes),
        }


def run_forecast(scenario: Scenario, start: datetime, replications: int = 10, seed: int = 0,
                 processes: int | None = 1, progress: Callable[[int, int], None] | None = None) -> dict:
    """Replications of a forecast scenario: per_replication, fan, finish, cost and spend quantiles."""
    grid_h = np.linspace(0, scenario.horizon_h, _FAN_POINTS)
    jobs = [(scenario, r, seed, grid_h) for r in range(replications)]
    results: list[dict] = []
    if processes == 1 or replications == 1:
        for job in jobs:
            results.append(_replication(job))
            if progress:
                progress(len(results), replications)
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for result in pool.map(_replication, jobs):
                results.append(result)
                if progress:
                    progress(len(results), replications)
    per_rep = pd.DataFrame([{k: v for k, v in r.items() if k != "remaining"} for r in results])
    remaining = np.vstack([r["remaining"] for r in results])
    fan = pd.DataFrame({"hours": grid_h, "at": [start + timedelta(hours=float(h)) for h in grid_h]})
    for q in _QUANTILES:
        fan[f"p{round(q * 100)}"] = np.quantile(remaining, q, axis=0)
    empty = np.flatnonzero(fan["p90"].to_numpy() == 0)
    if len(empty):  # the fan stops a little after the slowest tenth has finished: the rest is flat at zero
        fan = fan.iloc[:min(len(fan), empty[0] + max(2, empty[0] // 10) + 1)].reset_index(drop=True)
    finish = per_rep["finish_h"].to_numpy(dtype=float)
    done = np.isfinite(finish)

    def band(column: str) -> dict[str, float | None]:
        # Costs of unfinished replications are unknown, not zero: they rank as the dearest.
        values = per_rep[column].to_numpy(dtype=float)
        return _quantiles(np.where(done, values, math.inf))

    return {"per_replication": per_rep, "fan": fan, "drained": int(done.sum()), "finish_h": _quantiles(finish),
            "cost_to_finish": band("cost_to_finish"), "spend_until_finished": band("spend_until_finished")}


def forecast(store: EventStore, flt: KpiFilter | None = None, recent_days: int = 14, replications: int = 10,
             seed: int = 0, processes: int | None = 1, max_horizon_h: float = 24 * 7 * 26,
             calibration: Calibration | None = None,
             progress: Callable[[int, int], None] | None = None) -> Forecast:
    """When the open items of the filter finish, and what it costs, from the store as it is now.

    calibration: a fitted line to reuse (calibrating costs a few short simulations); by
    default the line is calibrated from the same filter. The horizon starts at the naive
    drain time (backlog / (throughput - arrivals), at most four weeks) plus a week and doubles
    while some replications have not finished, never beyond max_horizon_h.
    """
    flt = flt or KpiFilter()
    key = store.snapshot().key  # before reading: a later ingest then changes the key, never hides
    notes: list[str] = []
    with open_kpis(store) as s:
        currency = s.currency
        recent = recent_flow(s, flt, recent_days)
        if recent.backlog_items == 0:
            raise ValueError(f"no open items in {flt.describe()}: nothing left to finish")
        cal = calibration or calibrate(s, flt, name="forecast")
    notes += cal.notes
    notes.append(f"{recent.backlog_items:,} open items simulated from scratch (work already done on them is "
                 f"not credited); new items arrive at {recent.arrivals_per_h:.2f}/h, the rate of the last "
                 f"{recent.window_h / 24:.1f} days")
    # A first horizon from the naive drain time (capped: a small net rate overstates it), plus a
    # week for shifts and weekends; doubled while some replications have not finished.
    net = recent.throughput_per_h - recent.arrivals_per_h
    naive_h = recent.backlog_items / (net if net > 0 else max(recent.throughput_per_h, 1e-3) / 4)
    horizon_h = float(np.clip(min(naive_h, 4 * _MIN_HORIZON_H) + _MIN_HORIZON_H, _MIN_HORIZON_H, max_horizon_h))
    while True:
        scenario = forecast_scenario(cal.scenario, recent.backlog_items, recent.arrivals_per_h, recent.data_end,
                                     horizon_h)
        result = run_forecast(scenario, recent.data_end, replications, seed, processes, progress)
        if result["drained"] == replications or horizon_h >= max_horizon_h:
            break
        horizon_h = min(2 * horizon_h, max_horizon_h)
    if result["drained"] < replications:
        notes.append(f"the backlog finished within {horizon_h:,.0f} h in {result['drained']} of {replications} "
                     f"replications: the others are later than that")
    return Forecast(snapshot_key=key, filter=flt.describe(), currency=currency, recent=recent, scenario=scenario,
                    replications=replications, seed=seed, horizon_h=horizon_h, drained=result["drained"],
                    finish_h=result["finish_h"], cost_to_finish=result["cost_to_finish"],
                    spend_until_finished=result["spend_until_finished"], per_replication=result["per_replication"],
                    fan=result["fan"], notes=tuple(dict.fromkeys(notes)))
