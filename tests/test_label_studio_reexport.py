"""A growing Label Studio project exported twice: new work is added, edits update, nothing doubles."""

from __future__ import annotations

import json
from pathlib import Path

from factories import rows_of
from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore


def annotation(ann_id: int, task: int, user: int, choice: str, created: str, updated: str | None = None,
               updated_by: int | None = None, lead: float = 20.0, **extra) -> dict:
    return {
        "id": ann_id, "completed_by": user, "task": task, "project": 12, "was_cancelled": False,
        "ground_truth": False, "created_at": created, "updated_at": updated or created,
        "updated_by": updated_by if updated_by is not None else user, "lead_time": lead,
        "last_action": "submitted",
        "result": [{"id": f"r{ann_id}", "type": "choices", "from_name": "intent", "to_name": "text",
                    "value": {"choices": [choice]}}],
        **extra,
    }


def task(task_id: int, *annotations: dict) -> dict:
    return {"id": task_id, "project": 12, "data": {"text": f"message {task_id}"}, "annotations": list(annotations),
            "created_at": "2026-03-01T08:00:00Z", "updated_at": "2026-03-01T08:00:00Z"}


def test_superset_export_with_edits(tmp_path: Path) -> None:
    first = [
        task(1, annotation(101, 1, 7, "billing", "2026-03-01T09:00:00Z"),
             annotation(102, 1, 8, "billing", "2026-03-01T09:05:00Z")),
        task(2, annotation(103, 2, 7, "refund", "2026-03-01T09:10:00Z")),
        task(3, annotation(104, 3, 8, "shipping", "2026-03-01T09:20:00Z")),
    ]
    later = json.loads(json.dumps(first))
    # Task 2: the annotator went back and changed the answer (rework, in place).
    later[1]["annotations"][0] = annotation(103, 2, 7, "billing", "2026-03-01T09:10:00Z",
                                            updated="2026-03-02T10:00:00Z", updated_by=7, lead=45.0,
                                            last_action="updated")
    # Task 3: an admin marked the annotation as ground truth (not rework).
    later[2]["annotations"][0].update(ground_truth=True, updated_at="2026-03-02T11:00:00Z", updated_by=1)
    # Two new tasks since the first export.
    later.append(task(4, annotation(105, 4, 7, "account", "2026-03-02T09:00:00Z")))
    later.append(task(5, annotation(106, 5, 8, "other", "2026-03-02T09:30:00Z")))
    (tmp_path / "export-1.json").write_text(json.dumps(first))
    (tmp_path / "export-2.json").write_text(json.dumps(later))

    store = EventStore(tmp_path / "store")
    one = ingest_paths([tmp_path / "export-1.json"], store).files[0]
    assert (one.format, one.ingested, one.quarantined) == ("label-studio", 4, 0)
    two = ingest_paths([tmp_path / "export-2.json"], store).files[0]
    # New: tasks 4 and 5, and the rework (attempt 2) on task 2.
    # Updated: task 2's first attempt (its answer was overwritten) and task 3 (now gold).
    assert (two.ingested, two.updated, two.unchanged, two.quarantined) == (3, 2, 2, 0)
    rows = rows_of(store, "select item_id, worker_id, attempt, label, gold_label from events "
                          "order by item_id, worker_id, attempt")
    assert len(rows) == 7
    assert [(r["item_id"], r["attempt"], r["label"]) for r in rows if r["item_id"] == "2"] == [
        ("2", 1, None), ("2", 2, "billing")]
    assert [r["gold_label"] for r in rows if r["item_id"] == "3"] == ["shipping"]
    con = store.connect()
    assert con.execute("select count(*) = count(distinct event_id) from events").fetchone()[0]
    # And the same export again changes nothing.
    again = ingest_paths([tmp_path / "export-2.json"], store).files[0]
    assert (again.ingested, again.updated, again.unchanged) == (0, 0, 7)
