"""Calibration round trip: simulate a known line, ingest its log, fit a scenario, backtest it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from labelline.ingest.pipeline import ingest_paths
from labelline.kpis.filters import KpiFilter
from labelline.kpis.session import open_kpis
from labelline.sim.calibrate import backtest, calibrate, scenario_toml
from labelline.sim.model import run_replication
from labelline.sim.scenario import Scenario
from labelline.store import EventStore

TRUTH = Scenario.model_validate({
    "name": "truth", "project": "rt", "horizon_h": 21 * 24,
    "arrivals": {"rate_per_h": 4.0},
    "task_type": [{"name": "classification", "classes": 4}],
    "pool": [
        {"name": "crowd", "tier": "crowd", "headcount": 6, "hourly_rate": 20.0,
         "shift": {"start_hour": 8, "hours_per_day": 9, "days_per_week": 5},
         "handling": {"*": {"mean_s": 400.0, "cv": 0.6, "accuracy": 0.88}}},
        {"name": "experts", "tier": "expert", "headcount": 2, "hourly_rate": 60.0,
         "shift": {"start_hour": 9, "hours_per_day": 8, "days_per_week": 5},
         "handling": {"*": {"mean_s": 150.0, "cv": 0.5, "accuracy": 0.97}}},
    ],
    "stages": {
        "label": {"pools": ["crowd"], "overlap": 2, "overlap_share": 0.2},
        "review": {"pools": ["experts"], "share": 0.3, "catch_rate": 0.8, "false_reject_rate": 0.03,
                   "max_attempts": 2},
        "adjudicate": {"pools": ["experts"]},
    },
})


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("calibrate")
    pq.write_table(run_replication(TRUTH, 0, seed=11).event_table(), root / "log.parquet")
    store = EventStore(root / "store")
    ingest_paths([root / "log.parquet"], store, fmt="events")
    with open_kpis(store) as session:
        yield session


def test_calibration_recovers_the_line(observed) -> None:
    cal = calibrate(observed, KpiFilter(projects=["rt"]), name="rt")
    pools = {p.tier: p for p in cal.scenario.pool}
    assert pools["crowd"].headcount == 6 and pools["expert"].headcount == 2
    assert pools["crowd"].hourly_rate == pytest.approx(20.0) and pools["expert"].hourly_rate == pytest.approx(60.0)
    label = pools["crowd"].handling_for("classification", "label")
    assert label.mean_s == pytest.approx(400.0, rel=0.1) and label.cv == pytest.approx(0.6, rel=0.15)
    assert set(pools["crowd"].shift.weekdays) == {0, 1, 2, 3, 4}
    stages = cal.scenario.stages
    assert stages.label.overlap == 2 and stages.label.overlap_share == pytest.approx(0.2, abs=0.03)
    assert stages.review.share == pytest.approx(0.3, abs=0.03) and stages.adjudicate is not None
    assert cal.scenario.arrivals.rate_per_h + sum(b.items for b in cal.scenario.arrivals.batch) / 168 == \
        pytest.approx(4.0, rel=0.1)
    assert (cal.fits["ks_distance"] < 0.1).all(), cal.fits.to_string()  # the truth is lognormal
    # The TOML written for the user reads back as the same scenario.
    assert Scenario.model_validate(tomllib.loads(scenario_toml(cal.scenario))) == cal.scenario


def test_backtest_is_within_ten_percent(observed) -> None:
    cal = calibrate(observed, KpiFilter(projects=["rt"]), name="rt")
    report = backtest(observed, cal, KpiFilter(projects=["rt"]), replications=4, processes=2).set_index("figure")
    for figure in ("throughput_per_day (items)", "cycle_time_p50_h", "touch_time_p50_s (label)"):
        assert abs(report.loc[figure, "relative_error"]) < 0.10, report.to_string()


def test_nothing_to_calibrate(observed) -> None:
    with pytest.raises(ValueError, match="nothing to calibrate"):
        calibrate(observed, KpiFilter(projects=["no-such-project"]))


def test_scenario_files_round_trip_through_toml() -> None:
    scenarios = Path(__file__).resolve().parents[1] / "data" / "scenarios"
    from labelline.sim.scenario import load_scenario

    for path in sorted(scenarios.glob("*.toml")):
        scenario = load_scenario(path)
        assert Scenario.model_validate(tomllib.loads(scenario_toml(scenario))) == scenario, path.name
