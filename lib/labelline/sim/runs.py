"""Replications of a scenario and their summary with 95 % confidence intervals.

Each replication is independent (its own seeded streams), so they run in parallel
processes; the summary of each is computed from its item records and busy-time accounting
inside the measured window (after warm-up, before cool-down), and the figures across
replications get a Student-t confidence interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from labelline.sim.model import Replication, shift_hours, run_replication
from labelline.sim.scenario import Scenario

__all__ = ["summarise", "simulate", "SimResult", "confidence_intervals"]

_SHARES = {"final_accuracy", "sla_attainment", "rework_rate"}


def summarise(rep: Replication) -> dict[str, float]:
    """One replication's figures (flat dict; per-pool and per-stage keys carry the name)."""
    lo, hi = rep.window
    span = hi - lo
    created = np.array([r.created_h for r in rep.items])
    finished = np.array([np.nan if r.finished_h is None else r.finished_h for r in rep.items])
    done = ~np.isnan(finished) & (finished >= lo) & (finished < hi)
    cycle = finished[done] - created[done]
    cost = np.array([r.cost for r in rep.items])
    correct = np.array([bool(r.correct) for r in rep.items])
    # Items on the line over time: each item counts from arrival to finish (or the horizon).
    ends = np.where(np.isnan(finished), rep.scenario.horizon_h, finished)
    on_line_h = np.clip(np.minimum(ends, hi) - np.maximum(created, lo), 0, None).sum()
    out: dict[str, float] = {
        "items_finished": float(done.sum()),
        "throughput_per_hour": done.sum() / span,
        "cycle_time_mean_h": float(cycle.mean()) if len(cycle) else math.nan,
        "cycle_time_p50_h": float(np.percentile(cycle, 50)) if len(cycle) else math.nan,
        "cycle_time_p95_h": float(np.percentile(cycle, 95)) if len(cycle) else math.nan,
        "wip_mean": on_line_h / span,
        "final_accuracy": float(correct[done].mean()) if done.any() else math.nan,
        "cost_per_accepted_label": float(cost[done].sum() / done.sum()) if done.any() else math.nan,
    }
    if out["final_accuracy"] and not math.isnan(out["final_accuracy"]):
        out["cost_per_correct_label"] = out["cost_per_accepted_label"] / out["final_accuracy"]
    else:
        out["cost_per_correct_label"] = math.nan
    if rep.scenario.sla_cycle_h is not None and len(cycle):
        out["sla_attainment"] = float((cycle <= rep.scenario.sla_cycle_h).mean())
    backlog = np.array([r.from_backlog for r in rep.items], dtype=bool)
    if backlog.any():
        out["backlog_drain_h"] = float(np.nanmax(finished[backlog])) if not np.isnan(finished[backlog]).any() \
            else math.nan
    cols = rep.columns()
    stage = np.array(cols["stage"], dtype=object)
    queued = np.array(cols["queued_at"], dtype=float)
    started = np.array(cols["started_at"], dtype=float)
    submitted = np.array(cols["submitted_at"], dtype=float)
    in_window = (submitted >= lo) & (submitted < hi)
    event_cost = np.array(cols["cost"], dtype=float)
    for name in ("prelabel", "label", "review", "adjudicate", "qa"):
        mask = (stage == name) & in_window
        if mask.any():
            out[f"wait_mean_h.{name}"] = float((started[mask] - queued[mask]).mean())
            out[f"touch_p50_s.{name}"] = float(np.median(submitted[mask] - started[mask]) * 3600)
            out[f"cost.{name}"] = float(event_cost[mask].sum())
        # Time-average units of work waiting or in progress at the stage (all events, clipped).
        at_stage = stage == name
        if at_stage.any():
            spans = np.clip(np.minimum(submitted[at_stage], hi) - np.maximum(queued[at_stage], lo), 0, None)
            out[f"wip_mean.{name}"] = float(spans.sum() / span)
    labels = (stage == "label") & in_window
    if labels.any():
        out["rework_rate"] = float((np.array(cols["attempt"])[labels] > 1).mean())
    pools = cols["pool"]
    for column, prefix in (("tier", "cost_tier"), ("org", "cost_org")):
        values = np.array([getattr(p, column) for p in pools], dtype=object)
        for value in sorted(set(values[in_window])):
            out[f"{prefix}.{value}"] = float(event_cost[in_window & (values == value)].sum())
    # Fixed fees (a vendor's monthly fee) accrue over the measured window, 30 days a month.
    fixed = sum(p.monthly_fee for p in rep.scenario.pool) * span / 720.0
    out["cost_fixed"] = fixed
    # What the event log does not carry: salaried idle time, minimum-commitment top-ups and
    # overhead. Each is its own figure (present only when a pool uses it) so that the event
    # costs by stage, tier and org still add up to the log's total.
    pool_names = np.array([p.name for p in pools], dtype=object)
    extra = _pool_costs(rep, pool_names, submitted, event_cost, out)
    # Total spend in the window: every priced unit of work, the fixed fees and the pool-level costs.
    out["cost_total"] = float(event_cost[in_window].sum()) + fixed + extra
    if done.any():
        out["cost_per_accepted_label"] = float((cost[done].sum() + fixed + extra) / done.sum())
        if out["final_accuracy"]:
            out["cost_per_correct_label"] = out["cost_per_accepted_label"] / out["final_accuracy"]
    arrived = float(((created >= lo) & (created < hi)).sum())
    for name, state in rep.pools.items():
        available = rep.available_h(state)
        if available:
            out[f"utilisation.{name}"] = state.busy_h / available
        out[f"busy_h.{name}"] = state.busy_h
        if state.jobs and arrived:
            # Capacity / visit ratio: how many items per hour this pool could carry at most.
            visits = state.jobs / arrived
            out[f"visits_per_item.{name}"] = visits
            if available:
                mean_service_h = state.service_h / state.jobs
                out[f"capacity_items_per_h.{name}"] = available / span / mean_service_h / visits
    return out


