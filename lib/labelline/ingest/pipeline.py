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

A crash before step 5's commit leaves the store as it was (plus unreferenced files);
re-running the same file then does the whole work exactly once, because ids are
deterministic and step 4 skips what is already there.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from contextlib import contextmanager
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from labelline.ingest.adapters import ADAPTERS, events as events_adapter
from labelline.ingest.detect import Detection, detect
from labelline.ingest.privacy import Pseudonymiser
from labelline.ingest.records import ReadContext, ReadOptions, Rejected
from labelline.schema import EVENT_COLUMNS, OUTCOMES_BY_STAGE, STAGES
from labelline.sql import query, run, sql_text
from labelline.store import EventStore
from labelline.store.tables import WrittenFile

__all__ = ["FileSummary", "IngestSummary", "ingest_paths", "ingest_file", "Progress"]

# (file, fraction done 0..1) — the command line turns this into a progress bar.
Progress = Callable[[Path, float], None]

MAX_ACTIVE_S = 7 * 24 * 3600.0  # a single work session longer than a week is a broken clock
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
BATCH_ROWS = 20_000
WORK_MEMORY = "600MB"  # DuckDB spills past this: peak RSS stays under ~1 GB on any file size
_STAGING_COLUMNS = (*EVENT_COLUMNS, "_seq", "_record", "_position", "_raw", "_insert_only")
_STAGING_TYPES = {"_seq": pa.int64(), "_record": pa.int64(), "_insert_only": pa.bool_()}
_EVENT_SELECT = ", ".join(EVENT_COLUMNS)


@dataclass
class FileSummary:
    """What happened to one input file. ``records`` = ingested + updated + unchanged + quarantined."""

    path: str
    format: str
    detected: str
    records: int = 0
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ingest_id: str = ""
    events_version: int = -1
    seconds: float = 0.0

    @property
    def landed(self) -> int:
        return self.ingested + self.updated + self.unchanged


@dataclass
class IngestSummary:
    files: list[FileSummary] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(getattr(f, key) for f in self.files)

    @property
    def ok(self) -> bool:
        """False only when nothing at all could be ingested (the command's exit status)."""
        return any(f.landed for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        formats = sorted({f.format for f in self.files})
        return {
            "records": self.total("records"),
            "ingested": self.total("ingested"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "quarantined": self.total("quarantined"),
            "format": formats[0] if len(formats) == 1 else ",".join(formats) or None,
            "files": [asdict(f) for f in self.files],
        }


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


def _new_ingest_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:10]


def _fingerprint(path: Path) -> str:
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
) -> FileSummary:
    """Ingest one file atomically. Never raises for bad content; see FileSummary.problems."""
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    path = Path(path)
    ingest_id = _new_ingest_id()
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
        _sql(con, "SET TimeZone = 'UTC'")
        _sql(con, f"SET memory_limit = '{WORK_MEMORY}'")
        _sql(con, "SET temp_directory = ?", [str(work_dir)])
        _sql(con, "SET enable_progress_bar = false")
        # Order is restored where it matters (record numbers come from row_number over the
        # source); letting DuckDB write in parallel without it is ~25 % faster.
        _sql(con, "SET preserve_insertion_order = false")
        _sql(con, sql_text("ingest/content_hash_macro"))
        with store.tables.writer():
            store.tables.ensure()
            _run(con, store, ctx, found, summary, progress)
            summary.notes.extend(n for n in ctx.notes if n not in summary.notes)
            _log_ingest(store, summary, started_at, _fingerprint(path))
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
) -> None:
    now = datetime.now(timezone.utc)
    _create_rejected(con)
    if found.format == "unknown":
        _reject(con, [Rejected(None, "whole file", None, found.description, _head_text(ctx.path))])
    elif found.format == events_adapter.name and found.variant in ("csv", "parquet"):
        staging = _stage_sql(con, ctx, found.variant)
        if staging is not None:
            with _polling(con, ctx, progress):
                if _publish_fast(con, store, ctx, found, staging, summary, now):
                    return
                _check_sql(con, ctx, found.variant, staging, now)
    else:
        adapter = ADAPTERS[found.format]
        _sql(con, "SET preserve_insertion_order = true")
        _stage_python(con, adapter.read(ctx))
        _validate(con, ctx, adapter.source, now)
    if not _has_table(con, "checked"):
        _validate_empty(con)

    run(con, "ingest/duplicate_ids")
    _pseudonymise(con, store)

    snap = store.tables.files("events")
    if snap.files:
        _sql(con, f"CREATE TEMP TABLE diff AS {sql_text('ingest/diff')}", {"files": list(snap.files)})
    else:
        _sql(con, "CREATE TEMP TABLE diff AS SELECT _seq, 'new' AS status, NULL::VARCHAR AS old_file "
                    "FROM checked WHERE _reason IS NULL")
    counts = dict(_sql(con, "SELECT status, count(*) FROM diff GROUP BY status"))
    summary.ingested = counts.get("new", 0)
    summary.updated = counts.get("updated", 0)
    summary.unchanged = counts.get("unchanged", 0)

    added, removed = _write_events(con, store, summary.ingest_id, now)
    summary.events_version = store.tables.commit_files(
        "events", added, removed,
        {"ingest_id": summary.ingest_id, "source_file": ctx.path.name, "format": found.format},
    )
    summary.quarantined = _write_quarantine(con, store, ctx, found, summary, now)
    summary.records = summary.landed + summary.quarantined


