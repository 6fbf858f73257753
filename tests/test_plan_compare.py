"""Scenario comparison: paired differences with common random numbers, verdicts, charts, `labelline compare`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelline.cli import app
from labelline.plan.charts_compare import fig_differences, fig_scenario_values
from labelline.plan.compare import HEADLINE, compare, paired_interval
from labelline.plan.variants import with_changes, with_headcounts
from labelline.sim.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _line(headcount: int = 4, rate_per_h: float = 5.0, name: str = "four", backlog_items: int = 20,
          sla_cycle_h: float | None = 2.0) -> Scenario:
    """One labeling stage, exponential handling of 1 h: M/M/c with a small backlog, 60 h (milliseconds a run)."""
    return Scenario.model_validate({
        "name": name, "horizon_h": 60.0, "sla_cycle_h": sla_cycle_h,
        "arrivals": {"rate_per_h": rate_per_h, "backlog_items": backlog_items},
        "pool": [{"name": "annotators", "tier": "crowd", "headcount": headcount, "hourly_rate": 20.0,
                  "handling": {"*": {"distribution": "exponential", "mean_s": 3600.0, "accuracy": 0.9}}}],
        "stages": {"label": {"pools": ["annotators"]}},
    })


def _diff(comparison, figure: str, scenario: str | None = None):
    d = comparison.differences
    rows = d[d["figure"] == figure]
    if scenario is not None:
        rows = rows[rows["scenario"] == scenario]
    assert len(rows) == 1, (figure, scenario)
    return rows.iloc[0]


def test_a_scenario_against_itself_differs_by_exactly_zero_and_has_no_winner() -> None:
    line = _line()
    c = compare([line, line], replications=4, seed=2, processes=1)
    assert c.names == ["four", "four-2"]  # the same name twice: suffixed, keyed apart
    assert set(c.differences["figure"]) == {h.figure for h in HEADLINE}  # backlog and SLA are set
    for row in c.differences.itertuples(index=False):
        assert row.difference == 0.0 and row.low == 0.0 and row.high == 0.0, row.figure
        assert row.pairs == 4
        assert row.verdict == "no clear difference" and row.winner is None, row.figure
    side = c.side_by_side.set_index(["scenario", "figure"])["mean"]
    assert (side["four"] == side["four-2"]).all()


def test_more_annotators_on_an_overloaded_line_win_on_cycle_time() -> None:
    four = _line()  # 5 items/h into 4 workers of 1 item/h: overloaded
    six = with_changes(with_headcounts(four, {"annotators": 6}), name="six")
    c = compare([four, six], replications=5, seed=1, processes=1)
    cycle = _diff(c, "cycle_time_p95_h")
    assert cycle["high"] < 0 and cycle["verdict"] == "better" and cycle["winner"] == "six"
    throughput = _diff(c, "throughput_per_hour")
    assert throughput["low"] > 0 and throughput["winner"] == "six"  # higher is better
    assert _diff(c, "sla_attainment")["winner"] == "six"
    # More work done costs more in total: lower is better, so the baseline wins that one.
    total = _diff(c, "cost_total")
    assert total["low"] > 0 and total["verdict"] == "worse" and total["winner"] == "four"
    # The same handling price per item: no clear difference in cost per accepted label, and no winner.
    assert _diff(c, "cost_per_accepted_label")["verdict"] == "no clear difference"
    assert _diff(c, "cost_per_accepted_label")["winner"] is None  # None beside names, not NaN
    data = c.to_json()
    json.dumps(data, allow_nan=False)
    assert data["differences"]["six"]["cost_per_accepted_label"]["winner"] is None
    assert data["differences"]["six"]["cycle_time_p95_h"]["winner"] == "six"
    side = c.side_by_side.set_index(["scenario", "figure"])
    assert side.loc[("six", "cycle_time_p95_h"), "mean"] < side.loc[("four", "cycle_time_p95_h"), "mean"]
    assert cycle["difference"] == pytest.approx(side.loc[("six", "cycle_time_p95_h"), "mean"]
                                                - side.loc[("four", "cycle_time_p95_h"), "mean"])


def test_common_random_numbers_make_the_paired_interval_narrower_than_an_unpaired_one() -> None:
    four = _line(rate_per_h=3.0)  # a stable line: the difference is small beside the noise
    five = with_changes(with_headcounts(four, {"annotators": 5}), name="five")
    c = compare([four, five], replications=8, seed=0, processes=1)
    for figure in ("cycle_time_p95_h", "backlog_drain_h", "cost_total"):
        row = _diff(c, figure)
        # Measured 0.4-0.5 (cycle time), 0.1-0.25 (drain), under 0.15 (cost) over seeds 0-3.
        assert row["half_width"] < 0.7 * row["unpaired_half_width"], (figure, row["half_width"],
                                                                      row["unpaired_half_width"])


def test_the_interval_narrows_with_more_replications() -> None:
    four = _line()
    six = with_changes(with_headcounts(four, {"annotators": 6}), name="six")
    few = _diff(compare([four, six], replications=4, seed=0, processes=1), "cycle_time_p95_h")["half_width"]
    many = _diff(compare([four, six], replications=16, seed=0, processes=1), "cycle_time_p95_h")["half_width"]
    assert many < 0.7 * few  # measured 0.36-0.46 over seeds 0-2 (1/sqrt(4) and a smaller t quantile)


def test_paired_interval_is_the_student_t_interval() -> None:
    from scipy import stats

    diffs = [1.0, 2.0, 4.0, 3.5, float("nan")]  # a replication without the figure is left out
    interval = paired_interval(diffs)
    low, high = stats.t.interval(0.95, 3, loc=2.625, scale=stats.sem([1.0, 2.0, 4.0, 3.5]))
    assert interval["pairs"] == 4 and interval["mean"] == pytest.approx(2.625)
    assert (interval["low"], interval["high"]) == (pytest.approx(low), pytest.approx(high))
    assert math.isnan(paired_interval([1.0])["half_width"])  # one pair: no interval


def test_figures_only_where_the_scenario_has_them_and_json_is_stable() -> None:
    plain = _line(backlog_items=0, sla_cycle_h=None, rate_per_h=3.0)
    calls: list[tuple[int, int]] = []
    c = compare([plain, with_headcounts(plain, {"annotators": 5})], replications=3, seed=4, processes=1,
                progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(1, 7)]
    assert "backlog_drain_h" not in c.figures and "sla_attainment" not in c.figures
    data = c.to_json()
    text = json.dumps(data, allow_nan=False)  # null for no data, never NaN
    assert set(data) == {"baseline", "scenarios", "replications", "seed", "confidence", "figures", "side_by_side",
                         "differences"}
    assert data["scenarios"] == ["four", "four-2"] and data["baseline"] == "four"
    assert [f["figure"] for f in data["figures"]] == c.figures
    assert set(data["side_by_side"]["four"]["throughput_per_hour"]) == {"mean", "low", "high", "half_width",
                                                                        "replications"}
    diff = data["differences"]["four-2"]["cycle_time_p95_h"]
    assert set(diff) == {"mean", "low", "high", "half_width", "baseline_mean", "relative", "unpaired_half_width",
                         "pairs", "verdict", "winner"}
    assert "four" not in data["differences"]  # the baseline has no difference from itself
    assert json.loads(text) == data


def test_parallel_processes_give_the_same_comparison() -> None:
    line = _line()
    seq = compare([line, with_headcounts(line, {"annotators": 5})], replications=2, seed=6, processes=1)
    par = compare([line, with_headcounts(line, {"annotators": 5})], replications=2, seed=6, processes=2)
    assert seq.to_json() == par.to_json()


def test_charts_show_each_figure_in_its_unit_with_the_interval() -> None:
    four = _line()
    six = with_changes(with_headcounts(four, {"annotators": 6}), name="six")
    c = compare([four, six], replications=3, seed=1, processes=1)
    fig = fig_differences(c.differences)
    assert "baseline (four)" in fig.layout.title.text
    assert len(fig.data) == len(c.figures)  # one panel per figure
    titles = [a.text for a in fig.layout.annotations]
    assert "cycle time p95 (lower is better)" in titles
    axis_titles = {fig.layout[k].title.text for k in fig.layout if k.startswith("yaxis")}
    assert {"difference (h)", "difference (money/item)", "difference (percentage points)",
            "difference (items/h)"} <= axis_titles
    k = c.figures.index("cycle_time_p95_h")
    row = _diff(c, "cycle_time_p95_h")
    trace = fig.data[k]
    assert trace.y[0] == pytest.approx(row["difference"])
    assert trace.error_y.array[0] == pytest.approx(row["high"] - row["difference"])
    assert trace.error_y.arrayminus[0] == pytest.approx(row["difference"] - row["low"])
    assert "verdict: better; six wins" in trace.hovertext[0]
    values = fig_scenario_values(c.side_by_side)
    assert len(values.data) == len(c.figures)
    assert list(values.data[k].x) == ["four", "six"]
    value_axes = {values.layout[k].title.text for k in values.layout if k.startswith("yaxis")}
    assert {"h", "money/item", "items/h", "share (%)", "h from start", "money"} <= value_axes


# ------------------------------------------------------------------------------------------ CLI
@pytest.fixture
def scenario_files(tmp_path: Path) -> tuple[Path, Path]:
    """The M/M/10 validation line over 40 h, and the same with 12 annotators."""
    text = (SCENARIOS / "mmc_validation.toml").read_text()
    short = text.replace("horizon_h = 2200", "horizon_h = 40").replace("warmup_h = 200", "warmup_h = 2")
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(short)
    b.write_text(short.replace("headcount = 10", "headcount = 12").replace('name = "mmc_validation"',
                                                                         'name = "twelve"'))
    return a, b


def test_cli_json_has_stable_keys(scenario_files: tuple[Path, Path]) -> None:
    a, b = scenario_files
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--reps", "3", "--seed", "2", "--processes", "1",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"baseline", "scenarios", "replications", "seed", "confidence", "figures", "side_by_side",
                         "differences", "files"}
    assert (data["baseline"], data["scenarios"], data["replications"], data["seed"]) == (
        "mmc_validation", ["mmc_validation", "twelve"], 3, 2)
    assert data["files"] == []
    wait = data["differences"]["twelve"]["cycle_time_p95_h"]
    assert wait["verdict"] in {"better", "worse", "no clear difference"}
    assert wait["low"] <= wait["mean"] <= wait["high"]


def test_cli_table_shows_differences_and_verdicts(scenario_files: tuple[Path, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from labelline.console import out

    monkeypatch.setattr(out, "width", 200)  # rich wraps to 80 columns off a terminal
    a, _ = scenario_files
    result = CliRunner().invoke(app, ["compare", str(a), str(a), "--reps", "2", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert "baseline: mmc_validation" in result.stdout
    assert "difference from mmc_validation" in result.stdout
    assert "mmc_validation-2" in result.stdout and "no clear difference" in result.stdout
    assert "better" not in result.stdout.replace("is better", "")  # identical runs: no verdict


def test_cli_bad_scenario_exits_2_naming_file_and_field(scenario_files: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = scenario_files
    bad = tmp_path / "bad.toml"
    bad.write_text(a.read_text().replace("mean_s = 3600.0", "mean_s = -5"))
    result = CliRunner().invoke(app, ["compare", str(a), str(bad), "--processes", "1"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [f"{bad}: pool[1].handling.*.mean_s: Input should be greater than 0"]
    assert "Traceback" not in result.output
    one = CliRunner().invoke(app, ["compare", str(a)])
    assert one.exit_code == 2 and "at least two" in one.stderr
    wrong = CliRunner().invoke(app, ["compare", str(a), str(a), "--out", str(tmp_path / "x.pdf")])
    assert wrong.exit_code == 2 and ".xlsx" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
