"""Ingest: files in, events committed, every record accounted for.

One file is one atomic step, under the store's writer lock:

1. stage   the adapter's output lands in a DuckDB work area (spilling to disk, so a
           file of several GB runs in bounded memory);
2. check   sql/ingest/validate.sql types every record and names the first rule it
           breaks; repeated event ids within the file are rejected too;
3. privacy e-mails and names in worker ids become keyed pseudonyms;
4. diff    each good event is new, unchanged or updated against the store;
5. publish new and updated events go to fresh Parquet files; files holding replaced
           rows are rewritten without them; one Delta commit swaps them in;
6. record  rejected records go to the quarantine, the counts to the ingest log.

With ``replace_items`` the file is the whole truth about the items it holds (a live
sync's fresh copy of changed tasks): stored events of those items that the file no
longer has (an annotation deleted at the source) are retired in the same commit.

A crash before step 5's commit leaves the store as it was (plus unreferenced files);
re-running the same file then does the whole work exactly once, because ids are
deterministic and step 4 skips what is already there.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from labelline.ingest.adapters import ADAPTERS, events as events_adapter
from labelline.ingest.checks import (
    check_sql, create_rejected, has_table, head_text, polling, pseudonymise, reject, run_sql, stage_python,
    stage_sql, validate, validate_empty,
)
from labelline.ingest.detect import Detection, detect
from labelline.ingest.publish import log_ingest, publish_fast, write_events, write_quarantine
from labelline.ingest.records import ReadContext, ReadOptions, Rejected
from labelline.ingest.summary import FileSummary, IngestSummary, Progress
from labelline.sql import run, sql_text
from labelline.store import EventStore

__all__ = ["FileSummary", "IngestSummary", "Progress", "ingest_file", "file_fingerprint", "ingest_paths", "new_ingest_id"]

WORK_MEMORY = "600MB"  # DuckDB spills past this: peak RSS stays under ~1 GB on any file size


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p).parts
                if child.is_file() and not any(part.startswith((".", "_")) for part in rel):
                    yield child
        else:
            yield p


def ingest_paths(
    paths: Sequence[str | Path],
    store: EventStore,
    fmt: str = "auto",
    options: ReadOptions | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest files and folders (recursively, in name order); one commit per file."""
    summary = IngestSummary()
    with store.tables.writer():
        store.tables.ensure()
    for path in _expand(Path(p) for p in paths):
        summary.files.append(ingest_file(path, store, fmt=fmt, options=options, progress=progress))
    return summary


def new_ingest_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:10]


def file_fingerprint(path: Path) -> str:
    """SHA-256 of size, first and last MiB: identifies a file without reading GBs."""
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), 2)
            h.update(f.read())
    return h.hexdigest()


def ingest_file(
    path: Path,
    store: EventStore,
    fmt: str = "auto",
    options: ReadOptions | None = None,
    progress: Progress | None = None,
    replace_items: bool = False,
) -> FileSummary:
    """Ingest one file atomically. Never raises for bad content; see FileSummary.problems.

    ``replace_items``: the file holds everything its items now have; events of those
    items that it lacks are retired (see the module's docstring).
    """
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    path = Path(path)
    ingest_id = new_ingest_id()
    summary = FileSummary(path=str(path), format=fmt, detected="", ingest_id=ingest_id)
    if not path.is_file():
        summary.problems.append(f"{path}: no such file")
        return summary
    if path.stat().st_size == 0:
        summary.detected = "empty file"
        summary.notes.append("empty file: nothing to ingest")
        summary.problems.append(f"{path}: empty file, nothing to ingest")
        return summary
    found = detect(path, fmt)
    summary.format, summary.detected = found.format, found.description
    ctx = ReadContext(path=path, options=options or ReadOptions(), variant=found.variant)
    size = path.stat().st_size
    if progress:
        ctx.progress = lambda done: progress(path, min(done / size, 1.0))

    work_dir = store.root / "_work" / ingest_id
    work_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        run_sql(con, "SET TimeZone = 'UTC'")
        run_sql(con, f"SET memory_limit = '{WORK_MEMORY}'")
        run_sql(con, "SET temp_directory = ?", [str(work_dir)])
        # DuckDB tracks a query's progress only with its bar enabled; we draw our own.
        run_sql(con, "SET enable_progress_bar = true")
        run_sql(con, "SET enable_progress_bar_print = false")
        # Order is restored where it matters (record numbers come from row_number over the
        # source); letting DuckDB write in parallel without it is ~25 % faster.
        run_sql(con, "SET preserve_insertion_order = false")
        run_sql(con, sql_text("ingest/content_hash_macro"))
        run_sql(con, sql_text("ingest/clean_text_macro"))
        with store.tables.writer():
            store.tables.ensure()
            _run(con, store, ctx, found, summary, progress, replace_items)
            summary.notes.extend(n for n in ctx.notes if n not in summary.notes)
            log_ingest(con, store, summary, started_at, file_fingerprint(path))
    finally:
        con.close()
        shutil.rmtree(work_dir, ignore_errors=True)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _run(
    con: duckdb.DuckDBPyConnection,
    store: EventStore,
    ctx: ReadContext,
    found: Detection,
    summary: FileSummary,
    progress: Progress | None,
    replace_items: bool = False,
) -> None:
    now = datetime.now(timezone.utc)
    create_rejected(con)
    if found.format == "unknown":
        reject(con, [Rejected(None, "whole file", None, found.description, head_text(ctx.path))])
    elif found.format == events_adapter.name and found.variant in ("csv", "parquet") and not replace_items:
        staging = stage_sql(con, ctx, found.variant)
        if staging is not None:
            with polling(con, ctx, progress):
                if publish_fast(con, store, ctx, found, staging, summary, now):
                    return
                check_sql(con, ctx, found.variant, staging, now)
    else:
        adapter = ADAPTERS[found.format]
        run_sql(con, "SET preserve_insertion_order = true")
        stage_python(con, adapter.read(ctx))
        validate(con, ctx, adapter.source, now)
    if not has_table(con, "checked"):
        validate_empty(con)

    run(con, "ingest/duplicate_ids")
    pseudonymise(con, store)

    snap = store.tables.files("events")
    if snap.files:
        run_sql(con, f"CREATE TEMP TABLE diff AS {sql_text('ingest/diff')}", {"files": list(snap.files)})
    else:
        run_sql(con, "CREATE TEMP TABLE diff AS SELECT _seq, 'new' AS status "
                    "FROM checked WHERE _reason IS NULL")
    counts = dict(run_sql(con, "SELECT status, count(*) FROM diff GROUP BY status"))
    summary.ingested = counts.get("new", 0)
    summary.updated = counts.get("updated", 0)
    summary.unchanged = counts.get("unchanged", 0)
    if replace_items and snap.files:
        run_sql(con, f"CREATE TEMP TABLE stale_ids AS {sql_text('ingest/stale_in_scope')}",
                {"files": list(snap.files)})
        summary.retired = run_sql(con, "SELECT count(*) FROM stale_ids")[0][0]
        if summary.retired:
            summary.notes.append(f"{summary.retired} stored events retired: the source no longer has them")

    added, removed = write_events(con, store, summary.ingest_id, now)
    summary.events_version = store.tables.commit_files(
        "events", added, removed,
        {"ingest_id": summary.ingest_id, "source_file": ctx.path.name, "format": found.format},
    )
    summary.quarantined = write_quarantine(con, store, ctx, found, summary, now)
    summary.records = summary.landed + summary.quarantined

