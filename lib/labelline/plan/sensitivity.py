"""Sensitivity of a headline figure to the scenario's inputs: a tornado and a Monte Carlo band.

The tornado moves one input at a time (every key of SCALABLE_INPUTS) down and up by the same
share and simulates each variant with the same seed as the base: common random numbers, so
the bars show the input's effect rather than simulation noise. The Monte Carlo draws every
input's factor at once from its uncertainty range (seeded), runs one short replication per
draw on its own random stream, and reports the 5th, 50th and 95th percentiles of the figure:
the band a finance reader can quote. Draw i uses the same input draws and the same stream
whatever the width, so a wider uncertainty gives a band that is wider for that reason alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from labelline.plan.breakeven import records
from labelline.plan.variants import SCALABLE_INPUTS, scaled
from labelline.sim.model import run_replication
from labelline.sim.runs import simulate, summarise
from labelline.sim.scenario import Scenario

__all__ = ["Tornado", "MonteCarlo", "tornado", "monte_carlo", "DEFAULT_FIGURE"]

DEFAULT_FIGURE = "cost_per_accepted_label"
Progress = Callable[[int, int], None]


def _figure_of(summary: pd.DataFrame, figure: str) -> float:
    if figure not in summary.index:
        known = ", ".join(sorted(summary.index))
        raise ValueError(f"the simulation reports no figure {figure!r}; it reports {known}")
    return float(summary.loc[figure, "mean"])


@dataclass(frozen=True)
class Tornado:
    figure: str
    swing: float  # the share each input moved down and up (0.2: -20 % and +20 %)
    base: float  # the figure at the scenario's own inputs
    replications: int
    seed: int
    # input, description, applies (False: the scenario has nothing to scale), low_factor, high_factor,
    # low, high (the figure there), low_change, high_change (vs base, shares), swing_abs (|high - low|);
    # sorted by swing_abs, largest first
    bars: pd.DataFrame

    def to_json(self) -> dict:
        """Stable keys: figure, swing, base, replications, seed, bars (records of `bars`)."""
        return {"figure": self.figure, "swing": self.swing, "base": _finite(self.base),
                "replications": self.replications, "seed": self.seed, "bars": records(self.bars)}


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def tornado(scenario: Scenario, swing: float = 0.2, inputs: Sequence[str] | None = None,
            figure: str = DEFAULT_FIGURE, replications: int = 3, seed: int = 0, processes: int | None = 1,
            progress: Progress | None = None, executor: Executor | None = None) -> Tornado:
    """The figure at (1 - swing) and (1 + swing) x each input, with common random numbers.

    An input the scenario has nothing of (per-item prices on an hourly line, a rejection rate
    without review) is not simulated: its bar is zero and `applies` says why.
    """
    if not 0 < swing < 1:
        raise ValueError("swing must be between 0 and 1 (0.2 moves each input by -20 % and +20 %)")
    inputs = list(inputs or SCALABLE_INPUTS)
    unknown = [i for i in inputs if i not in SCALABLE_INPUTS]
    if unknown:
        raise ValueError(f"unknown input {', '.join(unknown)}; one of {', '.join(SCALABLE_INPUTS)}")
    variants = [(name, side, scaled(scenario, name, 1 + sign * swing))
                for name in inputs for side, sign in (("low", -1), ("high", 1))]
    to_run = [v for v in variants if v[2] != scenario]
    total, done = 1 + len(to_run), 0

    def run(s: Scenario) -> float:
        nonlocal done
        result = simulate(s, replications=replications, seed=seed, key=scenario.name, processes=processes,
                          executor=executor)
        done += 1
        if progress:
            progress(done, total)
        return _figure_of(result.summary, figure)

    base = run(scenario)
    values = {(name, side): (run(s) if s != scenario else base) for name, side, s in variants}
    rows = []
    for name in inputs:
        low, high = values[(name, "low")], values[(name, "high")]
        applies = any(s != scenario for n, _, s in variants if n == name)
        rows.append({
            "input": name, "description": SCALABLE_INPUTS[name], "applies": applies,
            "low_factor": 1 - swing, "high_factor": 1 + swing, "low": low, "high": high,
            "low_change": (low - base) / base if base else math.nan,
            "high_change": (high - base) / base if base else math.nan,
            "swing_abs": abs(high - low),
        })
    bars = pd.DataFrame(rows).sort_values("swing_abs", ascending=False, kind="stable", ignore_index=True)
    return Tornado(figure=figure, swing=swing, base=base, replications=replications, seed=seed, bars=bars)


@dataclass(frozen=True)
class MonteCarlo:
    figure: str
    distribution: str
    uncertainty: dict[str, float]  # input -> the share it may move either way
    point: float  # the figure at the scenario's own inputs (mean of `point_replications`)
    point_replications: int
    p5: float
    p50: float
    p95: float
    mean: float
    draws: pd.DataFrame  # draw, factor.<input> for each input, value (the figure); NaN where it had none
    # input, spearman_rho (rank correlation of its factor with the figure; NaN for an input the
    # scenario has nothing of), by |rho|
    drivers: pd.DataFrame

    def band(self) -> dict[str, float]:
        return {"p5": self.p5, "p50": self.p50, "p95": self.p95}

    def to_json(self) -> dict:
        """Stable keys: figure, distribution, uncertainty, draws, point, point_replications, p5, p50, p95,
        mean, drivers (records), values (the figure per draw; null where a draw had none)."""
        return {"figure": self.figure, "distribution": self.distribution, "uncertainty": self.uncertainty,
                "draws": len(self.draws), "point": _finite(self.point), "point_replications": self.point_replications,
                "p5": self.p5, "p50": self.p50, "p95": self.p95, "mean": self.mean, "drivers": records(self.drivers),
                "values": [_finite(v) for v in self.draws["value"]]}


def _draw_value(job: tuple[Scenario, int, int, str, str]) -> float:
    scenario, replication, seed, key, figure = job
    return summarise(run_replication(scenario, replication, seed, key)).get(figure, math.nan)


def _factors(uncertainty: Mapping[str, float], draws: int, distribution: str, seed: int) -> pd.DataFrame:
    """Factors per draw and input: 1 + u x t, t in [-1, 1] from the input's own seeded stream.

    t does not depend on u, so the same seed with a wider u scales every draw further out.
    """
    out = {}
    for name in uncertainty:
        # One stream per input, named by its position in SCALABLE_INPUTS (stable across runs
        # that leave some inputs out).
        rng = np.random.default_rng([seed, list(SCALABLE_INPUTS).index(name)])
        t = rng.triangular(-1, 0, 1, draws) if distribution == "triangular" else rng.uniform(-1, 1, draws)
        out[f"factor.{name}"] = 1 + uncertainty[name] * t
    return pd.DataFrame(out)


def monte_carlo(scenario: Scenario, uncertainty: float | Mapping[str, float] = 0.2, draws: int = 50,
                distribution: Literal["triangular", "uniform"] = "triangular", figure: str = DEFAULT_FIGURE,
                seed: int = 0, point_replications: int = 3, processes: int | None = 1,
                progress: Progress | None = None, executor: Executor | None = None) -> MonteCarlo:
    """The figure's band (p5, p50, p95) when inputs are uncertain within +-uncertainty.

    uncertainty: one share for every input of SCALABLE_INPUTS, or a share per input (inputs
    left out stay fixed). Each draw is one replication on its own stream, so the band holds
    the simulation's noise as well as the inputs' uncertainty.
    """
    if isinstance(uncertainty, Mapping):
        shares = {k: float(v) for k, v in uncertainty.items()}
    else:
        shares = dict.fromkeys(SCALABLE_INPUTS, float(uncertainty))
    unknown = [i for i in shares if i not in SCALABLE_INPUTS]
    if unknown:
        raise ValueError(f"unknown input {', '.join(unknown)}; one of {', '.join(SCALABLE_INPUTS)}")
    if any(not 0 <= u < 1 for u in shares.values()):
        raise ValueError("each uncertainty must be at least 0 and below 1 (0.2: within -20 % and +20 %)")
    if distribution not in ("triangular", "uniform"):
        raise ValueError("distribution must be 'triangular' or 'uniform'")
    if draws < 2:
        raise ValueError("draws must be at least 2")
    factors = _factors(shares, draws, distribution, seed)
    # An input the scenario has nothing of (no per-item prices, no review) must not look like a driver.
    applies = {name: shares[name] > 0 and scaled(scenario, name, 1 + shares[name]) != scenario for name in shares}
    jobs = []
    for i, row in enumerate(factors.itertuples(index=False)):
        variant = scenario
        for name, factor in zip(shares, row, strict=True):
            if applies[name] and factor != 1:
                variant = scaled(variant, name, factor)
        jobs.append((variant, i, seed, scenario.name, figure))
    total = draws + 1
    point_result = simulate(scenario, replications=point_replications, seed=seed, processes=processes,
                            executor=executor)
    point = _figure_of(point_result.summary, figure)
    if progress:
        progress(1, total)
    values: list[float] = []
    if executor is not None:  # the caller's pool (the dashboard's, shared by every session)
        for future in [executor.submit(_draw_value, job) for job in jobs]:
            values.append(future.result())
            if progress:
                progress(1 + len(values), total)
    elif processes == 1:
        for job in jobs:
            values.append(_draw_value(job))
            if progress:
                progress(1 + len(values), total)
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for value in pool.map(_draw_value, jobs):
                values.append(value)
                if progress:
                    progress(1 + len(values), total)
    table = factors.copy()
    table.insert(0, "draw", range(draws))
    table["value"] = values
    finite = table["value"].dropna().to_numpy(dtype=float)
    if len(finite) == 0:
        raise ValueError(f"no draw produced {figure!r} (nothing finished?): lengthen the horizon")
    p5, p50, p95 = (float(v) for v in np.percentile(finite, [5, 50, 95]))
    drivers = []
    for name in shares:
        column = table[f"factor.{name}"]
        varied = applies[name] and column.nunique() > 1 and table["value"].nunique() > 1
        rho = stats.spearmanr(column, table["value"], nan_policy="omit").statistic if varied else math.nan
        drivers.append({"input": name, "spearman_rho": float(rho)})
    drivers_df = pd.DataFrame(drivers)
    drivers_df = drivers_df.reindex(drivers_df["spearman_rho"].abs().sort_values(ascending=False,
                                                                                 na_position="last").index)
    return MonteCarlo(figure=figure, distribution=distribution, uncertainty=shares, point=point,
                      point_replications=point_replications, p5=p5, p50=p50, p95=p95, mean=float(finite.mean()),
                      draws=table, drivers=drivers_df.reset_index(drop=True))
