"""A watched folder: each export ingested once, files mid-write wait, duplicates and bad files handled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factories import event, rows_of, write_csv, write_jsonl
from labelline.ingest.pipeline import ingest_file
from labelline.live.state import LiveState, list_states
from labelline.live.watch import FolderWatcher, looks_complete
from labelline.store import EventStore
from test_label_studio_reexport import annotation, task


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _age(path: Path, seconds: float) -> None:
    """Make a file look last modified `seconds` ago."""
    when = time.time() - seconds
    os.utime(path, (when, when))


def test_new_files_are_ingested_once_each(tmp_path: Path, store: EventStore) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a.csv", [event(n) for n in range(4)])
    _age(inbox / "a.csv", 60)
    watcher = FolderWatcher(store, inbox, settle_s=2.0)
    first = watcher.poll()
    assert [Path(f.path).name for f in first.ingested] == ["a.csv"]
    assert first.ingested[0].ingested == 4
    assert watcher.poll().ingested == []  # nothing new
    write_csv(inbox / "b.csv", [event(n) for n in range(4, 6)])
    _age(inbox / "b.csv", 60)
    assert [f.ingested for f in watcher.poll().ingested] == [2]
    assert len(rows_of(store)) == 6
    # A new watcher (a restart) knows from the store's ingest log what it has taken.
    again = FolderWatcher(store, inbox, settle_s=2.0).poll()
    assert again.ingested == []
    assert sorted(again.skipped) == ["a.csv: already ingested", "b.csv: already ingested"]


def test_a_file_being_written_waits_until_it_settles(tmp_path: Path, store: EventStore) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    clock = Clock()
    watcher = FolderWatcher(store, inbox, settle_s=2.0, clock=clock)
    rows = [event(n) for n in range(10)]
    path = inbox / "growing.jsonl"
    with open(path, "w") as f:
        f.write(json.dumps(rows[0]) + "\n" + json.dumps(rows[1])[:40])  # cut mid-record
    result = watcher.poll()
    assert result.ingested == [] and result.waiting == ["growing.jsonl"]
    clock.now += 5
    _age(path, 5)
    # Quiet for long enough, but it does not end as a JSON-lines file does: still waiting.
    assert watcher.poll().waiting == ["growing.jsonl"]
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    assert watcher.poll().waiting == ["growing.jsonl"]  # changed just now
    clock.now += 3
    _age(path, 3)
    done = watcher.poll()
    assert [(f.ingested, f.quarantined) for f in done.ingested] == [(10, 0)]
    assert store.status()["quarantined"] == 0


def test_partial_names_are_never_taken(tmp_path: Path, store: EventStore) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("export.csv.part", ".hidden.csv", "_scratch.csv", "download.crdownload", "copy.csv.tmp"):
        write_csv(inbox / name, [event(1)])
        _age(inbox / name, 60)
    result = FolderWatcher(store, inbox).poll()
    assert result.ingested == [] and result.waiting == []
    # The writer renames at the end: now it is taken.
    os.replace(inbox / "export.csv.part", inbox / "export.csv")
    assert [f.ingested for f in FolderWatcher(store, inbox).poll().ingested] == [1]


def test_duplicate_content_under_another_name_is_skipped(tmp_path: Path, store: EventStore) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "monday.csv", [event(n) for n in range(3)])
    (inbox / "monday (copy).csv").write_bytes((inbox / "monday.csv").read_bytes())
    for p in inbox.iterdir():
        _age(p, 60)
    result = FolderWatcher(store, inbox).poll()
    assert [Path(f.path).name for f in result.ingested] == ["monday (copy).csv"]
    assert result.skipped == ["monday.csv: same content as monday (copy).csv, already ingested"]
    assert len(rows_of(store)) == 3


def test_a_rewritten_export_updates_what_changed(tmp_path: Path, store: EventStore) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_csv(inbox / "daily.csv", [event(n) for n in range(3)])
    _age(path, 60)
    watcher = FolderWatcher(store, inbox)
    assert [f.ingested for f in watcher.poll().ingested] == [3]
    write_csv(path, [event(0), event(1, label="refund"), event(2), event(3)])
    _age(path, 30)
    [summary] = watcher.poll().ingested
    assert (summary.ingested, summary.updated, summary.unchanged) == (1, 1, 2)
    assert len(rows_of(store)) == 4


def test_bad_files_are_quarantined_and_reported_once(tmp_path: Path, store: EventStore) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "mixed.csv", [event(1), event(2, stage="nonsense"), event(3)])
    (inbox / "notes.json").write_text('{"hello": "this is not an export"}')
    for p in inbox.iterdir():
        _age(p, 60)
    watcher = FolderWatcher(store, inbox)
    result = watcher.poll()
    by_name = {Path(f.path).name: f for f in result.ingested}
    assert (by_name["mixed.csv"].ingested, by_name["mixed.csv"].quarantined) == (2, 1)
    assert by_name["notes.json"].landed == 0 and by_name["notes.json"].quarantined == 1
    assert any("mixed.csv: record 2" in p and "stage" in p for p in by_name["mixed.csv"].problems)
    watcher.record(result)
    assert watcher.poll().ingested == []  # taken once, even the bad one
    [state] = list_states(store.root)
    assert (state.kind, state.files, state.ingested, state.quarantined) == ("watch", 2, 2, 2)
    assert any("mixed.csv" in p for p in state.last_problems)


def test_looks_complete_by_format(tmp_path: Path) -> None:
    cases = {"a.json": ('[{"id": 1}]\n', True), "b.json": ('[{"id": 1}, {"id"', False),
             "c.jsonl": ('{"a": 1}\n', True), "d.csv": ("a,b\n1,2", False), "e.csv": ("a,b\n1,2\n", True),
             "f.parquet": ("PAR1....", False)}
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text)
        assert looks_complete(tmp_path / name) is expected, name


def test_label_studio_sync_copy_retires_deleted_annotations(tmp_path: Path, store: EventStore) -> None:
    """ingest_file(replace_items=True): the file is the whole truth about the tasks it holds."""
    first = [task(1, annotation(101, 1, 7, "billing", "2026-03-01T09:00:00Z"),
                  annotation(102, 1, 8, "refund", "2026-03-01T09:05:00Z")),
             task(2, annotation(103, 2, 7, "refund", "2026-03-01T09:10:00Z"))]
    (tmp_path / "one.json").write_text(json.dumps(first))
    ingest_file(tmp_path / "one.json", store, replace_items=True)
    assert len(rows_of(store)) == 3
    # Annotation 102 deleted in Label Studio; task 2 not in this copy (unchanged): kept.
    later = [task(1, annotation(101, 1, 7, "billing", "2026-03-01T09:00:00Z"))]
    (tmp_path / "two.json").write_text(json.dumps(later))
    summary = ingest_file(tmp_path / "two.json", store, replace_items=True)
    assert (summary.unchanged, summary.retired) == (1, 1)
    rows = rows_of(store)
    assert sorted(r["item_id"] for r in rows) == ["1", "2"]
    # Without replace_items an export is a superset: nothing is retired.
    (tmp_path / "three.json").write_text(json.dumps([task(2)]))
    assert ingest_file(tmp_path / "three.json", store).retired == 0
    assert len(rows_of(store)) == 2


def test_watch_command_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_jsonl(inbox / "events.jsonl", [event(n) for n in range(5)])
    cmd = [str(Path(sys.executable).parent / "labelline"), "watch", str(inbox), "--once", "--store",
           str(tmp_path / "store")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "events.jsonl: " in done.stdout and "5 new" in done.stdout
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert "events.jsonl: already ingested: skipped" in again.stdout
    [state] = list_states(tmp_path / "store")
    assert state.runs == 2 and state.ingested == 5 and not state.running


@pytest.mark.parametrize("text", ["5s", "5", "0.5m", "5000ms"])
def test_durations(text: str) -> None:
    from labelline.live.cli import parse_duration_s

    assert parse_duration_s(text) == pytest.approx(5.0 if text != "0.5m" else 30.0)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    st = LiveState.open(tmp_path, "watch", "/some/folder")
    st.attempt()
    st.succeeded(changed=True)
    st.cursor["x"] = 1
    st.save(tmp_path)
    again = LiveState.open(tmp_path, "watch", "/some/folder")
    assert again.runs == 1 and again.cursor == {"x": 1} and again.lag_s() is not None