def _sql(con: duckdb.DuckDBPyConnection, text: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Execute and drain: DuckDB wants each result consumed before the next statement."""
    return con.execute(text, params).fetchall() if params is not None else con.execute(text).fetchall()


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(_sql(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name])[0][0])


def _head_text(path: Path, limit: int = 400) -> str:
    with open(path, "rb") as f:
        return repr(f.read(limit))


def _create_rejected(con: duckdb.DuckDBPyConnection) -> None:
    _sql(con, "CREATE TEMP TABLE rejected (record BIGINT, position VARCHAR, field VARCHAR, "
                "reason VARCHAR, raw VARCHAR)")


def _reject(con: duckdb.DuckDBPyConnection, rows: list[Rejected]) -> None:
    if rows:
        con.executemany("INSERT INTO rejected VALUES (?, ?, ?, ?, ?)",
                        [(r.record, r.position, r.field, r.reason, r.raw) for r in rows])


def _validate_params(ctx: ReadContext, default_source: str, now: datetime) -> dict[str, Any]:
    return {
        "default_source": default_source,
        "source_ref": ctx.source_ref,
        "default_project": ctx.options.project,
        "stages": list(STAGES),
        "stage_outcomes": [f"{s}/{o}" for s, outs in OUTCOMES_BY_STAGE.items() for o in outs],
        "earliest": EARLIEST,
        "latest": now + timedelta(days=1),
        "max_active_s": MAX_ACTIVE_S,
    }


def _validate(con: duckdb.DuckDBPyConnection, ctx: ReadContext, default_source: str, now: datetime) -> None:
    _sql(con, f"CREATE TEMP TABLE checked AS {sql_text('ingest/validate')}",
                _validate_params(ctx, default_source, now))


def _validate_empty(con: duckdb.DuckDBPyConnection) -> None:
    """No staged records (unknown format, bad header): an empty `checked` keeps later steps uniform."""
    _stage_python(con, iter(()))
    _sql(con, f"CREATE TEMP TABLE checked AS {sql_text('ingest/validate')}",
                _validate_params(ReadContext(Path("-")), "none", datetime.now(timezone.utc)))


def _stage_sql(con: duckdb.DuckDBPyConnection, ctx: ReadContext, kind: str) -> tuple[str, str] | None:
    """(projection onto canonical columns, reader) for a CSV or Parquet file, or None (file rejected)."""
    try:
        projection, reader, columns = events_adapter.stage_sql(con, ctx, kind)
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0][:300]
        _reject(con, [Rejected(None, "whole file", None, f"cannot read as {kind}: {reason}", _head_text(ctx.path))])
        return None
    problem = events_adapter.header_problem(columns, ctx.options.project is not None)
    if problem:
        field_names = problem.split(": ", 1)[1]
        _reject(con, [Rejected(0, "header", field_names, problem, ",".join(columns)[:4000])])
        return None
    return projection, reader


@contextmanager
def _polling(con: duckdb.DuckDBPyConnection, ctx: ReadContext, progress: Progress | None) -> Iterator[None]:
    """Report DuckDB's own progress on the running query while the block runs."""
    stop = threading.Event()
    if progress:
        def poll() -> None:
            while not stop.wait(0.25):
                try:
                    fraction = con.query_progress()
                except duckdb.Error:
                    return
                if fraction >= 0:
                    progress(ctx.path, fraction / 100)
        threading.Thread(target=poll, daemon=True).start()
    try:
        yield
    finally:
        stop.set()


def _publish_fast(
    con: duckdb.DuckDBPyConnection,
    store: EventStore,
    ctx: ReadContext,
    found: Detection,
    staging: tuple[str, str],
    summary: FileSummary,
    now: datetime,
) -> bool:
    """One streaming pass for a clean file: validate, hash, classify and write at once.

    Returns False, having changed nothing, when the file has any bad record or repeated
    id: then the full path re-reads it with record numbers for the quarantine.
    """
    projection, reader = staging
    _sql(con, f"CREATE OR REPLACE TEMP VIEW staged AS SELECT {projection}, NULL::BIGINT AS _seq, "
              f"NULL::BIGINT AS _record, NULL::VARCHAR AS _position, NULL::VARCHAR AS _raw, false AS _insert_only FROM {reader}")
    stored_files = store.tables.files("events").files
    _stored_view(con, stored_files)
    pass_dir = store.root / "_work" / summary.ingest_id / "pass"
    params = {**_validate_params(ctx, _default_source(found), now), "ingest_id": summary.ingest_id, "now": now}
    copy_options = "FORMAT parquet, COMPRESSION zstd, RETURN_STATS true, FILE_SIZE_BYTES '192MB', ROW_GROUP_SIZE 122880"
    by_class: dict[str, list[tuple[Path, int, int]]] = {}
    if stored_files:
        written = _sql(
            con,
            f"COPY (WITH checked AS ({sql_text('ingest/validate')}) {sql_text('ingest/classify')}) "
            f"TO '{_sql_path(pass_dir)}' ({copy_options}, PARTITION_BY (_class))",
            params,
        )
        for filename, rows, size, *_ in written:
            cls = Path(filename).parent.name.split("=", 1)[1]
            by_class.setdefault(cls, []).append((Path(filename), rows, size))
    else:
        # Into an empty store every good row is new: write them, then check nothing was left out.
        written = _sql(
            con,
            f"COPY (WITH checked AS ({sql_text('ingest/validate')}) {sql_text('ingest/classify_first')}) "
            f"TO '{_sql_path(pass_dir)}' ({copy_options})",
            params,
        )
        by_class["new"] = [(Path(f), rows, size) for f, rows, size, *_ in written if rows]
        records = _sql(con, f"SELECT count(*) FROM {reader}")[0][0]
        missing = records - sum(rows for _, rows, _ in by_class["new"])
        if missing:
            by_class["bad"] = [(pass_dir, missing, 0)]
    count = {cls: sum(r for _, r, _ in files) for cls, files in by_class.items()}
    csv_rejects = _sql(con, "SELECT count(*) FROM reject_errors")[0][0] if found.variant == "csv" else 0
    ids = [str(f) for cls in ("new", "updated", "unchanged") for f, _, _ in by_class.get(cls, [])]
    kept = [str(f) for cls in ("new", "updated") for f, _, _ in by_class.get(cls, [])]
    if (
        count.get("bad", 0)
        or csv_rejects
        or (ids and _sql(con, sql_text("ingest/repeated_ids"), {"files": ids})[0][0])
        or (kept and any(Pseudonymiser.is_identifying(w) for (w,) in
                         _sql(con, sql_text("ingest/written_workers"), {"files": kept})))
    ):
        shutil.rmtree(pass_dir, ignore_errors=True)
        return False
    out_dir = store.tables.path("events") / summary.ingest_id
    out_dir.mkdir(parents=True, exist_ok=True)
    added, updated_files = [], []
    for n, (f, rows, size) in enumerate(by_class.get("new", []) + by_class.get("updated", [])):
        target = out_dir / f"part-{n}.parquet"
        f.rename(target)
        added.append(WrittenFile(store.tables.relative("events", target), size, rows))
        if f in {u for u, _, _ in by_class.get("updated", [])}:
            updated_files.append(str(target))
    removed: list[str] = []
    if updated_files:
        _sql(con, "CREATE TEMP TABLE replaced_ids AS SELECT event_id FROM read_parquet(?)", [updated_files])
        removed, rewritten = _retire_replaced(con, store, out_dir, stored_files)
        added += rewritten
    summary.ingested, summary.updated = count.get("new", 0), count.get("updated", 0)
    summary.unchanged = count.get("unchanged", 0)
    summary.events_version = store.tables.commit_files(
        "events", added, removed,
        {"ingest_id": summary.ingest_id, "source_file": ctx.path.name, "format": found.format},
    )
    summary.records = summary.landed
    return True


def _default_source(found: Detection) -> str:
    return ADAPTERS[found.format].source if found.variant != "parquet" else "parquet"


def _stored_view(con: duckdb.DuckDBPyConnection, files: Sequence[str]) -> None:
    """`stored(event_id, content_hash)`: what the store holds now, for classification."""
    if files:
        listed = ", ".join("'" + _sql_path(Path(f)) + "'" for f in files)
        _sql(con, f"CREATE OR REPLACE TEMP VIEW stored AS SELECT event_id, content_hash FROM read_parquet([{listed}])")
    else:
        _sql(con, "CREATE OR REPLACE TEMP VIEW stored AS SELECT NULL::VARCHAR AS event_id, "
                  "NULL::BIGINT AS content_hash WHERE false")


def _check_sql(
    con: duckdb.DuckDBPyConnection, ctx: ReadContext, kind: str, staging: tuple[str, str], now: datetime
) -> None:
    """The full path for a file with problems: number every record so messages can name it."""
    projection, reader = staging
    # Record numbers come from row_number() over the scan: it must follow file order.
    _sql(con, "SET preserve_insertion_order = true")
    if kind == "csv":
        _sql(con, "DELETE FROM reject_errors")
        _sql(con, "DELETE FROM reject_scans")
    # Read every column: when the CSV reader prunes unused ones, DuckDB (2.0) names the
    # wrong column in its reject rows. This path is for files with problems; speed is secondary.
    _sql(con, f"CREATE TEMP TABLE source_rows AS SELECT *, row_number() OVER () AS _row FROM {reader}")
    _sql(con, f"CREATE OR REPLACE TEMP VIEW staged AS SELECT {projection}, _row AS _seq, _row AS _record, "
              f"NULL::VARCHAR AS _position, NULL::VARCHAR AS _raw, false AS _insert_only FROM source_rows")
    _validate(con, ctx, "csv" if kind == "csv" else "parquet", now)
    if kind == "csv":
        run(con, "ingest/csv_rejects")
        run(con, "ingest/csv_record_numbers")


def _stage_python(con: duckdb.DuckDBPyConnection, items: Iterator[dict[str, Any] | Rejected]) -> None:
    """Adapters written in Python: batches of text columns, so one bad value cannot sink a batch."""
    _sql(con, 
        "CREATE TEMP TABLE staged (" + ", ".join(f"{c} VARCHAR" for c in EVENT_COLUMNS)
        + ", _seq BIGINT, _record BIGINT, _position VARCHAR, _raw VARCHAR, _insert_only BOOLEAN)"
    )
    if not _has_table(con, "rejected"):
        _create_rejected(con)
    columns: dict[str, list[Any]] = {c: [] for c in _STAGING_COLUMNS}
    rejected: list[Rejected] = []
    seq = 0

    def flush() -> None:
        if columns["_seq"]:
            batch = pa.table({c: pa.array(v, type=_STAGING_TYPES.get(c, pa.string())) for c, v in columns.items()})
            con.register("staging_batch", batch)
            _sql(con, "INSERT INTO staged SELECT * FROM staging_batch")
            con.unregister("staging_batch")
            for v in columns.values():
                v.clear()
        _reject(con, rejected)
        rejected.clear()

    for item in items:
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        seq += 1
        for c in EVENT_COLUMNS:
            columns[c].append(_text(item.get(c)))
        columns["_seq"].append(seq)
        columns["_record"].append(item.get("_record"))
        columns["_position"].append(item.get("_position"))
        columns["_raw"].append(item.get("_raw"))
        columns["_insert_only"].append(bool(item.get("_insert_only")))
        if seq % BATCH_ROWS == 0:
            flush()
    flush()


def _text(value: Any) -> str | None:
    """Staging is text; validate.sql does the typing, so every source is checked alike."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import orjson

        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return str(value)


def _pseudonymise(con: duckdb.DuckDBPyConnection, store: EventStore) -> None:
    workers = [row[0] for row in query(con, "ingest/candidate_workers").fetchall()]
    if not any(Pseudonymiser.is_identifying(w) for w in workers):
        return
    mapping = Pseudonymiser.for_store(store.root).mapping(workers)
    if mapping:
        worker_map = pa.table({"raw": list(mapping), "pseudonym": list(mapping.values())})
        con.register("worker_map", worker_map)
        run(con, "ingest/pseudonymise")


def _write_events(
    con: duckdb.DuckDBPyConnection, store: EventStore, ingest_id: str, now: datetime
) -> tuple[list[WrittenFile], list[str]]:
    """Write new and updated events (time-ordered, for date pruning) and rewrite replaced files."""
    out_dir = store.tables.path("events") / ingest_id
    changed = _sql(con, "SELECT count(*) FROM diff WHERE status IN ('new', 'updated')")[0][0]
    if changed:
        out_dir.mkdir(parents=True, exist_ok=True)
        _sql(
            con,
            f"""COPY (
                SELECT {_EVENT_SELECT}, content_hash, ? AS ingest_id, ?::TIMESTAMPTZ AS ingested_at
                FROM checked JOIN diff USING (_seq)
                WHERE diff.status IN ('new', 'updated')
                ORDER BY submitted_at, event_id
            ) TO '{_sql_path(out_dir)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880,
                                        FILE_SIZE_BYTES '192MB', FILENAME_PATTERN 'part-{{i}}')""",
            [ingest_id, now],
        )
    added = [
        WrittenFile(store.tables.relative("events", f), f.stat().st_size,
                    _sql(con, "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(?)", [str(f)])[0][0])
        for f in (sorted(out_dir.glob("*.parquet")) if out_dir.exists() else [])
    ]
    removed: list[str] = []
    if _sql(con, "SELECT count(*) FROM diff WHERE status = 'updated'")[0][0]:
        _sql(con, "CREATE TEMP TABLE replaced_ids AS SELECT checked.event_id FROM checked "
                  "JOIN diff USING (_seq) WHERE diff.status = 'updated'")
        removed, rewritten = _retire_replaced(con, store, out_dir, store.tables.files("events").files)
        added += rewritten
    return added, removed


def _retire_replaced(
    con: duckdb.DuckDBPyConnection, store: EventStore, out_dir: Path, stored_files: Sequence[str]
) -> tuple[list[str], list[WrittenFile]]:
    """Files holding old versions of `replaced_ids` are rewritten without them (copy on write).

    Returns the retired files (relative to the table) and their replacements.
    """
    holders = [r[0] for r in _sql(
        con,
        "SELECT DISTINCT filename FROM read_parquet(?, filename = true) "
        "WHERE event_id IN (SELECT event_id FROM replaced_ids) ORDER BY 1",
        [list(stored_files)],
    )]
    removed, rewritten = [], []
    out_dir.mkdir(parents=True, exist_ok=True)
    for n, old in enumerate(holders):
        target = out_dir / f"rewrite-{n}.parquet"
        stats = _sql(
            con,
            f"""COPY (SELECT * FROM read_parquet(?) WHERE event_id NOT IN (SELECT event_id FROM replaced_ids))
                TO '{_sql_path(target)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880,
                                          RETURN_STATS true)""",
            [old],
        )
        removed.append(store.tables.relative("events", old))
        rows = sum(r[1] for r in stats)
        if rows:
            rewritten.append(WrittenFile(store.tables.relative("events", target), target.stat().st_size, rows))
        else:
            target.unlink(missing_ok=True)
    return removed, rewritten


def _sql_path(path: Path) -> str:
    """COPY TO takes no bound parameter for its target; the path is ours, quoted safely."""
    return str(path).replace("'", "''")


def _write_quarantine(
    con: duckdb.DuckDBPyConnection,
    store: EventStore,
    ctx: ReadContext,
    found: Detection,
    summary: FileSummary,
    now: datetime,
) -> int:
    params = {"ingest_id": summary.ingest_id, "now": now, "source_file": str(ctx.path), "format": found.format}
    rows = con.sql(sql_text("ingest/quarantine_rows"), params=params).to_arrow_table()
    count = rows.num_rows
    for rec in rows.slice(0, 20).to_pylist():
        where = f"record {rec['record']}" if rec["record"] is not None else "file"
        if rec["position"] and rec["position"] != where:
            where += f" ({rec['position']})"
        field_name = f"{rec['field']}: " if rec["field"] else ""
        summary.problems.append(f"{ctx.path.name}: {where}: {field_name}{rec['reason']}")
    if count > 20:
        summary.problems.append(f"{ctx.path.name}: ... and {count - 20} more (see `labelline quarantine`)")
    if count == 0:
        return 0
    existing = store.tables.files("quarantine").files
    if existing:
        known = {r[0] for r in query(con, "ingest/existing_quarantine_ids", files=list(existing)).fetchall()}
        rows = rows.filter(pa.array([q not in known for q in rows.column("quarantine_id").to_pylist()]))
    scrub = Pseudonymiser.for_store(store.root).scrub
    raw = pa.array([scrub(r) for r in rows.column("raw").to_pylist()], pa.string())
    rows = rows.set_column(rows.schema.get_field_index("raw"), "raw", raw)
    store.tables.append_rows("quarantine", rows, {"ingest_id": summary.ingest_id})
    return count


def _log_ingest(store: EventStore, summary: FileSummary, started_at: datetime, fingerprint: str) -> None:
    row = {
        "ingest_id": summary.ingest_id,
        "started_at": started_at,
        "finished_at": datetime.now(timezone.utc),
        "source_file": summary.path,
        "file_sha256": fingerprint,
        "format": summary.format,
        "records": summary.records,
        "ingested": summary.ingested,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "quarantined": summary.quarantined,
        "events_version": summary.events_version,
    }
    from labelline.schema import INGEST_LOG_SCHEMA

    store.tables.append_rows("ingests", pa.Table.from_pylist([row], schema=INGEST_LOG_SCHEMA))

