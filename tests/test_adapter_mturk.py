"""Mechanical Turk batch results CSV: one small fixture per quirk, exact expected values."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import check_event_shape, meta, read_all
from labelline.ingest.adapters import mturk
from labelline.ingest.records import ReadContext, Rejected, make_event_id

FIXTURES = Path(__file__).parent / "fixtures" / "mturk"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def run(path: Path, **options: Any) -> tuple[list[dict[str, Any]], list[Rejected], ReadContext]:
    return read_all(mturk, path, **options)




# ---------------------------------------------------------------- overlap + review stage


def test_overlap_assignments_and_review_events() -> None:
    events, rejected, _ = run(FIXTURES / "overlap_review.csv")
    assert rejected == []
    labels = [e for e in events if e["stage"] == "label"]
    reviews = [e for e in events if e["stage"] == "review"]
    assert len(labels) == 3 and len(reviews) == 2  # the Submitted assignment has no review yet
    for e in events:
        check_event_shape(e)

    # Overlap: one HIT, one item, three different workers.
    assert {e["item_id"] for e in labels} == {"HIT1"}
    assert [e["worker_id"] for e in labels] == ["WORKERA", "WORKERB", "WORKERC"]
    assert [e["label"] for e in labels] == ["positive", "negative", "positive"]

    a1 = labels[0]
    assert a1["event_id"] == make_event_id("mturk", "ASG1", None)
    assert a1["source"] == "mturk" and a1["source_ref"] == "overlap_review.csv"
    assert a1["project"] == "Word sentiment"
    assert a1["batch"] == "BatchId:2345678"  # RequesterAnnotation names the batch
    assert a1["task_type"] == "classification" and a1["attempt"] == 1
    assert a1["tier"] == "crowd" and a1["org"] == "mturk" and a1["outcome"] == "submitted"
    # Mon Apr 25 00:08:39 PDT 2016 -> 07:08:39Z
    assert a1["started_at"] == utc(2016, 4, 25, 7, 8, 39)
    assert a1["submitted_at"] == utc(2016, 4, 25, 7, 9, 9)
    assert a1["queued_at"] == utc(2016, 4, 25, 7, 0, 0)
    assert a1["active_s"] == 30.0
    assert a1["cost"] == pytest.approx(0.06)  # $0.05 x 1.20
    assert meta(a1)["fee_pct"] == 20.0 and "MaxAssignments < 10" in meta(a1)["fee_rule"]
    assert meta(a1)["hit_type_id"] == "TYPE1"
    assert meta(a1)["approval_rates_pct"] == {"lifetime": 100.0, "last_30_days": 100.0, "last_7_days": 100.0}

    # Rejected work was not paid.
    a2 = labels[1]
    assert a2["cost"] == 0.0
    assert meta(a2)["approval_rates_pct"] == {"lifetime": 50.0}  # 0% (0/0) is no rate
    # Submitted, not reviewed yet: priced, marked pending, Approve column kept.
    a3 = labels[2]
    assert a3["cost"] == pytest.approx(0.06)
    assert "pending" in meta(a3)["cost_rule"]
    assert meta(a3)["pending_decision"] == {"approve": "x"}

    r1, r2 = reviews
    assert r1["event_id"] == make_event_id("mturk", "ASG1", None, "review")
    assert r1["reviews_event_id"] == a1["event_id"]
    assert (r1["outcome"], r1["worker_id"], r1["tier"], r1["org"]) == ("accepted", "requester", "requester", "mturk")
    assert r1["submitted_at"] == utc(2016, 4, 26, 17, 0, 0)  # ApprovalTime
    assert r1["queued_at"] == a1["submitted_at"]
    assert r1["cost"] is None and r1["item_id"] == "HIT1"
    assert r2["outcome"] == "rejected" and r2["reviews_event_id"] == a2["event_id"]
    assert r2["submitted_at"] == utc(2016, 4, 26, 17, 5, 0)  # RejectionTime
    assert meta(r2)["requester_feedback"] == "Answered without reading"


def test_ids_are_stable_across_reads() -> None:
    first, _, _ = run(FIXTURES / "overlap_review.csv")
    second, _, _ = run(FIXTURES / "overlap_review.csv")
    assert [e["event_id"] for e in first] == [e["event_id"] for e in second]
    assert len({e["event_id"] for e in first}) == len(first)


def test_auto_approval_is_its_own_reviewer() -> None:
    events, rejected, _ = run(FIXTURES / "auto_approval.csv")
    assert rejected == []
    label, review = events
    assert review["worker_id"] == "auto-approval"  # ApprovalTime == AutoApprovalTime
    assert review["submitted_at"] == utc(2016, 4, 28, 7, 10, 20)
    assert label["batch"] == "TYPE2"  # no BatchId annotation: the HIT type
    assert label["cost"] == pytest.approx(0.06)


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon Apr 25 00:08:39 PDT 2016", utc(2016, 4, 25, 7, 8, 39)),
        ("Mon Jan 04 00:00:00 PST 2016", utc(2016, 1, 4, 8, 0, 0)),
        ("Mon Jan 04 09:30:00 EST 2016", utc(2016, 1, 4, 14, 30, 0)),
        ("Mon Jul 04 09:30:00 EDT 2016", utc(2016, 7, 4, 13, 30, 0)),
        ("Mon Jan 04 12:00:00 CST 2016", utc(2016, 1, 4, 18, 0, 0)),
        ("Mon Jul 04 12:00:00 CDT 2016", utc(2016, 7, 4, 17, 0, 0)),
        ("Mon Jan 04 12:00:00 MST 2016", utc(2016, 1, 4, 19, 0, 0)),
        ("Mon Jul 04 12:00:00 MDT 2016", utc(2016, 7, 4, 18, 0, 0)),
        ("Mon Jan 04 12:00:00 AKST 2016", utc(2016, 1, 4, 21, 0, 0)),
        ("Mon Jul 04 12:00:00 AKDT 2016", utc(2016, 7, 4, 20, 0, 0)),
        ("Mon Jan 04 01:00:00 HST 2016", utc(2016, 1, 4, 11, 0, 0)),
        ("Mon Jan 04 12:00:00 GMT 2016", utc(2016, 1, 4, 12, 0, 0)),
        ("Mon Jan 04 12:00:00 UTC 2016", utc(2016, 1, 4, 12, 0, 0)),
        ("Mon Jan  4 12:00:00 UTC 2016", utc(2016, 1, 4, 12, 0, 0)),
        ("2016-01-04T12:00:00Z", utc(2016, 1, 4, 12, 0, 0)),
        ("", None),
    ],
)
def test_parse_mturk_time(text: str, expected: datetime | None) -> None:
    assert mturk.parse_mturk_time(text) == expected


@pytest.mark.parametrize("text", ["Mon Jan 04 12:00:00 CEST 2016", "yesterday", "2016-01-04 12:00:00"])
def test_parse_mturk_time_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        mturk.parse_mturk_time(text)


def test_time_zones_fixture_converts_and_rejects_bad_times() -> None:
    events, rejected, _ = run(FIXTURES / "time_zones.csv")
    by_worker = {e["worker_id"]: e for e in events}
    assert sorted(by_worker) == ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]
    assert by_worker["W1"]["started_at"] == utc(2016, 4, 25, 7, 8, 39)
    assert by_worker["W2"]["started_at"] == utc(2016, 1, 4, 8, 0, 0)
    assert by_worker["W3"]["submitted_at"] == utc(2016, 7, 4, 13, 30, 0)
    assert by_worker["W6"]["started_at"] == utc(2016, 1, 4, 21, 0, 0)
    assert by_worker["W7"]["started_at"] == utc(2016, 1, 4, 11, 0, 0)
    assert by_worker["W7"]["submitted_at"] == utc(2016, 1, 4, 12, 0, 0)
    assert [(r.record, r.position, r.field) for r in rejected] == [
        (9, "row 9, line 10", "AcceptTime"),
        (10, "row 10, line 11", "SubmitTime"),
    ]
    assert "CEST" in rejected[0].reason
    assert rejected[1].raw.endswith("yesterday at noon,1,a")


# ---------------------------------------------------------------- header spellings, reward


def test_header_variants_and_reward_spellings() -> None:
    events, rejected, _ = run(FIXTURES / "header_variants.csv")
    assert rejected == []
    v1, v2 = events  # Submitted: no review events, no Approve/Reject columns needed
    assert (v1["worker_id"], v1["label"]) == ("WV1", "neutral")
    assert v1["cost"] == pytest.approx(0.012)  # "$0.01 " x 1.20
    assert v2["cost"] == pytest.approx(0.024)  # "USD 0.02" x 1.20
    assert v1["submitted_at"] == utc(2016, 4, 25, 7, 1, 30)
    assert meta(v1)["approval_rates_pct"] == {"lifetime": 100.0, "last_7_days": 97.5}
    assert "approval_rates_pct" not in meta(v2)
    assert "pending_decision" not in meta(v1)


# ---------------------------------------------------------------- bundled items


def test_bundled_items_split_time_and_cost() -> None:
    events, rejected, _ = run(FIXTURES / "bundled_items.csv")
    assert rejected == []
    labels = [e for e in events if e["stage"] == "label"]
    reviews = [e for e in events if e["stage"] == "review"]
    assert len(labels) == 6 and len(reviews) == 6  # 2 assignments x 3 items, each reviewed

    b1 = labels[:3]
    assert [e["item_id"] for e in b1] == ["HB/1", "HB/2", "HB/3"]
    assert [e["label"] for e in b1] == ["4", "2", "1"]
    assert [e["event_id"] for e in b1] == [make_event_id("mturk", "B1", k) for k in (1, 2, 3)]
    for e in b1:
        assert e["active_s"] == 30.0  # 90 s / 3 items
        assert e["cost"] == pytest.approx(0.14)  # $0.30 / 3 x 1.40 (MaxAssignments = 10)
        assert meta(e)["fee_pct"] == 40.0 and "MaxAssignments >= 10" in meta(e)["fee_rule"]
        assert meta(e)["items_per_hit"] == 3
        assert meta(e)["hit_answers"] == {"comment": "fun HIT"}
    assert [meta(e)["input"] for e in b1] == [{"adj": "big"}, {"adj": "small"}, {"adj": "tiny"}]

    b2 = labels[3:]
    assert [e["label"] for e in b2] == ["1", "1", None]  # {} = no answer
    assert [e["cost"] for e in b2] == [0.0, 0.0, 0.0]
    assert b2[0]["active_s"] == 2.0

    assert [r["reviews_event_id"] for r in reviews[:3]] == [e["event_id"] for e in b1]
    assert reviews[0]["event_id"] == make_event_id("mturk", "B1", 1, "review")
    assert {r["outcome"] for r in reviews[3:]} == {"rejected"}


def test_fee_option_overrides_amazon_schedule() -> None:
    events, _, _ = run(FIXTURES / "bundled_items.csv", mturk_fee_pct=25.0)
    label = events[0]
    assert label["cost"] == pytest.approx(0.125)  # $0.30 / 3 x 1.25
    assert meta(label)["fee_rule"] == "option mturk_fee_pct"


def test_options_override_names() -> None:
    events, _, _ = run(
        FIXTURES / "auto_approval.csv", project="P", task_type="sentiment", tier="vendor", org="acme"
    )
    label, review = events
    assert (label["project"], label["task_type"], label["tier"], label["org"]) == ("P", "sentiment", "vendor", "acme")
    assert (review["project"], review["tier"], review["org"]) == ("P", "requester", "mturk")


# ---------------------------------------------------------------- answers


def test_checkbox_answers_are_folded() -> None:
    events, rejected, _ = run(FIXTURES / "checkboxes.csv")
    assert rejected == []
    c1, c2 = events
    assert c1["item_id"] == "HC"
    assert c1["label"] == '{"is_spam":true,"note":null,"sentiment":"positive","topics":["politics","tech"]}'
    assert c2["label"] == '{"is_spam":false,"note":"looks fine","sentiment":"negative","topics":null}'


def test_crowd_form_json_answers_are_canonical() -> None:
    events, rejected, _ = run(FIXTURES / "task_answers.csv")
    assert rejected == []
    t1, t2 = events
    # Same answer, different key order in the file -> the same label text.
    assert t1["label"] == t2["label"] == '[{"confidence":3,"sentiment":{"label":"Positive"}}]'
    # A lone number (Input.img1) is not a bundle: one item per HIT.
    assert t1["item_id"] == "HT" and meta(t1)["items_per_hit"] == 1
    assert t1["event_id"] == make_event_id("mturk", "T1", None)
    assert meta(t1)["input"] == {"img1": "https://example.org/a.png"}


# ---------------------------------------------------------------- bad input


def test_bad_rows_are_rejected_and_reading_carries_on() -> None:
    events, rejected, _ = run(FIXTURES / "bad_rows.csv")
    assert [e["worker_id"] for e in events] == ["WX1", "WX7"]
    assert events[1]["label"] == "two\nlines"
    assert events[1]["_position"] == "row 7, lines 9-10"
    assert [(r.record, r.position, r.field) for r in rejected] == [
        (2, "row 2, line 3", "AssignmentId"),
        (3, "row 3, line 4", "WorkerId"),
        (4, "row 4, line 6", "SubmitTime"),  # line 5 is blank: skipped, not a row
        (5, "row 5, line 7", "Reward"),
        (6, "row 6, line 8", None),
    ]
    assert rejected[4].reason == "wrong number of fields: expected 12, found 9"
    assert rejected[3].raw == (
        "HX,TX,Bad rows,two cents,5,X5,WX5,Submitted,Mon Apr 25 00:00:00 PDT 2016,"
        "Mon Apr 25 00:00:10 PDT 2016,10,bad reward"
    )


def test_approved_without_approval_time_keeps_the_label() -> None:
    events, rejected, _ = run(FIXTURES / "missing_review_time.csv")
    assert [e["stage"] for e in events] == ["label"]
    assert events[0]["cost"] == pytest.approx(0.12)
    assert [(r.record, r.position, r.field) for r in rejected] == [(1, "row 1, line 2, review", "ApprovalTime")]


def test_missing_required_columns_rejects_header_once() -> None:
    events, rejected, _ = run(FIXTURES / "missing_columns.csv")
    assert events == []
    assert len(rejected) == 1
    (r,) = rejected
    assert (r.record, r.position, r.field) == (0, "header", "WorkerId, SubmitTime")


def test_empty_file_notes_and_yields_nothing() -> None:
    events, rejected, ctx = run(FIXTURES / "empty.csv")
    assert events == [] and rejected == []
    assert ctx.notes == ["empty file"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "auto_approval.csv").read_bytes())
    events, rejected, _ = run(path)
    assert rejected == [] and len(events) == 2


def test_non_utf8_row_is_rejected_alone(tmp_path: Path) -> None:
    lines = (FIXTURES / "header_variants.csv").read_bytes().splitlines(keepends=True)
    path = tmp_path / "latin1.csv"
    path.write_bytes(lines[0] + lines[1].replace(b"neutral", "caf\u00e9".encode("latin-1")) + lines[2])
    events, rejected, _ = run(path)
    assert [e["worker_id"] for e in events] == ["WV2"]
    assert [(r.record, r.reason) for r in rejected] == [(1, "not UTF-8 text: save the file as UTF-8 CSV")]


def test_non_utf8_header_stops(tmp_path: Path) -> None:
    path = tmp_path / "latin1_header.csv"
    path.write_bytes("HITId,AssignmentId,WorkerId,SubmitTime,Answer.r\u00e9ponse\n".encode("latin-1"))
    events, rejected, _ = run(path)
    assert events == []
    assert [(r.record, r.position) for r in rejected] == [(0, "header")]
    assert "not UTF-8" in rejected[0].reason


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02binary\xff\xfe\x00garbage" * 10,
        "HITId,WorkerId\n".encode("utf-16"),
    ],
)
def test_binary_or_utf16_is_one_reject(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    events, rejected, _ = run(path)
    assert events == [] and len(rejected) == 1


def test_progress_reports_bytes_read() -> None:
    seen: list[int] = []
    path = FIXTURES / "overlap_review.csv"
    ctx = ReadContext(path=path, progress=seen.append)
    list(mturk.read(ctx))
    assert seen and seen[-1] == path.stat().st_size


# ---------------------------------------------------------------- sniff


def test_sniff_claims_mturk_results() -> None:
    for fixture in ("overlap_review.csv", "header_variants.csv", "missing_columns.csv"):
        path = FIXTURES / fixture
        assert mturk.sniff(path, path.read_bytes()) == "Mechanical Turk batch results CSV"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"annotation_id,annotator,created_at,updated_at,lead_time,id,sentiment,text\n1,2,x,y,3.5,4,pos,hi\n",
        b"event_id,source,project,item_id,task_type,stage,attempt,worker_id,tier,submitted_at,outcome\n",
        b'[{"id": 1, "data": {"text": "hi"}, "annotations": []}]',
        b'{"text": "hi", "_input_hash": 1, "_task_hash": 2, "answer": "accept"}\n',
        b"\x00\x01HITId,AssignmentId\x00",
    ],
)
def test_sniff_refuses_other_files(head: bytes) -> None:
    assert mturk.sniff(Path("x.csv"), head) is None


# ---------------------------------------------------------------- property


def _check_output(path: Path) -> None:
    ctx = ReadContext(path=path)
    for out in mturk.read(ctx):
        if isinstance(out, Rejected):
            continue
        assert isinstance(out, dict)
        check_event_shape(out)


_HEADER = [
    "HITId", "HITTypeId", "Title", "Reward", "CreationTime", "MaxAssignments", "AssignmentId",
    "WorkerId", "AssignmentStatus", "AcceptTime", "SubmitTime", "AutoApprovalTime", "ApprovalTime",
    "RejectionTime", "RequesterFeedback", "WorkTimeInSeconds", "LifetimeApprovalRate",
    "Input.adj_1", "Input.adj_2", "Answer.r1", "Answer.r2", "Answer.q.yes", "Answer.q.no", "Answer.x.on",
]
_NOISE = st.text(alphabet=st.sampled_from(list('ab,"\n\r$0.9{}: \x00é')), max_size=12)
_GOOD_TIMES = ["Mon Apr 25 00:08:39 PDT 2016", "Tue Apr 26 10:00:00 EDT 2016", "2016-01-01T00:00:00+00:00", ""]
_BAD_TIMES = ["Mon Apr 25 00:08:39 XYZ 2016", "Mon Feb 30 00:00:00 PST 2016"]
# Mostly valid: one broken value in any of six time columns rejects the whole row.
_TIME = st.one_of(*[st.just(t) for t in _GOOD_TIMES * 8 + _BAD_TIMES])
# Plausible values per column (valid and broken), so rows reach the mapping code.
_BY_COLUMN: dict[str, st.SearchStrategy[str]] = {
    "HITId": st.sampled_from(["H1", "H2", "H1", "H2", ""]),
    "AssignmentId": st.sampled_from(["A1", "A2", "A1", "A2", ""]),
    "WorkerId": st.sampled_from(["W1", "W2", "W1", "W2", ""]),
    "Reward": st.sampled_from(["$0.01", "$0.01 ", "USD 1", "", "$0.05"] * 3 + ["abc", "-1", "$1e400", "$NaN"]),
    "MaxAssignments": st.sampled_from(["1", "10", "x", ""]),
    "AssignmentStatus": st.sampled_from(["Approved", "Rejected", "Submitted", "Odd", ""]),
    "WorkTimeInSeconds": st.sampled_from(["10", "0", ""] * 3 + ["-3", "nan", "inf", "x"]),
    "LifetimeApprovalRate": st.sampled_from(["100% (3/3)", "0% (0/0)", "x"]),
}
for _c in ("CreationTime", "AcceptTime", "SubmitTime", "AutoApprovalTime", "ApprovalTime", "RejectionTime"):
    _BY_COLUMN[_c] = _TIME
_ANSWER = st.sampled_from(["", "{}", "true", "false", "on", "yes", "x", '[{"a": 1}]', "[", '{"b": [1, {}]}'])


@st.composite
def csvish(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(_HEADER), min_size=1, max_size=len(_HEADER), unique=True))
    if draw(st.integers(0, 3)) > 0:
        header = list(dict.fromkeys(["HITId", "AssignmentId", "WorkerId", "SubmitTime", *header]))
    if draw(st.booleans()):
        header = list(dict.fromkeys([*header, "AssignmentStatus", "ApprovalTime", "RejectionTime"]))
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = [draw(st.one_of(_BY_COLUMN.get(h, _ANSWER), _NOISE) if draw(st.integers(0, 9)) == 0
                      else _BY_COLUMN.get(h, _ANSWER)) for h in header]
        if draw(st.integers(0, 9)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))] + draw(st.lists(_NOISE, max_size=2))
        rows.append(",".join(f'"{c}"' if ("," in c or "\n" in c) and '"' not in c else c for c in cells))
    text = ",".join(header) + "\n" + "\n".join(rows)
    return text.encode("utf-8")


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=600), csvish()))
def test_read_never_raises(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "mturk_property.csv"
    path.write_bytes(data)
    _check_output(path)
