"""Reading and checking: a file's records staged in DuckDB, typed, and judged.

Two ways in. Canonical CSV and Parquet are read by DuckDB itself (`stage_sql`); every
other adapter yields Python records that are staged as text in 20k-row batches
(`stage_python`). Either way `sql/ingest/validate.sql` types every record and names the
first rule it breaks, so all sources are judged alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from labelline.ingest.adapters import events as events_adapter
from labelline.ingest.privacy import Pseudonymiser
from labelline.ingest.records import ReadContext, Rejected
from labelline.ingest.summary import Progress
from labelline.schema import EVENT_COLUMNS, OUTCOMES_BY_STAGE, STAGES
from labelline.sql import query, run, sql_text
from labelline.store import EventStore

__all__ = [
    "check_sql", "create_rejected", "has_table", "head_text", "polling", "pseudonymise", "reject", "run_sql",
    "stage_python", "stage_sql", "validate", "validate_empty", "validate_params",
]

MAX_ACTIVE_S = 7 * 24 * 3600.0  # a single work session longer than a week is a broken clock
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
BATCH_ROWS = 20_000
_STAGING_COLUMNS = (*EVENT_COLUMNS, "_seq", "_record", "_position", "_raw", "_insert_only")
_STAGING_TYPES = {"_seq": pa.int64(), "_record": pa.int64(), "_insert_only": pa.bool_()}


def run_sql(con: duckdb.DuckDBPyConnection, text: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Execute and drain: DuckDB wants each result consumed before the next statement."""
    return con.execute(text, params).fetchall() if params is not None else con.execute(text).fetchall()


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(run_sql(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name])[0][0])


def head_text(path: Path, limit: int = 400) -> str:
    with open(path, "rb") as f:
        return repr(f.read(limit))


def create_rejected(con: duckdb.DuckDBPyConnection) -> None:
    run_sql(con, "CREATE TEMP TABLE rejected (record BIGINT, position VARCHAR, field VARCHAR, "
                "reason VARCHAR, raw VARCHAR)")


def reject(con: duckdb.DuckDBPyConnection, rows: list[Rejected]) -> None:
    if rows:
        con.executemany("INSERT INTO rejected VALUES (?, ?, ?, ?, ?)",
                        [(r.record, r.position, r.field, r.reason, r.raw) for r in rows])


def validate_params(ctx: ReadContext, default_source: str, now: datetime) -> dict[str, Any]:
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


def validate(con: duckdb.DuckDBPyConnection, ctx: ReadContext, default_source: str, now: datetime) -> None:
    run_sql(con, f"CREATE TEMP TABLE checked AS {sql_text('ingest/validate')}",
                validate_params(ctx, default_source, now))


def validate_empty(con: duckdb.DuckDBPyConnection) -> None:
    """No staged records (unknown format, bad header): an empty `checked` keeps later steps uniform."""
    run_sql(con, "DROP VIEW IF EXISTS staged")
    stage_python(con, iter(()))
    run_sql(con, f"CREATE TEMP TABLE checked AS {sql_text('ingest/validate')}",
                validate_params(ReadContext(Path("-")), "none", datetime.now(timezone.utc)))


def stage_sql(con: duckdb.DuckDBPyConnection, ctx: ReadContext, kind: str) -> tuple[str, str, str] | None:
    """(projection onto canonical columns, lenient reader, strict reader) for a CSV or Parquet
    file, or None when the file itself is rejected."""
    try:
        projection, reader, strict, columns = events_adapter.stage_sql(con, ctx, kind)
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0][:300]
        reject(con, [Rejected(None, "whole file", None, f"cannot read as {kind}: {reason}", head_text(ctx.path))])
        return None
    problem = events_adapter.header_problem(columns, ctx.options.project is not None)
    if problem:
        field_names = problem.split(": ", 1)[1]
        reject(con, [Rejected(0, "header", field_names, problem, ",".join(columns)[:4000])])
        return None
    return projection, reader, strict


@contextmanager
def polling(con: duckdb.DuckDBPyConnection, ctx: ReadContext, progress: Progress | None) -> Iterator[None]:
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


