"""Readers and writers in different processes: no errors, no half-written ingests, exactly once after a crash."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore

from factories import event, write_csv

WRITER = """
import sys
from pathlib import Path
from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore
store = EventStore(sys.argv[1])
for path in sys.argv[2:]:
    ingest_paths([Path(path)], store)
    print("committed", path, flush=True)
"""


def _files(tmp_path: Path, count: int, per_file: int) -> tuple[list[Path], list[int]]:
    """Files of new events plus re-exports (updates, no growth); and the event count after each."""
    paths, totals, total = [], [], 0
    for k in range(count):
        rows = [event(k * per_file + n) for n in range(per_file)]
        paths.append(write_csv(tmp_path / f"part-{k:02d}.csv", rows))
        total += per_file
        totals.append(total)
        if k % 3 == 2:  # a re-export of this batch with every label edited: only updates
            edited = [dict(r, label="edited") for r in rows]
            paths.append(write_csv(tmp_path / f"part-{k:02d}-edited.csv", edited))
            totals.append(total)
    return paths, totals


def _read_count(store: EventStore) -> tuple[int, int]:
    con = store.connect()
    return con.execute("select count(*), count(distinct event_id) from events").fetchone()


def test_reader_never_sees_a_partial_ingest_or_an_error(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store")
    paths, totals = _files(tmp_path, count=9, per_file=3000)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store.root), *map(str, paths)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, errors = [], []
    deadline = time.monotonic() + 240
    try:
        while writer.poll() is None and time.monotonic() < deadline:
            if not store.exists():
                time.sleep(0.01)
                continue
            try:
                seen.append(_read_count(store))
            except Exception as exc:  # noqa: BLE001 - the point is to count any failure
                errors.append(repr(exc))
    finally:
        if writer.poll() is None:
            writer.kill()
    out, err = writer.communicate()
    assert writer.returncode == 0, err[-2000:]
    assert errors == []
    counts = [c for c, _ in seen]
    assert len(seen) > 10, "the reader should have overlapped the writer"
    assert all(c == d for c, d in seen), "a reader saw a duplicated event id"
    assert counts == sorted(counts), "counts only grow"
    assert set(counts) <= {0, *totals}, f"a reader saw a half-written ingest: {sorted(set(counts) - set(totals))}"
    assert _read_count(store) == (totals[-1], totals[-1])


@pytest.mark.slow
def test_kill_at_random_points_then_rerun_is_exactly_once(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store")
    first = write_csv(tmp_path / "export-1.csv", [event(n) for n in range(20000)])
    ingest_paths([first], store)
    grown = [event(n, label="edited" if n % 7 == 0 else "billing") for n in range(40000)]
    grown.append(event(99999, active_s=-1))  # one bad record: the full path, with its quarantine write
    second = write_csv(tmp_path / "export-2.csv", grown)
    rng = random.Random(20261122)
    killed_during = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(store.root), str(second)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.0))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_during += 1
        proc.wait()
        count, distinct = _read_count(store)  # the previous state or the completed one, nothing between
        assert count == distinct and count in (20000, 40000)
    assert killed_during >= 1
    summary = ingest_paths([second], store).files[0]
    assert summary.records == 40001 and summary.quarantined == 1
    assert summary.ingested + summary.updated + summary.unchanged == 40000
    con = store.connect()
    assert con.execute("select count(*), count(distinct event_id) from events").fetchone() == (40000, 40000)
    assert con.execute("select count(*) from events where label = 'edited'").fetchone()[0] == len(range(0, 40000, 7))
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 1
    again = ingest_paths([second], store).files[0]
    assert (again.ingested, again.updated, again.unchanged) == (0, 0, 40000)
