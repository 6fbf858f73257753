"""Amazon Mechanical Turk batch results CSV -> `label` and `review` events.

One CSV row is one *assignment* (one worker's answer to one HIT). A HIT may bundle
several items (``Input.adj_1..10``, ``Answer.image1..6``), so a row becomes one
`label` event per item, plus one `review` event per item once the requester (or
the auto-approval timer) approved or rejected the assignment.

Why the arithmetic looks the way it does:

* MTurk only measures time and pays per assignment, so time and money per item
  are the assignment's figures divided by the number of items in the HIT.
* The platform fee is not in the file: it is ``ReadOptions.mturk_fee_pct`` (a
  percentage, ``20`` = 20 %) or Amazon's schedule (20 %, 40 % for HITs with 10 or
  more assignments). Which rule priced the row is written into ``meta`` because
  finance will ask.
* Rejected assignments were not paid: their cost is 0, not the reward.
* Times are US-local (``Mon Apr 25 00:08:39 PDT 2016``); the zone abbreviation
  decides the offset, and everything leaves this module in UTC.

The file is streamed row by row (bounded memory); a row that cannot be mapped is
yielded as :class:`Rejected` with its raw CSV text and reading carries on.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from labelline.ingest.records import FieldProblem, ReadContext, Rejected, make_event_id, open_text_file
from labelline.schema import EVENT_COLUMNS

__all__ = ["name", "source", "sniff", "read", "parse_mturk_time"]

name = "mturk"
source = "mturk"

_DESCRIPTION = "Mechanical Turk batch results CSV"

# A single physical line longer than this is not CSV we can use; reading it whole
# would let a binary or corrupt file exhaust memory.
_MAX_LINE_BYTES = 16 * 1024 * 1024
_PROGRESS_EVERY = 1 << 20
_MAX_REWARD = Decimal(100_000)
_HEAD_BYTES = 64 * 1024

# Columns without which a row cannot become an event at all. HITId is not in the
# brief's minimal list but every item_id is built from it, so a file without it
# could only produce rejects; saying so once at the header is clearer.
_REQUIRED_HEADER = ("HITId", "AssignmentId", "WorkerId", "SubmitTime")

# US zone abbreviations, as hours east of UTC. MTurk's own exports print Pacific
# time (PST/PDT); the others are accepted so a file re-saved in another US zone
# still converts instead of being quarantined.
_ZONE_OFFSETS_H: dict[str, int] = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0,
    "EST": -5, "EDT": -4,
    "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8,
    "HST": -10, "HDT": -9,
}

# A trailing item number on an Input/Answer name: ``adj_3``, ``image3``.
_NUMBERED = re.compile(r"^(?P<stem>.*?)_?(?P<num>\d+)$")
_BATCH_ANNOTATION = re.compile(r"BatchId:\s*(\d+)", re.IGNORECASE)
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*(?:\(\s*(\d+)\s*/\s*(\d+)\s*\))?\s*$")
# Cell values of split checkbox columns. Deliberately narrow: "1"/"yes" in a dotted
# column is more likely a real answer than a checkbox state.
_TRUE = {"true", "on"}
_FALSE = {"false", "off"}




# --------------------------------------------------------------------------- sniff


def sniff(path: Path, head: bytes) -> str | None:
    """Claim the file if its header row has MTurk's HITId plus assignment columns.

    Requiring ``HITId`` keeps Label Studio CSV exports and canonical event files
    (``event_id, stage, submitted_at, worker_id``) out.
    """
    if not head or b"\x00" in head[:4096]:
        return None
    text = head.decode("utf-8-sig", errors="ignore")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    try:
        fields = next(csv.reader([first]), [])
    except csv.Error:
        return None
    names = {f.strip().lower() for f in fields}
    if {"event_id", "stage"} <= names:
        return None
    if "hitid" not in names:
        return None
    tool_columns = {"assignmentid", "workerid", "hittypeid"} & names
    io_columns = any(n.startswith(("input.", "answer.")) for n in names)
    return _DESCRIPTION if tool_columns or io_columns else None


# --------------------------------------------------------------------------- times


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def parse_mturk_time(text: str) -> datetime | None:
    """``Mon Apr 25 00:08:39 PDT 2016`` -> aware UTC datetime; empty -> None.

    ISO 8601 with an explicit offset is accepted too (API-made exports). A time
    without a zone is refused rather than guessed: a wrong guess is 7-8 hours off.
    Raises ValueError with a short reason.
    """
    s = text.strip()
    return _parse_time(s) if s else None


# Batches repeat the same few times (CreationTime, AutoApprovalTime...) on every
# row; a bounded cache keeps parsing off the profile without growing with the file.
@lru_cache(maxsize=8192)
def _parse_time(s: str) -> datetime:
    parts = s.split()
    if len(parts) == 6:
        weekday, month, day, hms, zone, year = parts
        offset = _ZONE_OFFSETS_H.get(zone.upper())
        if offset is None:
            raise ValueError(f"unknown time zone {zone[:10]!r}")
        try:
            if weekday[:3].lower() not in _WEEKDAYS:
                raise ValueError
            hh, mm, ss = hms.split(":")
            local = datetime(int(year), _MONTHS[month[:3].lower()], int(day), int(hh), int(mm), int(ss))
            return (local - timedelta(hours=offset)).replace(tzinfo=timezone.utc)
        except (ValueError, KeyError, OverflowError):
            raise ValueError(f"unparseable time {s[:60]!r}") from None
    try:
        iso = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"unparseable time {s[:60]!r}") from None
    if iso.tzinfo is None:
        raise ValueError(f"time without a zone {s[:60]!r}")
    try:
        return iso.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"time out of range {s[:60]!r}") from None


# --------------------------------------------------------------------------- header


@dataclass
class _Question:
    """One answer of one item: a plain column, or split checkbox columns to fold."""

    key: str
    plain: int | None = None  # column index when not split
    options: list[tuple[str, int]] = field(default_factory=list)  # (option, index)


@dataclass
class _Layout:
    """What the header says: where each field is and how HITs bundle items."""

    header: list[str]
    index: dict[str, int]  # lower-case name -> first column index
    items: list[int]  # item numbers; [0] when one item per HIT
    questions: dict[int, list[_Question]]  # item -> its answer fields
    hit_questions: list[_Question]  # unnumbered answers when items > 1
    inputs: dict[int, list[tuple[str, int]]]  # item -> (key, index)

    def col(self, row: list[str], column: str) -> str:
        i = self.index.get(column.lower())
        return row[i] if i is not None and i < len(row) else ""

    def has(self, column: str) -> bool:
        return column.lower() in self.index


def _split_number(base: str) -> tuple[str, int] | None:
    m = _NUMBERED.match(base)
    if not m:
        return None
    stem = m.group("stem") or base
    return stem, int(m.group("num"))


def _layout(header: list[str]) -> _Layout:
    """Find the item groups from the Input.*/Answer.* names.

    Items per HIT = the number of distinct trailing numbers; a single number
    (``Answer.q1`` alone) is not a bundle. Split checkbox columns
    (``Answer.q.yes``/``Answer.q.no``, ``Answer.x.on``) are grouped by the part
    before the last dot so they can be folded into one answer per question.
    """
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        index.setdefault(h.lower(), i)

    answers: list[tuple[str, str | None, int]] = []  # (base, option, index)
    inputs: list[tuple[str, int]] = []
    for i, h in enumerate(header):
        low = h.lower()
        if low.startswith("answer.") and len(h) > 7:
            rest = h[7:]
            base, _, option = rest.rpartition(".")
            answers.append((base, option, i) if base else (rest, None, i))
        elif low.startswith("input.") and len(h) > 6:
            inputs.append((h[6:], i))

    numbers: set[int] = set()
    for base, _, _ in answers:
        if (sn := _split_number(base)) is not None:
            numbers.add(sn[1])
    for key, _ in inputs:
        if (sn := _split_number(key)) is not None:
            numbers.add(sn[1])
    bundled = len(numbers) >= 2
    items = sorted(numbers) if bundled else [0]

    def item_and_key(base: str) -> tuple[int | None, str]:
        if not bundled:
            return 0, base
        sn = _split_number(base)
        return (sn[1], sn[0]) if sn is not None else (None, base)

    questions: dict[int, dict[str, _Question]] = {k: {} for k in items}
    hit_level: dict[str, _Question] = {}
    for base, option, i in answers:
        item, key = item_and_key(base)
        bucket = hit_level if item is None else questions[item]
        q = bucket.setdefault(key, _Question(key=key))
        if option is None:
            q.plain = i if q.plain is None else q.plain
        else:
            q.options.append((option, i))

    item_inputs: dict[int, list[tuple[str, int]]] = {k: [] for k in items}
    for key, i in inputs:
        item, k2 = item_and_key(key)
        if item is not None:
            item_inputs[item].append((k2, i))

    return _Layout(
        header=header,
        index=index,
        items=items,
        questions={k: list(v.values()) for k, v in questions.items()},
        hit_questions=list(hit_level.values()),
        inputs=item_inputs,
    )


# --------------------------------------------------------------------------- answers


def _norm_value(cell: str) -> Any:
    """Empty and ``{}`` are no answer; JSON-looking answers are parsed so they
    re-serialise canonically (crowd-form ``taskAnswers``)."""
    s = cell.strip()
    if not s or s == "{}":
        return None
    if s[0] in "[{":
        try:
            return json.loads(s)
        except (ValueError, RecursionError):
            return s
    return s


def _answer(q: _Question, row: list[str]) -> dict[str, Any]:
    """The folded answer(s) of one question as ``{key: value}``."""
    out: dict[str, Any] = {}
    if q.plain is not None:
        out[q.key] = _norm_value(row[q.plain])
    if not q.options:
        return out
    cells = [(opt, row[i].strip().lower()) for opt, i in q.options]
    if all(v in _TRUE or v in _FALSE or v == "" for _, v in cells):
        if [opt for opt, _ in cells] == ["on"]:
            # A lone checkbox: its state is the answer.
            v = cells[0][1]
            folded: Any = True if v in _TRUE else False if v in _FALSE else None
        else:
            chosen = sorted(opt for opt, v in cells if v in _TRUE)
            folded = None if not chosen else chosen[0] if len(chosen) == 1 else chosen
        if q.plain is None or out.get(q.key) is None:
            out[q.key] = folded
        else:
            out[f"{q.key}.options"] = folded
    else:
        # Not true/false cells: dotted names that are not checkboxes; keep each.
        for opt, i in q.options:
            out[f"{q.key}.{opt}"] = _norm_value(row[i])
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _label_text(answers: dict[str, Any]) -> str | None:
    """Canonical text: one field -> its value; several -> sorted compact JSON."""
    if not answers or all(v is None for v in answers.values()):
        return None
    if len(answers) == 1:
        (value,) = answers.values()
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return _dumps(value)
    return _dumps(answers)


# --------------------------------------------------------------------------- fields


def _reward(text: str) -> Decimal | None:
    s = text.strip()
    if not s:
        return None
    s = s.removeprefix("USD").strip().removeprefix("$").strip()
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise FieldProblem("Reward", f"unparseable reward {text.strip()[:40]!r}") from None
    # Decimal happily holds 1e400; a reward no HIT could carry is a corrupt cell.
    if not value.is_finite() or value < 0 or value > _MAX_REWARD:
        raise FieldProblem("Reward", f"invalid reward {text.strip()[:40]!r}")
    return value


def _time(layout: _Layout, row: list[str], column: str) -> datetime | None:
    try:
        return parse_mturk_time(layout.col(row, column))
    except ValueError as exc:
        raise FieldProblem(column, str(exc)) from None


def _seconds(layout: _Layout, row: list[str], column: str) -> float | None:
    s = layout.col(row, column).strip()
    if not s:
        return None
    try:
        value = float(s)
    except ValueError:
        raise FieldProblem(column, f"not a number {s[:40]!r}") from None
    if value != value or value < 0 or value == float("inf"):
        raise FieldProblem(column, f"invalid duration {s[:40]!r}")
    return value


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _rate(text: str) -> float | None:
    """``100% (3/3)`` -> 100.0; ``0% (0/0)`` has no rate -> None."""
    m = _RATE.match(text)
    if not m:
        return None
    if m.group(3) is not None and int(m.group(3)) == 0:
        return None
    return float(m.group(1))


def _fee(max_assignments: int | None, option: float | None) -> tuple[Decimal, str]:
    if option is not None and 0 <= option < 1000:
        return Decimal(str(option)), "option mturk_fee_pct"
    if max_assignments is None:
        return Decimal(20), "amazon 20% (MaxAssignments unknown)"
    if max_assignments >= 10:
        return Decimal(40), "amazon 40% (MaxAssignments >= 10)"
    return Decimal(20), "amazon 20% (MaxAssignments < 10)"


# --------------------------------------------------------------------------- rows


def _base_event(**values: Any) -> dict[str, Any]:
    event: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    event.update(values)
    return event


def _row_events(
    layout: _Layout, row: list[str], n: int, where: str, raw: str, ctx: ReadContext
) -> Iterator[dict[str, Any] | Rejected]:
    """Map one assignment row; raises FieldProblem when nothing usable can come out."""
    col = layout.col
    hit_id = col(row, "HITId").strip()
    assignment_id = col(row, "AssignmentId").strip()
    worker_id = col(row, "WorkerId").strip()
    for column, value in (("AssignmentId", assignment_id), ("WorkerId", worker_id), ("HITId", hit_id)):
        if not value:
            raise FieldProblem(column, "missing value")
    if not col(row, "SubmitTime").strip():
        raise FieldProblem("SubmitTime", "missing value")

    submitted = _time(layout, row, "SubmitTime")
    accepted_at = _time(layout, row, "AcceptTime")
    created = _time(layout, row, "CreationTime")
    auto_approval = _time(layout, row, "AutoApprovalTime")
    approval = _time(layout, row, "ApprovalTime")
    rejection = _time(layout, row, "RejectionTime")
    work_s = _seconds(layout, row, "WorkTimeInSeconds")
    reward = _reward(col(row, "Reward"))

    opts = ctx.options
    if opts.mturk_fee_pct is not None and not 0 <= opts.mturk_fee_pct < 1000:
        ctx.note(f"ignored mturk_fee_pct={opts.mturk_fee_pct!r} (a percentage, e.g. 20): Amazon's schedule applies")
    status = col(row, "AssignmentStatus").strip().lower()
    max_assignments = _int_or_none(col(row, "MaxAssignments"))
    fee_pct, fee_rule = _fee(max_assignments, opts.mturk_fee_pct)
    n_items = len(layout.items)

    per_item_cost: float | None
    if status == "rejected":
        per_item_cost, cost_rule = 0.0, "rejected assignment: not paid"
    elif reward is None:
        per_item_cost, cost_rule = None, "no Reward in file"
    else:
        per_item_cost = float(reward / n_items * (1 + fee_pct / 100))
        cost_rule = "Reward / items per HIT x (1 + fee)"
        if status == "submitted":
            cost_rule += " (pending approval)"
        elif status != "approved":
            cost_rule += " (assignment status unknown)"

    hit_type = col(row, "HITTypeId").strip()
    title = col(row, "Title").strip()
    annotation = col(row, "RequesterAnnotation")
    m = _BATCH_ANNOTATION.search(annotation)
    batch = f"BatchId:{m.group(1)}" if m else (hit_type or None)
    project = opts.project or title or hit_type or ctx.path.stem

    rates = {
        key: r
        for key, column in (
            ("lifetime", "LifetimeApprovalRate"),
            ("last_30_days", "Last30DaysApprovalRate"),
            ("last_7_days", "Last7DaysApprovalRate"),
        )
        if (r := _rate(col(row, column))) is not None
    }
    feedback = col(row, "RequesterFeedback").strip()
    decision = {
        k: v
        for k, v in (("approve", col(row, "Approve").strip()), ("reject", col(row, "Reject").strip()))
        if v
    }
    hit_answers: dict[str, Any] = {}
    for q in layout.hit_questions:
        hit_answers.update(_answer(q, row))

    review_outcome: str | None = None
    review_time: datetime | None = None
    if status == "approved":
        review_outcome, review_time = "accepted", approval
    elif status == "rejected":
        review_outcome, review_time = "rejected", rejection
    elif status not in ("submitted", ""):
        ctx.note(f"unknown AssignmentStatus {status!r}: no review event for those rows")
    reviewer = "auto-approval" if (
        review_outcome == "accepted" and approval is not None and approval == auto_approval
    ) else "requester"

    common = dict(
        source=source,
        source_ref=ctx.source_ref,
        project=project,
        batch=batch,
        task_type=opts.task_type or "classification",
        attempt=1,
        _record=n,
        _raw=raw,
    )
    for item in layout.items:
        k = item if n_items > 1 else None
        item_id = f"{hit_id}/{item}" if k is not None else hit_id
        answers: dict[str, Any] = {}
        for q in layout.questions[item]:
            answers.update(_answer(q, row))
        meta: dict[str, Any] = {
            "hit_id": hit_id,
            "assignment_id": assignment_id,
            "assignment_status": col(row, "AssignmentStatus").strip() or None,
            "items_per_hit": n_items,
            "reward_usd": float(reward) if reward is not None else None,
            "fee_pct": float(fee_pct),
            "fee_rule": fee_rule,
            "cost_rule": cost_rule,
            "work_time_s": work_s,
        }
        if k is not None:
            meta["item"] = k
        if max_assignments is not None:
            meta["max_assignments"] = max_assignments
        if rates:
            meta["approval_rates_pct"] = rates
        if hit_answers:
            meta["hit_answers"] = hit_answers
        item_inputs = {key: row[i] for key, i in layout.inputs.get(item, [])}
        if item_inputs:
            meta["input"] = item_inputs
        if decision:
            meta["pending_decision"] = decision
        if batch != hit_type and hit_type:
            meta["hit_type_id"] = hit_type
        label_id = make_event_id(source, assignment_id, k)
        item_where = f"{where}, item {item}" if k is not None else where
        yield _base_event(
            **common,
            event_id=label_id,
            item_id=item_id,
            stage="label",
            worker_id=worker_id,
            tier=opts.tier or "crowd",
            org=opts.org or "mturk",
            queued_at=created,
            started_at=accepted_at,
            submitted_at=submitted,
            active_s=work_s / n_items if work_s is not None else None,
            outcome="submitted",
            label=_label_text(answers),
            cost=per_item_cost,
            meta=_dumps(meta),
            _position=item_where,
        )
        if review_outcome is None:
            continue
        if review_time is None:
            missing = "ApprovalTime" if review_outcome == "accepted" else "RejectionTime"
            if k is None or item == layout.items[0]:
                yield Rejected(
                    record=n,
                    position=f"{where}, review",
                    field=missing,
                    reason=f"{status} assignment without {missing}: review event not emitted",
                    raw=raw,
                )
            continue
        review_meta: dict[str, Any] = {"hit_id": hit_id, "assignment_id": assignment_id}
        if feedback:
            review_meta["requester_feedback"] = feedback
        yield _base_event(
            **common,
            event_id=make_event_id(source, assignment_id, k, "review"),
            item_id=item_id,
            stage="review",
            worker_id=reviewer,
            tier="requester",
            org="mturk",
            queued_at=submitted,
            submitted_at=review_time,
            outcome=review_outcome,
            reviews_event_id=label_id,
            meta=_dumps(review_meta),
            _position=f"{item_where}, review",
        )


# --------------------------------------------------------------------------- reading


class _LineFeed:
    """Feeds decoded lines to ``csv.reader`` and remembers the current record's raw text.

    ``csv.reader`` pulls exactly the lines one record needs, so whatever was fed
    since the last record is that record's raw text. Lines are decoded one at a
    time so a single non-UTF-8 line rejects only its row.
    """

    def __init__(self, fh: IO[bytes], ctx: ReadContext) -> None:
        self._fh = fh
        self._ctx = ctx
        self.buffer: list[str] = []
        self.line_no = 0
        self.bytes_read = 0
        self._reported = 0
        self.bad_utf8 = False
        self.oversized = False

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        raw = self._fh.readline(_MAX_LINE_BYTES)
        if not raw:
            raise StopIteration
        self.bytes_read += len(raw)
        if len(raw) >= _MAX_LINE_BYTES and not raw.endswith(b"\n"):
            # Skip to the end of this line without holding it; the row is rejected.
            while True:
                more = self._fh.readline(_MAX_LINE_BYTES)
                self.bytes_read += len(more)
                if not more or more.endswith(b"\n"):
                    break
            self.oversized = True
            raw = raw[:4096] + b"\n"
        if self.line_no == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        self.line_no += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad_utf8 = True
            text = raw.decode("utf-8", errors="backslashreplace")
        self.buffer.append(text)
        if self._ctx.progress is not None and self.bytes_read - self._reported >= _PROGRESS_EVERY:
            self._reported = self.bytes_read
            self._ctx.progress(self.bytes_read)
        return text

    def take(self) -> tuple[str, int, int]:
        """The raw text of the record just parsed, and its first and last line."""
        raw = "".join(self.buffer)
        first = self.line_no - len(self.buffer) + 1
        self.buffer = []
        self.bad_utf8 = False
        self.oversized = False
        return raw.rstrip("\r\n"), first, self.line_no

    def done(self) -> None:
        if self._ctx.progress is not None:
            self._ctx.progress(self.bytes_read)


def read(ctx: ReadContext) -> Iterator[dict[str, Any] | Rejected]:
    """Yield label/review events and rejected rows in file order."""
    with open_text_file(ctx, "CSV") as (fh, problem):
        if problem is not None:
            yield problem
        if fh is None:
            return
        feed = _LineFeed(fh, ctx)
        yield from _read_rows(feed, ctx)
        feed.done()


def _read_rows(feed: _LineFeed, ctx: ReadContext) -> Iterator[dict[str, Any] | Rejected]:
    reader = csv.reader(feed)
    header: list[str] | None = None
    while header is None:
        try:
            row = next(reader)
        except StopIteration:
            ctx.note("empty file")
            return
        except csv.Error as exc:
            raw, _, _ = feed.take()
            yield Rejected(0, "header", None, f"unreadable CSV header: {exc}", raw)
            return
        bad_utf8 = feed.bad_utf8
        raw, _, _ = feed.take()
        if not row or not any(c.strip() for c in row):
            continue
        if bad_utf8:
            yield Rejected(0, "header", None, "not UTF-8 text: save the file as UTF-8 CSV", raw)
            return
        header = [c.strip() for c in row]

    layout = _layout(header)
    missing = [c for c in _REQUIRED_HEADER if not layout.has(c)]
    if missing:
        yield Rejected(
            record=0,
            position="header",
            field=", ".join(missing),
            reason=f"not a Mechanical Turk results file: missing column(s) {', '.join(missing)}",
            raw=raw,
        )
        return

    n = 0
    while True:
        try:
            row = next(reader)
            error: str | None = None
        except StopIteration:
            break
        except csv.Error as exc:
            row, error = [], f"unreadable CSV: {exc}"
        bad_utf8, oversized = feed.bad_utf8, feed.oversized
        raw, first, last = feed.take()
        if error is None and not any(c.strip() for c in row):
            continue  # blank line: not a record
        n += 1
        where = f"row {n}, line {first}" if first == last else f"row {n}, lines {first}-{last}"
        width = len(layout.header)
        problem: tuple[str | None, str] | None = None
        if oversized:
            problem = (None, f"line longer than {_MAX_LINE_BYTES // (1024 * 1024)} MiB")
        elif bad_utf8:
            problem = (None, "not UTF-8 text: save the file as UTF-8 CSV")
        elif error is not None:
            problem = (None, error)
        elif len(row) < width or (len(row) > width and any(c.strip() for c in row[width:])):
            # A trailing empty column (a stray comma) is harmless; anything else is not.
            problem = (None, f"wrong number of fields: expected {width}, found {len(row)}")
        if problem is None:
            # Build the whole row first so a bad field rejects it before any event leaves.
            try:
                out = list(_row_events(layout, row, n, where, raw, ctx))
            except FieldProblem as exc:
                problem = (exc.field, exc.reason)
        if problem is not None:
            yield Rejected(record=n, position=where, field=problem[0], reason=problem[1], raw=raw)
            continue
        yield from out
    if n == 0:
        ctx.note("no data rows")
