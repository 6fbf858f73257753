"""Label Studio exports -> labeling events.

Label Studio data arrives in four shapes, all read here and all streamed so a
multi-GB export runs in bounded memory:

* the full JSON export (a list of tasks with their ``annotations[]``): the only
  shape that keeps skips, Enterprise reviews, rework signals and ground truth;
* JSON_MIN and CSV/TSV: one flat row per submitted annotation, with the task's
  data keys and one key per labeling control mixed together;
* wrapped multi-project dumps ``{"base_url", "projects": [{"project", "tasks"}]}``.

Mapping decisions worth knowing (details at the functions that make them):

* One annotation is one ``label`` event; an annotation the annotator changed
  after submitting (rework) is two: attempt 1 at ``created_at`` with an unknown
  label, attempt 2 at ``updated_at`` with the current label and the whole
  ``lead_time``, because Label Studio overwrites the answer in place and
  accumulates ``lead_time`` across sessions.
* A ``ground_truth`` annotation makes its task a gold item: its label becomes
  ``gold_label`` on every label event of the task.
* Each Enterprise review is one ``review`` event linked to the attempt it judged.
* Enterprise user objects become the e-mail as ``worker_id`` (the pipeline
  pseudonymises it); e-mails and names are redacted everywhere else.
* Nothing is dropped silently: unmappable records come back as ``Rejected``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import orjson

from labelline.ingest.adapters._ls_labels import _canon, _dumps, _group_answer, _label_text, _result_label
from labelline.ingest.adapters._ls_privacy import _scrub_annotation, _scrub_cells, _scrub_deep, _scrub_flat
from labelline.ingest.records import ReadContext, Rejected, make_event_id, to_utc

__all__ = ["name", "read", "sniff", "source"]

name = "label-studio"
source = "label_studio"

Output = dict[str, Any] | Rejected

_HEAD_BYTES = 64 * 1024
_RAW_LIMIT = 4096
_UTF8_BOM = b"\xef\xbb\xbf"
_PROGRESS_STEP = 1 << 20
# Saving an annotation sets created_at and updated_at a few microseconds apart; only a
# later save is a second session.
_REWORK_MIN_GAP = timedelta(seconds=1)
# Pinpointing a syntax error means parsing the file again up to it; past this size we
# report the 64 KiB window the parser was in instead.
_LOCATE_LIMIT = 1 << 30
# lead_time counts idle time and some versions double-counted it; beyond this we keep
# the value (KPIs cap it) but say how many there were.
_LONG_LEAD_TIME_S = 8 * 3600

# Result types, strongest first: a config with boxes and a comment box is box work.
_TASK_TYPE_BY_RESULT = (
    ("pairwise", "pairwise_preference"),
    ("ranker", "ranking"),
    ("rectanglelabels", "bbox"),
    ("polygonlabels", "bbox"),
    ("keypointlabels", "bbox"),
    ("brushlabels", "bbox"),
    ("ellipselabels", "bbox"),
    ("rectangle", "bbox"),
    ("polygon", "bbox"),
    ("keypoint", "bbox"),
    ("brush", "bbox"),
    ("ellipse", "bbox"),
    ("labels", "ner"),
    ("hypertextlabels", "ner"),
    ("choices", "classification"),
    ("taxonomy", "classification"),
    ("textarea", "text"),
)
_TASK_TYPE_RANK = {t: i for i, (t, _) in enumerate(_TASK_TYPE_BY_RESULT)}

# Keys that mark a dict as the value of a labeling control (JSON_MIN/CSV shape test).
_VALUE_KEYS = frozenset(
    {
        "choices", "labels", "rectanglelabels", "polygonlabels", "keypointlabels",
        "brushlabels", "ellipselabels", "hypertextlabels", "paragraphlabels",
        "timeserieslabels", "taxonomy", "text", "rating", "number", "datetime",
        "ranker", "selected", "htmllabels", "videorectangle",
    }
)  # fmt: skip

# JSON_MIN/CSV columns written by the exporter itself. It writes them after the task
# data, so they win over a data key of the same name - except "id" in newer CSV
# exports, where the data is written last and a data "id" replaces the task id.
_MIN_META = frozenset(
    {"annotation_id", "annotator", "created_at", "updated_at", "lead_time", "id",
     "agreement", "history", "was_cancelled"}
)  # fmt: skip
# Data keys Label Studio's templates use ($text, $image...): weak evidence of task data.
_CONVENTIONAL_DATA_KEYS = frozenset(
    {"text", "image", "audio", "video", "html", "url", "ocr", "pdf", "timeseries",
     "paragraphs", "dialogue", "prompt"}
)  # fmt: skip
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|/data/|data:)", re.IGNORECASE)
_FLOAT_INT = re.compile(r"^-?\d+\.0+$")
_STEM_PROJECT = re.compile(r"^project-(\d+)-at-")


# --------------------------------------------------------------------------- sniff


def sniff(path: Path, head: bytes) -> str | None:
    """Describe the file if it is a Label Studio export, else None.

    Looks at structure (first item's keys, CSV header), not at loose substrings, so
    task data that happens to mention "annotations" does not fool it.
    """
    try:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # Claim UTF-16 exports so read() can say "re-save as UTF-8" instead of the
            # file falling through as an unknown format.
            decoded = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore").encode("utf-8")
            found = sniff(path, decoded)
            return f"{found} (UTF-16: re-save as UTF-8)" if found else None
        body = head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head
        stripped = body.lstrip()
        if not stripped:
            return None
        if stripped[:1] in (b"[", b"{"):
            return _sniff_json(stripped)
        return _sniff_csv(body)
    except Exception:  # noqa: BLE001 - sniffing must never break detection of other formats
        return None


def _sniff_json(head: bytes) -> str | None:
    top, keys, sub_keys = _json_shape(head)
    if keys & {"_task_hash", "_input_hash"} or {"event_id", "stage"} <= keys:
        return None
    if top == "list":
        if keys & {"annotations", "completions"}:
            return "Label Studio full JSON export"
        if "annotation_id" in keys and keys & {"annotator", "lead_time", "created_at"}:
            return "Label Studio JSON_MIN export"
        if {"id", "data"} <= keys:
            return "Label Studio full JSON export"
        if not keys and b'"annotation_id"' in head and b'"annotator"' in head:
            return "Label Studio JSON_MIN export"
        return None
    if top == "object":
        if "projects" in keys and ("tasks" in sub_keys or b'"tasks"' in head):
            return "Label Studio multi-project dump"
        if keys & {"annotations", "completions"} and "data" in keys:
            return "Label Studio full JSON export (single task)"
    return None


def _json_shape(head: bytes) -> tuple[str | None, set[str], set[str]]:
    """Top-level type, the first item's (or the object's) keys, and the first project's keys.

    Parses only the head; a truncated head just ends the scan early.
    """
    top: str | None = None
    keys: set[str] = set()
    sub_keys: set[str] = set()
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if top is None:
                top = {"start_array": "list", "start_map": "object"}.get(event, "scalar")
                continue
            if top == "list":
                if prefix == "item" and event == "map_key":
                    keys.add(value)
                elif prefix == "item" and event == "end_map":
                    break
            elif top == "object":
                if prefix == "" and event == "map_key":
                    keys.add(value)
                elif prefix == "projects.item" and event == "map_key":
                    sub_keys.add(value)
    except ijson.JSONError:
        pass
    return top, keys, sub_keys


def _sniff_csv(head: bytes) -> str | None:
    line = head.decode("utf-8", errors="replace").splitlines()[0] if head else ""
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    cols = {c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])}
    if cols & {"HITId", "AssignmentId"} or {"event_id", "stage", "submitted_at", "worker_id"} <= cols:
        return None
    if "annotation_id" in cols and "created_at" in cols and cols & {"annotator", "lead_time"}:
        return "Label Studio TSV export" if delimiter == "\t" else "Label Studio CSV export"
    return None


# --------------------------------------------------------------------------- read


def read(ctx: ReadContext) -> Iterator[Output]:
    """Yield label and review events, and Rejected records, in file order.

    Raises only for I/O errors; bad content becomes Rejected records.
    """
    sess = _Session.start(ctx)
    try:
        with ctx.path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
        start = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
        if not head[start:].strip() and len(head) < _HEAD_BYTES:
            ctx.note("empty file")
            return
        problem = _encoding_problem(head)
        if problem:
            yield Rejected(record=None, position="byte 0", field=None, reason=problem, raw=_snippet(head, 0))
            return
        first = head[start:].lstrip()[:1]
        if first == b"[":
            yield from _read_json_list(sess, start)
        elif first == b"{":
            yield from _read_json_object(sess, start)
        else:
            yield from _read_flat(sess, start, "csv")
        if ctx.progress is not None:
            ctx.progress(ctx.path.stat().st_size)  # lets a progress bar end at 100 %
    finally:
        sess.finish()


def _encoding_problem(head: bytes) -> str | None:
    """A reason when the bytes are plainly not UTF-8 text (UTF-16/32 exports from Excel)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "not UTF-8 text: the file starts with a UTF-16 byte-order mark; re-save it as UTF-8"
    if b"\x00" in head:
        return "not UTF-8 text: it contains NUL bytes (UTF-16 or binary?); re-save it as UTF-8"
    return None


