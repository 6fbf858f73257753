"""A watched folder: export files are ingested as they appear, once each.

Tools and people drop exports into a folder; this ingests each one through the normal
path (any supported format, detected per file). Three rules make "once each" hold:

- **settled**: a file is taken only after its size and modification time have stayed the
  same for ``settle_s`` and it looks complete (a JSON document ends with ``]`` or ``}``,
  a CSV or JSON-lines file with a newline, a Parquet file with its footer), so a file still
  being copied is not read half-written. A file that never looks complete is taken after
  ``max_wait_s`` anyway, and its bad records go to the quarantine as usual.
- **by content**: the store's ingest log keeps every file's fingerprint, so a file already
  ingested (under this name or another, before a restart or not) is skipped; an export
  rewritten with new content is ingested again and updates what changed.
- **names**: hidden files (``.name``), names starting with ``_`` and the usual partial-download
  suffixes (``.part``, ``.tmp``, ``.crdownload``, ``.partial``, ``~``) are never taken, so
  a writer that writes to such a name and renames at the end is always safe.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from labelline.ingest.pipeline import file_fingerprint, ingest_file
from labelline.ingest.records import ReadOptions
from labelline.ingest.summary import FileSummary
from labelline.live.state import LiveState, iso, now_utc
from labelline.sql import query
from labelline.store import EventStore

__all__ = ["FolderWatcher", "PARTIAL_SUFFIXES"]

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp", "~")
_TAIL_BYTES = 64


@dataclass
class _Seen:
    signature: tuple[int, int]  # (size, mtime_ns)
    since: float  # monotonic time the signature was first seen
    done: bool = False


@dataclass
class PollResult:
    """What one pass over the folder did."""

    ingested: list[FileSummary] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "name: why" for files passed over for good
    waiting: list[str] = field(default_factory=list)  # names not settled yet
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.ingested or f.updated or f.retired for f in self.ingested)


def _eligible(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).parts
    if any(part.startswith((".", "_")) for part in rel):
        return False
    return not path.name.lower().endswith(PARTIAL_SUFFIXES)


def looks_complete(path: Path) -> bool:
    """Whether the file's last bytes end it as its format would (a cheap, format-agnostic check)."""
    size = path.stat().st_size
    if size == 0:
        return False
    with open(path, "rb") as f:
        f.seek(max(size - _TAIL_BYTES, 0))
        tail = f.read()
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return tail.endswith(b"PAR1")
    stripped = tail.rstrip()
    if suffix == ".json":
        return stripped.endswith((b"]", b"}"))
    if suffix in (".jsonl", ".ndjson", ".csv", ".tsv", ".txt"):
        return tail.endswith(b"\n") or stripped.endswith(b"}")
    return True


class FolderWatcher:
    """Polls one folder (recursively) and ingests settled files into the store."""

    kind = "watch"

    def __init__(self, store: EventStore, folder: Path, fmt: str = "auto", options: ReadOptions | None = None,
                 settle_s: float = 2.0, max_wait_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.folder = Path(folder).resolve()
        self.fmt = fmt
        self.options = options
        self.settle_s = settle_s
        self.max_wait_s = max_wait_s
        self.clock = clock
        self.seen: dict[Path, _Seen] = {}
        self.fingerprints: dict[str, str] | None = None  # sha -> first name, from the ingest log
        self.state = LiveState.open(store.root, self.kind, str(self.folder))

    def _known(self) -> dict[str, str]:
        if self.fingerprints is None:
            self.fingerprints = {}
            if self.store.exists():
                con = self.store.connect()
                try:
                    self.fingerprints = dict(query(con, "live/ingested_fingerprints").fetchall())
                finally:
                    con.close()
        return self.fingerprints

    def poll(self) -> PollResult:
        """One pass: note new and changed files, ingest those that have settled."""
        result = PollResult()
        if not self.folder.is_dir():
            result.errors.append(f"{self.folder}: no such folder")
            return result
        now = self.clock()
        present = set()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            if not _eligible(path, self.folder):
                continue
            present.add(path)
            try:
                st = path.stat()
            except OSError:
                continue  # removed between listing and stat
            signature = (st.st_size, st.st_mtime_ns)
            seen = self.seen.get(path)
            if seen is None or seen.signature != signature:
                seen = self.seen[path] = _Seen(signature, now)
            if seen.done:
                continue
            # Quiet for settle_s: unchanged across our polls, or not modified for that long
            # (a file already there when the watch starts needs no wait).
            waited = now - seen.since
            if max(waited, time.time() - st.st_mtime) < self.settle_s:
                result.waiting.append(path.name)
                continue
            try:
                complete = looks_complete(path)
            except OSError as exc:
                result.errors.append(f"{path.name}: cannot read ({exc.strerror or exc})")
                seen.done = True
                continue
            if not complete and waited < self.max_wait_s:
                result.waiting.append(path.name)
                continue
            self._take(path, seen, result)
        for gone in set(self.seen) - present:
            del self.seen[gone]
        return result

    def _take(self, path: Path, seen: _Seen, result: PollResult) -> None:
        seen.done = True
        try:
            fingerprint = file_fingerprint(path)
        except OSError as exc:
            result.errors.append(f"{path.name}: cannot read ({exc.strerror or exc})")
            return
        known = self._known()
        if fingerprint in known:
            first = Path(known[fingerprint]).name
            why = "already ingested" if first == path.name else f"same content as {first}, already ingested"
            result.skipped.append(f"{path.name}: {why}")
            return
        summary = ingest_file(path, self.store, fmt=self.fmt, options=self.options)
        known[fingerprint] = str(path)
        result.ingested.append(summary)

    def record(self, result: PollResult) -> None:
        """Fold one pass into the saved state (for the Data page)."""
        st = self.state
        st.attempt()
        for f in result.ingested:
            st.files += 1
            st.ingested += f.ingested
            st.updated += f.updated
            st.retired += f.retired
            st.quarantined += f.quarantined
        problems = [p for f in result.ingested for p in f.problems] + result.errors
        if problems:
            st.last_problems = problems[-20:]
        if result.errors:
            st.failed(result.errors[-1])
        else:
            st.succeeded(result.changed)
        st.save(self.store.root)

    def run(self, every_s: float = 5.0, stop: threading.Event | None = None, polls: int | None = None,
            on_poll: Callable[[PollResult], None] | None = None,
            after_change: Callable[[], None] | None = None) -> None:
        """Poll every ``every_s`` until ``stop`` is set (or ``polls`` passes are done)."""
        stop = stop or threading.Event()
        st = self.state
        st.running, st.interval_s, st.started_at = True, every_s, iso(now_utc())
        st.pid = os.getpid()
        st.save(self.store.root)
        done = 0
        try:
            while not stop.is_set():
                started = time.monotonic()
                result = self.poll()
                self.record(result)
                if result.changed and after_change:
                    after_change()
                if on_poll:
                    on_poll(result)
                done += 1
                if polls is not None and done >= polls:
                    break
                stop.wait(max(every_s - (time.monotonic() - started), 0.0))
        finally:
            st.running = False
            st.save(self.store.root)
