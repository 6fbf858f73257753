"""The simulator against Ciw, an independent discrete-event engine, on the same queueing models.

Queueing theory checks the simulator where a formula exists (tests/test_sim.py); Ciw checks
it as a second implementation: same model, same warm-up and horizon, several seeded
replications each, and the two 95 % confidence intervals of the mean must overlap. Both
intervals must also be narrow enough for the overlap to mean something.

Ciw is a test-only dependency (``pip install -e '.[test]'``); without it these tests skip.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
from labelline.sim.runs import simulate
from labelline.sim.scenario import Scenario, load_scenario

ciw = pytest.importorskip("ciw", reason="ciw (test-only cross-check engine) is not installed: pip install 'ciw>=3.0'")

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _interval(values: list[float]) -> tuple[float, float, float]:
    """mean, low, high of a Student-t 95 % interval."""
    from scipy import stats

    mean = statistics.fmean(values)
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def _assert_overlap(name: str, ours: tuple[float, float, float], theirs: tuple[float, float, float],
                    max_half_width: float) -> None:
    msg = (f"{name}: labelline {ours[0]:.4f} [{ours[1]:.4f}, {ours[2]:.4f}] vs "
           f"ciw {theirs[0]:.4f} [{theirs[1]:.4f}, {theirs[2]:.4f}]")
    assert ours[1] <= theirs[2] and theirs[1] <= ours[2], "intervals do not overlap: " + msg
    for low_high in (ours, theirs):
        assert (low_high[2] - low_high[1]) / 2 < max_half_width, "interval too wide to mean anything: " + msg


def _ciw_run(network, seed: int, horizon_h: float):
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon_h)
    return sim.get_all_records()


def test_mmc_mean_wait_agrees_with_ciw() -> None:
    """M/M/10, lambda 9/h, mu 1/h (mmc_validation.toml): mean wait of both engines, same window."""
    scenario = load_scenario(SCENARIOS / "mmc_validation.toml")  # warm-up 200 h, horizon 2200 h
    lo, hi = scenario.warmup_h, scenario.horizon_h - scenario.cooldown_h
    reps = 6
    ours = simulate(scenario, replications=reps, seed=11, processes=2).summary.loc["wait_mean_h.label"]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=9.0)],
        service_distributions=[ciw.dists.Exponential(rate=1.0)],
        number_of_servers=[10],
    )
    waits = []
    for r in range(reps):
        # Same measured window as Labelline: services that ended after warm-up, before cool-down.
        done = [x.waiting_time for x in _ciw_run(network, 1000 + r, scenario.horizon_h) if lo <= x.exit_date < hi]
        waits.append(statistics.fmean(done))
    _assert_overlap("wait_mean_h (Erlang C 0.6687)", (ours["mean"], ours["low"], ours["high"]), _interval(waits),
                    max_half_width=0.15)


def _tandem_scenario() -> Scenario:
    """Two stations in series, no rework: c=3 mu=4/h then c=2 mu=6/h, Poisson arrivals at 8/h."""
    exp = lambda mean_s: {"*": {"distribution": "exponential", "mean_s": mean_s, "accuracy": 1.0}}
    return Scenario.model_validate({
        "name": "tandem_ciw",
        "horizon_h": 900.0,
        "warmup_h": 100.0,
        "arrivals": {"rate_per_h": 8.0},
        "pool": [
            {"name": "station1", "tier": "model", "headcount": 3, "handling": exp(900.0)},
            {"name": "station2", "tier": "crowd", "headcount": 2, "handling": exp(600.0)},
        ],
        # time_saving 0: a right pre-label must not shorten station 2's times.
        "stages": {"prelabel": {"pool": "station1", "share": 1.0, "time_saving": 0.0},
                   "label": {"pools": ["station2"]}},
    })


def test_tandem_line_cycle_time_agrees_with_ciw() -> None:
    """Mean time in system of a two-station tandem line (theory 0.3611 + 0.3 = 0.6611 h)."""
    scenario = _tandem_scenario()
    lo, hi = scenario.warmup_h, scenario.horizon_h - scenario.cooldown_h
    reps = 6
    ours = simulate(scenario, replications=reps, seed=12, processes=2).summary.loc["cycle_time_mean_h"]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=8.0), None],
        service_distributions=[ciw.dists.Exponential(rate=4.0), ciw.dists.Exponential(rate=6.0)],
        number_of_servers=[3, 2],
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    cycles = []
    for r in range(reps):
        records = _ciw_run(network, 2000 + r, scenario.horizon_h)
        arrived = {x.id_number: x.arrival_date for x in records if x.node == 1}
        # Items that left the line inside the window, from arrival at station 1 to exit from station 2.
        times = [x.exit_date - arrived[x.id_number] for x in records
                 if x.node == 2 and lo <= x.exit_date < hi and x.id_number in arrived]
        cycles.append(statistics.fmean(times))
    _assert_overlap("cycle_time_mean_h (Jackson 0.6611)", (ours["mean"], ours["low"], ours["high"]),
                    _interval(cycles), max_half_width=0.04)