def check_sql(
    con: duckdb.DuckDBPyConnection, ctx: ReadContext, kind: str, staging: tuple[str, str, str], now: datetime
) -> None:
    """The full path for a file with problems: number every record so messages can name it."""
    projection, reader, _ = staging
    # Record numbers come from row_number() over the scan: it must follow file order.
    run_sql(con, "SET preserve_insertion_order = true")
    # Read every column: when the CSV reader prunes unused ones, DuckDB (2.0) names the
    # wrong column in its reject rows. This path is for files with problems; speed is secondary.
    try:
        run_sql(con, f"CREATE TEMP TABLE source_rows AS SELECT *, row_number() OVER () AS _row FROM {reader}")
    except duckdb.Error as exc:  # not even DuckDB's lenient reader can make rows of it
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        reason = " ".join(lines[:2])[:300].replace(str(ctx.path), ctx.path.name)
        reject(con, [Rejected(None, "whole file", None, f"cannot read as {kind}: {reason}", head_text(ctx.path))])
        return
    run_sql(con, f"CREATE OR REPLACE TEMP VIEW staged AS SELECT {projection}, _row AS _seq, _row AS _record, "
              f"NULL::VARCHAR AS _position, NULL::VARCHAR AS _raw, false AS _insert_only FROM source_rows")
    validate(con, ctx, "csv" if kind == "csv" else "parquet", now)
    if kind == "csv":
        run(con, "ingest/csv_rejects")
        run(con, "ingest/csv_record_numbers")


def stage_python(con: duckdb.DuckDBPyConnection, items: Iterator[dict[str, Any] | Rejected]) -> None:
    """Adapters written in Python: batches of text columns, so one bad value cannot sink a batch."""
    run_sql(con, 
        "CREATE TEMP TABLE staged (" + ", ".join(f"{c} VARCHAR" for c in EVENT_COLUMNS)
        + ", _seq BIGINT, _record BIGINT, _position VARCHAR, _raw VARCHAR, _insert_only BOOLEAN)"
    )
    if not has_table(con, "rejected"):
        create_rejected(con)
    columns: dict[str, list[Any]] = {c: [] for c in _STAGING_COLUMNS}
    rejected: list[Rejected] = []
    event_columns = [(c, columns[c]) for c in EVENT_COLUMNS]
    seq = 0

    def flush() -> None:
        if columns["_seq"]:
            batch = pa.table({c: pa.array(v, type=_STAGING_TYPES.get(c, pa.string())) for c, v in columns.items()})
            con.register("staging_batch", batch)
            run_sql(con, "INSERT INTO staged SELECT * FROM staging_batch")
            con.unregister("staging_batch")
            for v in columns.values():
                v.clear()
        reject(con, rejected)
        rejected.clear()

    for item in items:
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        seq += 1
        for c, target in event_columns:
            value = item.get(c)
            # Most values are already text or missing: skip the call (2M+ values per 100k events).
            target.append(value if value is None or value.__class__ is str else as_text(value))
        columns["_seq"].append(seq)
        columns["_record"].append(item.get("_record"))
        columns["_position"].append(item.get("_position"))
        columns["_raw"].append(item.get("_raw"))
        columns["_insert_only"].append(bool(item.get("_insert_only")))
        if seq % BATCH_ROWS == 0:
            flush()
    flush()


def as_text(value: Any) -> str | None:
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
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return str(value)


def pseudonymise(con: duckdb.DuckDBPyConnection, store: EventStore) -> None:
    workers = [row[0] for row in query(con, "ingest/candidate_workers").fetchall()]
    if not any(Pseudonymiser.is_identifying(w) for w in workers):
        return
    mapping = Pseudonymiser.for_store(store.root).mapping(workers)
    if mapping:
        # A small table by plain inserts: registering Arrow data would import pandas (seconds, cold).
        run_sql(con, "CREATE OR REPLACE TEMP TABLE worker_map (raw VARCHAR, pseudonym VARCHAR)")
        con.executemany("INSERT INTO worker_map VALUES (?, ?)", list(mapping.items()))
        run(con, "ingest/pseudonymise")

