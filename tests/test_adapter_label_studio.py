"""Label Studio adapter: one fixture and test per quirk of the format.

Fixtures live in tests/fixtures/label_studio/ and are hand-written; expected values
below can be checked by reading them.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelline.ingest.adapters import label_studio as ls
from labelline.ingest.records import ReadContext, ReadOptions, Rejected, make_event_id
from labelline.schema import EVENT_COLUMNS, OUTCOMES_BY_STAGE, REQUIRED_COLUMNS

FIX = Path(__file__).parent / "fixtures" / "label_studio"
BOOKKEEPING = ("_record", "_position", "_raw")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def read(path: Path, **options: Any) -> tuple[list[dict[str, Any]], list[Rejected], ReadContext]:
    ctx = ReadContext(path=path, options=ReadOptions(**options))
    out = list(ls.read(ctx))
    events = [o for o in out if isinstance(o, dict)]
    rejected = [o for o in out if isinstance(o, Rejected)]
    assert len(events) + len(rejected) == len(out)
    return events, rejected, ctx


def by_key(events: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
    """Events keyed by (LS annotation or review id, stage, attempt)."""
    keyed = {}
    for e in events:
        meta = json.loads(e["meta"])
        source_id = meta.get("ls_review_id") if e["stage"] == "review" else meta["ls_annotation_id"]
        keyed[(source_id, e["stage"], e["attempt"])] = e
    assert len(keyed) == len(events)
    return keyed


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- sniff


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("community.json", "Label Studio full JSON export"),
        ("enterprise_reviews.json", "Label Studio full JSON export"),
        ("project-12-at-2024-06-01-10-00-3f2a.json", "Label Studio JSON_MIN export"),
        ("json_min_id_collision.json", "Label Studio JSON_MIN export"),
        ("export.csv", "Label Studio CSV export"),
        ("dump.json", "Label Studio multi-project dump"),
    ],
)
def test_sniff_names_each_shape(fixture: str, expected: str) -> None:
    path = FIX / fixture
    assert ls.sniff(path, path.read_bytes()[:65536]) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"HITId,HITTypeId,Title,AssignmentId,WorkerId,annotation_id,created_at,annotator\n",
        b'{"text": "hi", "answer": "accept", "_input_hash": 1, "_task_hash": 2, "annotations": []}\n',
        b"event_id,source,project,item_id,stage,attempt,worker_id,submitted_at,annotation_id,created_at\n",
        b'[{"event_id": "x", "stage": "label", "annotation_id": 1, "annotator": 2}]',
        b'[{"name": "not a task", "value": 3}]',
        b"",
        b"\x00\x01\x02binary",
        b"id,text,label\n1,hello,pos\n",
    ],
)
def test_sniff_leaves_other_formats_alone(head: bytes, tmp_path: Path) -> None:
    assert ls.sniff(tmp_path / "x", head) is None


def test_sniff_tsv_export(tmp_path: Path) -> None:
    head = b"annotation_id\tannotator\tcreated_at\tid\tlead_time\tsentiment\n1\t2\t2024-01-01T00:00:00Z\t3\t4\tPos\n"
    assert ls.sniff(tmp_path / "x.tsv", head) == "Label Studio TSV export"


# --------------------------------------------------------------------------- full JSON, community


def test_community_export_one_event_per_annotation() -> None:
    events, rejected, ctx = read(FIX / "community.json")
    assert rejected == []
    assert len(events) == 3  # task 103 has no annotations
    ev = by_key(events)

    first = ev[("1001", "label", 1)]
    assert first["source"] == "label_studio"
    assert first["source_ref"] == "community.json"
    assert first["project"] == "label-studio-5"
    assert first["item_id"] == "101"
    assert first["task_type"] == "classification"
    assert first["stage"] == "label"
    assert first["worker_id"] == "7"
    assert (first["tier"], first["org"]) == ("crowd", "in_house")
    assert first["submitted_at"] == utc("2024-03-01T10:00:30")
    assert first["active_s"] == 12.5
    assert first["started_at"] == utc("2024-03-01T10:00:17.500000")
    assert first["queued_at"] == utc("2024-02-28T09:00:00")
    assert first["outcome"] == "submitted"
    assert first["label"] == "Positive"
    assert first["gold_label"] is None
    assert json.loads(first["meta"]) == {
        "last_action": "submitted",
        "ls_annotation_id": "1001",
        "ls_task_id": "101",
        "started_at_estimated": True,
    }
    assert first["_record"] == 1
    assert first["_position"] == "task 1 (id 101), annotation 1"
    assert json.loads(first["_raw"])["id"] == 1001

    skipped = ev[("1002", "label", 1)]
    assert skipped["outcome"] == "skipped"
    assert skipped["label"] is None
    assert skipped["worker_id"] == "8"
    assert skipped["submitted_at"] == utc("2024-03-01T10:05:00")  # 11:05 at +01:00

    multi = ev[("1003", "label", 1)]
    assert multi["label"] == '["Mixed","Neutral"]'  # several choices: sorted JSON list
    assert multi["active_s"] is None and multi["started_at"] is None  # lead_time null

    assert all(e["attempt"] == 1 and e["cost"] is None and e["batch"] is None for e in events)
    assert "1 task had no annotations" in ctx.notes
    assert ctx.variant == "full JSON"


def test_event_ids_are_deterministic_and_follow_the_contract() -> None:
    first, _, _ = read(FIX / "community.json")
    second, _, _ = read(FIX / "community.json")
    assert [e["event_id"] for e in first] == [e["event_id"] for e in second]
    assert first[0]["event_id"] == make_event_id("label_studio", "5", "annotation", "1001")
    assert len({e["event_id"] for e in first}) == len(first)


def test_options_override_names_but_not_ids() -> None:
    plain, _, _ = read(FIX / "community.json")
    events, _, _ = read(
        FIX / "community.json",
        project="Reviews Q1",
        task_type="sentiment",
        tier="expert",
        org="Acme Labeling",
        annotator_map={"7": "alice"},
    )
    assert {e["project"] for e in events} == {"Reviews Q1"}
    assert {e["task_type"] for e in events} == {"sentiment"}
    assert {(e["tier"], e["org"]) for e in events} == {("expert", "Acme Labeling")}
    assert [e["worker_id"] for e in events] == ["alice", "8", "alice"]
    # The id keys on Label Studio's project id, so naming the project differently does
    # not duplicate rows on re-ingest.
    assert [e["event_id"] for e in events] == [e["event_id"] for e in plain]


# --------------------------------------------------------------------------- Enterprise


def test_enterprise_worker_is_the_email_and_names_go_nowhere() -> None:
    events, rejected, _ = read(FIX / "enterprise_reviews.json")
    assert rejected == []
    ev = by_key(events)
    assert ev[("2001", "label", 1)]["worker_id"] == "ann.lee@example.com"
    assert ev[("2002", "label", 1)]["worker_id"] == "12"  # object without an e-mail: its id
    assert ev[("501", "review", 1)]["worker_id"] == "rita.vance@example.com"
    assert ev[("504", "review", 2)]["worker_id"] == "21"  # reviewer as a plain id
    for e in events:
        elsewhere = " ".join(str(e[k]) for k in (*EVENT_COLUMNS, *BOOKKEEPING) if k != "worker_id")
        for personal in ("ann.lee@", "rita.vance@", "Ann", "Lee", "Rita", "Vance", '"Bo"', '"Ng"'):
            assert personal not in elsewhere, (personal, e["_position"])
    assert "[redacted]" in ev[("2001", "label", 1)]["_raw"]
    assert json.loads(ev[("2001", "label", 1)]["meta"])["agreement"] == 50.0


def test_enterprise_reviews_become_review_events_linked_to_the_judged_attempt() -> None:
    events, _, _ = read(FIX / "enterprise_reviews.json")
    ev = by_key(events)
    assert len(events) == 8  # 3 annotations + 1 rework attempt + 4 reviews

    accepted = ev[("501", "review", 1)]
    assert accepted["stage"] == "review"
    assert accepted["outcome"] == "accepted"
    assert accepted["submitted_at"] == utc("2024-04-02T12:00:00")
    assert accepted["reviews_event_id"] == ev[("2001", "label", 1)]["event_id"]
    assert accepted["queued_at"] == ev[("2001", "label", 1)]["submitted_at"]
    assert accepted["event_id"] == make_event_id("label_studio", "9", "review", "501")
    assert accepted["item_id"] == "201"

    # last_action fixed_and_accepted: the reviewer changed the answer.
    fixed = ev[("502", "review", 1)]
    assert fixed["outcome"] == "fixed"
    assert fixed["reviews_event_id"] == ev[("2002", "label", 1)]["event_id"]
    assert ev[("2002", "label", 1)]["attempt"] == 1  # a reviewer's fix is not annotator rework

    # Task-level reviews of annotation 2003: rejected before the rework, accepted after.
    rejected = ev[("503", "review", 1)]
    assert rejected["outcome"] == "rejected"
    assert rejected["label"] == "Spam"  # what the reviewer's result said
    assert rejected["reviews_event_id"] == ev[("2003", "label", 1)]["event_id"]
    second = ev[("504", "review", 2)]
    assert second["outcome"] == "accepted"
    assert second["reviews_event_id"] == ev[("2003", "label", 2)]["event_id"]
    assert second["_position"] == "task 2 (id 202), review 2"


def test_review_with_changed_result_is_fixed(tmp_path: Path) -> None:
    task = json.loads((FIX / "enterprise_reviews.json").read_text())[0]
    review = task["annotations"][0]["reviews"][0]
    review["result"][0]["value"]["choices"] = ["Ham"]  # differs from the annotation's "Spam"
    path = write(tmp_path, "fixed.json", json.dumps([task]).encode())
    events, _, _ = read(path)
    assert by_key(events)[("501", "review", 1)]["outcome"] == "fixed"
    assert by_key(events)[("501", "review", 1)]["label"] == "Ham"


# --------------------------------------------------------------------------- rework


def test_rework_is_an_update_by_the_annotator_not_any_later_update() -> None:
    events, rejected, ctx = read(FIX / "rework.json")
    assert rejected == []
    ev = by_key(events)
    assert len(events) == 7

    # 3001: updated_by == completed_by, 20 minutes later: two attempts.
    first, second = ev[("3001", "label", 1)], ev[("3001", "label", 2)]
    assert first["submitted_at"] == utc("2024-05-01T10:00:00")
    assert (first["label"], first["active_s"], first["started_at"]) == (None, None, None)
    assert json.loads(first["meta"])["reworked"] is True
    assert second["submitted_at"] == utc("2024-05-01T10:20:00")
    assert (second["label"], second["active_s"]) == ("Banana", 90.0)
    assert json.loads(second["meta"])["lead_time_cumulative"] is True
    assert second["worker_id"] == first["worker_id"] == "4"
    assert second["event_id"] == make_event_id("label_studio", "3", "annotation", "3001", "rework")
    assert first["event_id"] == make_event_id("label_studio", "3", "annotation", "3001")

    # 3002: an admin marked ground truth a day later: not rework.
    assert ("3002", "label", 2) not in ev
    assert ev[("3002", "label", 1)]["label"] == "Banana"
    # 3003: updated_at 450 µs after created_at is the same save.
    assert ("3003", "label", 2) not in ev
    # 3004: a reviewer's fixed_and_accepted is a review outcome, not rework.
    assert ("3004", "label", 2) not in ev
    # 3005: last_action "updated" counts even though someone else saved last.
    assert ev[("3005", "label", 2)]["submitted_at"] == utc("2024-05-01T12:30:00")
    assert ev[("3005", "label", 2)]["label"] == "Pear"
    assert any(note.startswith("2 annotations reworked") for note in ctx.notes)


# --------------------------------------------------------------------------- ground truth


def test_ground_truth_annotation_sets_gold_label_on_its_task() -> None:
    events, _, _ = read(FIX / "ground_truth.json")
    ev = by_key(events)
    assert [ev[(a, "label", 1)]["gold_label"] for a in ("4001", "4002", "4003")] == ["Cat", "Cat", "Cat"]
    assert json.loads(ev[("4003", "label", 1)]["meta"])["ground_truth"] is True
    assert "ground_truth" not in json.loads(ev[("4001", "label", 1)]["meta"])
    assert ev[("4004", "label", 1)]["gold_label"] is None  # no ground truth on task 402
    # A skipped annotation marked ground truth has no answer to be gold.
    assert ev[("4005", "label", 1)]["gold_label"] is None
    assert ev[("4006", "label", 1)]["gold_label"] is None


# --------------------------------------------------------------------------- labels and task types


def test_structured_results_give_canonical_labels_and_task_types() -> None:
    events, _, _ = read(FIX / "structures.json")
    ev = by_key(events)
    spans = (
        '[{"end":21,"labels":["LOC"],"start":15,"text":"Berlin"},'
        '{"end":5,"labels":["PER"],"start":0,"text":"Alice"}]'
    )
    # Same spans in another order, other region ids, plus a relation: same label.
    assert ev[("6001", "label", 1)]["label"] == ev[("6002", "label", 1)]["label"] == spans
    expected = {
        "6001": "ner",
        "6003": "bbox",
        "6004": "pairwise_preference",
        "6005": "text",
        "6006": "classification",
        "6007": "classification",
        "6008": "other",
        "6009": "ranking",
    }
    assert {a: ev[(a, "label", 1)]["task_type"] for a in expected} == expected
    assert ev[("6003", "label", 1)]["label"] == (
        '[{"height":40,"rectanglelabels":["Car"],"rotation":0,"width":30,"x":10,"y":20}]'
    )
    assert ev[("6004", "label", 1)]["label"] == '[{"selected":"left"}]'
    assert ev[("6005", "label", 1)]["label"] == "Paris"
    assert ev[("6006", "label", 1)]["label"] == "Animal/Cat"
    assert ev[("6007", "label", 1)]["label"] == '{"comment":"blurry","quality":"Low"}'
    assert ev[("6008", "label", 1)]["label"] == '[{"rating":4}]'
    assert ev[("6009", "label", 1)]["label"] == '[{"ranker":{"ranked":["c","a","b"]}}]'  # order kept


# --------------------------------------------------------------------------- JSON_MIN and CSV


def test_json_min_rows_become_label_events() -> None:
    path = FIX / "project-12-at-2024-06-01-10-00-3f2a.json"
    events, rejected, ctx = read(path)
    assert rejected == []
    ev = by_key(events)
    assert len(events) == 3
    assert ev[("5001", "label", 1)]["worker_id"] == "7"
    assert ev[("5002", "label", 1)]["worker_id"] == "rater.two@example.com"
    assert ev[("5001", "label", 1)]["label"] == "Positive"
    assert ev[("5003", "label", 1)]["label"] == '["Mixed","Neutral"]'  # same text as the full export
    assert ev[("5001", "label", 1)]["submitted_at"] == utc("2024-06-01T08:00:00")
    assert ev[("5001", "label", 1)]["started_at"] == utc("2024-06-01T07:59:51.750000")
    assert ev[("5001", "label", 1)]["item_id"] == "1201"
    # The file name carries the project id, so ids match what the full export gives.
    assert ev[("5001", "label", 1)]["project"] == "label-studio-12"
    assert ev[("5001", "label", 1)]["event_id"] == make_event_id("label_studio", "12", "annotation", "5001")
    assert {e["outcome"] for e in events} == {"submitted"}
    assert "1 task had no annotations" in ctx.notes
    assert any("answer columns ['sentiment'], task data columns ['text']" in n for n in ctx.notes)
    assert ctx.variant == "JSON_MIN"


def test_json_min_task_data_id_collision() -> None:
    # The task data had its own "id"; the exporter overwrote its value with the task id
    # but left the key first, so key order no longer separates data from answers.
    events, rejected, _ = read(FIX / "json_min_id_collision.json")
    assert rejected == []
    assert [(e["item_id"], e["label"], e["worker_id"]) for e in events] == [
        ("1301", "Delivery", "3"),
        ("1302", "Account", "3"),
    ]


def test_csv_export_with_task_data_id_column() -> None:
    events, rejected, ctx = read(FIX / "export.csv")
    assert rejected == []
    assert [(e["item_id"], e["worker_id"], e["label"], e["active_s"]) for e in events] == [
        ("doc-1", "ann.lee@example.com", "Positive", 5.5),
        ("doc-1", "bo.ng@example.com", "Negative", 6.0),
        ("doc-2", "3", '["Neutral","Positive"]', None),  # JSON-encoded multi-choice cell
        ("doc-3", "3", "Positive", 2.25),
    ]
    assert [e["_position"] for e in events][0] == "row 1 (annotation 7001)"
    assert events[0]["event_id"] == make_event_id("label_studio", "export", "annotation", "7001")
    assert "1 task had no annotations" in ctx.notes
    assert any("id column holds a task data field" in n for n in ctx.notes)
    assert all("ann.lee@" not in (e["_raw"] + (e["meta"] or "")) for e in events)


def test_tsv_export(tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO((FIX / "export.csv").read_text())))
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(rows)
    events, rejected, _ = read(write(tmp_path, "export.tsv", out.getvalue().encode()))
    assert rejected == [] and len(events) == 4
    assert events[2]["label"] == '["Neutral","Positive"]'


# --------------------------------------------------------------------------- wrapped dumps


def test_multi_project_dump() -> None:
    events, rejected, ctx = read(FIX / "dump.json")
    assert rejected == []
    assert [(e["project"], e["item_id"], e["label"], e["_record"]) for e in events] == [
        ("Toxicity", "2101", "Not toxic", 1),
        ("Search relevance", "2201", "Relevant", 2),  # "project" came after "tasks"
    ]
    assert events[0]["event_id"] == make_event_id("label_studio", "21", "annotation", "9001")
    assert events[1]["event_id"] == make_event_id("label_studio", "Search relevance", "annotation", "9002")
    assert events[1]["_position"] == "project 2 (Search relevance), task 1 (id 2201), annotation 1"
    assert "1 task had no annotations" in ctx.notes
    assert "owner@example.com" not in json.dumps(events, default=str)


def test_dump_with_a_broken_project_entry(tmp_path: Path) -> None:
    dump = json.loads((FIX / "dump.json").read_text())
    dump["projects"].insert(0, "not a project")
    events, rejected, _ = read(write(tmp_path, "dump.json", json.dumps(dump).encode()))
    assert [(r.position, r.field) for r in rejected] == [("project 1", "projects")]
    assert [(e["project"], e["_position"].split(",")[0]) for e in events] == [
        ("Toxicity", "project 2 (Toxicity)"),
        ("Search relevance", "project 3 (Search relevance)"),
    ]


def test_single_task_object(tmp_path: Path) -> None:
    task = json.loads((FIX / "community.json").read_text())[0]
    events, rejected, _ = read(write(tmp_path, "task.json", json.dumps(task).encode()))
    assert rejected == [] and [e["label"] for e in events] == ["Positive", None]


# --------------------------------------------------------------------------- bad input


def test_bad_records_are_rejected_one_by_one() -> None:
    events, rejected, _ = read(FIX / "bad_records.json")
    assert [(r.record, r.position, r.field) for r in rejected] == [
        (1, "task 1", None),
        (2, "task 2", "id"),
        (3, "task 3 (id 803), annotation 1", "id"),
        (3, "task 3 (id 803), annotation 2", "created_at"),
        (3, "task 3 (id 803), annotation 3", "completed_by"),
        (3, "task 3 (id 803), annotation 5, review 1", "created_by"),
        (4, "task 4 (id 804)", "annotations"),
    ]
    assert rejected[3].reason == "created_at is not an ISO 8601 time"
    assert json.loads(rejected[3].raw)["id"] == 8002
    assert [(e["item_id"], e["worker_id"]) for e in events] == [("803", "1"), ("803", "2"), ("805", "3")]


def test_annotator_option_names_a_missing_annotator() -> None:
    events, rejected, _ = read(FIX / "bad_records.json", annotator="unknown-annotator")
    assert "completed_by" not in {r.field for r in rejected}
    assert ("803", "unknown-annotator") in [(e["item_id"], e["worker_id"]) for e in events]


def test_rejected_rows_do_not_leak_emails(tmp_path: Path) -> None:
    rows = [{"annotation_id": 1, "id": 2, "annotator": "secret.person@example.com", "created_at": "soon"}]
    events, rejected, _ = read(write(tmp_path, "min.json", json.dumps(rows).encode()))
    assert events == [] and [(r.position, r.field) for r in rejected] == [("row 1 (annotation 1)", "created_at")]
    assert "secret.person" not in (rejected[0].raw or "")
    ragged = b"annotation_id,annotator,created_at,id\n1,secret.person@example.com,2024-01-01T00:00:00Z\n"
    _, rejected, _ = read(write(tmp_path, "ragged.csv", ragged))
    assert [r.position for r in rejected] == ["row 1"] and "secret.person" not in (rejected[0].raw or "")


def test_truncated_json_keeps_earlier_events(tmp_path: Path) -> None:
    data = (FIX / "community.json").read_bytes()
    cut = data.index(b'"id": 103')
    events, rejected, _ = read(write(tmp_path, "cut.json", data[:cut]))
    assert [e["item_id"] for e in events] == ["101", "101", "102"]
    assert len(rejected) == 1
    assert (rejected[0].record, rejected[0].position) == (3, f"byte {cut}")
    assert "truncated" in rejected[0].reason


def test_invalid_json_names_the_byte(tmp_path: Path) -> None:
    data = (FIX / "community.json").read_bytes().replace(b'"id": 102', b'"id": 1x2')
    events, rejected, _ = read(write(tmp_path, "bad.json", data))
    assert [e["item_id"] for e in events] == ["101", "101"]
    assert [(r.record, r.position) for r in rejected] == [(2, f"byte {data.index(b'1x2') + 1}")]
    assert rejected[0].reason.startswith("invalid JSON")


def test_trailing_garbage_after_the_export(tmp_path: Path) -> None:
    data = (FIX / "community.json").read_bytes()
    events, rejected, _ = read(write(tmp_path, "tail.json", data + b"\n{oops"))
    assert len(events) == 3 and len(rejected) == 1
    assert rejected[0].reason == "unexpected data after the end of the JSON document"


def test_utf16_file_is_rejected_as_not_utf8(tmp_path: Path) -> None:
    data = (FIX / "community.json").read_text().encode("utf-16")
    events, rejected, _ = read(write(tmp_path, "utf16.json", data))
    assert events == []
    assert len(rejected) == 1 and rejected[0].reason.startswith("not UTF-8 text")
    assert "\x00" not in (rejected[0].raw or "")
    assert ls.sniff(tmp_path / "utf16.json", data[:65536]) == "Label Studio full JSON export (UTF-16: re-save as UTF-8)"


def test_latin1_json_stops_at_the_bad_byte(tmp_path: Path) -> None:
    data = (FIX / "community.json").read_bytes().replace(b"Screen is fine", "Écran très bien".encode("latin-1"))
    events, rejected, _ = read(write(tmp_path, "latin1.json", data))
    assert [e["item_id"] for e in events] == ["101", "101"]
    bad_byte = data.index("É".encode("latin-1"))
    assert [(r.record, r.position) for r in rejected] == [(2, f"byte {bad_byte}")]
    assert rejected[0].reason.startswith("not UTF-8 text")


def test_latin1_csv_rejects_only_that_row(tmp_path: Path) -> None:
    data = (FIX / "export.csv").read_bytes().replace(b"Too loud", "Trop café".encode("latin-1"))
    events, rejected, _ = read(write(tmp_path, "latin1.csv", data))
    assert [e["_record"] for e in events] == [1, 2, 3]
    assert [(r.record, r.position) for r in rejected] == [(4, "row 4")]
    assert rejected[0].reason.startswith("not UTF-8 text")


def test_csv_without_label_studio_columns(tmp_path: Path) -> None:
    events, rejected, _ = read(write(tmp_path, "other.csv", b"a,b\n1,2\n"))
    assert events == [] and [(r.position, r.field) for r in rejected] == [("header", "annotation_id")]


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    events, rejected, ctx = read(write(tmp_path, "empty.json", data))
    assert (events, rejected, ctx.notes) == ([], [], ["empty file"])


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    events, rejected, _ = read(write(tmp_path, "bom.json", b"\xef\xbb\xbf" + (FIX / "community.json").read_bytes()))
    assert rejected == [] and len(events) == 3


# --------------------------------------------------------------------------- streaming


def test_progress_is_reported_in_bytes(tmp_path: Path) -> None:
    task = json.loads((FIX / "community.json").read_text())[0]
    tasks = []
    for i in range(1200):  # about 1.8 MB: crosses the 1 MiB reporting step
        t = json.loads(json.dumps(task))
        t["id"] = 10_000 + i
        for j, ann in enumerate(t["annotations"]):
            ann["id"] = 100_000 + 2 * i + j
        tasks.append(t)
    path = write(tmp_path, "big.json", json.dumps(tasks, indent=1).encode())
    seen: list[int] = []
    ctx = ReadContext(path=path, progress=seen.append)
    out = list(ls.read(ctx))
    assert len(out) == 2400
    assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] == path.stat().st_size


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIX.iterdir()))
def test_every_event_has_the_contract_shape(fixture: str) -> None:
    events, _, _ = read(FIX / fixture)
    for e in events:
        assert_event_shape(e)


def assert_event_shape(e: dict[str, Any]) -> None:
    assert set(e) == set(EVENT_COLUMNS) | set(BOOKKEEPING)
    for column in REQUIRED_COLUMNS:
        assert e[column] is not None, column
    assert e["outcome"] in OUTCOMES_BY_STAGE[e["stage"]]
    assert e["submitted_at"].utcoffset().total_seconds() == 0
    assert isinstance(e["_record"], int) and isinstance(e["_position"], str) and isinstance(e["_raw"], str)
    if e["meta"] is not None:
        json.loads(e["meta"])


# --------------------------------------------------------------------------- properties

_scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
_scalars = _scalars | st.text(max_size=12) | st.sampled_from(["2024-01-02T03:04:05Z", "2024-01-02T03:04:05+02:00", "x"])
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
def _mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a plausible value, sometimes any JSON: deep code paths still get reached."""
    return st.integers(0, 9).flatmap(lambda roll: valid if roll else _json)


