"""`labelline kpis` and `labelline scorecards`: stable JSON keys, filters, exports re-read."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from factories import event, write_csv
from labelline.cli import app
from labelline.kpis.headline import HEADLINE_KEYS
from labelline.kpis.scorecards import SCORECARD_COLUMNS


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    rows = [event(n, event_id=f"e{n}", project="P" if n % 2 else "Q", label="cat" if n % 3 else "dog",
                  cost=0.5, submitted_at=f"2025-03-0{1 + n % 3}T10:{n:02d}:30Z",
                  started_at=f"2025-03-0{1 + n % 3}T10:{n:02d}:00Z", queued_at=None)
            for n in range(24)]
    result = CliRunner().invoke(app, ["ingest", str(write_csv(root / "log.csv", rows)), "--store", str(root / "s")])
    assert result.exit_code == 0, result.output
    # The ingest prepared the KPI tables for the new snapshot.
    assert list((root / "s" / "derived").glob("kpi-*.duckdb"))
    return root / "s"


def test_kpis_json_has_the_documented_keys(store_dir: Path) -> None:
    result = CliRunner().invoke(app, ["kpis", "--store", str(store_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert tuple(data) == HEADLINE_KEYS
    assert data["events"] == 24 and data["cost_total"] == pytest.approx(12.0)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for key in HEADLINE_KEYS:
        assert f"`{key}`" in readme, f"README does not document {key}"


def test_kpis_filters_and_human_output(store_dir: Path) -> None:
    one = json.loads(CliRunner().invoke(app, ["kpis", "--store", str(store_dir), "--json", "--project", "P",
                                              "--since", "2025-03-02", "--until", "2025-03-02"]).output)
    # Odd n in P, submitted on day 2 when n % 3 == 1: n = 1, 7, 13, 19.
    assert one["events"] == 4
    human = CliRunner().invoke(app, ["kpis", "--store", str(store_dir)])
    assert human.exit_code == 0 and "cost per accepted label" in human.output
    bad = CliRunner().invoke(app, ["kpis", "--store", str(store_dir), "--since", "2025-03-05", "--until", "2025-03-01"])
    assert bad.exit_code == 2 and "after" in bad.output
    none = CliRunner().invoke(app, ["kpis", "--store", str(store_dir), "--since", "2030-01-01"])
    assert none.exit_code == 0 and "No events match" in none.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_scorecards_export_reads_back(store_dir: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"cards{suffix}"
    result = CliRunner().invoke(app, ["scorecards", "--store", str(store_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_excel(out, sheet_name="scorecards")
    assert tuple(frame.columns) == SCORECARD_COLUMNS
    assert sorted(frame["worker_id"]) == ["w0", "w1", "w2"]
    assert frame["label_events"].sum() == 24
    assert frame["cost"].sum() == pytest.approx(12.0)
    if suffix == ".xlsx":
        about = pd.read_excel(out, sheet_name="about")
        assert "all data" in about["value"].tolist()


def test_scorecards_refuses_other_formats(store_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scorecards", "--store", str(store_dir), "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and ".xlsx" in result.output


def test_kpis_on_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["kpis", "--store", str(tmp_path / "none"), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["events"] == 0
    assert not (tmp_path / "none").exists()  # reading never creates a store
