"""Command-line behaviour not covered elsewhere: compact keeps the data and clears leftovers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from factories import event, write_csv
from labelline.cli import app
from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore


def test_compact_merges_files_clears_scratch_and_keeps_every_event(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store")
    for k in range(4):
        ingest_paths([write_csv(tmp_path / f"part-{k}.csv", [event(10 * k + n) for n in range(5)])], store)
    (store.root / "_work" / "killed-ingest").mkdir(parents=True)
    before = store.snapshot().events
    result = CliRunner().invoke(app, ["compact", "--store", str(store.root), "--retention-hours", "0"])
    assert result.exit_code == 0, result.output
    assert "1 folders left by interrupted ingests removed" in result.output
    after = store.snapshot().events
    assert len(after.files) < len(before.files)
    assert store.status()["events"] == 20
    assert not any((store.root / "_work").iterdir())


def test_status_on_a_missing_store_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--store", str(tmp_path / "none")])
    assert result.exit_code == 0 and "labelline demo" in result.output
