"""The canonical event log itself, as CSV, Parquet or JSONL.

CSV and Parquet are staged by DuckDB directly (the 10M-row path: no Python per row).
JSONL goes through Python line by line so a broken line is quarantined with its
line number rather than silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson

from labelline.ingest.records import ReadContext, Rejected
from labelline.schema import EVENT_COLUMNS

__all__ = ["name", "source", "sniff", "read", "stage_sql", "header_problem"]

name = "events"
source = "csv"

# Required in the file unless a default exists: source (the format), event_id (derived
# from the work's natural key), attempt (1), project (--project or the file name).
MUST_HAVE = ("item_id", "task_type", "stage", "worker_id", "tier", "submitted_at", "outcome")
_SIGNATURE = {"stage", "submitted_at", "worker_id", "item_id"}


def _header_columns(head: bytes) -> list[str]:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip().lstrip("\ufeff")
    return [c.strip().strip('"').lower() for c in first.split(",")]


def sniff(path: Path, head: bytes) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".parquet" or head[:4] == b"PAR1":
        return "canonical event log (Parquet)"
    if suffix in (".jsonl", ".ndjson") or head.lstrip()[:1] == b"{":
        line = head.lstrip().split(b"\n", 1)[0]
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        if isinstance(obj, dict) and _SIGNATURE <= set(obj):
            return "canonical event log (JSONL)"
        return None
    if suffix in (".csv", ".txt", "") and _SIGNATURE <= set(_header_columns(head)):
        return "canonical event log (CSV)"
    return None


def file_kind(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(4)
    if path.suffix.lower() == ".parquet" or head == b"PAR1":
        return "parquet"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    with open(path, "rb") as f:
        first = f.read(65536).lstrip()[:1]
    return "jsonl" if first == b"{" else "csv"


_CSV_TYPES = {
    "attempt": "INTEGER",
    "queued_at": "TIMESTAMPTZ",
    "started_at": "TIMESTAMPTZ",
    "submitted_at": "TIMESTAMPTZ",
    "active_s": "DOUBLE",
    "cost": "DOUBLE",
}


def _escape(text: str) -> str:
    return text.replace("'", "''")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def header_problem(columns: list[str], has_project: bool) -> str | None:
    """Why a file's columns cannot make events, or None."""
    present = {c.lower() for c in columns}
    missing = [c for c in MUST_HAVE if c not in present]
    if "project" not in present and not has_project:
        missing.append("project (or pass --project)")
    return f"missing required column(s): {', '.join(missing)}" if missing else None


def stage_sql(con: duckdb.DuckDBPyConnection, ctx: ReadContext, kind: str) -> tuple[str, str, str, list[str]]:
    """The projection onto canonical columns, a lenient and a strict reader, and the file's columns.

    The lenient reader records unparseable lines in DuckDB's reject tables (for the
    quarantine); the strict one raises at the first (for the one-pass fast path).

    Columns are matched by name, case-insensitively; absent canonical columns are
    NULL and filled by the validation defaults. Column names come from the file, so
    they are quoted as identifiers. The path is inlined as a quoted literal because
    the staging view cannot take bound parameters.
    """
    literal = "'" + str(ctx.path).replace("'", "''") + "'"
    if kind == "csv":
        options = "header = true, store_rejects = true, ignore_errors = true"
        found = [r[0] for r in con.execute(
            f"describe select * from read_csv({literal}, all_varchar = true, {options}) limit 0").fetchall()]
        # DuckDB's reader parses times and numbers itself (faster than casting text, and a bad
        # value becomes a reject with its line and column); everything else stays text.
        types = ", ".join(f"'{_escape(c)}': '{_CSV_TYPES.get(c.lower(), 'VARCHAR')}'" for c in found)
        reader = f"read_csv({literal}, columns = {{{types}}}, {options})"
        strict = f"read_csv({literal}, columns = {{{types}}}, header = true)"
    else:
        reader = strict = f"read_parquet({literal})"
        found = [row[0] for row in con.execute(f"describe select * from {reader} limit 0").fetchall()]
    by_lower = {c.lower(): c for c in found}
    select = []
    for col in EVENT_COLUMNS:
        src = by_lower.get(col)
        select.append(f"{_quote_ident(src)} as {col}" if src else f"null as {col}")
    extra = sorted(c for c in found if c.lower() not in EVENT_COLUMNS)
    if extra:
        ctx.note(f"ignored column(s) not in the event schema: {', '.join(extra)}")
    return ", ".join(select), reader, strict, found


def read(ctx: ReadContext) -> Iterator[dict[str, Any] | Rejected]:
    """JSONL: one canonical event per line (blank lines skipped)."""
    done = 0
    with open(ctx.path, "rb") as f:
        for number, line in enumerate(f, start=1):
            done += len(line)
            if ctx.progress and number % 20000 == 0:
                ctx.progress(done)
            if not line.strip():
                continue
            raw = line.decode("utf-8", "replace").rstrip("\n")[:4096]
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Rejected(number, f"line {number}", None, f"invalid JSON ({exc.args[0].split(':')[0]})", raw)
                continue
            if not isinstance(obj, dict):
                yield Rejected(number, f"line {number}", None, "not a JSON object", raw)
                continue
            event = {k.lower(): v for k, v in obj.items() if k.lower() in EVENT_COLUMNS}
            for key in ("meta", "label", "gold_label"):
                if isinstance(event.get(key), dict | list):
                    event[key] = orjson.dumps(event[key], option=orjson.OPT_SORT_KEYS).decode()
            event.update(_record=number, _position=f"line {number}", _raw=raw)
            yield event
