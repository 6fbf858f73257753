"""Publishing: good events into the store in one commit, the rest into the quarantine.

`publish_fast` is the one-pass path for a clean canonical file; `write_events` the
general one after the full checks. Both end in the same atomic Delta commit, which
adds new files and retires the ones whose rows were replaced (copy on write).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from labelline.ingest.adapters import ADAPTERS
from labelline.ingest.checks import has_table, run_sql, validate_params
from labelline.ingest.detect import Detection
from labelline.ingest.privacy import Pseudonymiser
from labelline.ingest.records import ReadContext
from labelline.ingest.summary import FileSummary
from labelline.schema import EVENT_COLUMNS
from labelline.sql import query, sql_text
from labelline.store import EventStore
from labelline.store.tables import WrittenFile

__all__ = ["log_ingest", "publish_fast", "sql_path", "write_events", "write_quarantine"]

_EVENT_SELECT = ", ".join(EVENT_COLUMNS)


def publish_fast(
    con: duckdb.DuckDBPyConnection,
    store: EventStore,
    ctx: ReadContext,
    found: Detection,
    staging: tuple[str, str, str],
    summary: FileSummary,
    now: datetime,
) -> bool:
    """One streaming pass for a clean file: validate, hash, classify and write at once.

    Returns False, having changed nothing, when the file has any bad record, unparseable
    line or repeated id: then the full path re-reads it with record numbers for the
    quarantine. The pass reads strictly and stops at the first such record, so a clean
    file is read once and a bad one costs little before the full path takes over.
    """
    projection, _, reader = staging
    stored_files = store.tables.files("events").files
    stored_view(con, stored_files)
    pass_dir = store.root / "_work" / summary.ingest_id / "pass"
    params = {**validate_params(ctx, default_source(found), now), "ingest_id": summary.ingest_id, "now": now}
    copy_options = "FORMAT parquet, COMPRESSION zstd, RETURN_STATS true, FILE_SIZE_BYTES '192MB', ROW_GROUP_SIZE 122880"
    by_class: dict[str, list[tuple[Path, int, int]]] = {}
    classify = "ingest/classify" if stored_files else "ingest/classify_first"
    partition = ", PARTITION_BY (_class)" if stored_files else ""
    try:
        run_sql(con, f"CREATE OR REPLACE TEMP VIEW staged AS SELECT {projection}, NULL::BIGINT AS _seq, "
                     "NULL::BIGINT AS _record, NULL::VARCHAR AS _position, NULL::VARCHAR AS _raw, "
                     f"false AS _insert_only FROM {reader}")
        written = run_sql(
            con,
            f"COPY (WITH checked AS ({sql_text('ingest/validate')}) {sql_text(classify)}) "
            f"TO '{sql_path(pass_dir)}' ({copy_options}{partition})",
            params,
        )
    except duckdb.Error:
        # A line the strict reader cannot parse, or a record that breaks a rule
        # (classify_first raises on it): the full path will name each one.
        shutil.rmtree(pass_dir, ignore_errors=True)
        return False
    for filename, rows, size, *_ in written:
        if rows:
            parent = Path(filename).parent.name
            cls = parent.split("=", 1)[1] if stored_files else "new"
            by_class.setdefault(cls, []).append((Path(filename), rows, size))
    count = {cls: sum(r for _, r, _ in files) for cls, files in by_class.items()}
    ids = [str(f) for cls in ("new", "updated", "unchanged") for f, _, _ in by_class.get(cls, [])]
    kept = [str(f) for cls in ("new", "updated") for f, _, _ in by_class.get(cls, [])]
    if (
        count.get("bad", 0)
        or (ids and run_sql(con, sql_text("ingest/repeated_ids"), {"files": ids})[0][0])
        or (kept and any(Pseudonymiser.is_identifying(w) for (w,) in
                         run_sql(con, sql_text("ingest/written_workers"), {"files": kept})))
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
        run_sql(con, "CREATE TEMP TABLE replaced_ids AS SELECT event_id FROM read_parquet(?)", [updated_files])
        removed, rewritten = retire_replaced(con, store, out_dir, stored_files)
        added += rewritten
    summary.ingested, summary.updated = count.get("new", 0), count.get("updated", 0)
    summary.unchanged = count.get("unchanged", 0)
    summary.events_version = store.tables.commit_files(
        "events", added, removed,
        {"ingest_id": summary.ingest_id, "source_file": ctx.path.name, "format": found.format},
    )
    summary.records = summary.landed
    return True


def default_source(found: Detection) -> str:
    return ADAPTERS[found.format].source if found.variant != "parquet" else "parquet"


def stored_view(con: duckdb.DuckDBPyConnection, files: Sequence[str]) -> None:
    """`stored(event_id, content_hash)`: what the store holds now, for classification."""
    if files:
        listed = ", ".join("'" + sql_path(Path(f)) + "'" for f in files)
        run_sql(con, f"CREATE OR REPLACE TEMP VIEW stored AS SELECT event_id, content_hash FROM read_parquet([{listed}])")
    else:
        run_sql(con, "CREATE OR REPLACE TEMP VIEW stored AS SELECT NULL::VARCHAR AS event_id, "
                  "NULL::BIGINT AS content_hash WHERE false")


def write_events(
    con: duckdb.DuckDBPyConnection, store: EventStore, ingest_id: str, now: datetime
) -> tuple[list[WrittenFile], list[str]]:
    """Write new and updated events (time-ordered, for date pruning) and rewrite replaced files."""
    out_dir = store.tables.path("events") / ingest_id
    changed = run_sql(con, "SELECT count(*) FROM diff WHERE status IN ('new', 'updated')")[0][0]
    if changed:
        out_dir.mkdir(parents=True, exist_ok=True)
        run_sql(
            con,
            f"""COPY (
                SELECT {_EVENT_SELECT}, content_hash, ? AS ingest_id, ?::TIMESTAMPTZ AS ingested_at
                FROM checked JOIN diff USING (_seq)
                WHERE diff.status IN ('new', 'updated')
                ORDER BY submitted_at, event_id
            ) TO '{sql_path(out_dir)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880,
                                        FILE_SIZE_BYTES '192MB', FILENAME_PATTERN 'part-{{i}}')""",
            [ingest_id, now],
        )
    added = [
        WrittenFile(store.tables.relative("events", f), f.stat().st_size,
                    run_sql(con, "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(?)", [str(f)])[0][0])
        for f in (sorted(out_dir.glob("*.parquet")) if out_dir.exists() else [])
    ]
    removed: list[str] = []
    # Replaced: old versions of updated events, and stale ones (ingest_file's replace_items).
    stale = "UNION ALL SELECT event_id FROM stale_ids" if has_table(con, "stale_ids") else ""
    run_sql(con, "CREATE TEMP TABLE replaced_ids AS SELECT checked.event_id FROM checked "
                 f"JOIN diff USING (_seq) WHERE diff.status = 'updated' {stale}")
    if run_sql(con, "SELECT count(*) FROM replaced_ids")[0][0]:
        removed, rewritten = retire_replaced(con, store, out_dir, store.tables.files("events").files)
        added += rewritten
    return added, removed


def retire_replaced(
    con: duckdb.DuckDBPyConnection, store: EventStore, out_dir: Path, stored_files: Sequence[str]
) -> tuple[list[str], list[WrittenFile]]:
    """Files holding old versions of `replaced_ids` are rewritten without them (copy on write).

    Returns the retired files (relative to the table) and their replacements.
    """
    holders = [r[0] for r in run_sql(
        con,
        "SELECT DISTINCT filename FROM read_parquet(?, filename = true) "
        "WHERE event_id IN (SELECT event_id FROM replaced_ids) ORDER BY 1",
        [list(stored_files)],
    )]
    removed, rewritten = [], []
    out_dir.mkdir(parents=True, exist_ok=True)
    for n, old in enumerate(holders):
        target = out_dir / f"rewrite-{n}.parquet"
        stats = run_sql(
            con,
            f"""COPY (SELECT * FROM read_parquet(?) WHERE event_id NOT IN (SELECT event_id FROM replaced_ids))
                TO '{sql_path(target)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880,
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


def sql_path(path: Path) -> str:
    """COPY TO takes no bound parameter for its target; the path is ours, quoted safely."""
    return str(path).replace("'", "''")


def write_quarantine(
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
    for rec in rows.select(["record", "position", "field", "reason"]).slice(0, 20).to_pylist():
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


def log_ingest(
    con: duckdb.DuckDBPyConnection, store: EventStore, summary: FileSummary, started_at: datetime, fingerprint: str
) -> None:
    row = con.sql(sql_text("ingest/log_row"), params={
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
    }).to_arrow_table()
    store.tables.append_rows("ingests", row)
