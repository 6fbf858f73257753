"""Sensitivity: the tornado's order and directions, the Monte Carlo band, reproducibility, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelline.cli import app
from labelline.plan.sensitivity import monte_carlo, tornado
from labelline.plan.variants import SCALABLE_INPUTS
from labelline.sim.calibrate import scenario_toml
from labelline.sim.runs import simulate
from labelline.sim.scenario import Scenario

# A week of a small line (about 1,000 items): hourly annotators with a per-item vendor
# beside them and experts reviewing half the labels. A replication takes a few hundredths
# of a second, so a full tornado is about a second.
LINE = Scenario.model_validate({
    "name": "small", "horizon_h": 24 * 7, "warmup_h": 24,
    "arrivals": {"rate_per_h": 6.0},
    "pool": [
        {"name": "annotators", "tier": "crowd", "headcount": 4, "hourly_rate": 20.0,
         "handling": {"*": {"mean_s": 1800.0, "cv": 0.5, "accuracy": 0.9}}},
        {"name": "vendor", "tier": "vendor", "org": "acme", "unlimited": True, "per_item_price": 0.4,
         "handling": {"*": {"mean_s": 600.0, "cv": 0.5, "accuracy": 0.85}}},
        {"name": "experts", "tier": "expert", "headcount": 2, "hourly_rate": 50.0,
         "handling": {"*": {"mean_s": 300.0, "cv": 0.5, "accuracy": 0.97}}},
    ],
    "stages": {"label": {"pools": ["annotators", "vendor"]},
               "review": {"pools": ["experts"], "share": 0.5, "false_reject_rate": 0.05}},
})


@pytest.fixture(scope="module")
def bars():
    return tornado(LINE, swing=0.2, replications=2, seed=1)


def test_tornado_bars_are_ordered_by_swing(bars) -> None:
    swings = bars.bars["swing_abs"].tolist()
    assert swings == sorted(swings, reverse=True)
    assert set(bars.bars["input"]) == set(SCALABLE_INPUTS)
    # The base is the scenario itself with the same seed and replications.
    base = simulate(LINE, replications=2, seed=1, processes=1).summary.loc["cost_per_accepted_label", "mean"]
    assert bars.base == pytest.approx(base)


def test_tornado_directions(bars) -> None:
    rows = bars.bars.set_index("input")
    # Higher rates cost more; an hourly line is dearer when each label takes longer.
    for name in ("hourly_rate", "handling_time", "per_item_price"):
        assert rows.loc[name, "high"] > rows.loc[name, "low"], name
    # Rates enter the cost linearly: +-20 % on the hourly rate moves the hourly part by +-20 %.
    assert rows.loc["hourly_rate", "high_change"] == pytest.approx(-rows.loc["hourly_rate", "low_change"], rel=0.05)
    # Rates are the widest bars on an hourly line; the few cents of the vendor's price the narrowest.
    assert rows.index[0] in ("hourly_rate", "handling_time")
    assert rows.loc["per_item_price", "swing_abs"] < rows.loc["hourly_rate", "swing_abs"] / 10


def test_an_input_the_scenario_lacks_does_not_move() -> None:
    no_review = LINE.model_copy(update={"stages": LINE.stages.model_copy(update={"review": None})})
    result = tornado(no_review, inputs=["rejection_rate", "hourly_rate"], replications=1, seed=1)
    rows = result.bars.set_index("input")
    assert not rows.loc["rejection_rate", "applies"] and rows.loc["rejection_rate", "swing_abs"] == 0
    assert rows.loc["hourly_rate", "applies"] and result.bars["input"].iloc[0] == "hourly_rate"
    # Nor is it a driver of the Monte Carlo band, however its (idle) factor happens to correlate.
    mc = monte_carlo(no_review, {"rejection_rate": 0.3, "hourly_rate": 0.3}, draws=6, seed=1, point_replications=1)
    drivers = mc.drivers.set_index("input")["spearman_rho"]
    assert drivers.isna()["rejection_rate"] and drivers["hourly_rate"] > 0


def test_any_figure_can_head_the_tornado() -> None:
    result = tornado(LINE, inputs=["arrival_volume"], figure="throughput_per_hour", replications=2, seed=1)
    row = result.bars.iloc[0]
    assert row["high"] > result.base > row["low"]  # more arrivals, more finished (the line has room)
    with pytest.raises(ValueError, match="no figure 'cost_per_unicorn'"):
        tornado(LINE, inputs=["hourly_rate"], figure="cost_per_unicorn", replications=1)


def test_monte_carlo_band_contains_the_point_and_widens() -> None:
    narrow = monte_carlo(LINE, 0.1, draws=20, seed=2, point_replications=2)
    wide = monte_carlo(LINE, 0.4, draws=20, seed=2, point_replications=2)
    for mc in (narrow, wide):
        assert mc.p5 <= mc.point <= mc.p95
        assert mc.p5 <= mc.p50 <= mc.p95
        assert mc.draws["value"].notna().all()
    assert wide.p95 - wide.p5 > narrow.p95 - narrow.p5
    assert wide.point == narrow.point  # the same base run
    # The same draws scaled further out: every factor of the wide run is 4x further from 1.
    f = "factor.hourly_rate"
    assert (wide.draws[f] - 1).to_numpy() == pytest.approx(4 * (narrow.draws[f] - 1).to_numpy())


def test_monte_carlo_is_seeded_and_names_its_driver() -> None:
    one = monte_carlo(LINE, {"hourly_rate": 0.3}, draws=12, seed=5, distribution="uniform", point_replications=1)
    two = monte_carlo(LINE, {"hourly_rate": 0.3}, draws=12, seed=5, distribution="uniform", point_replications=1)
    assert one.draws.equals(two.draws)
    assert one.draws["factor.hourly_rate"].between(0.7, 1.3).all()
    assert one.drivers.iloc[0]["input"] == "hourly_rate" and one.drivers.iloc[0]["spearman_rho"] > 0.7
    with pytest.raises(ValueError, match="below 1"):
        monte_carlo(LINE, 1.5, draws=5)


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    tornado(LINE, inputs=["hourly_rate"], replications=1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_cli_sensitivity_json(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(scenario_toml(LINE))
    runner = CliRunner()
    out = tmp_path / "sens.xlsx"
    result = runner.invoke(app, ["plan", "sensitivity", str(path), "--reps", "1", "--draws", "4", "--processes", "1",
                                 "--input", "hourly_rate", "--input", "handling_time", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_constant=_not_finite)
    assert set(data) == {"scenario", "tornado", "monte_carlo", "files"}
    assert set(data["tornado"]) == {"figure", "swing", "base", "replications", "seed", "bars"}
    assert [b["input"] for b in data["tornado"]["bars"]][0] == "hourly_rate"
    assert set(data["monte_carlo"]) >= {"p5", "p50", "p95", "point", "draws", "values", "drivers"}
    assert data["monte_carlo"]["draws"] == 4 and out.exists()
    bad = runner.invoke(app, ["plan", "sensitivity", str(path), "--input", "moon_phase"])
    assert bad.exit_code == 2 and "moon_phase" in bad.stderr and "Traceback" not in bad.output
    bad = runner.invoke(app, ["plan", "sensitivity", str(path), "--figure", "nope", "--reps", "1", "--draws", "0",
                              "--processes", "1"])
    assert bad.exit_code == 2 and "no figure 'nope'" in bad.stderr


def test_sensitivity_charts(bars) -> None:
    from labelline.plan.charts_economics import fig_monte_carlo, fig_tornado

    fig = fig_tornado(bars.bars, bars.base, bars.figure, "USD per item")
    low = next(t for t in fig.data if t.name == "input low")
    assert list(low.y)[-1].startswith(bars.bars["input"].iloc[0])  # the widest bar is drawn on top
    assert list(low.x + low.base) == pytest.approx(list(bars.bars["low"].iloc[::-1]))
    assert fig.layout.xaxis.title.text == "cost_per_accepted_label (USD per item)"
    mc = monte_carlo(LINE, {"hourly_rate": 0.2}, draws=6, seed=1, point_replications=1)
    fig = fig_monte_carlo(mc.draws, mc.band(), mc.point, mc.figure)
    assert len(fig.data[0].x) == 6 and len(fig.layout.shapes) == 5  # the band and four lines


def _not_finite(name: str) -> None:
    raise AssertionError(f"JSON output holds {name}: no data must be null")