def _pool_costs(rep: Replication, pool_names: np.ndarray, submitted: np.ndarray, event_cost: np.ndarray,
                out: dict[str, float]) -> float:
    """Add cost_idle.<pool>, cost_minimum_topup and cost_overhead to `out`; return their sum.

    Billed per 30-day period from the window's start (the last one pro rata to its length): a
    pool's labour cost in a period is its handling cost (the events submitted in it), or for
    paid_for = "shift" every shift hour at hourly_rate (idle = the difference, never negative:
    a unit finished past the shift's end is paid as handled). A minimum commitment tops the
    labour cost up to minimum_monthly x period / 30 days; overhead_pct is charged on the labour
    cost, not on the top-up (money paid for work not done needs no managing).
    """
    lo, hi = rep.window
    edges = [lo + 720.0 * i for i in range(int((hi - lo) // 720.0) + 1)]
    edges = edges + [hi] if edges[-1] < hi else edges
    topup = overhead = idle_total = 0.0
    for pool in rep.scenario.pool:
        shift_paid = pool.paid_for == "shift"
        if not (shift_paid or pool.minimum_monthly or pool.overhead_pct):
            continue
        mine = pool_names == pool.name
        idle = labour = pool_topup = 0.0
        for a, b in zip(edges, edges[1:]):
            handled = float(event_cost[mine & (submitted >= a) & (submitted < b)].sum())
            paid = handled
            if shift_paid:
                hour = pool.hourly_rate * (1 + pool.platform_fee_pct / 100)
                paid = max(handled, pool.headcount * shift_hours(pool.shift, a, b) * hour)
                idle += paid - handled
            labour += paid
            pool_topup += max(0.0, pool.minimum_monthly * (b - a) / 720.0 - paid)
        if shift_paid:
            out[f"cost_idle.{pool.name}"] = idle
        idle_total += idle
        topup += pool_topup
        overhead += labour * pool.overhead_pct / 100
    if any(p.minimum_monthly for p in rep.scenario.pool):
        out["cost_minimum_topup"] = topup
    if any(p.overhead_pct for p in rep.scenario.pool):
        out["cost_overhead"] = overhead
    return idle_total + topup + overhead


def confidence_intervals(per_rep: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """mean, half-width, low, high of every column across replications (Student t)."""
    rows = []
    n = len(per_rep)
    for col in per_rep.columns:
        values = per_rep[col].dropna().to_numpy(dtype=float)
        mean = float(values.mean()) if len(values) else math.nan
        if len(values) > 1:
            half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
        else:
            half = math.nan
        low, high = mean - half, mean + half
        if col in _SHARES or col.startswith("sla_"):
            low, high = max(low, 0.0), min(high, 1.0)  # a share's interval stays inside [0, 1]
        rows.append({"figure": col, "mean": mean, "half_width": half, "low": low, "high": high,
                     "replications": len(values)})
    out = pd.DataFrame(rows).set_index("figure")
    out.attrs["replications"] = n
    return out


@dataclass
class SimResult:
    scenario: Scenario
    per_replication: pd.DataFrame  # one row per replication, one column per figure
    summary: pd.DataFrame  # mean and 95 % interval per figure
    events: list[pa.Table]  # the event log of each replication (when asked for)

    @property
    def bottleneck(self) -> dict[str, float | str] | None:
        """The pool with the least capacity per item (capacity / visit ratio), with its utilisation.

        Nominal load overstates a downstream pool's real load when an upstream one throttles
        the flow, so the measured utilisation is reported beside it as the check.
        """
        caps = {f.split(".", 1)[1]: row["mean"] for f, row in self.summary.iterrows()
                if f.startswith("capacity_items_per_h.")}
        if not caps:
            return None
        pool = min(caps, key=caps.get)
        util = self.summary["mean"].get(f"utilisation.{pool}")
        busiest = max(
            ((f.split(".", 1)[1], row["mean"]) for f, row in self.summary.iterrows() if f.startswith("utilisation.")),
            key=lambda kv: kv[1], default=(None, None),
        )[0]
        return {"pool": pool, "capacity_items_per_h": caps[pool],
                "utilisation": None if util is None else float(util),
                "busiest_pool": busiest, "agrees": busiest == pool}


def _one(args: tuple[Scenario, int, int, str, bool]) -> tuple[dict[str, float], pa.Table | None]:
    scenario, replication, seed, key, keep_events = args
    rep = run_replication(scenario, replication, seed, key)
    return summarise(rep), rep.event_table() if keep_events else None


def simulate(scenario: Scenario, replications: int = 10, seed: int = 0, key: str | None = None,
             processes: int | None = None, keep_events: bool = False,
             progress: Callable[[int, int], None] | None = None, cluster: str | None = None,
             cluster_timeout_s: float = 30.0, executor: Executor | None = None) -> SimResult:
    """Run replications (in parallel processes unless processes=1, on the Dask cluster at
    `cluster`, or on an `executor` the caller keeps, e.g. the dashboard's shared process pool)
    and summarise them."""
    key = key or scenario.name
    jobs = [(scenario, r, seed, key, keep_events) for r in range(replications)]
    results: list[tuple[dict[str, float], pa.Table | None]] = []
    if cluster:
        from labelline.sim.cluster import map_on_cluster

        results = map_on_cluster(cluster, _one, jobs, progress, timeout_s=cluster_timeout_s)
    elif executor is not None:
        futures = [executor.submit(_one, job) for job in jobs]
        for i, future in enumerate(futures):
            results.append(future.result())
            if progress:
                progress(i + 1, replications)
    elif processes == 1 or replications == 1:
        for i, job in enumerate(jobs):
            results.append(_one(job))
            if progress:
                progress(i + 1, replications)
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for i, result in enumerate(pool.map(_one, jobs)):
                results.append(result)
                if progress:
                    progress(i + 1, replications)
    per_rep = pd.DataFrame([r[0] for r in results])
    return SimResult(scenario=scenario, per_replication=per_rep, summary=confidence_intervals(per_rep),
                     events=[r[1] for r in results if r[1] is not None])
