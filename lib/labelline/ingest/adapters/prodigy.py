"""Prodigy ``db-out`` JSONL -> `label` (and `adjudicate`) events.

One line is one answer: the task fields plus ``answer`` (accept | reject | ignore)
and Prodigy's bookkeeping (``_input_hash, _task_hash, _view_id, _session_id,
_annotator_id, _timestamp``). Things Prodigy does not record, and how we cope:

* **No duration.** Only the submit time is stored, so the time an answer took is
  the gap since the previous answer of the same session (file order is submit
  order). A gap longer than ``ReadOptions.prodigy_break_s`` is a break, not work:
  that answer, like the first of a session, gets ``active_s``/``started_at`` null
  (``meta.timing`` says why). Only the last timestamp per session is kept, so
  memory does not grow with the file.
* **No annotator, sometimes.** Sessions are named ``<dataset>-<session>`` and an
  unnamed session is a timestamp (``news-2024-01-05_10-00-00``); the real person
  may only be known to the user. ``annotator_map`` / ``annotator`` options name
  them, and a note asks for them when only timestamps are found.
* **Review output** (``prodigy review``) carries ``versions[]``, each annotator's
  earlier answer, and the top level is the reviewer's decision. Each version
  becomes a `label` event with the same id rule as a plain answer, so it
  coincides with the original dataset's event when that is ingested too; the top
  level becomes an `adjudicate` event (outcome ``resolved``) whose
  ``reviews_event_id`` is the first version's event. Versions carry no timing
  here (their order in a review file is not submit order).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from labelline.ingest.records import FieldProblem, ReadContext, Rejected, make_event_id, open_text_file
from labelline.schema import EVENT_COLUMNS

__all__ = ["name", "source", "sniff", "read", "task_label", "task_type_for_view"]

name = "prodigy"
source = "prodigy"

_DESCRIPTION = "Prodigy db-out JSONL"

# Image tasks embed base64 images, so lines of several MB are normal; beyond this
# a "line" is corrupt or binary and must not be held in memory.
_MAX_LINE_BYTES = 64 * 1024 * 1024
_RAW_LIMIT = 4096
_PROGRESS_EVERY = 1 << 20
_HEAD_BYTES = 64 * 1024

# Prodigy's default (unnamed) session id: a local timestamp.
_SESSION_TS = r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}"
_TS_SESSION = re.compile(rf"^(?:(?P<dataset>.+)-)?(?P<ts>{_SESSION_TS})$")

_TASK_TYPES: dict[str, str] = {
    "classification": "classification",
    "choice": "classification",
    "ner": "ner",
    "ner_manual": "ner",
    "spans_manual": "ner",
    "image_manual": "bbox",
    "compare": "pairwise_preference",
    "diff": "pairwise_preference",
}
_SPAN_VIEWS = {"ner", "ner_manual", "spans_manual", "spans"}
# Task keys that describe the input, not the answer: left out of the generic label
# so custom answer fields (text_input's field_id, ...) are what it shows.
_INPUT_KEYS = {
    "text", "tokens", "meta", "image", "html", "audio", "video", "options", "view_id",
    "versions", "sessions", "default", "mapping", "A", "B", "input", "prompt", "config",
    "label", "spans", "accept", "relations",
}
_PAIR_VIEWS = {"compare", "diff"}

_NOTE_TIMESTAMP_SESSIONS = (
    "Prodigy sessions are named by timestamp, not by annotator: pass --annotator NAME "
    "or an annotator map (session id -> name) to say who did the work"
)
_NOTE_NO_SESSION = (
    "Prodigy answers without _session_id/_annotator_id: pass --annotator NAME to say who did the work"
)




# --------------------------------------------------------------------------- sniff


def sniff(path: Path, head: bytes) -> str | None:
    """Claim JSONL whose first record carries Prodigy's hashes.

    Label Studio exports start with ``[`` and canonical event files have no
    ``_input_hash``, so neither is claimed.
    """
    if not head or b"\x00" in head[:4096]:
        return None
    text = head.decode("utf-8-sig", errors="ignore").lstrip()
    if not text.startswith("{"):
        return None
    first = text.split("\n", 1)[0]
    if "\n" not in text and len(head) >= _HEAD_BYTES:
        # The first record is longer than the head (embedded images); Prodigy
        # writes its hashes last, so look at the end of that line.
        first = first[:4096] + _end_of_first_line(path)
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):
        # A first line longer than the head (embedded images): look at its keys.
        if '"_input_hash"' in first and ('"_task_hash"' in first or '"answer"' in first):
            return _DESCRIPTION
        return None
    if isinstance(obj, dict) and "_input_hash" in obj and ("_task_hash" in obj or "answer" in obj):
        return _DESCRIPTION
    return None


def _end_of_first_line(path: Path) -> str:
    """The last 4 KB of the file's first line (bounded scan, never raises)."""
    tail = b""
    try:
        with path.open("rb") as fh:
            for _ in range(_MAX_LINE_BYTES // _HEAD_BYTES):
                chunk = fh.read(_HEAD_BYTES)
                if not chunk:
                    break
                cut = chunk.find(b"\n")
                tail = (tail + (chunk if cut < 0 else chunk[:cut]))[-4096:]
                if cut >= 0:
                    break
    except OSError:
        return ""
    return tail.decode("utf-8", errors="ignore")


# --------------------------------------------------------------------------- labels


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (2, _dumps(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, _dumps(value))


def _tuple_key(values: list[Any]) -> tuple[tuple[int, Any], ...]:
    """Numeric order for offsets (10 after 9), whatever the value types are."""
    return tuple(_sort_key(v) for v in values)


def _view(task: dict[str, Any]) -> str | None:
    """The interface the answer was given in; review tasks keep it in ``view_id``."""
    view = task.get("_view_id")
    if view == "review":
        view = task.get("view_id")
    return view if isinstance(view, str) else None


def task_type_for_view(view: str | None, task: dict[str, Any]) -> str:
    """Our task type from Prodigy's interface; guessed from content when unknown."""
    if view is not None:
        return _TASK_TYPES.get(view, "other")
    if isinstance(task.get("options"), list):
        return "classification"
    if isinstance(task.get("spans"), list):
        return "ner"
    if "label" in task:
        return "classification"
    return "other"


def _list(value: Any) -> list[Any]:
    """A JSON list field, or nothing: files are user-edited and types drift."""
    return value if isinstance(value, list) else []


def _choice(task: dict[str, Any]) -> str:
    accepted = task.get("accept")
    ids = list(accepted) if isinstance(accepted, list) else []
    if len(ids) == 1 and not isinstance(ids[0], (list, dict)):
        return ids[0] if isinstance(ids[0], str) else _dumps(ids[0])
    return _dumps(sorted(ids, key=_sort_key))


def _spans(task: dict[str, Any]) -> str:
    triples = []
    for span in _list(task.get("spans")):
        if isinstance(span, dict):
            triples.append([span.get("start"), span.get("end"), span.get("label")])
    return _dumps(sorted(triples, key=_tuple_key))


def _boxes(task: dict[str, Any]) -> str:
    boxes = []
    for span in _list(task.get("spans")):
        if not isinstance(span, dict):
            continue
        if all(k in span for k in ("x", "y", "width", "height")):
            boxes.append([span.get("label"), span["x"], span["y"], span["width"], span["height"]])
        else:
            boxes.append([span.get("label"), span.get("points")])
    return _dumps(sorted(boxes, key=_tuple_key))


def _pair(task: dict[str, Any], answer: Any) -> str | None:
    """compare/diff: accept prefers A (the ``accept`` text in diff), reject prefers B.

    When the task maps A/B to systems (``mapping``) the preferred system is named,
    so randomised A/B positions still compare across annotators.
    """
    side = "A" if answer == "accept" else "B" if answer == "reject" else None
    if side is None:
        return None
    mapping = task.get("mapping")
    if isinstance(mapping, dict) and side in mapping and mapping[side] is not None:
        return str(mapping[side])
    return side


def task_label(task: dict[str, Any], view: str | None) -> str | None:
    """Canonical, deterministic text for the answer.

    * ignore -> None (the answer is a skip);
    * choice: the accepted option id, several -> sorted JSON list (``[]`` = none);
    * spans (ner, ner_manual, spans_manual): sorted compact ``[[start,end,label]]``;
    * image_manual: sorted ``[[label,x,y,w,h]]`` (or ``[label, points]``);
    * binary (a ``label`` accepted or rejected): ``label``;
    * compare/diff: the preferred side or system;
    * anything else: compact JSON (sorted keys) of the answer fields: ``answer``,
      ``accept/label/spans/relations`` if present and any custom key that is not
      an input field (``_INPUT_KEYS``).

    A *reject* of a choice, span, image or binary task is written ``not <content>``
    ("the shown annotation is wrong"), so accept and reject never share a label and
    agreement can still be computed on the text.
    """
    answer = task.get("answer")
    if answer == "ignore":
        return None
    if view in _PAIR_VIEWS:
        return _pair(task, answer)
    content: str | None
    if view == "choice" or (view is None and isinstance(task.get("options"), list)):
        content = _choice(task)
    elif view in _SPAN_VIEWS or (view is None and isinstance(task.get("spans"), list)):
        content = _spans(task)
    elif view == "image_manual":
        content = _boxes(task)
    elif isinstance(task.get("label"), (str, int, float)) and not isinstance(task.get("label"), bool):
        content = str(task["label"])
    else:
        fields = {k: task[k] for k in ("accept", "label", "spans", "relations") if k in task}
        fields.update(
            (k, v) for k, v in task.items() if not k.startswith("_") and k not in _INPUT_KEYS
        )
        fields["answer"] = answer
        return _dumps(fields)
    return f"not {content}" if answer == "reject" else content


# --------------------------------------------------------------------------- who


@dataclass(frozen=True)
class _Who:
    worker_id: str
    dataset: str | None
    session: str | None


def _identify(sid: str | None, aid: str | None, ctx: ReadContext) -> _Who:
    """Resolve the worker and dataset from Prodigy's session naming."""
    ident = aid or sid
    dataset: str | None = None
    part: str | None = None
    bare_timestamp = False
    if ident:
        m = _TS_SESSION.match(ident)
        if m:
            dataset, part, bare_timestamp = m.group("dataset"), m.group("ts"), True
        else:
            for prefix in (ctx.options.project, ctx.path.stem):
                if prefix and ident.startswith(prefix + "-") and len(ident) > len(prefix) + 1:
                    dataset, part = prefix, ident[len(prefix) + 1 :]
                    break
            else:
                # Unknown dataset name: Prodigy joins "<dataset>-<session>", and
                # dataset names carry hyphens more often than user names do.
                head, sep, tail = ident.rpartition("-")
                dataset, part = (head, tail) if sep and head and tail else (None, ident)
    if sid and not dataset:
        m = _TS_SESSION.match(sid)
        if m and m.group("dataset"):
            dataset = m.group("dataset")

    amap = ctx.options.annotator_map
    for key in (sid, aid, part):
        if key and key in amap:
            return _Who(str(amap[key]), dataset, sid or aid)
    if ctx.options.annotator:
        return _Who(ctx.options.annotator, dataset, sid or aid)
    if bare_timestamp:
        ctx.note(_NOTE_TIMESTAMP_SESSIONS)
    if part:
        return _Who(part, dataset, sid or aid)
    if sid:
        return _Who(sid, dataset, sid)
    ctx.note(_NOTE_NO_SESSION)
    return _Who("unknown", None, None)


# --------------------------------------------------------------------------- fields


def _text_id(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)
    return text or None


def _timestamp(value: Any, field_name: str = "_timestamp") -> float:
    if value is None:
        raise FieldProblem(field_name, "missing _timestamp")
    if isinstance(value, bool):
        raise FieldProblem(field_name, "_timestamp is not a number")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise FieldProblem(field_name, "_timestamp is not a number") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FieldProblem(field_name, "_timestamp is not a number")
    # Prodigy writes Unix seconds; milliseconds or garbage would land centuries away.
    if not 0 < value < 1e11:
        raise FieldProblem(field_name, f"_timestamp {value!r} is not Unix seconds")
    return float(value)


def _input_hash(task: dict[str, Any], fallback: Any = None) -> str:
    value = task.get("_input_hash", fallback)
    if value is None:
        raise FieldProblem("_input_hash", "missing _input_hash")
    if isinstance(value, (bool, dict, list, float)) or value == "":
        raise FieldProblem("_input_hash", "_input_hash is not an integer or string")
    return str(value)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def _base_event(**values: Any) -> dict[str, Any]:
    event: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    event.update(values)
    return event


# --------------------------------------------------------------------------- mapping


class _Sessions:
    """Last submit time per session: the whole state timing needs."""

    def __init__(self, break_s: float) -> None:
        self.break_s = break_s
        self.last: dict[str, float] = {}

    def gap(self, session: str, ts: float) -> tuple[float | None, str]:
        prev = self.last.get(session)
        self.last[session] = ts if prev is None else max(prev, ts)
        if prev is None:
            return None, "first answer of the session"
        gap = ts - prev
        if gap < 0:
            return None, "out of submit order"
        if gap > self.break_s:
            return None, f"after a break ({gap:.0f} s > {self.break_s:.0f} s)"
        return gap, "gap since the previous answer of the session"


def _event_for(
    task: dict[str, Any],
    *,
    ts_value: Any,
    ts: float,
    item_id: str,
    who: _Who,
    stage: str,
    outcome: str,
    active: float | None,
    timing: str,
    ctx: ReadContext,
    record: int,
    position: str,
    raw: str,
    extra_meta: dict[str, Any] | None = None,
    reviews: str | None = None,
    queued_at: datetime | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    opts = ctx.options
    view = _view(task)
    submitted = _utc(ts)
    task_hash = _text_id(task.get("_task_hash"))
    meta: dict[str, Any] = {
        "answer": task.get("answer"),
        "view_id": view,
        "session_id": _text_id(task.get("_session_id")),
        "annotator_id": _text_id(task.get("_annotator_id")),
        "task_hash": task_hash,
        "timing": timing,
    }
    if isinstance(task.get("meta"), dict) and task["meta"]:
        meta["task_meta"] = task["meta"]
    if extra_meta:
        meta.update(extra_meta)
    return _base_event(
        event_id=make_event_id(source, who.session, task_hash, ts_value),
        source=source,
        source_ref=ctx.source_ref,
        project=opts.project or project or who.dataset or ctx.path.stem,
        item_id=item_id,
        task_type=opts.task_type or task_type_for_view(view, task),
        stage=stage,
        attempt=1,
        worker_id=who.worker_id,
        tier=opts.tier or "crowd",
        org=opts.org or "in_house",
        queued_at=queued_at,
        started_at=submitted - timedelta(seconds=active) if active is not None else None,
        submitted_at=submitted,
        active_s=active,
        outcome=outcome,
        label=task_label(task, view),
        reviews_event_id=reviews,
        meta=_dumps(meta),
        _record=record,
        _position=position,
        _raw=raw,
    )


def _who_of(task: dict[str, Any], ctx: ReadContext) -> _Who:
    sid = _text_id(task.get("_session_id"))
    aid = _text_id(task.get("_annotator_id"))
    if sid is None and isinstance(task.get("sessions"), list) and task["sessions"]:
        sid = _text_id(task["sessions"][0])
    return _identify(sid, aid, ctx)


def _map_line(
    task: dict[str, Any], n: int, raw: str, sessions: _Sessions, ctx: ReadContext
) -> list[dict[str, Any] | Rejected]:
    where = f"line {n}"
    ts_value = task.get("_timestamp")
    ts = _timestamp(ts_value)
    item_id = _input_hash(task)
    who = _who_of(task, ctx)
    versions = task.get("versions")
    answer = task.get("answer")

    if not (isinstance(versions, list) and versions):
        active, timing = sessions.gap(who.session or "", ts)
        outcome = "skipped" if answer == "ignore" else "submitted"
        return [
            _event_for(
                task, ts_value=ts_value, ts=ts, item_id=item_id, who=who, stage="label",
                outcome=outcome, active=active, timing=timing, ctx=ctx, record=n,
                position=where, raw=raw,
            )
        ]

    out: list[dict[str, Any] | Rejected] = []
    first_version_id: str | None = None
    first_project: str | None = None
    latest: float | None = None
    for i, version in enumerate(versions, start=1):
        vwhere = f"{where}, version {i}"
        if not isinstance(version, dict):
            out.append(Rejected(n, vwhere, "versions", "version is not a JSON object", raw))
            continue
        try:
            vts = _timestamp(version.get("_timestamp"))
            vitem = _input_hash(version, task.get("_input_hash"))
        except FieldProblem as exc:
            out.append(Rejected(n, vwhere, exc.field, exc.reason, raw))
            continue
        if "_view_id" not in version and _view(task) is not None:
            # Versions written without their interface are judged in the review's one.
            version = {**version, "_view_id": _view(task)}
        vwho = _who_of(version, ctx)
        others = [s for s in _list(version.get("sessions")) if _text_id(s) and _text_id(s) != vwho.session]
        extra: dict[str, Any] = {"from_review": True}
        if others:
            # Prodigy groups identical answers; only this version's own session has a
            # timestamp, so the others are named here rather than invented.
            extra["same_answer_sessions"] = sorted(str(s) for s in others)
            ctx.note(
                "review versions shared by several sessions: only each version's own session "
                "becomes an event; ingest the original datasets for the others"
            )
        vanswer = version.get("answer")
        event = _event_for(
            version, ts_value=version.get("_timestamp"), ts=vts, item_id=vitem, who=vwho,
            stage="label", outcome="skipped" if vanswer == "ignore" else "submitted",
            active=None, timing="not measured (review version)", ctx=ctx, record=n,
            position=vwhere, raw=raw, extra_meta=extra,
        )
        # A version restates an answer the original dataset may already have given, with its
        # timing: it fills a gap but never overwrites what is stored.
        event["_insert_only"] = True
        if first_version_id is None:
            first_version_id, first_project = event["event_id"], event["project"]
        latest = vts if latest is None else max(latest, vts)
        out.append(event)

    active, timing = sessions.gap(who.session or "", ts)
    out.append(
        _event_for(
            task, ts_value=ts_value, ts=ts, item_id=item_id, who=who, stage="adjudicate",
            outcome="skipped" if answer == "ignore" else "resolved", active=active, timing=timing, ctx=ctx, record=n,
            position=f"{where}, review", raw=raw, reviews=first_version_id,
            queued_at=_utc(latest) if latest is not None else None,
            # The review dataset is a step of the labeling project, not a project.
            project=first_project,
            extra_meta={"versions": len(versions), "review_dataset": who.dataset},
        )
    )
    return out


# --------------------------------------------------------------------------- reading


def _raw_text(line: bytes) -> str:
    body = line.rstrip(b"\r\n")
    if len(body) <= _RAW_LIMIT:
        return body.decode("utf-8", errors="backslashreplace")
    return body[:_RAW_LIMIT].decode("utf-8", errors="backslashreplace") + f"... [{len(body)} bytes]"


def _lines(fh: IO[bytes], ctx: ReadContext) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, oversized) with bounded memory per line."""
    n = 0
    read_bytes = 0
    reported = 0
    while True:
        line = fh.readline(_MAX_LINE_BYTES)
        if not line:
            break
        read_bytes += len(line)
        oversized = False
        if len(line) >= _MAX_LINE_BYTES and not line.endswith(b"\n"):
            line = line[: _RAW_LIMIT]
            oversized = True
            while True:
                more = fh.readline(_MAX_LINE_BYTES)
                read_bytes += len(more)
                if not more or more.endswith(b"\n"):
                    break
        n += 1
        yield n, line, oversized
        if ctx.progress is not None and read_bytes - reported >= _PROGRESS_EVERY:
            reported = read_bytes
            ctx.progress(read_bytes)
    if ctx.progress is not None:
        ctx.progress(read_bytes)


def read(ctx: ReadContext) -> Iterator[dict[str, Any] | Rejected]:
    """Yield events and rejected lines in file order."""
    with open_text_file(ctx, "JSONL") as (fh, problem):
        if problem is not None:
            yield problem
        if fh is None:
            return
        sessions = _Sessions(ctx.options.prodigy_break_s)
        records = 0
        for n, line, oversized in _lines(fh, ctx):
            if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            records += 1
            raw = _raw_text(line)
            if oversized:
                yield Rejected(n, f"line {n}", None, f"line longer than {_MAX_LINE_BYTES >> 20} MiB", raw)
                continue
            yield from _read_line(line, n, raw, sessions, ctx)
        if records == 0:
            ctx.note("empty file")


def _read_line(
    line: bytes, n: int, raw: str, sessions: _Sessions, ctx: ReadContext
) -> Iterator[dict[str, Any] | Rejected]:
    where = f"line {n}"
    try:
        text = line.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError:
        yield Rejected(n, where, None, "not UTF-8 text", raw)
        return
    try:
        task = json.loads(text)
    except (ValueError, RecursionError) as exc:
        # The decoder counts its own lines; the file line is already in `position`.
        if isinstance(exc, json.JSONDecodeError):
            reason = f"invalid JSON at column {exc.colno}: {exc.msg}"
        else:
            reason = f"invalid JSON: {type(exc).__name__}"
        if not line.endswith(b"\n"):
            reason += " (truncated last line?)"
        yield Rejected(n, where, None, reason, raw)
        return
    if not isinstance(task, dict):
        yield Rejected(n, where, None, f"not a JSON object (found {type(task).__name__})", raw)
        return
    try:
        yield from _map_line(task, n, raw, sessions, ctx)
    except FieldProblem as exc:
        yield Rejected(n, where, exc.field, exc.reason, raw)
