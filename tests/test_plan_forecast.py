"""Forecast to completion on a small store built here: bands, alignment of shifts, bigger backlogs, new data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factories import event, write_csv
from labelline.cli import app
from labelline.ingest.pipeline import ingest_paths
from labelline.kpis.filters import KpiFilter
from labelline.kpis.flow import cycle_time
from labelline.kpis.session import open_kpis
from labelline.plan.forecast import _aligned_shifts, forecast, forecast_scenario, run_forecast
from labelline.sim.calibrate import calibrate
from labelline.sim.model import _on_shift_from, run_replication
from labelline.sim.scenario import Scenario, Shift
from labelline.store import EventStore

# 600 tickets land on a Monday; four annotators label them within two days, but one expert
# reviewing every label cannot keep up, so on Friday night some are still open (awaiting
# review or rework). That Friday night is "now" for the forecast.
LINE = Scenario.model_validate({
    "name": "line", "project": "fc", "horizon_h": 120,
    "arrivals": {"batch": [{"at_h": 0, "items": 600}]},
    "pool": [
        {"name": "annotators", "tier": "crowd", "headcount": 4, "hourly_rate": 20.0,
         "handling": {"*": {"mean_s": 1200.0, "cv": 0.5, "accuracy": 0.9}}},
        {"name": "experts", "tier": "expert", "headcount": 1, "hourly_rate": 60.0,
         "handling": {"*": {"mean_s": 900.0, "cv": 0.5, "accuracy": 0.97}}},
    ],
    "stages": {"label": {"pools": ["annotators"]}, "review": {"pools": ["experts"], "share": 1.0}},
})
FLT = KpiFilter(projects=["fc"])


def _build(root: Path) -> EventStore:
    pq.write_table(run_replication(LINE, 0, seed=3).event_table(), root / "log.parquet")
    store = EventStore(root / "store")
    ingest_paths([root / "log.parquet"], store, fmt="events")
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    store = _build(tmp_path_factory.mktemp("forecast"))
    with open_kpis(store) as s:
        cal = calibrate(s, FLT, name="fc")
    return store, cal


def test_forecast_of_the_open_backlog(built) -> None:
    store, cal = built
    result = forecast(store, FLT, recent_days=2, replications=4, calibration=cal)
    with open_kpis(store) as s:
        open_items = cycle_time(s, FLT).backlog
    assert result.recent.backlog_items == open_items > 0
    assert result.snapshot_key == store.snapshot().key
    assert result.drained == 4
    f = result.finish_h
    assert 0 < f["p10"] <= f["p50"] <= f["p90"]
    assert result.finish_at["p50"] == result.recent.data_end + timedelta(hours=f["p50"])
    assert result.recent.data_end.tzinfo is not None
    c = result.cost_to_finish
    assert 0 < c["p10"] <= c["p50"] <= c["p90"]
    # Nothing new arrives in the last two days, so all spend until the finish is the backlog's.
    assert result.recent.arrivals_per_h == 0
    assert result.spend_until_finished["p50"] == pytest.approx(c["p50"])
    fan = result.fan
    assert fan["p50"].iloc[0] == open_items and fan["p90"].iloc[-1] == 0
    assert fan["p50"].is_monotonic_decreasing
    data = result.to_json()
    assert data["finish_at"]["p50"].endswith("Z") and data["snapshot_key"] == list(store.snapshot().key)
    # Open at Friday 23:59 UTC; the calibrated team works weekdays only, so nothing finishes before Monday.
    assert result.recent.data_end.weekday() == 4
    assert result.finish_at["p10"].weekday() == 0


def test_a_bigger_backlog_finishes_later_and_costs_more(built) -> None:
    _, cal = built
    start = datetime(2026, 1, 9, 23, 0, tzinfo=timezone.utc)
    small = run_forecast(forecast_scenario(cal.scenario, 40, 0.0, start, 400), start, replications=3, seed=1)
    large = run_forecast(forecast_scenario(cal.scenario, 120, 0.0, start, 400), start, replications=3, seed=1)
    assert small["drained"] == large["drained"] == 3
    assert large["finish_h"]["p50"] > small["finish_h"]["p50"]
    assert large["cost_to_finish"]["p50"] > 2 * small["cost_to_finish"]["p50"]
    # New work arriving beside the backlog delays it (it shares the workers) and adds spend.
    busy = run_forecast(forecast_scenario(cal.scenario, 40, 2.0, start, 400), start, replications=3, seed=1)
    assert busy["finish_h"]["p50"] > small["finish_h"]["p50"]
    assert busy["spend_until_finished"]["p50"] > busy["cost_to_finish"]["p50"]


def test_unfinished_replications_are_later_than_the_horizon(built) -> None:
    _, cal = built
    start = datetime(2026, 1, 9, 23, 0, tzinfo=timezone.utc)
    result = run_forecast(forecast_scenario(cal.scenario, 400, 0.0, start, 60), start, replications=2)
    assert result["drained"] == 0
    assert result["finish_h"] == {"p10": None, "p50": None, "p90": None}
    assert result["cost_to_finish"]["p50"] is None


def test_shifts_follow_the_clock_of_the_data() -> None:
    # A pool on Monday-Friday, 9:00-17:00 in Bangalore (UTC+5.5): 3:30-11:30 UTC.
    scenario = LINE.model_copy(update={"pool": [
        LINE.pool[0].model_copy(update={"shift": Shift(start_hour=9, hours_per_day=8, utc_offset_h=5.5)}),
        LINE.pool[1]]})

    def first_work_h(start: datetime) -> float:
        shift = Shift.model_validate(_aligned_shifts(scenario, start)[0]["shift"])
        return _on_shift_from(shift, 0.0)

    saturday_noon = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)
    assert first_work_h(saturday_noon) == pytest.approx(36 + 3.5)  # Monday 03:30 UTC
    wednesday = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    assert first_work_h(wednesday) == pytest.approx(0.0)  # 15:30 in Bangalore: at work
    friday_evening = datetime(2026, 3, 6, 12, 0, tzinfo=timezone.utc)  # 17:30 there: gone for the weekend
    assert first_work_h(friday_evening) == pytest.approx(60 + 3.5)


def test_new_events_move_the_forecast(tmp_path: Path) -> None:
    store = _build(tmp_path)
    before = forecast(store, FLT, recent_days=2, replications=3)
    # 40 more tickets labeled on Friday evening and rejected by review: open work (rework).
    rows = []
    for i in range(40):
        at = datetime(2026, 1, 9, 20, 0) + timedelta(minutes=i)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(event(2 * i, event_id=f"new-l{i}", source="late", project="fc", item_id=f"late-{i}",
                          worker_id="late-annotator", queued_at=stamp, started_at=stamp, submitted_at=stamp,
                          active_s=600.0, label="c0", tier="crowd", org="in_house"))
        rows.append(event(2 * i + 1, event_id=f"new-r{i}", source="late", project="fc", item_id=f"late-{i}",
                          stage="review", outcome="rejected", worker_id="late-expert", tier="expert",
                          org="in_house", reviews_event_id=f"new-l{i}", queued_at=stamp, started_at=stamp,
                          submitted_at=stamp, active_s=300.0, label=None))
    ingest_paths([write_csv(tmp_path / "late.csv", rows)], store, fmt="events")
    after = forecast(store, FLT, recent_days=2, replications=3)
    assert after.snapshot_key != before.snapshot_key
    assert after.recent.backlog_items == before.recent.backlog_items + 40
    assert after.finish_h["p50"] > before.finish_h["p50"]


def test_cli_forecast(built) -> None:
    store, _ = built
    runner = CliRunner()
    result = runner.invoke(app, ["plan", "forecast", "--store", str(store.root), "--project", "fc", "--recent-days",
                                 "2", "--reps", "3", "--processes", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_constant=_not_finite)
    assert set(data) == {"snapshot_key", "filter", "currency", "data_end", "backlog_items", "arrivals_per_h",
                         "throughput_per_h", "recent_window_h", "replications", "seed", "horizon_h", "drained",
                         "finish_h", "finish_at", "cost_to_finish", "spend_until_finished", "notes", "files"}
    assert set(data["finish_h"]) == {"p10", "p50", "p90"}
    nothing = runner.invoke(app, ["plan", "forecast", "--store", str(store.root), "--project", "nope"])
    assert nothing.exit_code == 1 and "nothing to forecast" in nothing.stderr and "Traceback" not in nothing.output


def test_forecast_fan_chart(built) -> None:
    from labelline.plan.charts_economics import fig_forecast_fan

    store, cal = built
    result = forecast(store, FLT, recent_days=2, replications=2, calibration=cal)
    fig = fig_forecast_fan(result.fan, result.finish_at)
    assert [t.name for t in fig.data][1:] == ["p10-p90", "median"]
    assert len(fig.layout.shapes) == 3  # p10, p50, p90 finish lines
    assert fig.layout.annotations[0].text.startswith(f"finished {result.finish_at['p50']:%Y-%m-%d %H:%M}")
    assert result.fan["at"].iloc[-1] > result.finish_at["p90"]  # the fan runs past the slowest finish
    assert fig.layout.xaxis.title.text == "time (UTC)" and fig.layout.yaxis.title.text == "open items"


def _not_finite(name: str) -> None:
    raise AssertionError(f"JSON output holds {name}: no data must be null")
