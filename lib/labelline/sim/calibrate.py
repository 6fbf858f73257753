"""Calibration: a scenario fitted from the store (the line's digital twin), and its backtest.

From the events of a project (or any KPI filter) it estimates: the weekly arrival pattern
(items by hour of the week, replayed as weekly batches, the remainder as a Poisson stream),
task types and their answer classes, one pool per tier and org with its headcount (median
workers active per week), shift (median start hour, working span and days per week) and
cost (per item for marketplaces and models, else per hour of work), handling times per
stage and task type (a lognormal fitted by scipy, with the Kolmogorov-Smirnov distance as
its goodness of fit), accuracy (gold where there is enough, else backed out of first-pass
acceptance), pre-labeling share and time saving, overlap, review share and rejection, and
adjudication. The backtest simulates the fitted scenario over the observed period and puts
its throughput, cycle time, touch time and rework beside the actual figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from labelline.kpis.filters import KpiFilter
from labelline.kpis.headline import headline
from labelline.kpis.session import KpiSession
from labelline.sim.model import shift_hours
from labelline.sim.scenario import Scenario, Shift, scenario_toml

__all__ = ["Calibration", "calibrate", "scenario_toml", "backtest", "MARKETPLACES"]

MARKETPLACES = ("mturk", "toloka", "prolific", "appen", "clickworker")
_DEFAULT_CATCH = 0.8  # review's chance to reject a wrong label, when gold cannot tell
_MIN_TRIALS = 30  # fewer gold answers than this say little about a tier's accuracy
_SAMPLES_PER_GROUP = 5000


@dataclass(frozen=True)
class Calibration:
    scenario: Scenario
    fits: pd.DataFrame  # pool, stage, task_type, samples, mean_s, cv, ks_distance
    notes: tuple[str, ...]  # assumptions made where the data could not tell


def _fit_lognormal(samples: np.ndarray) -> tuple[float, float, float]:
    """(mean_s, cv, Kolmogorov-Smirnov distance) of a lognormal fitted with the origin fixed at 0."""
    sigma, _, scale = stats.lognorm.fit(samples, floc=0)
    ks = stats.kstest(samples, "lognorm", args=(sigma, 0, scale)).statistic
    return float(scale * math.exp(sigma**2 / 2)), float(math.sqrt(math.expm1(sigma**2))), float(ks)


def _accuracy(row: pd.Series | None, notes: list[str], who: str) -> float:
    if row is not None and row["gold_trials"] >= _MIN_TRIALS:
        return float(np.clip(row["gold_correct"] / row["gold_trials"], 0.3, 0.999))
    if row is not None and row["reviewed_first_pass"] >= _MIN_TRIALS:
        # accepted = acc * (1 - false_reject) + (1 - acc) * (1 - catch); false rejects are rare.
        accept = row["accepted_first_pass"] / row["reviewed_first_pass"]
        notes.append(f"{who}: accuracy backed out of first-pass acceptance (too little gold)")
        return float(np.clip((accept - (1 - _DEFAULT_CATCH)) / _DEFAULT_CATCH, 0.3, 0.999))
    notes.append(f"{who}: no gold and no reviews: accuracy assumed 0.9")
    return 0.9


def calibrate(s: KpiSession, flt: KpiFilter | None = None, name: str = "calibrated",
              cap_s: float = 3600.0, refine_replications: int = 2) -> Calibration:
    """Fit a scenario to the events in the filter (best one project at a time).

    refine_replications: short simulations used to split the observed label wait into
    queueing and pickup latency (0 skips it: no pickup delay).
    """
    flt = flt or KpiFilter()
    notes: list[str] = []
    period = s.row("calibrate/period", flt)
    if not period["items"]:
        raise ValueError(f"no items in {flt.describe()}: nothing to calibrate from")
    first, last = period["first_at"], period["last_at"]
    horizon_h = max(24.0, math.ceil((last - first).total_seconds() / 86400) * 24.0)
    weeks = horizon_h / 168

    arrivals = s.frame("calibrate/arrivals", flt)
    per_week = arrivals["items"] / weeks
    batches = [{"at_h": float(h), "items": int(n), "every_h": 168.0}
               for h, n in zip(arrivals["hour_of_week"], np.floor(per_week), strict=True) if n >= 1]
    in_batches = sum(b["items"] for b in batches) * weeks
    rate = max(float(period["items"]) - in_batches, 0.0) / horizon_h

    types = s.frame("calibrate/task_types", flt)
    task_types = [{"name": t, "share": float(n), "classes": int(min(c, 50))}
                  for t, n, c in zip(types["task_type"], types["items"], types["classes"], strict=True)]

    pools_df = s.frame("calibrate/pools", flt)
    samples = s.frame("calibrate/handling_samples", flt, cap_s=float(cap_s), per_group=_SAMPLES_PER_GROUP)
    quality = s.frame("calibrate/quality", flt)
    shape = s.row("calibrate/line_shape", flt)
    fits: list[dict[str, Any]] = []
    pools: list[dict[str, Any]] = []
    stage_pools: dict[str, list[str]] = {}
    label_accuracy: list[tuple[float, int]] = []
    for p in pools_df.itertuples():
        pool_name = f"{p.tier}-{p.org}"
        unlimited = p.tier == "model" or p.org in MARKETPLACES
        mine = samples[(samples["tier"] == p.tier) & (samples["org"] == p.org)]
        handling: dict[str, dict[str, Any]] = {}
        for stage in p.stages:
            stage_pools.setdefault(stage, []).append(pool_name)
            at_stage = mine[mine["stage"] == stage]
            groups = [("*", at_stage)] + [(t, g) for t, g in at_stage.groupby("task_type")]
            for task, group in groups:
                values = group["active_s"].to_numpy(dtype=float)
                if len(values) < 20:
                    continue
                if values.std() < 1e-6 * values.mean():  # a fixed time (a model): nothing to fit
                    mean_s, cv, ks, dist = float(values.mean()), 0.0, 0.0, "deterministic"
                else:
                    mean_s, cv, ks = _fit_lognormal(values)
                    dist = "lognormal"
                q = quality[(quality["tier"] == p.tier) & (quality["org"] == p.org)]
                if stage == "label" and task != "*":
                    row = q[q["task_type"] == task]
                    acc = _accuracy(row.iloc[0] if len(row) else None, notes, f"{pool_name}/{task}")
                    label_accuracy.append((acc, len(values)))
                elif stage == "label":
                    total = q[["gold_trials", "gold_correct", "reviewed_first_pass", "accepted_first_pass"]].sum()
                    acc = _accuracy(total, [], pool_name)
                else:
                    acc = 0.95 if p.tier == "expert" else 0.9
                entry = {"distribution": dist, "mean_s": round(mean_s, 2), "accuracy": round(acc, 3)}
                if dist == "lognormal":
                    entry["cv"] = round(max(cv, 0.05), 3)
                handling[f"{stage}:{task}"] = entry
                fits.append({"pool": pool_name, "stage": stage, "task_type": task, "distribution": dist,
                             "samples": len(values), "mean_s": mean_s, "cv": cv, "ks_distance": ks})
            if f"{stage}:*" not in handling:
                notes.append(f"{pool_name}: too few measured times at {stage}: 60 s assumed")
                handling[f"{stage}:*"] = {"distribution": "lognormal", "mean_s": 60.0, "cv": 0.5, "accuracy": 0.9}
        pool: dict[str, Any] = {"name": pool_name, "tier": p.tier, "org": p.org, "handling": handling}
        if unlimited:
            pool["unlimited"] = True
        else:
            pool["headcount"] = max(1, int(round(p.weekly_workers or p.workers)))
            pool["shift"] = {
                "start_hour": float(min(23.5, math.floor((p.start_hour or 9) * 2) / 2)),
                "hours_per_day": float(np.clip(round(p.hours_per_day or 8, 1), 1, 24)),
                "weekdays": [int(d) for d in p.weekdays] if p.weekdays is not None and len(p.weekdays) else None,
            }
        if unlimited and p.events:
            pool["per_item_price"] = round(p.cost / p.events, 4)
        elif p.active_h:
            pool["hourly_rate"] = round(p.cost / p.active_h, 2)
        pools.append(pool)

    stages: dict[str, Any] = {}
    labeled = shape["labeled_items"] or 1
    if "prelabel" in stage_pools and shape["prelabeled_items"]:
        saving = 0.0
        if shape["label_s_prelabeled"] and shape["label_s_plain"]:
            saving = float(np.clip(1 - shape["label_s_prelabeled"] / shape["label_s_plain"], 0, 0.9))
        stages["prelabel"] = {"pool": stage_pools["prelabel"][0], "share": round(shape["prelabeled_items"] / labeled, 3),
                              "time_saving": round(saving, 3)}
    if "label" not in stage_pools:
        raise ValueError(f"no label events in {flt.describe()}: nothing to calibrate the labeling stage from")
    label: dict[str, Any] = {"pools": stage_pools["label"]}
    lead = next(p for p in pools if p["name"] == stage_pools["label"][0])
    waits = s.frame("calibrate/label_waits", flt, per_group=_SAMPLES_PER_GROUP)
    waits = waits[(waits["tier"] == lead["tier"]) & (waits["org"] == lead["org"])]
    observed_wait = None
    if len(waits) >= 20:
        shift = Shift.model_validate(lead["shift"]) if "shift" in lead else None
        working = [shift_hours(shift, q, st) for q, st in zip(waits["queued_h"], waits["started_h"], strict=True)]
        observed_wait = (float(np.mean(waits["started_h"] - waits["queued_h"])), float(np.mean(working)))
    if shape["overlap_items"]:
        label["overlap"] = int(shape["overlap_k"])
        label["overlap_share"] = round(shape["overlap_items"] / labeled, 3)
    stages["label"] = label
    if "review" in stage_pools and shape["reviewed_first"]:
        reject = shape["rejected_first"] / shape["reviewed_first"]
        acc = (sum(a * n for a, n in label_accuracy) / sum(n for _, n in label_accuracy)) if label_accuracy else 0.9
        false_reject = float(np.clip((reject - (1 - acc) * _DEFAULT_CATCH) / acc, 0, 0.5))
        stages["review"] = {"pools": stage_pools["review"],
                            "share": round(shape["reviewed_first"] / max(shape["label_events_first"], 1), 3),
                            "catch_rate": _DEFAULT_CATCH, "false_reject_rate": round(false_reject, 4),
                            "max_attempts": int(max(shape["max_attempt"] or 1, 1))}
        notes.append(f"review catch rate assumed {_DEFAULT_CATCH:.0%}; false rejections fitted to the "
                     f"observed rejection rate {reject:.1%}")
    if "adjudicate" in stage_pools and shape["adjudicated_items"]:
        stages["adjudicate"] = {"pools": stage_pools["adjudicate"]}
    if "qa" in stage_pools and shape["qa_items"]:
        stages["qa"] = {"pools": stage_pools["qa"], "share": round(shape["qa_items"] / labeled, 3)}

    draft = {
        "name": name,
        "description": f"Calibrated from {flt.describe()} ({first:%Y-%m-%d} to {last:%Y-%m-%d})",
        "project": flt.projects[0] if len(flt.projects) == 1 else "calibrated",
        "horizon_h": horizon_h,
        "arrivals": {"rate_per_h": round(rate, 4), "batch": batches},
        "task_type": task_types,
        "pool": pools,
        "stages": stages,
    }
    scenario = Scenario.model_validate(draft)
    if observed_wait is not None and refine_replications:
        scenario = _with_pickup_delay(scenario, observed_wait, refine_replications, notes)
    return Calibration(scenario=scenario, fits=pd.DataFrame(fits), notes=tuple(dict.fromkeys(notes)))


def _with_pickup_delay(scenario: Scenario, observed_wait: tuple[float, float], replications: int,
                       notes: list[str]) -> Scenario:
    """Add the pickup latency the queue alone does not explain.

    Labels wait for two reasons: every annotator is busy (queueing, which the simulator
    produces itself) and nobody has pulled the item yet though someone is free (latency).
    A short simulation without latency tells how much of the observed wait is queueing; the
    rest, in working hours, becomes the stage's pickup delay.
    """
    from labelline.sim.runs import simulate

    wall_h, working_h = observed_wait
    simulated = simulate(scenario, replications=replications, seed=0, processes=1).summary
    queueing_h = float(simulated["mean"].get("wait_mean_h.label", 0.0))
    share = max(0.0, 1 - queueing_h / wall_h) if wall_h > 0 else 0.0
    delay = round(working_h * share, 3)
    notes.append(f"labels waited {wall_h:.1f} h on average; queueing explains {queueing_h:.1f} h, the rest "
                 f"is pickup latency: {delay} working hours")
    if delay <= 0:
        return scenario
    label = scenario.stages.label.model_copy(update={"pickup_delay_h": delay})
    return scenario.model_copy(update={"stages": scenario.stages.model_copy(update={"label": label})})



def backtest(s: KpiSession, calibration: Calibration, flt: KpiFilter | None = None, replications: int = 5,
             seed: int = 0, processes: int | None = None) -> pd.DataFrame:
    """Simulated vs actual over the observed period: figure, actual, simulated, low, high, relative_error."""
    from labelline.sim.runs import simulate

    actual = headline(s, flt)
    result = simulate(calibration.scenario, replications=replications, seed=seed, processes=processes)
    summary = result.summary
    rows = [
        ("throughput_per_day (items)", actual["throughput_per_day"], "throughput_per_hour", 24.0),
        ("cycle_time_p50_h", actual["cycle_p50_h"], "cycle_time_p50_h", 1.0),
        ("cycle_time_p95_h", actual["cycle_p95_h"], "cycle_time_p95_h", 1.0),
        ("touch_time_p50_s (label)", actual["touch_p50_s"], "touch_p50_s.label", 1.0),
        ("rework_rate", actual["rework_rate"], "rework_rate", 1.0),
    ]
    out = []
    for label, truth, figure, scale in rows:
        if figure not in summary.index:
            continue
        sim = summary.loc[figure]
        mean = sim["mean"] * scale
        out.append({"figure": label, "actual": truth, "simulated": mean, "low": sim["low"] * scale,
                    "high": sim["high"] * scale,
                    "relative_error": (mean - truth) / truth if truth else math.nan})
    return pd.DataFrame(out)
