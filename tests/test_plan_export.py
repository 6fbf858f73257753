"""Exports of planning results: XLSX with an Inputs sheet, CSV, PNG; and `labelline compare --out`."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from typer.testing import CliRunner

import labelline
from labelline.cli import app
from labelline.plan.compare import compare
from labelline.plan.export import INPUTS_SHEET, find_browser, write_csv, write_png, write_xlsx
from labelline.plan.variants import with_changes, with_headcounts
from labelline.sim.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _tables() -> dict[str, pd.DataFrame]:
    figures = pd.DataFrame({"mean": [1.5, 2.25, np.nan], "replications": [10, 10, 3],
                            "verdict": ["better", "no clear difference", None]},
                           index=pd.Index(["cost_per_accepted_label", "throughput_per_hour", "backlog_drain_h"],
                                          name="figure"))
    staffing = pd.DataFrame({"pool": ["annotators", "reviewers"], "headcount": [12, 3],
                             "cost_per_week": [12_345.678, 4_000.0]})
    return {"figures": figures, "staffing": staffing}


def _readable(columns) -> list[str]:
    return [c.replace("_", " ") for c in columns]


def test_xlsx_has_a_sheet_per_table_with_the_values_and_an_inputs_sheet(tmp_path: Path) -> None:
    long_text = "x" * 70_000  # longer than an Excel cell holds
    inputs = {"scenarios": {"baseline": 'name = "baseline"\nhorizon_h = 10\n'}, "replications": 10, "seed": 3,
              "pools": ["annotators", "reviewers"], "notes": long_text}
    before = datetime.now(timezone.utc).replace(microsecond=0)
    path = write_xlsx(tmp_path / "out" / "plan.xlsx", _tables(), inputs)
    assert path == tmp_path / "out" / "plan.xlsx" and path.is_file()
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["figures", "staffing", INPUTS_SHEET]
    for name, df in _tables().items():
        expected = df.reset_index() if name == "figures" else df
        got = sheets[name]
        assert list(got.columns) == _readable(expected.columns)  # readable headers
        got.columns = list(expected.columns)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    inputs_read = dict(zip(sheets[INPUTS_SHEET]["input"], sheets[INPUTS_SHEET]["value"].fillna("")))
    assert tomllib.loads(inputs_read["scenarios.baseline"]) == {"name": "baseline", "horizon_h": 10}
    assert inputs_read["replications"] == 10 and inputs_read["seed"] == 3
    assert inputs_read["pools"] == "annotators, reviewers"
    parts = [inputs_read["notes"]] + [inputs_read[f"notes (part {i})"] for i in (2, 3)]
    assert "".join(parts) == long_text
    assert inputs_read["labelline_version"] == labelline.__version__
    stamp = datetime.strptime(inputs_read["created_at_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= stamp <= datetime.now(timezone.utc) + timedelta(seconds=1)
    wb = openpyxl.load_workbook(path)
    ws = wb["staffing"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["C"].width >= len("12,345.6780")  # fitted to the widest value
    assert ws["C2"].value == 12_345.678  # the cell keeps the full value; the format only displays it


def test_sheet_names_are_made_safe_and_distinct(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1]})
    tables = {"cost/label: by tier?": df, "a" * 40: df, "a" * 41: df, "inputs": df}
    path = write_xlsx(tmp_path / "names.xlsx", tables, {"seed": 0})
    names = openpyxl.load_workbook(path).sheetnames
    assert names[0] == "cost_label_ by tier_"
    assert len(set(n.lower() for n in names)) == 5 and all(len(n) <= 31 for n in names)
    assert names[-1] == INPUTS_SHEET and "inputs" not in names[:-1]


def test_csv_one_table_is_the_file_several_go_beside_it(tmp_path: Path) -> None:
    tables = _tables()
    one = write_csv(tmp_path / "staffing.csv", {"staffing": tables["staffing"]})
    assert one == [tmp_path / "staffing.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(one[0]), tables["staffing"])
    several = write_csv(tmp_path / "plan.csv", tables)
    assert several == [tmp_path / "plan-figures.csv", tmp_path / "plan-staffing.csv"]
    assert not (tmp_path / "plan.csv").exists()
    pd.testing.assert_frame_equal(pd.read_csv(several[0]), tables["figures"].reset_index())
    pd.testing.assert_frame_equal(pd.read_csv(several[1]), tables["staffing"])


@pytest.mark.skipif(find_browser() is None, reason="needs Chromium (Debian's chromium; `make test` installs it)")
def test_png_is_a_real_png_of_the_size_asked(tmp_path: Path) -> None:
    fig = go.Figure(go.Bar(x=["in-house", "vendor"], y=[0.42, 0.37]))
    fig.update_layout(title="cost per accepted label", yaxis_title="money/item")
    path = write_png(fig, tmp_path / "chart.png", width_px=900, height_px=500)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()  # a complete, uncorrupted PNG
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (900, 500)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
        assert len(np.unique(pixels, axis=0)) > 2  # something is drawn, not a blank page


def test_png_without_a_browser_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    with pytest.raises(RuntimeError) as caught:
        write_png(go.Figure(), tmp_path / "chart.png")
    message = str(caught.value)
    assert "\n" not in message and "chromium" in message and "BROWSER_PATH" in message
    assert not (tmp_path / "chart.png").exists()


def test_a_comparison_exports_its_tables_and_inputs(tmp_path: Path) -> None:
    base = Scenario.model_validate({
        "name": "base", "horizon_h": 30.0, "arrivals": {"rate_per_h": 3.0, "backlog_items": 5},
        "pool": [{"name": "annotators", "tier": "crowd", "headcount": 4, "hourly_rate": 20.0,
                  "handling": {"*": {"distribution": "exponential", "mean_s": 3600.0}}}],
        "stages": {"label": {"pools": ["annotators"]}},
    })
    more = with_changes(with_headcounts(base, {"annotators": 5}), name="more")
    c = compare([base, more], replications=3, seed=7, processes=1)
    path = write_xlsx(tmp_path / "compare.xlsx", c.tables(), c.inputs())
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["side_by_side", "differences", "replications", INPUTS_SHEET]
    got = sheets["differences"]
    got.columns = list(c.differences.columns)
    expected = c.differences.copy()
    # An empty cell reads back as NaN: the winner column (a name or None) is checked on its own.
    assert [w if isinstance(w, str) else None for w in got.pop("winner")] == list(expected.pop("winner"))
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    per_rep = sheets["replications"]
    assert len(per_rep) == 6 and list(per_rep["scenario"]) == ["base"] * 3 + ["more"] * 3
    assert per_rep["cost total"].tolist() == pytest.approx(
        c.results["base"].per_replication["cost_total"].tolist() + c.results["more"].per_replication["cost_total"]
        .tolist())
    inputs = dict(zip(sheets[INPUTS_SHEET]["input"], sheets[INPUTS_SHEET]["value"]))
    assert inputs["baseline"] == "base" and inputs["replications"] == 3 and inputs["seed"] == 7
    # The TOML recorded for each scenario loads back as the same scenario.
    assert Scenario.model_validate(tomllib.loads(inputs["scenarios.more"])) == more
    assert Scenario.model_validate(tomllib.loads(inputs["scenarios.base"])) == base


@pytest.fixture
def scenario_files(tmp_path: Path) -> tuple[Path, Path]:
    text = (SCENARIOS / "mmc_validation.toml").read_text()
    short = text.replace("horizon_h = 2200", "horizon_h = 30").replace("warmup_h = 200", "warmup_h = 2")
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(short)
    b.write_text(short.replace("headcount = 10", "headcount = 12").replace('name = "mmc_validation"',
                                                                         'name = "twelve"'))
    return a, b


def test_cli_out_xlsx_records_the_scenario_files(scenario_files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = scenario_files
    target = tmp_path / "compare.xlsx"
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--reps", "2", "--processes", "1", "--json",
                                      "--out", str(target)])
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.stdout)["files"] == [str(target)]
    sheets = pd.read_excel(target, sheet_name=None)
    inputs = dict(zip(sheets[INPUTS_SHEET]["input"], sheets[INPUTS_SHEET]["value"]))
    assert inputs["scenarios.twelve"] == b.read_text()  # the file's own text, comments included
    assert inputs["scenario_files.mmc_validation"] == str(a)
    assert set(sheets["differences"]["scenario"]) == {"twelve"}


def test_cli_out_csv_writes_a_file_per_table(scenario_files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = scenario_files
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--reps", "2", "--processes", "1",
                                      "--out", str(tmp_path / "cmp.csv")])
    assert result.exit_code == 0, result.output
    for table in ("side_by_side", "differences", "replications"):
        assert (tmp_path / f"cmp-{table}.csv").is_file()
        assert f"cmp-{table}.csv" in result.stdout
    side = pd.read_csv(tmp_path / "cmp-side_by_side.csv")
    assert set(side["scenario"]) == {"mmc_validation", "twelve"}


def test_cli_export_failure_still_prints_the_results_and_exits_1(scenario_files: tuple[Path, Path],
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = scenario_files
    blocked = tmp_path / "taken.xlsx"
    blocked.mkdir()  # a folder where the workbook should go: the write fails
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--reps", "2", "--processes", "1", "--json",
                                      "--out", str(blocked)])
    assert result.exit_code == 1
    import json

    assert json.loads(result.stdout)["scenarios"] == ["mmc_validation", "twelve"]  # the run is not lost
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"labelline compare: --out {blocked}:")
    # Without a browser a PNG is refused before any simulation runs.
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    png = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "d.png")])
    assert png.exit_code == 1 and png.stdout == "" and "chromium" in png.stderr
