"""Prodigy db-out JSONL: one small fixture per quirk, exact expected values."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import check_event_shape, meta, read_all
from labelline.ingest.adapters import prodigy
from labelline.ingest.records import ReadContext, Rejected, make_event_id

FIXTURES = Path(__file__).parent / "fixtures" / "prodigy"
T0 = 1704448800  # 2024-01-05T10:00:00Z


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def run(path: Path, **options: Any) -> tuple[list[dict[str, Any]], list[Rejected], ReadContext]:
    return read_all(prodigy, path, **options)




# ---------------------------------------------------------------- sessions and timing


def test_sessions_gaps_and_breaks() -> None:
    events, rejected, ctx = run(FIXTURES / "choice_sessions.jsonl")
    assert rejected == [] and ctx.notes == []
    assert len(events) == 7
    for e in events:
        check_event_shape(e)
        assert (e["source"], e["project"], e["stage"], e["task_type"]) == ("prodigy", "news", "label", "classification")
        assert (e["tier"], e["org"], e["attempt"]) == ("crowd", "in_house", 1)

    assert [e["worker_id"] for e in events] == ["alice", "bob", "alice", "alice", "bob", "alice", "alice"]
    # alice: first, +12, +18, break of 400 s (> 300 s), +10; bob: first, +60
    assert [e["active_s"] for e in events] == [None, None, 12.0, 18.0, 60.0, None, 10.0]
    assert [e["submitted_at"] for e in events] == [utc(T0 + d) for d in (0, 5, 12, 30, 65, 430, 440)]
    assert events[2]["started_at"] == utc(T0)  # submitted - active
    assert events[0]["started_at"] is None and events[5]["started_at"] is None
    assert meta(events[5])["timing"] == "after a break (400 s > 300 s)"
    assert meta(events[0])["timing"] == "first answer of the session"

    # Overlap: same input across annotators -> same item.
    assert [e["item_id"] for e in events] == ["101", "101", "102", "103", "102", "104", "105"]
    assert [e["label"] for e in events] == ["pos", "neg", "neu", None, "neu", "pos", "neg"]
    assert [e["outcome"] for e in events].count("skipped") == 1 and events[3]["outcome"] == "skipped"
    assert events[0]["event_id"] == make_event_id("prodigy", "news-alice", 1001, T0)
    assert events[0]["submitted_at"].isoformat() == "2024-01-05T10:00:00+00:00"


def test_break_threshold_is_an_option() -> None:
    events, _, _ = run(FIXTURES / "choice_sessions.jsonl", prodigy_break_s=500.0)
    assert events[5]["active_s"] == 400.0
    assert events[5]["started_at"] == utc(T0 + 30)


def test_ids_are_stable_across_reads() -> None:
    first, _, _ = run(FIXTURES / "choice_sessions.jsonl")
    second, _, _ = run(FIXTURES / "choice_sessions.jsonl", annotator="someone", project="other")
    assert [e["event_id"] for e in first] == [e["event_id"] for e in second]
    assert len({e["event_id"] for e in first}) == 7


# ---------------------------------------------------------------- labels by interface


def test_labels_and_task_types_by_view() -> None:
    events, rejected, _ = run(FIXTURES / "views.jsonl")
    assert rejected == []
    assert [e["label"] for e in events] == [
        "pos",
        '["neg","neu"]',
        "not pos",
        "SPORTS",
        "not SPORTS",
        '[[0,3,"PER"],[8,11,"PER"],[14,18,"ORG"]]',
        "[]",
        '[["CAT",10,20,30,40]]',
        "model_y",
        None,
        '{"answer":"accept","user_input":"a free-text answer"}',
    ]
    assert [e["task_type"] for e in events] == (
        ["classification"] * 5 + ["ner", "ner", "bbox", "pairwise_preference", "classification", "other"]
    )
    assert events[9]["outcome"] == "skipped"
    assert {e["worker_id"] for e in events} == {"ann"} and {e["project"] for e in events} == {"views"}
    assert [e["active_s"] for e in events] == [None] + [10.0] * 10


def test_task_type_option_wins() -> None:
    events, _, _ = run(FIXTURES / "views.jsonl", task_type="custom", tier="expert", org="acme")
    assert {(e["task_type"], e["tier"], e["org"]) for e in events} == {("custom", "expert", "acme")}


# ---------------------------------------------------------------- annotators


def test_timestamp_sessions_need_an_annotator() -> None:
    events, _, ctx = run(FIXTURES / "timestamp_sessions.jsonl")
    assert [e["worker_id"] for e in events] == ["2024-01-05_10-00-00", "2024-01-05_10-00-00", "2024-01-05_11-00-00"]
    assert [e["project"] for e in events] == ["timestamp_sessions", "timestamp_sessions", "mydataset"]
    assert len(ctx.notes) == 1 and "--annotator" in ctx.notes[0] and "annotator map" in ctx.notes[0]
    assert events[1]["active_s"] == 20.0


def test_annotator_map_names_timestamp_sessions() -> None:
    amap = {"2024-01-05_10-00-00": "alice", "mydataset-2024-01-05_11-00-00": "bob"}
    events, _, ctx = run(FIXTURES / "timestamp_sessions.jsonl", annotator_map=amap)
    assert [e["worker_id"] for e in events] == ["alice", "alice", "bob"]
    assert ctx.notes == []
    # The id follows the session, not the name we give it: renaming never duplicates.
    assert events[0]["event_id"] == make_event_id("prodigy", "2024-01-05_10-00-00", 501, T0)


def test_annotator_option_names_everyone_unmapped() -> None:
    events, _, ctx = run(
        FIXTURES / "timestamp_sessions.jsonl", annotator="carol", annotator_map={"2024-01-05_10-00-00": "alice"}
    )
    assert [e["worker_id"] for e in events] == ["alice", "alice", "carol"]
    assert ctx.notes == []


def test_project_option_and_session_prefix() -> None:
    events, _, _ = run(FIXTURES / "choice_sessions.jsonl", project="sentiment-v2")
    assert {e["project"] for e in events} == {"sentiment-v2"}
    assert {e["worker_id"] for e in events} == {"alice", "bob"}


# ---------------------------------------------------------------- review output


def test_review_versions_and_adjudication() -> None:
    events, rejected, ctx = run(FIXTURES / "review.jsonl")
    originals, _, _ = run(FIXTURES / "choice_sessions.jsonl")
    alice_v, bob_v, adjudicate, bob_v2, skipped = events

    # Versions coincide with the original answers' events.
    assert alice_v["event_id"] == originals[0]["event_id"]
    assert bob_v["event_id"] == originals[1]["event_id"]
    assert [(e["stage"], e["worker_id"], e["label"]) for e in (alice_v, bob_v)] == [
        ("label", "alice", "pos"),
        ("label", "bob", "neg"),
    ]
    assert alice_v["active_s"] is None and meta(alice_v)["from_review"] is True
    assert meta(bob_v)["same_answer_sessions"] == ["news-dave"]
    assert any("several sessions" in note for note in ctx.notes)

    assert adjudicate["stage"] == "adjudicate" and adjudicate["outcome"] == "resolved"
    assert adjudicate["worker_id"] == "carol" and adjudicate["label"] == "neg"
    assert adjudicate["reviews_event_id"] == alice_v["event_id"]  # the first version judged
    assert adjudicate["item_id"] == "101" and adjudicate["task_type"] == "classification"
    assert adjudicate["project"] == "news"  # the labeling project, not the review dataset
    assert meta(adjudicate)["review_dataset"] == "news_review"
    assert adjudicate["queued_at"] == utc(T0 + 5)  # the last version arrived
    assert adjudicate["submitted_at"] == utc(T0 + 1000)
    assert adjudicate["event_id"] == make_event_id("prodigy", "news_review-carol", 1002, T0 + 1000)
    check_event_shape(adjudicate)

    # Versions fill gaps but never overwrite the original dataset's fuller events.
    assert all(e.get("_insert_only") for e in (alice_v, bob_v, bob_v2))
    assert not adjudicate.get("_insert_only")

    # A skipped review keeps its versions and is an adjudication the reviewer passed on.
    assert (bob_v2["worker_id"], bob_v2["label"], bob_v2["_record"]) == ("bob", "neu", 2)
    assert (skipped["stage"], skipped["outcome"], skipped["_record"]) == ("adjudicate", "skipped", 2)
    assert rejected == []


def test_review_after_the_original_dataset_keeps_its_timing(tmp_path) -> None:
    from labelline.ingest.pipeline import ingest_paths
    from labelline.store import EventStore

    store = EventStore(tmp_path / "store")
    first = ingest_paths([FIXTURES / "choice_sessions.jsonl"], store).files[0]
    review = ingest_paths([FIXTURES / "review.jsonl"], store).files[0]
    assert first.quarantined == 0 and review.quarantined == 0
    assert review.updated == 0  # restated versions leave the timed originals alone
    assert review.unchanged == 2 and review.ingested == 3  # bob's 2nd version + 2 adjudications
    con = store.connect()
    timed = con.execute("select count(*) from events where stage = 'label' and active_s is not null").fetchone()[0]
    assert timed == sum(1 for _ in con.execute("select 1 from events where stage = 'label' "
                                                "and source_ref = 'choice_sessions.jsonl' and active_s is not null"
                                                ).fetchall())


# ---------------------------------------------------------------- bad input


def test_bad_lines_are_rejected_and_reading_carries_on() -> None:
    events, rejected, _ = run(FIXTURES / "bad_lines.jsonl")
    assert [(e["_record"], e["item_id"]) for e in events] == [(1, "601"), (7, "602")]
    assert events[1]["active_s"] == 15.0
    assert [(r.record, r.position, r.field) for r in rejected] == [
        (2, "line 2", None),
        (3, "line 3", None),
        (5, "line 5", "_timestamp"),
        (6, "line 6", "_input_hash"),
        (8, "line 8", None),
    ]
    assert rejected[0].reason == "invalid JSON at column 30: Expecting value"
    assert rejected[0].raw == '{"text": "broken", "answer": '
    assert rejected[1].reason == "not a JSON object (found list)"
    assert "truncated last line" in rejected[4].reason
    assert rejected[4].raw == '{"text": "cut off mid-wri'


def test_raw_is_truncated_to_4_kb(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text('{"text": "' + "x" * 10_000 + "\n", encoding="utf-8")
    _, rejected, _ = run(path)
    (r,) = rejected
    assert r.raw is not None and r.raw.startswith('{"text": "xxx') and len(r.raw) < 4200


def test_non_utf8_line_is_rejected_alone(tmp_path: Path) -> None:
    good = (FIXTURES / "choice_sessions.jsonl").read_bytes().splitlines(keepends=True)
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good[0] + good[1].replace(b"I love it", "caf\u00e9".encode("latin-1")) + good[2])
    events, rejected, _ = run(path)
    assert [e["_record"] for e in events] == [1, 3]
    assert [(r.record, r.reason) for r in rejected] == [(2, "not UTF-8 text")]


@pytest.mark.parametrize("data", [b"\x00\x01\x02\xff" * 50, '{"a": 1}\n'.encode("utf-16")])
def test_binary_or_utf16_is_one_reject(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(data)
    events, rejected, _ = run(path)
    assert events == [] and len(rejected) == 1


def test_empty_file_notes_and_yields_nothing(tmp_path: Path) -> None:
    events, rejected, ctx = run(FIXTURES / "empty.jsonl")
    assert (events, rejected, ctx.notes) == ([], [], ["empty file"])
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n  \n", encoding="utf-8")
    events, rejected, ctx = run(blank)
    assert (events, rejected, ctx.notes) == ([], [], ["empty file"])


def test_progress_reports_bytes_read() -> None:
    seen: list[int] = []
    path = FIXTURES / "choice_sessions.jsonl"
    list(prodigy.read(ReadContext(path=path, progress=seen.append)))
    assert seen and seen[-1] == path.stat().st_size


# ---------------------------------------------------------------- sniff


def test_sniff_claims_prodigy_jsonl() -> None:
    for fixture in ("choice_sessions.jsonl", "review.jsonl", "views.jsonl"):
        path = FIXTURES / fixture
        assert prodigy.sniff(path, path.read_bytes()[: 64 * 1024]) == "Prodigy db-out JSONL"


def test_sniff_reads_past_a_huge_first_line(tmp_path: Path) -> None:
    # Image tasks embed base64 data before Prodigy's hashes.
    task = {"image": "data:image/png;base64," + "A" * 100_000, "_input_hash": 1, "_task_hash": 2, "answer": "accept"}
    path = tmp_path / "images.jsonl"
    path.write_text(json.dumps(task) + "\n", encoding="utf-8")
    assert prodigy.sniff(path, path.read_bytes()[: 64 * 1024]) == "Prodigy db-out JSONL"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b'[{"id": 1, "data": {"text": "hi"}, "annotations": [], "predictions": []}]',
        b'{"base_url": "x", "projects": [{"project": 1, "tasks": []}]}',
        b'{"event_id": "e1", "source": "csv", "stage": "label", "submitted_at": "2024-01-01", "worker_id": "w"}\n',
        b"HITId,AssignmentId,WorkerId,SubmitTime\n",
        b"\x00\x01{\"_input_hash\": 1}",
    ],
)
def test_sniff_refuses_other_files(head: bytes) -> None:
    assert prodigy.sniff(Path("x.jsonl"), head) is None


# ---------------------------------------------------------------- property

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
_VALUES = st.one_of(
    _JSON,
    st.sampled_from(
        [T0, T0 + 1, -5, 1e12, "1704448800", "2024-01-05_10-00-00", "news-alice", "ds-2024-01-05_10-00-00",
         "accept", "reject", "ignore", "choice", "ner_manual", "image_manual", "compare", "review", 0, ""]
    ),
)
_KEYS = [
    "text", "options", "accept", "label", "spans", "answer", "_input_hash", "_task_hash", "_view_id",
    "view_id", "_session_id", "_annotator_id", "_timestamp", "mapping", "meta", "sessions",
]


@st.composite
def task(draw: st.DrawFn) -> dict[str, Any]:
    d = draw(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=len(_KEYS)))
    if draw(st.booleans()):
        d.setdefault("_timestamp", T0 + draw(st.integers(0, 1000)))
        d.setdefault("_input_hash", draw(st.integers(-5, 5)))
    return d


@st.composite
def jsonish(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(json.dumps(draw(task())))
        elif kind == 1:
            top = draw(task())
            top["versions"] = draw(st.lists(st.one_of(task(), _JSON), max_size=3))
            lines.append(json.dumps(top))
        elif kind == 2:
            lines.append(json.dumps(draw(_JSON)))
        else:
            lines.append(draw(st.text(max_size=20)))
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=600), jsonish()))
def test_read_never_raises(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "prodigy_property.jsonl"
    path.write_bytes(data)
    for out in prodigy.read(ReadContext(path=path)):
        if isinstance(out, Rejected):
            continue
        assert isinstance(out, dict)
        check_event_shape(out)