@dataclass
class _Session:
    """Per-read state: resolved options and the counters that become summary notes."""

    ctx: ReadContext
    tier: str
    org: str
    stem_project_id: str | None
    source_ref: str
    no_annotations: int = 0
    skipped: int = 0
    reworked: int = 0
    started_estimated: int = 0
    bad_lead_times: int = 0
    long_lead_times: int = 0
    gold_conflicts: int = 0
    item_ids_from_data: int = 0
    task_types: dict[str, str] = field(default_factory=dict)
    projects: dict[tuple[Any, ...], tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def start(cls, ctx: ReadContext) -> _Session:
        m = _STEM_PROJECT.match(ctx.path.stem)
        return cls(
            ctx=ctx,
            tier=ctx.options.tier or "crowd",
            org=ctx.options.org or "in_house",
            stem_project_id=m.group(1) if m else None,
            source_ref=ctx.source_ref,
        )

    def finish(self) -> None:
        """Turn counters into notes for the ingest summary."""
        note = self.ctx.note
        if self.no_annotations:
            note(f"{_plural(self.no_annotations, 'task')} had no annotations")
        if self.skipped:
            note(f"{_plural(self.skipped, 'annotation')} skipped by the annotator (outcome skipped)")
        if self.reworked:
            note(
                f"{_plural(self.reworked, 'annotation')} reworked by the annotator: attempt 1 at created_at "
                "with unknown label, attempt 2 at updated_at with the current label and the cumulative lead_time"
            )
        if self.started_estimated:
            note("started_at is estimated as created_at - lead_time (Label Studio does not record it)")
        if self.bad_lead_times:
            note(f"{_plural(self.bad_lead_times, 'annotation')} had an invalid lead_time (active_s left empty)")
        if self.long_lead_times:
            note(
                f"{_plural(self.long_lead_times, 'annotation')} had lead_time over {_LONG_LEAD_TIME_S // 3600} h "
                "(idle or double-counted time; kept as exported)"
            )
        if self.gold_conflicts:
            note(f"{_plural(self.gold_conflicts, 'task')} had disagreeing ground-truth annotations; the first was used")
        if self.item_ids_from_data:
            note(
                "the id column holds a task data field (it overwrote the task id in the export); "
                "used it as the item id"
            )

    def project(self, task_project: Any, wrapper: _Wrapper | None) -> tuple[str, str]:
        """(project name, key for event ids) for a task.

        The key prefers Label Studio's numeric project id so renaming the file or the
        project does not change event ids; the name prefers what a person would recognise.
        """
        task_ls_id = _id_text(task_project.get("id") if isinstance(task_project, dict) else task_project)
        cache_key = (task_ls_id, wrapper.index if wrapper else None)
        hit = self.projects.get(cache_key)
        if hit is not None:
            return hit
        ls_id = task_ls_id or (wrapper.id if wrapper else None) or self.stem_project_id
        opts = self.ctx.options
        wrapper_name = wrapper.name if wrapper else None
        project = project_name(opts.project, wrapper_name, ls_id) or self.ctx.path.stem
        resolved = (project, ls_id or wrapper_name or project)
        self.projects[cache_key] = resolved
        return resolved

    def task_type(self, project: str, result_types: set[str]) -> str:
        """The option, else the strongest result type seen, else this project's last type.

        Falling back to the project's last type keeps tasks with only skipped (empty)
        annotations from turning a classification project into "other" task by task.
        """
        if self.ctx.options.task_type:
            return self.ctx.options.task_type
        best = min((_TASK_TYPE_RANK[t] for t in result_types if t in _TASK_TYPE_RANK), default=None)
        if best is None:
            return "other" if result_types else self.task_types.get(project, "other")
        inferred = _TASK_TYPE_BY_RESULT[best][1]
        self.task_types[project] = inferred
        return inferred

    def variant(self, name: str) -> None:
        """Record which shape was read, unless detection already named it."""
        if self.ctx.variant is None:
            self.ctx.variant = name

    def worker(self, who: Any) -> str | None:
        """Worker id from an int id, an id string, an e-mail, or a user object; None if absent."""
        wid = _user_text(who) or self.ctx.options.annotator
        if wid is None:
            return None
        return self.ctx.options.annotator_map.get(wid, wid)

    def lead_time(self, value: Any) -> float | None:
        """lead_time as seconds, None when absent or unusable (counted for the summary)."""
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            seconds = float(value)
        except (TypeError, ValueError, OverflowError):
            self.bad_lead_times += 1
            return None
        if not math.isfinite(seconds) or seconds < 0:
            self.bad_lead_times += 1
            return None
        if seconds > _LONG_LEAD_TIME_S:
            self.long_lead_times += 1
        return seconds

    def started_at(self, submitted: datetime, active_s: float | None) -> datetime | None:
        if active_s is None:
            return None
        try:
            started = submitted - timedelta(seconds=active_s)
        except OverflowError:
            return None
        self.started_estimated += 1
        return started

    def event(
        self,
        *,
        event_id: str,
        project: str,
        item_id: str,
        task_type: str,
        stage: str,
        attempt: int,
        worker_id: str,
        submitted_at: datetime,
        outcome: str,
        record: int,
        position: str,
        raw: str,
        queued_at: datetime | None = None,
        started_at: datetime | None = None,
        active_s: float | None = None,
        label: str | None = None,
        gold_label: str | None = None,
        reviews_event_id: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "source": source,
            "source_ref": self.source_ref,
            "project": project,
            "batch": None,
            "item_id": item_id,
            "task_type": task_type,
            "stage": stage,
            "attempt": attempt,
            "worker_id": worker_id,
            "tier": self.tier,
            "org": self.org,
            "queued_at": queued_at,
            "started_at": started_at,
            "submitted_at": submitted_at,
            "active_s": active_s,
            "outcome": outcome,
            "label": label,
            "gold_label": gold_label,
            "reviews_event_id": reviews_event_id,
            "cost": None,
            "meta": _dumps(meta) if meta else None,
            "_record": record,
            "_position": position,
            "_raw": raw,
        }


# --------------------------------------------------------------------------- JSON plumbing


class _CountingReader:
    """Wraps the binary file so progress and parse-error windows are known in bytes."""

    def __init__(self, f: BinaryIO, start: int, progress: Any) -> None:
        self._f = f
        self.pos = start
        self.chunk_start = start
        self._progress = progress
        self._next_report = start + _PROGRESS_STEP

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        if data:
            self.chunk_start = self.pos
            self.pos += len(data)
            if self._progress is not None and self.pos >= self._next_report:
                self._progress(self.pos)
                self._next_report = self.pos + _PROGRESS_STEP
        return data


class _Guard:
    """Ends iteration at the first JSON syntax error and keeps it for one Rejected."""

    def __init__(self) -> None:
        self.error: ijson.JSONError | None = None

    def __call__(self, it: Iterable[Any]) -> Iterator[Any]:
        iterator = iter(it)
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                return
            except ijson.JSONError as exc:
                self.error = exc
                return
            yield item


def _parse_rejected(
    path: Path, start: int, reader: _CountingReader, error: Exception, record: int | None
) -> Rejected:
    """One Rejected that says where the JSON stopped being JSON, in bytes from the file start."""
    message = str(error)
    if "premature EOF" in message or "Incomplete JSON" in message:
        offset = path.stat().st_size
        reason = "the JSON ends early (truncated file?)"
    else:
        offset = _locate_syntax_error(path, start, reader.chunk_start)
        if "UTF8" in message or "UTF-8" in message:
            reason = "not UTF-8 text: invalid byte sequence (Latin-1 or another encoding?)"
            offset = _first_non_ascii(path, offset)
        elif "trailing garbage" in message:
            reason = "unexpected data after the end of the JSON document"
        else:
            first_line = message.strip().splitlines()[0] if message.strip() else "syntax error"
            reason = f"invalid JSON: {first_line}"
    with path.open("rb") as f:
        f.seek(max(0, offset - 100))
        raw = _snippet(f.read(300), 0)
    return Rejected(record=record, position=f"byte {offset}", field=None, reason=reason, raw=raw)


def _first_non_ascii(path: Path, offset: int) -> int:
    """The parser notices a bad UTF-8 sequence a byte or two late; point at its start."""
    start = max(0, offset - 3)
    with path.open("rb") as f:
        f.seek(start)
        window = f.read(offset - start + 1)
    for i, byte in enumerate(window):
        if byte >= 0x80:
            return start + i
    return offset


def _locate_syntax_error(path: Path, start: int, chunk_start: int) -> int:
    """The byte offset where the parser fails, found by re-feeding the failing chunk byte by byte.

    ijson reports errors per 64 KiB chunk; users need the byte to open the file there.
    """
    if chunk_start > _LOCATE_LIMIT:
        return chunk_start
    sink = ijson.sendable_list()
    coro = ijson.basic_parse_coro(sink)
    pos = start
    try:
        with path.open("rb") as f:
            f.seek(start)
            while pos < chunk_start:
                block = f.read(min(1 << 20, chunk_start - pos))
                if not block:
                    break
                coro.send(block)
                sink.clear()
                pos += len(block)
            while True:
                byte = f.read(1)
                if not byte:
                    coro.close()
                    return pos
                coro.send(byte)
                sink.clear()
                pos += 1
    except ijson.JSONError:
        return pos


def _build(event: str, value: Any, events: Iterator[tuple[str, str, Any]]) -> tuple[Any, bool]:
    """Assemble one JSON value from parse events; False if the stream ended inside it."""
    if event not in ("start_map", "start_array"):
        return value, True
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for _, ev, val in events:
        builder.event(ev, val)
        if ev in ("start_map", "start_array"):
            depth += 1
        elif ev in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return builder.value, True
    return None, False


# --------------------------------------------------------------------------- full JSON


def project_name(option: str | None, title: str | None, ls_id: str | None) -> str | None:
    """The name events get: the --project option, else the project's title, else label-studio-<id>."""
    return option or title or (f"label-studio-{ls_id}" if ls_id else None)


def dump_project_name(project: dict[str, Any], option: str | None = None) -> str:
    """The name a multi-project dump entry's events get (a live sync writes such dumps)."""
    wrapper = _Wrapper(index=1)
    wrapper.set_project(project)
    return project_name(option, wrapper.name, wrapper.id) or "label-studio"


@dataclass(slots=True)
class _Wrapper:
    """One entry of a multi-project dump."""

    index: int
    name: str | None = None
    id: str | None = None
    seen: bool = False

    def set_project(self, value: Any) -> None:
        self.seen = True
        if isinstance(value, dict):
            title = value.get("title") or value.get("name")
            self.name = title.strip() if isinstance(title, str) and title.strip() else None
            self.id = _id_text(value.get("id"))
        elif isinstance(value, str) and not _FLOAT_INT.match(value) and not value.isdigit():
            self.name = value.strip() or None
        else:
            self.id = _id_text(value)

    def where(self) -> str:
        label = self.name or (f"id {self.id}" if self.id else None)
        return f"project {self.index} ({label})" if label else f"project {self.index}"


def _read_json_list(sess: _Session, start: int) -> Iterator[Output]:
    first, ok = _peek_first_item(sess.ctx.path, start)
    if ok and first is None:
        sess.ctx.note("empty export: the JSON list has no tasks")
        return
    if isinstance(first, dict) and _looks_like_min_row(first):
        yield from _read_flat(sess, start, "json_min")
        return
    sess.variant("full JSON")
    path = sess.ctx.path
    guard = _Guard()
    record = 0
    with path.open("rb") as f:
        f.seek(start)
        reader = _CountingReader(f, start, sess.ctx.progress)
        for record, task in enumerate(guard(ijson.items(reader, "item", use_float=True)), 1):
            yield from _task_outputs(sess, task, record, f"task {record}", None)
        if guard.error is not None:
            yield _parse_rejected(path, start, reader, guard.error, record + 1)


def _peek_first_item(path: Path, start: int) -> tuple[Any, bool]:
    """(first list item or None, parsed cleanly) - decides full JSON vs JSON_MIN."""
    with path.open("rb") as f:
        f.seek(start)
        try:
            for item in ijson.items(f, "item", use_float=True):
                return item, True
        except ijson.JSONError:
            return None, False
    return None, True


def _looks_like_min_row(row: dict[str, Any]) -> bool:
    if "annotations" in row or "completions" in row:
        return False
    return "annotation_id" in row or ("annotator" in row and "lead_time" in row)


def _read_json_object(sess: _Session, start: int) -> Iterator[Output]:
    path = sess.ctx.path
    kind = _object_kind(path, start)
    if kind == "dump":
        yield from _read_dump(sess, start)
        return
    guard = _Guard()
    with path.open("rb") as f:
        f.seek(start)
        reader = _CountingReader(f, start, sess.ctx.progress)
        if kind == "task":
            sess.variant("full JSON")
            for task in guard(ijson.items(reader, "", use_float=True)):
                yield from _task_outputs(sess, task, 1, "task 1", None)
        else:
            for _ in guard(ijson.parse(reader)):
                pass  # still validate the syntax so a broken file says where
            if guard.error is None:
                yield Rejected(
                    record=None,
                    position="byte 0",
                    field=None,
                    reason="not a Label Studio export: a JSON object without projects or annotations",
                    raw=_snippet_file(path),
                )
        if guard.error is not None:
            yield _parse_rejected(path, start, reader, guard.error, 1)


def _object_kind(path: Path, start: int) -> str:
    """'dump', 'task' or 'other' from the first telling top-level key."""
    with path.open("rb") as f:
        f.seek(start)
        try:
            for prefix, event, value in ijson.parse(f):
                if prefix == "" and event == "map_key":
                    if value == "projects":
                        return "dump"
                    if value in ("annotations", "completions", "data"):
                        return "task"
        except ijson.JSONError:
            pass
    return "other"


def _read_dump(sess: _Session, start: int) -> Iterator[Output]:
    """Stream tasks out of ``{"projects": [{"project": ..., "tasks": [...]}]}``.

    Built from parse events rather than ``ijson.items(..., "projects.item")`` so one
    huge project never has to fit in memory.
    """
    sess.variant("multi-project dump")
    path = sess.ctx.path
    guard = _Guard()
    record = 0
    late_names: dict[int, Any] | None = None
    wrapper: _Wrapper | None = None
    in_project = 0
    with path.open("rb") as f:
        f.seek(start)
        reader = _CountingReader(f, start, sess.ctx.progress)
        events = guard(ijson.parse(reader, use_float=True))
        for prefix, event, value in events:
            if prefix == "projects" and event not in ("start_array", "end_array"):
                bad, complete = _build(event, value, events)
                if not complete:
                    break
                yield _reject(1, "projects", "projects", "projects is not a list", bad)
            elif prefix == "projects.item":
                if event in ("map_key", "end_map"):
                    continue
                wrapper = _Wrapper(index=(wrapper.index + 1) if wrapper else 1)
                in_project = 0
                if event == "start_map":
                    continue
                bad, complete = _build(event, value, events)
                if not complete:
                    break
                yield _reject(record + 1, wrapper.where(), "projects", "project entry is not an object", bad)
            elif prefix == "projects.item.project" and wrapper is not None and event != "map_key":
                project, complete = _build(event, value, events)
                if not complete:
                    break
                wrapper.set_project(project)
            elif prefix == "projects.item.tasks" and wrapper is not None and event not in ("start_array", "end_array"):
                bad, complete = _build(event, value, events)
                if not complete:
                    break
                yield _reject(record + 1, wrapper.where(), "tasks", "tasks is not a list", bad)
            elif prefix == "projects.item.tasks.item" and wrapper is not None:
                task, complete = _build(event, value, events)
                if not complete:
                    break
                if not wrapper.seen:
                    # "project" came after "tasks" (or not at all): look it up once.
                    if late_names is None:
                        late_names = _dump_project_names(path, start)
                    if wrapper.index in late_names:
                        wrapper.set_project(late_names[wrapper.index])
                    wrapper.seen = True
                record += 1
                in_project += 1
                yield from _task_outputs(sess, task, record, f"{wrapper.where()}, task {in_project}", wrapper)
        if guard.error is not None:
            yield _parse_rejected(path, start, reader, guard.error, record + 1)


def _dump_project_names(path: Path, start: int) -> dict[int, Any]:
    """Project values by wrapper index, for dumps that put "project" after "tasks"."""
    found: dict[int, Any] = {}
    index = 0
    with path.open("rb") as f:
        f.seek(start)
        try:
            events = ijson.parse(f, use_float=True)
            for prefix, event, value in events:
                if prefix == "projects.item" and event not in ("map_key", "end_map", "end_array"):
                    index += 1  # counted as the main pass counts entries, objects or not
                elif prefix == "projects.item.project" and event != "map_key":
                    built, complete = _build(event, value, events)
                    if complete:
                        found[index] = built
        except ijson.JSONError:
            pass
    return found


@dataclass(slots=True)
class _Ann:
    """One annotation that passed validation, with what its events need."""

    index: int
    position: str
    data: dict[str, Any]
    ann_id: str
    worker: str
    created: datetime
    rework_at: datetime | None
    label: str | None
    lead: float | None
    cancelled: bool
    ground_truth: bool
    types: set[str]
    reviews: list[tuple[str, Any]] = field(default_factory=list)


def _task_outputs(
    sess: _Session, task: Any, record: int, where: str, wrapper: _Wrapper | None
) -> Iterator[Output]:
    """All outputs of one task; a bug-shaped surprise rejects the task instead of the file."""
    try:
        outputs = _map_task(sess, task, record, where, wrapper)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        outputs = [_reject(record, where, None, f"could not be mapped ({type(exc).__name__}: {exc})", task)]
    yield from outputs


def _map_task(sess: _Session, task: Any, record: int, where: str, wrapper: _Wrapper | None) -> list[Output]:
    if not isinstance(task, dict):
        return [_reject(record, where, None, "task is not a JSON object", task)]
    task_id = _id_text(task.get("id"))
    if task_id is None:
        return [_reject(record, where, "id", "task has no id", task)]
    where = f"{where} (id {task_id})"
    annotations = task.get("annotations", task.get("completions"))
    if annotations is None:
        annotations = []
    if not isinstance(annotations, list):
        return [_reject(record, where, "annotations", "annotations is not a list", task)]
    if not annotations:
        sess.no_annotations += 1
        return []

    entries: list[_Ann | Rejected] = []
    by_id: dict[str, _Ann] = {}
    for index, ann in enumerate(annotations, 1):
        position = f"{where}, annotation {index}"
        mapped = _check_annotation(sess, ann, record, position, index)
        entries.append(mapped)
        if isinstance(mapped, _Ann):
            by_id.setdefault(mapped.ann_id, mapped)
            reviews = mapped.data.get("reviews")
            if reviews and isinstance(reviews, list):
                mapped.reviews = [(f"{position}, review {i}", review) for i, review in enumerate(reviews, 1)]
    orphans = _attach_task_reviews(task, by_id, record, where) if "reviews" in task else []

    project, key = sess.project(task.get("project"), wrapper)
    gold = _gold_label(sess, entries)
    if len(entries) == 1:
        types = entries[0].types if isinstance(entries[0], _Ann) else set()
    else:
        types = {t for a in entries if isinstance(a, _Ann) for t in a.types}
    task_type = sess.task_type(project, types)
    shared = _TaskInfo(project=project, key=key, task_id=task_id, task_type=task_type, gold=gold,
                       queued=_parse_time(task.get("created_at")), extra=_task_extra(task),
                       record=record)  # fmt: skip
    out: list[Output] = []
    for entry in entries:
        out.extend([entry] if isinstance(entry, Rejected) else _annotation_events(sess, entry, shared))
    out.extend(orphans)
    return out


@dataclass(slots=True)
class _TaskInfo:
    """What every event of one task shares."""

    project: str
    key: str
    task_id: str
    task_type: str
    gold: str | None
    queued: datetime | None
    extra: dict[str, Any]
    record: int


def _task_extra(task: dict[str, Any]) -> dict[str, Any]:
    agreement = task.get("agreement")
    if isinstance(agreement, (int, float)) and not isinstance(agreement, bool):
        try:
            if math.isfinite(agreement):
                return {"agreement": agreement}
        except OverflowError:  # an int too large for a float is no percentage
            pass
    return {}


def _check_annotation(sess: _Session, ann: Any, record: int, where: str, index: int) -> _Ann | Rejected:
    if not isinstance(ann, dict):
        return _reject(record, where, None, "annotation is not a JSON object", ann)
    ann_id = _id_text(ann.get("id"))
    if ann_id is None:
        return _reject(record, where, "id", "annotation has no id", ann)
    worker = sess.worker(ann.get("completed_by"))
    if worker is None:
        return _reject(record, where, "completed_by", "no annotator (completed_by missing or empty)", ann)
    created = _parse_time(ann.get("created_at"))
    if created is None:
        reason = "created_at missing" if ann.get("created_at") is None else "created_at is not an ISO 8601 time"
        return _reject(record, where, "created_at", reason, ann)
    result = ann.get("result")
    if result is not None and not isinstance(result, list):
        return _reject(record, where, "result", "result is not a list", ann)
    cancelled = ann.get("was_cancelled") is True
    label = None if cancelled or not result else _result_label(result)
    return _Ann(
        index=index,
        position=where,
        data=ann,
        ann_id=ann_id,
        worker=worker,
        created=created,
        rework_at=_rework_time(ann, created),
        label=label,
        lead=sess.lead_time(ann.get("lead_time")),
        cancelled=cancelled,
        ground_truth=ann.get("ground_truth") is True and not cancelled and label is not None,
        types={r["type"] for r in result or () if isinstance(r, dict) and isinstance(r.get("type"), str)},
    )


def _rework_time(ann: dict[str, Any], created: datetime) -> datetime | None:
    """When the annotator changed their submitted answer, or None.

    Label Studio keeps one row per annotation and overwrites it, so rework shows only as
    a later ``updated_at``. That alone is not rework: an admin marking ground truth bumps
    it too (and becomes ``updated_by``), and a reviewer's fix is ``fixed_and_accepted``,
    a review outcome. Rework is ``last_action == "updated"`` or a later save by the
    annotator themselves - unless ground truth is set and nothing says "updated", since
    an admin who annotated and then marked their own annotation would look the same.
    """
    last_action = ann.get("last_action")
    if last_action != "updated":
        if last_action == "fixed_and_accepted" or ann.get("ground_truth") is True:
            return None
        by_annotator = _user_num(ann.get("updated_by"))
        if by_annotator is None or by_annotator != _user_num(ann.get("completed_by")):
            return None
    updated_text = ann.get("updated_at")
    created_text = ann.get("created_at")
    if (
        isinstance(updated_text, str)
        and updated_text[:19] == created_text[:19]
        and _zone_suffix(updated_text) == _zone_suffix(created_text)
    ):
        return None  # same second, same zone: the save that created it (spares a parse)
    updated = _parse_time(updated_text)
    if updated is None or updated - created <= _REWORK_MIN_GAP:
        return None
    return updated


def _zone_suffix(text: str) -> str:
    if text.endswith("Z"):
        return "Z"
    return text[-6:] if len(text) > 19 and text[-6:-5] in ("+", "-") else ""


def _attach_task_reviews(task: dict[str, Any], by_id: dict[str, _Ann], record: int, where: str) -> list[Rejected]:
    """Hang task-level reviews on the annotation they name; the rest come back rejected."""
    reviews = task.get("reviews")
    orphans: list[Rejected] = []
    for index, review in enumerate(reviews if isinstance(reviews, list) else (), 1):
        position = f"{where}, review {index}"
        target = review.get("annotation") if isinstance(review, dict) else None
        if isinstance(target, dict):
            target = target.get("id")
        ann = by_id.get(_id_text(target) or "")
        if ann is None:
            orphans.append(_reject(record, position, "annotation", "review names no annotation of this task", review))
            continue
        ann.reviews.append((position, review))
    return orphans


def _gold_label(sess: _Session, entries: list[_Ann | Rejected]) -> str | None:
    golds = [a.label for a in entries if isinstance(a, _Ann) and a.ground_truth]
    if len(set(golds)) > 1:
        sess.gold_conflicts += 1
    return golds[0] if golds else None


def _annotation_events(sess: _Session, ann: _Ann, task: _TaskInfo) -> list[Output]:
    """The label event(s) of one annotation, then its reviews.

    Rework gives two attempts. Label Studio overwrote the first answer, so attempt 1
    has no label and no duration of its own; attempt 2 carries the current label and
    the whole lead_time (it accumulates across sessions and cannot be split), so the
    item's total time is counted exactly once.
    """
    meta: dict[str, Any] = {"ls_annotation_id": ann.ann_id, "ls_task_id": task.task_id}
    if task.extra:
        meta.update(task.extra)
    last_action = ann.data.get("last_action")
    if isinstance(last_action, str):
        meta["last_action"] = last_action
    if ann.ground_truth:
        meta["ground_truth"] = True
    if ann.cancelled:
        sess.skipped += 1
    outcome = "skipped" if ann.cancelled else "submitted"
    first_id = make_event_id(source, task.key, "annotation", ann.ann_id)
    first = sess.event(
        event_id=first_id, project=task.project, item_id=task.task_id, task_type=task.task_type,
        stage="label", attempt=1, worker_id=ann.worker, queued_at=task.queued,
        submitted_at=ann.created, outcome=outcome, gold_label=task.gold, record=task.record,
        position=ann.position, raw=_raw_text(_scrub_annotation(ann.data)),
    )  # fmt: skip
    if ann.rework_at is None:
        started = sess.started_at(ann.created, ann.lead)
        if started is not None:
            meta["started_at_estimated"] = True
        first["started_at"] = started
        first["active_s"] = ann.lead
        first["label"] = ann.label
        first["meta"] = _dumps(meta)
        events: list[Output] = [first]
        attempts = [(ann.created, first_id)]
    else:
        sess.reworked += 1
        first["outcome"] = "submitted"
        first["meta"] = _dumps({**meta, "reworked": True})
        rework_id = make_event_id(source, task.key, "annotation", ann.ann_id, "rework")
        second = dict(first)
        second.update(
            event_id=rework_id, attempt=2, submitted_at=ann.rework_at, queued_at=None, active_s=ann.lead,
            outcome=outcome, label=ann.label, meta=_dumps({**meta, "lead_time_cumulative": True}),
        )  # fmt: skip
        events = [first, second]
        attempts = [(ann.created, first_id), (ann.rework_at, rework_id)]
    if ann.reviews:
        events.extend(_review_events(sess, ann, attempts, task))
    return events


def _review_events(sess: _Session, ann: _Ann, attempts: list[tuple[datetime, str]], task: _TaskInfo) -> list[Output]:
    """One review event per Enterprise review, numbered in time order per annotation.

    Each links to the attempt that was current when the review was made: a rejection
    judges attempt 1, an acceptance after the rework judges attempt 2.
    """
    out: list[Output] = []
    seen: set[str] = set()
    checked: list[tuple[datetime, str, str, dict[str, Any], str]] = []
    record = task.record
    for position, review in ann.reviews:
        if not isinstance(review, dict):
            out.append(_reject(record, position, None, "review is not a JSON object", review))
            continue
        review_id = _id_text(review.get("id"))
        if review_id is None:
            out.append(_reject(record, position, "id", "review has no id", review))
            continue
        if review_id in seen:
            continue  # the same review listed on the task and on the annotation
        seen.add(review_id)
        created = _parse_time(review.get("created_at"))
        if created is None:
            out.append(_reject(record, position, "created_at", "review created_at missing or not ISO 8601", review))
            continue
        reviewer = sess.worker(review.get("created_by"))
        if reviewer is None:
            out.append(_reject(record, position, "created_by", "no reviewer (created_by missing or empty)", review))
            continue
        checked.append((created, review_id, reviewer, review, position))
    checked.sort(key=lambda r: (r[0], _sortable_id(r[1])))
    last_accepted = max((i for i, r in enumerate(checked) if r[3].get("accepted") is True), default=None)
    attempt = 0
    for i, (created, review_id, reviewer, review, position) in enumerate(checked):
        result = review.get("result")
        review_label = _result_label(result) if isinstance(result, list) and result else None
        outcome = _review_outcome(ann, review, review_label, i == last_accepted)
        if outcome is None:
            out.append(_reject(record, position, "accepted", "review is neither accepted nor rejected", review))
            continue
        attempt += 1
        judged_at, judged_id = attempts[0]
        for at, eid in attempts:
            if at <= created:
                judged_at, judged_id = at, eid
        out.append(
            sess.event(
                event_id=make_event_id(source, task.key, "review", review_id),
                project=task.project,
                item_id=task.task_id,
                task_type=task.task_type,
                stage="review",
                attempt=attempt,
                worker_id=reviewer,
                queued_at=judged_at,
                submitted_at=created,
                outcome=outcome,
                label=review_label,
                reviews_event_id=judged_id,
                meta={"ls_review_id": review_id, "ls_annotation_id": ann.ann_id, "ls_task_id": task.task_id},
                record=record,
                position=position,
                raw=_raw_text(_scrub_annotation(review)),
            )
        )
    return out


def _review_outcome(ann: _Ann, review: dict[str, Any], review_label: str | None, latest_accept: bool) -> str | None:
    """accepted / rejected / fixed.

    A rejection stays a rejection even if its stored result differs: the annotator may
    have reworked since, which changes the annotation, not what the reviewer did.
    """
    accepted = review.get("accepted")
    if accepted is False:
        return "rejected"
    fixed = (
        review.get("fixed_annotation_history") not in (None, False, "", [])
        or (review_label is not None and review_label != ann.label)
        or (latest_accept and ann.data.get("last_action") == "fixed_and_accepted")
    )
    if fixed:
        return "fixed"
    return "accepted" if accepted is True else None


# --------------------------------------------------------------------------- JSON_MIN / CSV


def _json_min_rows(path: Path, start: int, progress: Any, report: bool) -> Iterator[tuple[int, Any, _RowSource]]:
    """Rows of a JSON_MIN export; a syntax error ends them with one Rejected (if ``report``)."""
    guard = _Guard()
    record = 0
    with path.open("rb") as f:
        f.seek(start)
        reader = _CountingReader(f, start, progress)
        for record, row in enumerate(guard(ijson.items(reader, "item", use_float=True)), 1):
            yield record, row, _JSON_SOURCE
        if guard.error is not None and report:
            yield record + 1, _parse_rejected(path, start, reader, guard.error, record + 1), _JSON_SOURCE


@dataclass(frozen=True)
class _RowSource:
    """How a flat row's cells are read: JSON_MIN has typed values, CSV has strings."""

    is_csv: bool
    keys_ordered: bool

    def value(self, cell: Any) -> Any:
        if not self.is_csv:
            return cell
        if cell is None or cell == "":
            return None
        if cell[:1] in ("[", "{"):
            try:
                return json.loads(cell)
            except ValueError:
                return cell
        return cell


_JSON_SOURCE = _RowSource(is_csv=False, keys_ordered=True)


def _csv_rows(path: Path, start: int, progress: Any, report: bool) -> Iterator[tuple[int, Any, _RowSource]]:
    """Rows of a CSV/TSV export as dicts; undecodable or ragged rows as Rejected.

    Decoding with surrogateescape lets one badly encoded row be rejected on its own
    while the rest of the file still reads.
    """
    # Task data columns (whole documents) can exceed csv's 128 KiB default; only ever raise it.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))
    with io.TextIOWrapper(path.open("rb"), encoding="utf-8", errors="surrogateescape", newline="") as text:
        binary = text.buffer
        binary.seek(start)
        first_line = text.readline()
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        try:
            header = [h.strip() for h in next(csv.reader([first_line], delimiter=delimiter), [])]
        except csv.Error:
            header = []
        missing = [c for c in ("annotation_id", "created_at") if c not in header]
        if missing:
            reason = f"not a Label Studio CSV export: no {' or '.join(missing)} column"
            yield 0, Rejected(None, "header", missing[0], reason, _clip(_printable(first_line))), _CSV_UNORDERED
            return
        row_source = _RowSource(is_csv=True, keys_ordered=header != sorted(header))
        reader = csv.reader(text, delimiter=delimiter)
        record = 0
        next_report = _PROGRESS_STEP
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                record += 1
                yield record, Rejected(record, f"row {record}", None, f"malformed CSV: {exc}", None), row_source
                continue
            if not cells or cells == [""]:
                continue
            record += 1
            if progress is not None and record % 512 == 0 and binary.tell() >= next_report:
                progress(binary.tell())
                next_report = binary.tell() + _PROGRESS_STEP
            joined = "\x1f".join(cells)
            if not joined.isascii() and not _encodable(joined):
                reason = "not UTF-8 text (Latin-1 or another encoding?)"
                raw = _raw_text(_scrub_cells([_printable(c) for c in cells]))
                yield record, Rejected(record, f"row {record}", None, reason, raw), row_source
                continue
            if len(cells) != len(header):
                reason = f"row has {len(cells)} fields, the header has {len(header)}"
                raw = _raw_text(_scrub_cells(cells))
                yield record, Rejected(record, f"row {record}", None, reason, raw), row_source
                continue
            yield record, dict(zip(header, cells)), row_source


_CSV_UNORDERED = _RowSource(is_csv=True, keys_ordered=False)


def _printable(text: str) -> str:
    """Undecodable bytes shown as \\xNN rather than lone surrogates (which cannot be stored)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class _KeyStats:
    """Evidence about one JSON_MIN/CSV column: is it a labeling control or task data?"""

    shaped: bool = False
    structured: bool = False
    long_or_url: bool = False
    varies: bool = False
    before_id: int = 0
    after_id: int = 0
    distinct: set[str] = field(default_factory=set)
    overflow: bool = False


class _ColumnRoles:
    """Tells answer columns from task data columns without the labeling config.

    JSON_MIN/CSV put both in one flat row. The evidence, strongest first: a value shaped
    like a control's output; a value that differs between annotations of one task (task
    data cannot); structured or URL/long text values (data); sitting before ``id`` in an
    exporter-ordered row (the exporter writes data, then id, then controls); Label
    Studio's conventional data names; one distinct value per task (data); else control.
    """

    _CAP = 64

    def __init__(self) -> None:
        self.stats: dict[str, _KeyStats] = {}
        self.tasks = 0
        self._prev_task: str | None = None
        self._prev: dict[str, str] = {}

    def observe(self, row: dict[str, Any], src: _RowSource) -> None:
        task = _id_text(row.get("id"))
        same_task = task is not None and task == self._prev_task
        if not same_task:
            self.tasks += 1
            self._prev_task = task
            self._prev = {}
        keys = list(row)
        id_pos = keys.index("id") if src.keys_ordered and "id" in keys and keys != sorted(keys) else None
        if id_pos == 0:
            # Task data is never empty, so an appended id cannot come first: this id is a
            # data key the exporter overwrote in place, and the order tells nothing.
            id_pos = None
        for pos, key in enumerate(keys):
            if _is_meta_column(key, row):
                continue
            value = src.value(row[key])
            if value is None or value == "" or value == [] or value == {}:
                continue
            st = self.stats.setdefault(key, _KeyStats())
            if _control_shaped(value):
                st.shaped = True
            elif isinstance(value, (dict, list)):
                st.structured = True
            elif isinstance(value, str) and (len(value) > 200 or "\n" in value or _URLISH.match(value)):
                st.long_or_url = True
            fingerprint = value if isinstance(value, str) else _dumps(value)
            if len(st.distinct) < self._CAP:
                st.distinct.add(fingerprint)
            elif fingerprint not in st.distinct:
                st.overflow = True
            if same_task and key in self._prev and self._prev[key] != fingerprint:
                st.varies = True
            self._prev[key] = fingerprint
            if id_pos is not None:
                if pos < id_pos:
                    st.before_id += 1
                else:
                    st.after_id += 1

    def controls(self) -> set[str]:
        return {key for key, st in self.stats.items() if self._is_control(key, st)}

    def _is_control(self, key: str, st: _KeyStats) -> bool:
        if st.shaped or st.varies:
            return True
        if st.structured or st.long_or_url or st.before_id > st.after_id:
            return False
        if key.lower() in _CONVENTIONAL_DATA_KEYS:
            return False
        if st.after_id:
            return True
        if st.overflow or (self.tasks >= 3 and len(st.distinct) >= self.tasks):
            return False
        return True


def _is_meta_column(key: str, row: dict[str, Any]) -> bool:
    # Chat controls add a derived "<name>_transcript" column next to "<name>".
    return key in _MIN_META or (key.endswith("_transcript") and key[: -len("_transcript")] in row)


def _control_shaped(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(_VALUE_KEYS & value.keys())
    if isinstance(value, list) and value:
        return all(
            isinstance(v, dict) and (_VALUE_KEYS & v.keys() or {"start", "end"} <= v.keys() or {"x", "y"} <= v.keys())
            for v in value
        )
    return False


def _read_flat(sess: _Session, start: int, kind: str) -> Iterator[Output]:
    """JSON_MIN and CSV: a pre-pass tells answer columns from data, then one event per row."""
    rows = _json_min_rows if kind == "json_min" else _csv_rows
    sess.variant("JSON_MIN" if kind == "json_min" else "CSV")
    path = sess.ctx.path
    roles = _ColumnRoles()
    seen_rows = False
    for _, row, src in rows(path, start, None, False):
        if isinstance(row, dict):
            seen_rows = True
            roles.observe(row, src)
    controls = roles.controls()
    data_keys = sorted(set(roles.stats) - controls)
    if seen_rows:
        sess.ctx.note(
            f"{'JSON_MIN' if kind == 'json_min' else 'CSV'} export: answer columns {sorted(controls) or 'none'}, "
            f"task data columns {data_keys or 'none'} (inferred without the labeling config); "
            "skipped annotations, reviews, rework and ground truth are not in this format"
        )
    for record, row, src in rows(path, start, sess.ctx.progress, True):
        if isinstance(row, Rejected):
            yield row
            continue
        try:
            yield from _flat_row_events(sess, row, record, src, controls, kind)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
            yield _reject(record, f"row {record}", None, f"could not be mapped ({type(exc).__name__}: {exc})", row)


def _flat_row_events(
    sess: _Session, row: Any, record: int, src: _RowSource, controls: set[str], kind: str
) -> list[Output]:
    where = f"row {record}"
    if not isinstance(row, dict):
        return [_reject(record, where, None, "row is not a JSON object", row)]
    ann_id = _id_text(src.value(row.get("annotation_id")))
    task_id = _id_text(src.value(row.get("id")))
    if ann_id is None:
        if task_id is not None:
            sess.no_annotations += 1  # newer exporters write one empty row per unannotated task
            return []
        return [_reject(record, where, "annotation_id", "row has no annotation_id", row)]
    where = f"{where} (annotation {ann_id})"
    if task_id is None:
        return [_reject(record, where, "id", "row has no task id", row)]
    if src.is_csv and not _FLOAT_INT.match(task_id) and not task_id.lstrip("-").isdigit():
        sess.item_ids_from_data += 1
    worker = sess.worker(src.value(row.get("annotator")))
    if worker is None:
        return [_reject(record, where, "annotator", "no annotator", row)]
    created_raw = src.value(row.get("created_at"))
    created = _parse_time(created_raw)
    if created is None:
        reason = "created_at missing" if created_raw is None else "created_at is not an ISO 8601 time"
        return [_reject(record, where, "created_at", reason, row)]
    answers = {k: src.value(row[k]) for k in row if k in controls}
    answers = {k: v for k, v in answers.items() if v not in (None, "", [], {})}
    label, types = _flat_answer(answers)
    project, key = sess.project(None, None)
    lead = sess.lead_time(src.value(row.get("lead_time")))
    started = sess.started_at(created, lead)
    meta: dict[str, Any] = {"ls_annotation_id": ann_id, "ls_task_id": task_id, "export": kind}
    agreement = src.value(row.get("agreement"))
    if agreement is not None:
        meta["agreement"] = agreement
    if started is not None:
        meta["started_at_estimated"] = True
    return [
        sess.event(
            event_id=make_event_id(source, key, "annotation", ann_id),
            project=project,
            item_id=task_id,
            task_type=sess.task_type(project, types),
            stage="label",
            attempt=1,
            worker_id=worker,
            submitted_at=created,
            started_at=started,
            active_s=lead,
            outcome="submitted",
            label=label,
            meta=meta,
            record=record,
            position=where,
            raw=_raw_text(_scrub_flat(row)),
        )
    ]


def _flat_answer(answers: dict[str, Any]) -> tuple[str | None, set[str]]:
    """Canonical label and result types from JSON_MIN/CSV control values.

    JSON_MIN "prettifies" values (a single choice becomes a bare string, one multi-choice
    a dict, regions a list); undoing that gives the same label text the full export gives.
    """
    per_control: dict[str, Any] = {}
    types: set[str] = set()
    for key, value in answers.items():
        if isinstance(value, dict):
            values = [value]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            values = value
        else:
            per_control[key] = _canon(value)
            types.add("choices" if isinstance(value, str) else "other")
            continue
        answer = _group_answer(values)
        if answer is not None:
            per_control[key] = answer
        types.update(_value_types(values))
    if not per_control:
        return None, types
    only = next(iter(per_control.values())) if len(per_control) == 1 else per_control
    return _label_text(only), types


def _value_types(values: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for v in values:
        keys = v.keys()
        if "selected" in keys:
            found.add("pairwise")
        elif "text" in keys and not keys & {"labels", "start"}:
            found.add("textarea")
        found.update(k for k in keys if k in _TASK_TYPE_RANK)
    return found


# --------------------------------------------------------------------------- labels


# --------------------------------------------------------------------------- small helpers


def _parse_time(value: Any) -> datetime | None:
    """ISO 8601 text to an aware UTC datetime; None when absent or unparseable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return to_utc(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):
        return None


