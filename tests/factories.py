"""Small canonical event logs for tests: a valid event, and writers for CSV and JSONL files."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labelline.ingest.records import ReadContext, ReadOptions, Rejected
from labelline.schema import EVENT_COLUMNS, OUTCOMES_BY_STAGE, REQUIRED_COLUMNS
from labelline.store import EventStore

def event(n: int, **changes: Any) -> dict[str, Any]:
    """A valid label event number n; keyword arguments override columns."""
    base = {
        "event_id": f"e{n}",
        "source": "csv",
        "project": "support-intent",
        "batch": "b1",
        "item_id": f"item-{n // 2}",
        "task_type": "classification",
        "stage": "label",
        "attempt": 1,
        "worker_id": f"w{n % 3}",
        "tier": "crowd",
        "org": "in_house",
        "queued_at": f"2025-03-01T09:{n % 60:02d}:00Z",
        "started_at": f"2025-03-01T10:{n % 60:02d}:00Z",
        "submitted_at": f"2025-03-01T10:{n % 60:02d}:30Z",
        "active_s": 30.0,
        "outcome": "submitted",
        "label": "billing",
        "gold_label": None,
        "reviews_event_id": None,
        "cost": None,
        "meta": None,
    }
    base.update(changes)
    return base


def write_csv(path: Path, rows: Iterable[dict[str, Any]], columns: Iterable[str] = EVENT_COLUMNS) -> Path:
    columns = list(columns)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return path


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def rows_of(store: EventStore, sql: str = "select * from events order by event_id") -> list[dict[str, Any]]:
    con = store.connect()
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def read_all(adapter: Any, path: Path, **options: Any) -> tuple[list[dict[str, Any]], list[Rejected], ReadContext]:
    """Everything an adapter yields for a file, split into events and rejected records."""
    ctx = ReadContext(path=path, options=ReadOptions(**options))
    events, rejected = [], []
    for out in adapter.read(ctx):
        (rejected if isinstance(out, Rejected) else events).append(out)
    return events, rejected, ctx


def meta(event: dict[str, Any]) -> dict[str, Any]:
    return json.loads(event["meta"])


def check_event_shape(event: dict[str, Any]) -> None:
    """What the pipeline needs of every event an adapter yields."""
    for column in REQUIRED_COLUMNS:
        assert column in event, column
        assert event[column] is not None, column
    assert isinstance(event["event_id"], str) and event["event_id"]
    assert event["outcome"] in OUTCOMES_BY_STAGE[event["stage"]]
    assert event["submitted_at"].tzinfo is not None
    for key in ("_record", "_position", "_raw"):
        assert key in event
