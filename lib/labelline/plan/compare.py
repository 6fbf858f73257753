"""Scenarios side by side, and each one's difference from the first, with common random numbers.

Every scenario runs the same replications with the same seed, so replication r of each one
draws its arrivals, handling times and quality from the same named streams wherever the
scenarios share a decision. The difference of a figure is then taken replication by
replication (paired), and its Student-t 95 % interval is far narrower than the one two
independent runs would give: the noise both scenarios share cancels out. A figure gets a
winner only when that interval excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from labelline.sim.model import run_replication
from labelline.sim.runs import SimResult, confidence_intervals, summarise
from labelline.sim.scenario import Scenario, scenario_toml

__all__ = ["HEADLINE", "Headline", "Comparison", "compare", "paired_interval", "scenario_toml"]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Headline:
    """A figure the comparison reports: its key in the simulation summary, words, unit, better direction."""

    figure: str
    label: str
    unit: str
    better: str  # "lower" or "higher"


HEADLINE: tuple[Headline, ...] = (
    Headline("cost_per_accepted_label", "cost per accepted label", "money/item", "lower"),
    Headline("cost_per_correct_label", "cost per correct label", "money/item", "lower"),
    Headline("cost_total", "total cost in the window", "money", "lower"),
    Headline("throughput_per_hour", "throughput", "items/h", "higher"),
    Headline("cycle_time_p95_h", "cycle time p95", "h", "lower"),
    Headline("final_accuracy", "final accuracy", "share", "higher"),
    Headline("sla_attainment", "SLA attainment", "share", "higher"),
    Headline("backlog_drain_h", "backlog drained at", "h from start", "lower"),
)
_BY_FIGURE = {h.figure: h for h in HEADLINE}

NO_CLEAR_DIFFERENCE = "no clear difference"
NOT_COMPARABLE = "not comparable"  # fewer than two replications where both scenarios have the figure


def paired_interval(differences: Sequence[float], confidence: float = CONFIDENCE) -> dict[str, float]:
    """Mean, half-width, low and high of paired differences (Student t over the finite pairs)."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    mean = float(d.mean()) if n else math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return {"mean": mean, "half_width": half, "low": mean - half, "high": mean + half, "pairs": n}