def _id_text(value: Any) -> str | None:
    """A source id as text: 31, 31.0 and "31" are all "31"; objects are not ids."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return text.split(".", 1)[0] if _FLOAT_INT.match(text) else text
    return None


def _user_text(who: Any) -> str | None:
    """Worker id: the e-mail of a user object if any, else its id; ints and strings as text."""
    if isinstance(who, dict):
        email = who.get("email")
        if isinstance(email, str) and email.strip():
            return email.strip()
        who = who.get("id")
        if isinstance(who, (dict, list)):
            return None
    text = _id_text(who)
    if text is None or text.lower() in ("none", "null", "nan"):
        return None
    return text


def _user_num(who: Any) -> str | None:
    """The numeric identity of a user reference (int or object), for same-person checks."""
    if isinstance(who, dict):
        who = who.get("id")
    return _id_text(who) if isinstance(who, (int, float, str)) else None


def _sortable_id(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isascii() and text.isdigit() else (0, text)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _clip(text: str) -> str:
    return text if len(text) <= _RAW_LIMIT else text[:_RAW_LIMIT] + "...[truncated]"


def _raw_text(value: Any) -> str:
    """The record as JSON text for quarantine: orjson, as it is built for every event (the hot
    path) and not hashed; the standard library for what orjson refuses (integers over 64 bits)."""
    text: str | None = None
    try:
        text = orjson.dumps(value, default=str).decode("utf-8")
    except (TypeError, ValueError):
        text = None
    if text is None:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            try:
                text = repr(value)
            except RecursionError:
                text = "<record too deeply nested to show>"
    return _clip(text)


def _reject(record: int, position: str, field_name: str | None, reason: str, raw: Any) -> Rejected:
    try:
        scrubbed = _scrub_deep(raw)
    except RecursionError:
        scrubbed = None
    return Rejected(record=record, position=position, field=field_name, reason=reason, raw=_raw_text(scrubbed))


def _snippet(data: bytes, offset: int) -> str:
    text = data[offset : offset + 300].decode("utf-8", errors="backslashreplace")
    return _clip(text.replace("\x00", "\\x00"))  # show UTF-16's NULs rather than store them


def _snippet_file(path: Path) -> str:
    with path.open("rb") as f:
        return _snippet(f.read(300), 0)