_id = _mostly(st.integers(1, 6))
_when = _mostly(
    st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01T10:30:00.5+01:00", "2024-05-01T10:00:00.0001Z"])
    | st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2024-13-01"])
)
_user = _mostly(
    st.integers(1, 5) | st.fixed_dictionaries({"id": st.integers(1, 5)}, optional={"email": st.text(max_size=8)})
)
_value = _mostly(
    st.fixed_dictionaries({"choices": st.lists(st.text(max_size=4), max_size=3)})
    | st.fixed_dictionaries(
        {"start": st.integers(0, 9), "end": st.integers(0, 9), "labels": st.lists(st.text(max_size=3))}
    )
    | st.fixed_dictionaries({"taxonomy": st.lists(st.lists(st.text(max_size=3), max_size=2), max_size=2)})
)
_RESULT_TYPES = ["choices", "labels", "rectanglelabels", "textarea", "taxonomy", "pairwise", "ranker", "x"]
_result = _mostly(
    st.lists(
        _mostly(
            st.fixed_dictionaries(
                {"type": st.sampled_from(_RESULT_TYPES),
                 "value": _value},
                optional={"from_name": st.sampled_from(["a", "b"]) | _json, "id": st.text(max_size=3)},
            )
        ),
        max_size=3,
    )
)
_review = st.fixed_dictionaries(
    {"id": _id, "created_by": _user, "created_at": _when, "accepted": _mostly(st.booleans())},
    optional={"result": _result, "annotation": _id, "fixed_annotation_history": _json},
)  # fmt: skip
_annotation = st.fixed_dictionaries(
    {"id": _id, "completed_by": _user, "created_at": _when},
    optional={
        "updated_at": _when, "updated_by": _user, "lead_time": _mostly(st.floats(-1, 1e12)), "result": _result,
        "was_cancelled": _mostly(st.booleans()), "ground_truth": _mostly(st.booleans()),
        "last_action": _mostly(st.sampled_from(["updated", "fixed_and_accepted", "submitted"])),
        "reviews": _mostly(st.lists(_review, max_size=2)),
    },
)  # fmt: skip
_task = st.fixed_dictionaries(
    {"id": _id, "annotations": _mostly(st.lists(_mostly(_annotation), max_size=3))},
    optional={"project": _mostly(st.integers(1, 3)), "created_at": _when, "reviews": st.lists(_review, max_size=2),
              "agreement": _json, "data": _json},
)  # fmt: skip
_min_row = st.fixed_dictionaries(
    {"annotation_id": _id, "id": _id, "annotator": _user, "created_at": _when},
    optional={"lead_time": _json, "text": _json, "label": _mostly(st.text(max_size=5)) | _value},
)  # fmt: skip
_document = st.one_of(
    st.lists(_mostly(_task), max_size=4),
    st.lists(_min_row, min_size=1, max_size=4),
    st.fixed_dictionaries(
        {
            "projects": st.lists(
                _mostly(st.fixed_dictionaries({"project": _json, "tasks": st.lists(_task, max_size=3)})), max_size=3
            )
        }
    ),
    _json,
)

_PROPERTY = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _read_bytes(data: bytes, suffix: str) -> list[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        path.write_bytes(data)
        out = list(ls.read(ReadContext(path=path)))
        ls.sniff(path, data[:65536])
    for o in out:
        if isinstance(o, Rejected):
            assert isinstance(o.reason, str) and o.reason
        else:
            assert_event_shape(o)
    return out


@_PROPERTY
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _read_bytes(data, ".json")


@_PROPERTY
@given(_document, st.integers(0, 1))
def test_arbitrary_json_structures_never_raise(document: Any, truncate: int) -> None:
    data = json.dumps(document).encode()
    if truncate:
        data = data[: len(data) // 2]
    _read_bytes(data, ".json")


@_PROPERTY
@given(st.lists(st.lists(st.text(max_size=8) | _scalars.map(str), min_size=1, max_size=8), max_size=5))
def test_arbitrary_csv_rows_never_raise(rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["annotation_id", "annotator", "created_at", "id", "lead_time", "label", "text", "updated_at"])
    writer.writerows(rows)
    _read_bytes(out.getvalue().encode("utf-8", "surrogatepass"), ".csv")
