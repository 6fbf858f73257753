"""What an adapter hands to the ingest pipeline.

An adapter reads one file and yields, in file order, either

* an *event*: a ``dict`` keyed by the canonical column names of
  :mod:`labelline.schema` (timestamps as ``datetime``; naive ones are taken as UTC),
  plus three bookkeeping keys: ``_record`` (1-based number of the source record it came
  from), ``_position`` (where, in words: ``"task 12 (id 4031), annotation 2"``) and
  ``_raw`` (the source record as text, kept only if the event is quarantined later), and
  optionally ``_insert_only`` (True: the event restates work another export records more
  fully, so it is added when absent but never overwrites a stored version); or
* a :class:`Rejected` record that could not be mapped at all, with the field and reason.

The pipeline validates every event again (required fields, enums, impossible times)
so an adapter maps and may leave the policing to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Protocol

__all__ = [
    "Adapter",
    "FieldProblem",
    "ReadContext",
    "ReadOptions",
    "Rejected",
    "make_event_id",
    "open_text_file",
    "text_file_problem",
    "to_utc",
]


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input record that could not be turned into events."""

    record: int | None
    position: str
    field: str | None
    reason: str
    raw: str | None


class FieldProblem(Exception):
    """Raised inside an adapter when a value cannot be mapped; becomes a Rejected for its record."""

    def __init__(self, field_name: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class ReadOptions:
    """Settings an adapter may need; every field has a sensible default.

    ``project`` overrides the project name the file implies. ``annotator`` names the
    worker when the file cannot (Prodigy sessions named by timestamp), and
    ``annotator_map`` renames workers (``{"2024-01-05_10-00-00": "alice"}``).
    """

    project: str | None = None
    task_type: str | None = None
    tier: str | None = None
    org: str | None = None
    annotator: str | None = None
    annotator_map: dict[str, str] = field(default_factory=dict)
    # Mechanical Turk: the fee is not in the file. None = Amazon's schedule
    # (20 %, or 40 % for HITs with 10 or more assignments).
    mturk_fee_pct: float | None = None
    # Prodigy: a gap between two answers longer than this is a break, not work.
    prodigy_break_s: float = 300.0


@dataclass
class ReadContext:
    """Per-file context: options, the file's name as recorded, and notes for the summary."""

    path: Path
    options: ReadOptions = field(default_factory=ReadOptions)
    notes: list[str] = field(default_factory=list)
    # Adapters may report bytes read so the command line can draw a progress bar.
    progress: Callable[[int], None] | None = None
    # Set by detection when a format has variants ("full JSON", "JSON_MIN", "CSV").
    variant: str | None = None

    @property
    def source_ref(self) -> str:
        return self.path.name

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


class Adapter(Protocol):
    """One per supported tool. ``name`` is what ``--format`` accepts."""

    name: str
    source: str

    def sniff(self, path: Path, head: bytes) -> str | None:
        """A short description ("Label Studio full JSON export") if the file is ours."""

    def read(self, ctx: ReadContext) -> Iterator[dict[str, Any] | Rejected]:
        """Yield events and rejected records in file order."""


def make_event_id(source: str, *key: object) -> str:
    """A deterministic id from the source and the source's own key for the work.

    Re-ingesting the same record always gives the same id, so it updates rather
    than duplicates. 20 bytes of BLAKE2b: collisions are not a practical concern.
    """
    text = "\x1f".join([source, *("" if k is None else str(k) for k in key)])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def to_utc(value: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def text_file_problem(head: bytes, kind: str) -> str | None:
    """Why a file that should be UTF-8 text (`kind`: "CSV", "JSONL") cannot be read, or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"not UTF-8 text (UTF-16): save the file as UTF-8 {kind}"
    if b"\x00" in head:
        return f"binary data, not {kind} text"
    return None


@contextmanager
def open_text_file(ctx: ReadContext, kind: str) -> Iterator[tuple[BinaryIO | None, Rejected | None]]:
    """Open a line-based text export: (file at its start, None) when readable; (None, why)
    when it cannot be opened or is not UTF-8 text; (None, None) when empty (noted)."""
    try:
        fh = ctx.path.open("rb")
    except OSError as exc:
        yield None, Rejected(None, "file", None, f"cannot open file: {exc.strerror or exc}", None)
        return
    with fh:
        head = fh.read(65536)
        if not head.strip():
            ctx.note("empty file")
            yield None, None
            return
        problem = text_file_problem(head, kind)
        if problem is not None:
            yield None, Rejected(0, "file", None, problem, head[:256].decode("utf-8", "backslashreplace"))
            return
        fh.seek(0)
        yield fh, None