def _unpaired_half_width(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> float:
    """Welch half-width of mean(a) - mean(b): the interval two independent runs would have given."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stats.t.ppf(0.5 + confidence / 2, df) * se)



def _distinct_names(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """Scenarios renamed where two share a name ("baseline", "baseline-2"): results are keyed by name."""
    seen: set[str] = set()
    out = []
    for sc in scenarios:
        name, n = sc.name, 1
        while name in seen:
            n += 1
            name = f"{sc.name}-{n}"
        seen.add(name)
        # The name only labels the run (the event log's source); the random streams do not depend on it.
        out.append(sc if name == sc.name else sc.model_copy(update={"name": name}))
    return out


def _run_one(job: tuple[Scenario, int, int]) -> dict[str, float]:
    scenario, replication, seed = job
    return summarise(run_replication(scenario, replication, seed))


@dataclass
class Comparison:
    """Scenarios compared with the first (the baseline); tidy tables and a stable JSON form."""

    scenarios: list[Scenario]  # with distinct names, in the order given
    replications: int
    seed: int
    results: dict[str, SimResult]  # by scenario name: per-replication figures and their intervals
    side_by_side: pd.DataFrame  # scenario, figure, label, unit, better, mean, half_width, low, high, replications
    differences: pd.DataFrame  # scenario vs baseline per figure: paired mean, interval, verdict, winner

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    @property
    def baseline(self) -> str:
        return self.scenarios[0].name

    @property
    def figures(self) -> list[str]:
        return list(dict.fromkeys(self.side_by_side["figure"]))

    def tables(self) -> dict[str, pd.DataFrame]:
        """What an export writes: the two comparison tables and every replication's figures."""
        per_rep = pd.concat(
            [r.per_replication[[f for f in self.figures if f in r.per_replication.columns]]
             .assign(scenario=name, replication=range(len(r.per_replication)))
             for name, r in self.results.items()], ignore_index=True)
        per_rep = per_rep[["scenario", "replication"] + [f for f in self.figures if f in per_rep.columns]]
        return {"side_by_side": self.side_by_side, "differences": self.differences, "replications": per_rep}

    def inputs(self, texts: dict[str, str] | None = None) -> dict[str, Any]:
        """What produced the numbers: scenario TOML (the file's own text when given), replications, seed."""
        texts = texts or {}
        return {
            "comparison": "paired differences vs the baseline with common random numbers, Student-t 95 % intervals",
            "baseline": self.baseline,
            "scenarios": {name: texts.get(name) or scenario_toml(sc) for name, sc in zip(self.names, self.scenarios)},
            "replications": self.replications,
            "seed": self.seed,
        }

    def to_json(self) -> dict[str, Any]:
        """Stable keys: baseline, scenarios, replications, seed, figures, side_by_side, differences."""
        side: dict[str, dict[str, Any]] = {name: {} for name in self.names}
        for row in self.side_by_side.itertuples(index=False):
            side[row.scenario][row.figure] = {
                "mean": _finite(row.mean), "low": _finite(row.low), "high": _finite(row.high),
                "half_width": _finite(row.half_width), "replications": int(row.replications)}
        diffs: dict[str, dict[str, Any]] = {name: {} for name in self.names[1:]}
        for row in self.differences.itertuples(index=False):
            diffs[row.scenario][row.figure] = {
                "mean": _finite(row.difference), "low": _finite(row.low), "high": _finite(row.high),
                "half_width": _finite(row.half_width), "baseline_mean": _finite(row.baseline_mean),
                "relative": _finite(row.relative_difference),
                "unpaired_half_width": _finite(row.unpaired_half_width), "pairs": int(row.pairs),
                "verdict": row.verdict, "winner": row.winner if isinstance(row.winner, str) else None}
        return {
            "baseline": self.baseline,
            "scenarios": self.names,
            "replications": self.replications,
            "seed": self.seed,
            "confidence": CONFIDENCE,
            "figures": [{"figure": f, "label": _BY_FIGURE[f].label, "unit": _BY_FIGURE[f].unit,
                         "better": _BY_FIGURE[f].better} for f in self.figures],
            "side_by_side": side,
            "differences": diffs,
        }


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _verdict(interval: dict[str, float], better: str, name: str, baseline: str) -> tuple[str, str | None]:
    """(verdict of `name` against the baseline, the winner's name or None) from the paired interval."""
    low, high = interval["low"], interval["high"]
    if interval["pairs"] < 2 or not (math.isfinite(low) and math.isfinite(high)):
        return NOT_COMPARABLE, None
    if low <= 0 <= high:
        return NO_CLEAR_DIFFERENCE, None
    improved = (high < 0) if better == "lower" else (low > 0)
    return ("better", name) if improved else ("worse", baseline)


def compare(scenarios: list[Scenario], replications: int = 10, seed: int = 0, processes: int | None = None,
            progress: Callable[[int, int], None] | None = None, executor: Executor | None = None) -> Comparison:
    """Run every scenario with the same seed and replications; compare each with the first.

    progress(done, total) is called after each replication (total = scenarios x replications).
    Replications run in parallel processes unless processes=1, or on the caller's `executor`.
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    if replications < 1:
        raise ValueError("replications must be at least 1")
    scenarios = _distinct_names(scenarios)
    jobs = [(sc, r, seed) for sc in scenarios for r in range(replications)]
    rows: list[dict[str, float]] = []
    if executor is not None:  # a pool the caller keeps (the dashboard's, shared by every session)
        futures = [executor.submit(_run_one, job) for job in jobs]
        for i, future in enumerate(futures):
            rows.append(future.result())
            if progress:
                progress(i + 1, len(jobs))
    elif processes == 1 or len(jobs) == 1:
        for i, job in enumerate(jobs):
            rows.append(_run_one(job))
            if progress:
                progress(i + 1, len(jobs))
    else:
        # One pool for every scenario's replications: no idle core while the last scenario finishes.
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for i, figures in enumerate(pool.map(_run_one, jobs)):
                rows.append(figures)
                if progress:
                    progress(i + 1, len(jobs))
    results: dict[str, SimResult] = {}
    for k, sc in enumerate(scenarios):
        per_rep = pd.DataFrame(rows[k * replications:(k + 1) * replications]).reset_index(drop=True)
        results[sc.name] = SimResult(scenario=sc, per_replication=per_rep, summary=confidence_intervals(per_rep),
                                     events=[])
    present = set().union(*(r.per_replication.columns for r in results.values()))
    headline = [h for h in HEADLINE if h.figure in present]
    side = []
    for name, result in results.items():
        for h in headline:
            if h.figure not in result.summary.index:
                continue
            row = result.summary.loc[h.figure]
            side.append({"scenario": name, "figure": h.figure, "label": h.label, "unit": h.unit, "better": h.better,
                         "mean": row["mean"], "half_width": row["half_width"], "low": row["low"],
                         "high": row["high"], "replications": int(row["replications"])})
    base_name = scenarios[0].name
    base = results[base_name].per_replication
    diffs = []
    for name, result in list(results.items())[1:]:
        for h in headline:
            x = _column(result.per_replication, h.figure)
            b = _column(base, h.figure)
            interval = paired_interval(x - b)  # replication r against replication r: the same streams
            verdict, winner = _verdict(interval, h.better, name, base_name)
            base_mean = float(np.nanmean(b)) if np.isfinite(b).any() else math.nan
            diffs.append({
                "scenario": name, "baseline": base_name, "figure": h.figure, "label": h.label, "unit": h.unit,
                "better": h.better, "difference": interval["mean"], "half_width": interval["half_width"],
                "low": interval["low"], "high": interval["high"], "pairs": interval["pairs"],
                "baseline_mean": base_mean,
                "relative_difference": interval["mean"] / base_mean if base_mean else math.nan,
                "unpaired_half_width": _unpaired_half_width(x, b), "verdict": verdict, "winner": winner})
    side_columns = ["scenario", "figure", "label", "unit", "better", "mean", "half_width", "low", "high",
                    "replications"]
    diff_columns = ["scenario", "baseline", "figure", "label", "unit", "better", "difference", "half_width", "low",
                    "high", "pairs", "baseline_mean", "relative_difference", "unpaired_half_width", "verdict", "winner"]
    differences = pd.DataFrame(diffs, columns=diff_columns)
    # None, not NaN, where nothing wins: pandas would otherwise infer a string column with NaN for the gaps.
    differences["winner"] = pd.Series([d["winner"] for d in diffs], index=differences.index, dtype=object)
    return Comparison(scenarios=scenarios, replications=replications, seed=seed, results=results,
                      side_by_side=pd.DataFrame(side, columns=side_columns), differences=differences)


def _column(per_rep: pd.DataFrame, figure: str) -> np.ndarray:
    """A figure's value per replication (NaN where a scenario does not report it)."""
    if figure not in per_rep.columns:
        return np.full(len(per_rep), np.nan)
    return per_rep[figure].to_numpy(dtype=float)
