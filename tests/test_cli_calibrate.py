"""`labelline calibrate` and `labelline demo --live` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from labelline.cli import app
from labelline.ingest.pipeline import ingest_paths
from labelline.sim.model import run_replication
from labelline.sim.scenario import load_scenario
from labelline.store import EventStore

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_calibrate import TRUTH

    root = tmp_path_factory.mktemp("cli-calibrate")
    pq.write_table(run_replication(TRUTH, 0, seed=2).event_table(), root / "log.parquet")
    ingest_paths([root / "log.parquet"], EventStore(root / "store"), fmt="events")
    return root / "store"


def test_calibrate_writes_a_scenario_that_loads_and_reports_the_backtest(store_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "twin.toml"
    result = CliRunner().invoke(app, ["calibrate", "--store", str(store_dir), "--project", "rt", "--out", str(out),
                                      "--backtest-reps", "2", "--name", "twin"])
    assert result.exit_code == 0, result.output
    scenario = load_scenario(out)
    assert scenario.name == "twin" and {p.tier for p in scenario.pool} == {"crowd", "expert"}
    assert out.read_text().startswith("# Calibrated by `labelline calibrate`")
    assert "backtest throughput_per_day" in result.output and "KS distance" in result.output


def test_calibrate_json_and_an_empty_filter(store_dir: Path) -> None:
    result = CliRunner().invoke(app, ["calibrate", "--store", str(store_dir), "--json", "--backtest-reps", "0"])
    data = json.loads(result.output)
    assert set(data) == {"scenario", "fits", "notes", "backtest"} and data["backtest"] is None
    assert data["scenario"]["stages"]["label"]["overlap"] == 2
    empty = CliRunner().invoke(app, ["calibrate", "--store", str(store_dir), "--project", "none"])
    assert empty.exit_code == 1 and "nothing to calibrate" in empty.output


def test_demo_live_streams_for_the_given_time(tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text((SCENARIOS / "mmc_validation.toml").read_text().replace("horizon_h = 2200", "horizon_h = 50")
                        .replace("warmup_h = 200", "warmup_h = 0"))
    result = CliRunner().invoke(app, ["demo", "--live", "--store", str(tmp_path / "live"), "--scenario", str(scenario),
                                      "--speedup", "36000", "--interval-s", "0.5", "--duration-s", "3"])
    assert result.exit_code == 0, result.output
    events = EventStore(tmp_path / "live").status()["events"]
    assert events > 0 and f"{events:,} simulated events streamed" in result.output
