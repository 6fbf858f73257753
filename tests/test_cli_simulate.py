"""`labelline simulate`: stable JSON, the bottleneck in words, bad scenarios, the simulated log in a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelline.cli import app
from labelline.sim.runs import simulate
from labelline.sim.scenario import load_scenario
from labelline.store import EventStore

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"

HEADLINE = ("throughput_per_hour", "cycle_time_mean_h", "cycle_time_p95_h", "wip_mean", "cost_per_accepted_label",
            "cost_per_correct_label", "final_accuracy")
TOP_KEYS = {"scenario", "replications", "seed", "horizon_h", "warmup_h", "cooldown_h", "figures", *HEADLINE,
            "wait_mean_h", "utilisation", "sla_attainment", "backlog_drain_h", "bottleneck", "store"}


@pytest.fixture
def short_mmc(tmp_path: Path) -> Path:
    """The M/M/10 validation scenario over 60 h instead of 2200: a second or so per replication."""
    text = (SCENARIOS / "mmc_validation.toml").read_text()
    path = tmp_path / "short.toml"
    path.write_text(text.replace("horizon_h = 2200", "horizon_h = 60").replace("warmup_h = 200", "warmup_h = 5"))
    return path


def _run(*args: str) -> object:
    return CliRunner().invoke(app, ["simulate", *args])


def test_json_keys_are_present_and_stable(short_mmc: Path) -> None:
    result = _run(str(short_mmc), "--reps", "2", "--seed", "3", "--processes", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == TOP_KEYS
    assert (data["scenario"], data["replications"], data["seed"]) == ("mmc_validation", 2, 3)
    assert data["horizon_h"] == 60 and data["warmup_h"] == 5
    for key in HEADLINE:
        assert set(data[key]) == {"mean", "low", "high"}, key
        assert data[key]["low"] <= data[key]["mean"] <= data[key]["high"], key
    for figure, interval in data["figures"].items():
        assert set(interval) == {"mean", "low", "high", "half_width"}, figure
    assert data["figures"]["throughput_per_hour"]["mean"] == data["throughput_per_hour"]["mean"]
    assert set(data["wait_mean_h"]) == {"label"} and set(data["utilisation"]) == {"annotators"}
    assert data["sla_attainment"] is None and data["backlog_drain_h"] is None  # no SLA, no backlog
    assert data["bottleneck"]["pool"] == "annotators" and data["bottleneck"]["agrees"] is True
    assert isinstance(data["bottleneck"]["capacity_items_per_h"], float)
    assert data["store"] is None
    # One replication has no interval: null, never NaN (which is not JSON).
    one = _run(str(short_mmc), "--reps", "1", "--json")
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["throughput_per_hour"]["low"] is None


def test_human_output_names_the_bottleneck_and_units(short_mmc: Path) -> None:
    result = _run(str(short_mmc), "--reps", "2", "--processes", "1")
    assert result.exit_code == 0, result.output
    assert "throughput (items/h)" in result.stdout and "95 % CI" in result.stdout
    assert "utilisation of annotators" in result.stdout
    assert "bottleneck: annotators limit the line at" in result.stdout
    assert "items/h; measured utilisation" in result.stdout


def test_bad_scenario_exits_2_with_the_field_path_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((SCENARIOS / "mmc_validation.toml").read_text().replace("headcount = 10", "headcount = 0"))
    result = _run(str(bad), "--json")
    assert result.exit_code == 2
    assert f"{bad}: pool[1].headcount: Input should be greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)
    missing = _run(str(tmp_path / "nowhere.toml"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.output


def test_write_store_lands_exactly_the_simulated_events_and_the_kpis_read_them(short_mmc: Path,
                                                                                tmp_path: Path) -> None:
    scenario = load_scenario(short_mmc)
    expected = simulate(scenario, replications=2, seed=1, processes=1, keep_events=True).events
    n = sum(t.num_rows for t in expected)
    store = tmp_path / "store"
    result = _run(str(short_mmc), "--reps", "2", "--seed", "1", "--processes", "1", "--write-store", str(store),
                  "--json")
    assert result.exit_code == 0, result.output
    landed = json.loads(result.stdout)["store"]
    assert landed == {"path": str(store), "events": n, "ingested": n, "updated": 0, "unchanged": 0, "quarantined": 0}
    status = EventStore(store).status()
    assert status["events"] == n
    assert status["by_source"] == {f"sim:mmc_validation/{r}": expected[r].num_rows for r in range(2)}
    kpis = CliRunner().invoke(app, ["kpis", "--store", str(store), "--json"])
    assert kpis.exit_code == 0, kpis.output
    headline = json.loads(kpis.stdout)
    assert headline["events"] == n
    assert headline["cost_total"] == pytest.approx(sum(sum(t.column("cost").to_pylist()) for t in expected), rel=1e-6)
    # The same run again changes nothing; the human output says how many events are there.
    again = _run(str(short_mmc), "--reps", "2", "--seed", "1", "--processes", "1", "--write-store", str(store))
    assert again.exit_code == 0, again.output
    assert f"{n:,} simulated events in the store" in again.stdout and f"{n:,} unchanged" in again.stdout
    assert EventStore(store).status()["events"] == n


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_example_scenario_loads_and_runs(path: Path) -> None:
    scenario = load_scenario(path)
    # A day (from Monday 00:00 UTC, so every shift works some of it) and at most 1,000 items of backlog.
    arrivals = scenario.arrivals.model_copy(update={"backlog_items": min(scenario.arrivals.backlog_items, 1000)})
    short = scenario.model_copy(update={"horizon_h": min(scenario.horizon_h, 24.0), "warmup_h": 0.0,
                                        "cooldown_h": 0.0, "arrivals": arrivals})
    result = simulate(short, replications=1, seed=0, processes=1)
    figures = result.per_replication.iloc[0]
    assert figures["items_finished"] > 0, path.name
    assert 0 <= figures["final_accuracy"] <= 1
    assert figures["cost_per_accepted_label"] > 0
