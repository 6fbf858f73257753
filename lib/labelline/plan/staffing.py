"""Staffing: the cheapest pool mix that meets a deadline or an SLA.

Queueing theory sizes and orders the candidates; the simulator decides. Each candidate is a
headcount per varied pool (and, where the planner lets them vary, an overlap, a review share
and a vendor-overflow threshold). The analytic layer gives every candidate its cost (exact
for the salaried pools, estimated for the rest), its load per pool (a pool below its offered
load can never keep up), an accuracy estimate and a cycle-time estimate (Erlang C for a pure
M/M/c line, where it is exact; otherwise a fluid model of the label stage over the horizon
for backlogs and shift closures, plus Allen-Cunneen waits downstream). Candidates that
cannot win are pruned; the rest are simulated in order of cost with a few replications, more
only when the confidence interval straddles a target, and the first one that meets every
target at the confidence asked for (the interval's bound on the right side of the target) is
the recommendation, once no cheaper candidate is left that could still beat it.

Varied pools are costed as salaried (``paid_for = "shift"``: every shift hour at
``hourly_rate``, plus platform fee and ``overhead_pct``): a headcount only costs money if it
is paid for its time; a pool paid per handled hour would make every headcount cost the same.
Money is in the scenario's currency and over the measured window (the whole deadline in
deadline mode); times are in hours.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labelline.plan.staffing_theory import (  # noqa: F401 - Estimate, mmc_cycle_quantile_h, salaried_cost re-exported
    REPORTED,
    Candidate,
    Config,
    Estimate,
    SearchSpace,
    Targets,
    estimate_candidates,
    finite_or_none,
    fluid_label,
    is_pure_mmc,
    line_arrival_rate_per_h,
    line_model,
    measured_window,
    mmc_cycle_quantile_h,
    relieved_pools,
    salaried_cost,
    shift_share,
    varied_pools,
)
from labelline.sim.model import run_replication, shift_hours
from labelline.sim.runs import confidence_intervals, summarise
from labelline.sim.scenario import Scenario

__all__ = [
    "Targets", "SearchSpace", "Config", "Estimate", "Candidate", "StaffingResult", "search_staffing",
    "varied_pools", "is_pure_mmc", "mmc_cycle_quantile_h", "estimate_candidates", "salaried_cost",
]

_ACCURACY_SLACK = 0.01  # prune on accuracy only this far below the target (Monte Carlo and mixing error)


# --- the search -----------------------------------------------------------------------------


@dataclass
class StaffingResult:
    """The recommendation, every candidate considered (with why it lost), and the effort spent."""

    scenario: Scenario
    targets: Targets
    varied: tuple[str, ...]
    recommendation: Candidate | None
    candidates: list[Candidate]  # every candidate evaluated, cheapest estimate first
    lower_bounds: dict[str, int]  # per varied pool, floor(a) + 1 (or the deadline's), under the scenario's settings
    candidates_simulated: int
    replications_run: int
    seconds: float
    window_h: tuple[float, float]  # the measured window the costs are over
    notes: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return "deadline" if self.targets.deadline_h is not None else "sla"

    @property
    def candidates_evaluated(self) -> int:
        return len(self.candidates)

    @property
    def time_figure(self) -> str:
        """The time the frontier trades against cost: drain time for a deadline, p95 cycle time for an SLA."""
        if self.mode == "deadline":
            return "backlog_drain_h"
        return "cycle_time_p95_h" if self.targets.cycle_p95_h is not None else "wait_p95_h"

    def frontier(self) -> list[Candidate]:
        """Simulated candidates no other simulated one beats on cost, time and accuracy at once.

        A candidate without one of the three (a backlog never drained) is left out.
        """
        rows = [c for c in self.candidates if c.simulated]
        pts = [(c.figures["cost"]["mean"], _mean(c, self.time_figure), -_mean(c, "final_accuracy")) for c in rows]
        keep = []
        for i, p in enumerate(pts):
            if not any(math.isnan(x) for x in p) and not any(
                    all(q[k] <= p[k] for k in range(3)) and any(q[k] < p[k] for k in range(3))
                    for j, q in enumerate(pts) if j != i and not any(math.isnan(x) for x in q)):
                keep.append(rows[i])
        return sorted(keep, key=lambda c: c.figures["cost"]["mean"])

    def table(self) -> pd.DataFrame:
        """One row per candidate: headcounts, status and reason, simulated figures with intervals, estimates.

        `time_h` is the frontier's time (drain time for a deadline, else the p95 cycle time or
        wait); figures are NaN where a candidate was not simulated. attrs["time_figure"] names it.
        """
        frontier = {id(c) for c in self.frontier()}
        est_time = {"backlog_drain_h": "drain_h", "cycle_time_p95_h": "cycle_p95_h", "wait_p95_h": "wait_p95_h"}
        rows = []
        for c in self.candidates:
            row: dict = {"candidate": c.label(), "status": c.status, "reason": c.reason, "simulated": c.simulated,
                         "replications": c.replications, "on_frontier": id(c) in frontier,
                         "recommended": c is self.recommendation, "overlap": c.config.overlap,
                         "review_share": c.config.review_share, "overflow_queue": c.config.overflow_queue}
            row.update({f"headcount.{p}": n for p, n in c.headcounts.items()})
            for name, figure in (("cost", "cost"), ("time_h", self.time_figure), ("accuracy", "final_accuracy")):
                fig = c.figures.get(figure) or {}
                for part, key in (("", "mean"), ("_low", "low"), ("_high", "high")):
                    value = fig.get(key)
                    row[name + part] = math.nan if value is None else value
            est = getattr(c.estimate, est_time[self.time_figure])
            row.update(estimate_cost=c.estimate.cost, estimate_time_h=math.nan if est is None else est,
                       estimate_accuracy=c.estimate.accuracy)
            rows.append(row)
        out = pd.DataFrame(rows)
        out.attrs["time_figure"] = self.time_figure
        return out

    def to_dict(self) -> dict:
        """The result as plain data with stable keys (the CLI's --json)."""
        rec = self.recommendation
        t = self.targets
        return {
            "scenario": self.scenario.name, "mode": self.mode,
            "targets": {"cycle_p95_h": t.cycle_p95_h, "wait_p95_h": t.wait_p95_h, "deadline_h": t.deadline_h,
                        "min_accuracy": t.min_accuracy, "min_throughput_per_h": t.min_throughput_per_h,
                        "budget": t.budget, "confidence": t.confidence},
            "window_h": list(self.window_h), "varied_pools": list(self.varied), "lower_bounds": self.lower_bounds,
            "headcount": None if rec is None else dict(rec.headcounts),
            "cost": None if rec is None else finite_or_none(rec.cost),
            "sla_met": rec is not None,
            "candidates_evaluated": self.candidates_evaluated, "candidates_simulated": self.candidates_simulated,
            "replications_run": self.replications_run, "seconds": round(self.seconds, 3),
            "recommendation": None if rec is None else rec.to_dict(),
            "cheaper": [c.to_dict() for c in self.cheaper()],
            "frontier": [c.to_dict() for c in self.frontier()],
            "candidates": [c.to_dict() for c in self.candidates],
            "notes": list(self.notes),
        }

    def cheaper(self) -> list[Candidate]:
        """The candidates cheaper than the recommendation, cheapest first: why it is the cheapest (none without one)."""
        if self.recommendation is None:
            return []
        bar = self.recommendation.cost
        return [c for c in self.candidates if c is not self.recommendation and c.cost < bar]




def _mean(c: Candidate, figure: str) -> float:
    v = c.figures.get(figure, {}).get("mean")
    return math.nan if v is None else float(v)


def _lower_bounds(scenario: Scenario, config: Config, varied: Sequence[str],
                  targets: Targets) -> tuple[dict[str, int], dict[str, int]]:
    """The least headcount each varied pool could meet the targets with, whatever the other pools do.

    Two bounds per pool: the queueing one (where the enumeration starts, so the report can say
    why the smaller teams lose) and the tighter one from the fluid model (where the range is
    anchored, so `max_extra` counts heads above a team that could work).

    floor(a) + 1 of the pool's offered load while on shift (a stable queue needs c > a), or in
    deadline mode the heads whose shift hours until the deadline cover the work; a single
    label pool also needs the heads with which the fluid model (no randomness) meets the
    SLA or the deadline. A pool that shares its stage with others (or whose excess an overflow
    pool takes) starts at 1: together they must carry the load, which the capacity check of
    each candidate enforces; its range is anchored at the team that could carry it alone.
    """
    line = line_model(scenario, config)
    lam = line_arrival_rate_per_h(scenario, targets.deadline_h)
    overflow = scenario.stages.label.overflow_pool
    work: dict[str, float] = {}
    shared: set[str] = set()
    for stage in line.stages:
        pools = [p for p in stage.pools if p != overflow or stage.name != "label"]
        if len(pools) > 1 or (stage.name == "label" and overflow and config.overflow_queue is not None):
            shared.update(pools)
        for p in pools:
            work[p] = work.get(p, 0.0) + lam * stage.units_per_item * stage.mean_h[p]
    bounds = {}
    for name in varied:
        pool = scenario.pool_named(name)
        if name not in work:
            bounds[name] = 1
        elif targets.deadline_h is not None:
            hours = shift_hours(pool.shift, 0.0, targets.deadline_h)
            bounds[name] = max(1, math.ceil(work[name] * targets.deadline_h / hours)) if hours else 1
        else:
            bounds[name] = math.floor(work[name] / shift_share(pool)) + 1
    queueing = {name: 1 if name in shared else n for name, n in bounds.items()}
    label = line.label_pools
    if len(label) == 1 and label[0] in varied and label[0] not in shared and not is_pure_mmc(scenario):
        name = label[0]
        start = bounds[name]
        heads = np.arange(start, start + 400)
        fluid = fluid_label(scenario, line, heads[:, None], None, targets.deadline_h)
        ok = np.ones(len(heads), dtype=bool)
        for target in (targets.cycle_p95_h, targets.wait_p95_h):
            if target is not None:
                ok &= fluid["p95"] <= target
        if targets.deadline_h is not None and scenario.arrivals.backlog_items:
            ok &= fluid["drain"] <= targets.deadline_h
        if ok.any():
            bounds[name] = int(heads[np.argmax(ok)])
    return queueing, bounds




def _prune_reason(c: Candidate, targets: Targets, relieved: frozenset[str] = frozenset()) -> str:
    e = c.estimate
    busy = {p: u for p, u in e.utilisation.items() if u >= 1 and p not in relieved}
    if busy:
        pool, u = max(busy.items(), key=lambda kv: kv[1])
        return f"capacity below load: {pool} would be {u:.0%} busy on shift"
    if targets.min_accuracy is not None and e.accuracy + _ACCURACY_SLACK < targets.min_accuracy:
        return f"accuracy estimate {e.accuracy:.1%} below {targets.min_accuracy:.1%}"
    if targets.budget is not None and e.cost_floor > targets.budget:
        return f"costs at least {e.cost_floor:,.0f}, over the budget of {targets.budget:,.0f}"
    how = "Erlang C" if e.exact else "the fluid model (no randomness)"
    fluid = e.cycle_p95_h if e.exact else e.fluid_cycle_p95_h
    if targets.cycle_p95_h is not None and fluid > targets.cycle_p95_h:
        return f"{how} puts the p95 cycle time at {fluid:,.1f} h, over {targets.cycle_p95_h:g} h"
    wait = e.wait_p95_h if e.exact else e.fluid_cycle_p95_h
    if targets.wait_p95_h is not None and wait > targets.wait_p95_h:
        return f"{how} puts the p95 wait at {wait:,.2f} h, over {targets.wait_p95_h:g} h"
    if targets.deadline_h is not None and e.drain_h is not None and e.drain_h > targets.deadline_h:
        return f"the fluid model drains the backlog at {e.drain_h:,.0f} h, after the deadline ({targets.deadline_h:g} h)"
    return ""


def _checks(targets: Targets) -> list[tuple[str, str, float, str]]:
    """(figure, 'max' or 'min', target, words) for every target a simulation must meet."""
    out = []
    if targets.cycle_p95_h is not None:
        out.append(("cycle_time_p95_h", "max", targets.cycle_p95_h, "p95 cycle time (h)"))
    if targets.wait_p95_h is not None:
        out.append(("wait_p95_h", "max", targets.wait_p95_h, "p95 wait for a labeler (h)"))
    if targets.deadline_h is not None:
        out.append(("backlog_drain_h", "max", targets.deadline_h, "backlog drained at (h)"))
    if targets.min_accuracy is not None:
        out.append(("final_accuracy", "min", targets.min_accuracy, "final accuracy"))
    if targets.min_throughput_per_h is not None:
        out.append(("throughput_per_hour", "min", targets.min_throughput_per_h, "throughput (items/h)"))
    if targets.budget is not None:
        out.append(("cost", "max", targets.budget, "cost"))
    return out


_TIME_TARGETS = {"cycle_time_p95_h", "wait_p95_h", "backlog_drain_h", "throughput_per_hour", "final_accuracy"}


def _verdict(per_rep: pd.DataFrame, targets: Targets) -> tuple[str, str, set[str], dict[str, dict[str, float | None]]]:
    """('met' | 'missed' | 'uncertain', words, figures missed, figures with intervals) for some replications."""
    ci = confidence_intervals(per_rep, targets.confidence)
    figures = {f: {"mean": finite_or_none(r["mean"]), "low": finite_or_none(r["low"]), "high": finite_or_none(r["high"])}
               for f, r in ci.iterrows()}
    missed, unsure, words = set(), [], []
    n = len(per_rep)
    for figure, side, target, label in _checks(targets):
        values = per_rep[figure] if figure in per_rep else pd.Series([math.nan] * n)
        if figure == "backlog_drain_h" and values.isna().any():
            missed.add(figure)
            words.append(f"backlog not drained by {target:g} h in {int(values.isna().sum())} of {n} replications")
            continue
        row = figures.get(figure)
        mean = None if row is None else row["mean"]
        if mean is None:
            missed.add(figure)
            words.append(f"no {label}: nothing finished")
            continue
        bound = row["high"] if side == "max" else row["low"]
        if (side == "max" and mean > target) or (side == "min" and mean < target):
            missed.add(figure)
            words.append(f"{label} {mean:,.3g} {'over' if side == 'max' else 'under'} {target:g}")
        elif bound is None or (side == "max" and bound > target) or (side == "min" and bound < target):
            unsure.append(f"{label} {mean:,.3g} within reach of {target:g} but its {targets.confidence:.0%} "
                          f"interval crosses it")
    if missed:
        return "missed", "; ".join(words), missed, figures
    if unsure:
        return "uncertain", "; ".join(unsure), set(), figures
    return "met", "every target met at the confidence asked for", set(), figures


_TIME_WORDS = {"cycle_time_p95_h": "p95 cycle time", "wait_p95_h": "p95 wait", "backlog_drain_h": "drain time"}
# Time figures theory estimates, by the Estimate attribute that holds them.
_ESTIMATED = {"cycle_time_p95_h": "cycle_p95_h", "wait_p95_h": "wait_p95_h", "backlog_drain_h": "drain_h"}
_CALIBRATION_MARGIN = 0.15  # trust the most optimistic ratio seen only to within this share
_CALIBRATION_MIN_RUNS = 3  # simulated candidates before their ratios are trusted


def _calibrated_miss(c: Candidate, targets: Targets, ratios: Mapping[str, list[float]]) -> str:
    """Why theory, corrected by what the simulations so far measured, says the candidate cannot meet a time target.

    Theory's error on a line is systematic (shifts, several stages, non-Poisson flows), so the
    ratio of simulated to estimated times on the candidates already simulated says how far to
    trust it. A candidate is skipped only if even the most optimistic ratio seen, less a
    margin, leaves its estimate over a target; "" when it may still meet them all.
    """
    limits = {"cycle_time_p95_h": targets.cycle_p95_h, "wait_p95_h": targets.wait_p95_h,
              "backlog_drain_h": targets.deadline_h}
    for figure, attr in _ESTIMATED.items():
        seen, target, est = ratios.get(figure, []), limits[figure], getattr(c.estimate, attr)
        if target is None or est is None or len(seen) < _CALIBRATION_MIN_RUNS:
            continue
        corrected = est * min(seen) * (1 - _CALIBRATION_MARGIN)
        if corrected > target:
            return (f"theory puts the {_TIME_WORDS[figure]} at {est:,.3g} h; even corrected by the best ratio the "
                    f"simulations showed (x{min(seen):.2f}, less {_CALIBRATION_MARGIN:.0%}) it is {corrected:,.3g} h, "
                    f"over {target:g} h")
    return ""




def _replicate(args: tuple[Scenario, int, int, str]) -> dict[str, float]:
    """One replication's summary plus the p95 wait for a first label and the spend under the name `cost`."""
    scenario, replication, seed, key = args
    rep = run_replication(scenario, replication, seed, key)
    out = summarise(rep)
    cols = rep.columns()
    if cols["stage"]:
        stage = np.array(cols["stage"], dtype=object)
        attempt = np.array(cols["attempt"])
        queued = np.array(cols["queued_at"], dtype=float)
        started = np.array(cols["started_at"], dtype=float)
        lo, hi = rep.window
        first = (stage == "label") & (attempt == 1) & (queued >= lo) & (queued < hi)
        if first.any():
            out["wait_p95_h"] = float(np.percentile(started[first] - queued[first], 95))
    out["cost"] = out["cost_total"]
    return out


def _candidate_scenario(scenario: Scenario, c: Candidate, targets: Targets) -> Scenario:
    """The scenario with the candidate's headcounts (paid for every shift hour) and settings."""
    data = scenario.model_dump()
    for pool in data["pool"]:
        if pool["name"] in c.headcounts:
            pool["headcount"] = c.headcounts[pool["name"]]
            pool["new_hires"] = min(pool["new_hires"], pool["headcount"])
            pool["paid_for"] = "shift"
    stages = data["stages"]
    stages["label"]["overlap"] = c.config.overlap
    if c.config.review_share is not None:
        stages["review"]["share"] = c.config.review_share
    if c.config.overflow_queue is not None:
        stages["label"]["overflow_queue"] = c.config.overflow_queue
    if targets.cycle_p95_h is not None:
        data["sla_cycle_h"] = targets.cycle_p95_h
    if targets.deadline_h is not None:
        data.update(horizon_h=targets.deadline_h, warmup_h=0.0, cooldown_h=0.0)
    return Scenario.model_validate(data)


def _configs(scenario: Scenario, space: SearchSpace) -> list[Config]:
    st = scenario.stages
    overlaps = space.overlap or (st.label.overlap,)
    shares: tuple[float | None, ...] = space.review_share or ((st.review.share,) if st.review else (None,))
    queues: tuple[int | None, ...] = space.overflow_queue or (st.label.overflow_queue,)
    if space.review_share and st.review is None:
        raise ValueError("the scenario has no review stage: its share cannot vary")
    if space.overflow_queue and st.label.overflow_pool is None:
        raise ValueError("the scenario has no overflow pool: its threshold cannot vary")
    return [Config(k, s, q) for k, s, q in itertools.product(overlaps, shares, queues)]


def search_staffing(scenario: Scenario, targets: Targets, space: SearchSpace = SearchSpace(), *,
                    replications: int = 3, max_replications: int = 12, min_confirm_replications: int = 5,
                    max_simulations: int = 60, seed: int = 0, processes: int | None = None,
                    progress: Callable[[str], None] | None = None, prune: bool = True) -> StaffingResult:
    """The cheapest candidate meeting every target, verified by simulation at targets.confidence.

    Candidates are simulated cheapest estimate first with `replications`, more (in steps of
    `replications`, up to `max_replications`) while an interval straddles a target; a
    candidate is accepted with at least `min_confirm_replications`. The search stops when no
    candidate left could cost less than the best one accepted (its cost floor is higher), or
    after `max_simulations` candidates. Every replication uses the same seed per replication
    number (common random numbers), so candidates differ only by their staffing.

    `prune=False` is the search without theory, the baseline benchmarks/staffing.py measures
    against: every pool from one head, every candidate simulated in order of cost until one
    meets the targets (and none left could cost less).
    """
    t0 = time.perf_counter()
    if targets.deadline_h is not None and not scenario.arrivals.backlog_items:
        raise ValueError("a deadline needs a backlog to finish (arrivals.backlog_items)")
    varied = varied_pools(scenario, space.pools)
    if not varied:
        raise ValueError("no pool to vary: name pools with a headcount and an hourly_rate")
    if replications < 2 or max_replications < replications:
        raise ValueError("replications must be at least 2 (an interval needs two) and at most max_replications")
    min_confirm_replications = min(min_confirm_replications, max_replications)
    configs = _configs(scenario, space)
    rows: list[tuple[dict[str, int], Config]] = []
    own = Config(scenario.stages.label.overlap, scenario.stages.review.share if scenario.stages.review else None,
                 scenario.stages.label.overflow_queue)
    own_bounds: dict[str, int] = {}
    for config in configs:
        start, bounds = _lower_bounds(scenario, config, varied, targets)
        if config == own or not own_bounds:
            own_bounds = start
        if not prune:
            start = dict.fromkeys(varied, 1)
        ranges = [range(start[p], bounds[p] + space.max_extra + 1) for p in varied]
        size = math.prod(len(r) for r in ranges) * len(configs)
        if size > space.max_candidates:
            raise ValueError(f"{size:,} candidates: more than {space.max_candidates:,}; vary fewer pools or values, "
                             f"or lower max_extra")
        rows += [(dict(zip(varied, heads, strict=True)), config) for heads in itertools.product(*ranges)]
    estimates = estimate_candidates(scenario, rows, targets.deadline_h)
    candidates = [Candidate(h, c, e) for (h, c), e in zip(rows, estimates, strict=True)]
    candidates.sort(key=lambda c: (c.estimate.cost, c.estimate.cycle_p95_h, sorted(c.headcounts.items())))
    for c in candidates:
        reason = _prune_reason(c, targets, relieved_pools(scenario, c.config)) if prune else ""
        if reason:
            c.status, c.reason = "pruned", reason
    window = measured_window(scenario, targets.deadline_h)

    failures: list[Candidate] = []
    ratios: dict[str, list[float]] = {}  # simulated ÷ estimated, per time figure, as the search learns
    best: Candidate | None = None
    simulated = reps_run = 0
    executor: Executor | None = None
    try:
        if processes != 1:
            executor = ProcessPoolExecutor(max_workers=processes)
        for c in candidates:
            if c.status == "pruned":
                continue
            if best is not None and c.estimate.cost_floor >= best.cost:
                c.status, c.reason = "costlier", f"costs at least {c.estimate.cost_floor:,.0f}, the " \
                                                 f"recommendation {best.cost:,.0f}"
                continue
            hopeless = _calibrated_miss(c, targets, ratios) if prune else ""
            if hopeless:
                c.status, c.reason = "pruned", hopeless
                continue
            loser = None if not prune else next((f for f in failures if f.config == c.config
                          and all(c.headcounts[p] <= f.headcounts[p] for p in varied)), None)
            if loser is not None:
                c.status, c.reason = "dominated", f"no more staff in any pool than {loser.label()}, which missed"
                continue
            if simulated >= max_simulations:
                c.status, c.reason = "not reached", f"the limit of {max_simulations} simulated candidates"
                continue
            sc = _candidate_scenario(scenario, c, targets)
            per_rep: list[dict[str, float]] = []
            while True:
                more = min(replications, max_replications - len(per_rep))
                jobs = [(sc, r, seed, scenario.name) for r in range(len(per_rep), len(per_rep) + more)]
                per_rep += list(executor.map(_replicate, jobs)) if executor else [_replicate(j) for j in jobs]
                verdict, words, missed, figures = _verdict(pd.DataFrame(per_rep), targets)
                if len(per_rep) >= max_replications or verdict == "missed":
                    break
                if verdict == "met" and len(per_rep) >= min_confirm_replications:
                    break
            simulated += 1
            reps_run += len(per_rep)
            c.replications, c.figures = len(per_rep), figures
            for figure, attr in _ESTIMATED.items():
                est, sim = getattr(c.estimate, attr), (figures.get(figure) or {}).get("mean")
                if sim is not None and est is not None and 0 < est < math.inf and not c.estimate.exact:
                    ratios.setdefault(figure, []).append(sim / est)
            if verdict == "met":
                c.status, c.reason = "met", words
                if best is None or c.cost < best.cost:
                    best = c
            else:
                c.status = "missed" if verdict == "missed" else "not confirmed"
                c.reason = words
                if verdict == "uncertain" or missed & _TIME_TARGETS:
                    failures.append(c)
            if progress:
                progress(f"{c.label()}: {c.status} ({c.reason})")
    finally:
        if executor is not None:
            executor.shutdown()
    if best is not None:
        best.status, best.reason = "recommended", "the cheapest candidate meeting every target"
    notes = []
    if best is None:
        notes.append("no candidate met every target: allow more staff (max_extra), relax a target or vary more "
                     "settings")
    if not is_pure_mmc(scenario):
        notes.append("cycle-time estimates for lines with shifts, batches or several stages are theory's "
                     "optimistic view, used to order and prune; the simulator decides")
    return StaffingResult(scenario=scenario, targets=targets, varied=varied, recommendation=best,
                          candidates=candidates, lower_bounds=own_bounds, candidates_simulated=simulated,
                          replications_run=reps_run, seconds=time.perf_counter() - t0, window_h=window, notes=notes)
