"""The event store as readers see it: DuckDB views over a consistent snapshot.

Readers never take a lock. They list each table's files at its latest committed
version and scan exactly those; files are only ever added or retired by a new
version, never rewritten, so a read that overlaps an ingest still sees whole versions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from labelline.sql import query
from labelline.store.tables import TABLE_SCHEMAS, StoreFiles, Tables

__all__ = ["EventStore", "default_store_path", "last_ingest_of"]

# Readers see timestamps as plain TIMESTAMP in UTC: simpler SQL, no session time zone.
_TIMESTAMP_COLUMNS = {
    name: [f.name for f in schema if pa.types.is_timestamp(f.type)] for name, schema in TABLE_SCHEMAS.items()
}


def default_store_path() -> Path:
    """``$LABELLINE_STORE``, else the checkout's embedded ``data/store``, else ``./data/store``."""
    env = os.environ.get("LABELLINE_STORE")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout / "data" / "store"
    return Path.cwd() / "data" / "store"


def last_ingest_of(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest row of the ingest log as `labelline status` shows it (None before the first ingest)."""
    cur = query(con, "ingest_log")  # newest first
    last = cur.fetchone()
    cur.fetchall()  # drain: DuckDB wants each result consumed before the next query
    if last is None:
        return None
    row = dict(zip([d[0] for d in cur.description], last, strict=True))
    keys = ("ingest_id", "finished_at", "source_file", "format", "records", "ingested", "updated",
            "unchanged", "quarantined")
    summary = {k: row[k] for k in keys}
    summary["finished_at"] = summary["finished_at"].isoformat() + "Z"
    return summary


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class EventStore:
    """A store folder. Cheap to create; nothing is read until asked."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.tables = Tables(self.root)

    @classmethod
    def default(cls) -> EventStore:
        return cls(default_store_path())

    def exists(self) -> bool:
        return self.tables.exists()

    def snapshot(self) -> StoreFiles:
        return self.tables.snapshot()

    def connect(self, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with views ``events``, ``quarantine`` and ``ingests``.

        The views are pinned to the snapshot taken now; call :meth:`refresh` on the
        same connection to move them to the latest versions.
        """
        con = con or duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        self.refresh(con)
        return con

    def refresh(self, con: duckdb.DuckDBPyConnection, snapshot: StoreFiles | None = None) -> StoreFiles:
        snap = snapshot or self.snapshot()
        for name in TABLE_SCHEMAS:
            files = getattr(snap, name).files
            ts = _TIMESTAMP_COLUMNS[name]
            replace = ", ".join(f"{c}::TIMESTAMP AS {c}" for c in ts)
            select = f"SELECT * REPLACE ({replace})" if replace else "SELECT *"
            if files:
                listed = ", ".join(_sql_text(f) for f in files)
                source = f"read_parquet([{listed}])"
            else:
                empty = f"_empty_{name}"
                con.register(empty, TABLE_SCHEMAS[name].empty_table())
                source = empty
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select} FROM {source}")
        return snap

    def status(self) -> dict[str, Any]:
        """Headline counts for `labelline status` and the Overview page (stable keys)."""
        if not self.exists():
            return {
                "store": str(self.root),
                "exists": False,
                "events": 0,
                "items": 0,
                "workers": 0,
                "projects": 0,
                "first_event_at": None,
                "last_event_at": None,
                "by_source": {},
                "by_project": {},
                "quarantined": 0,
                "ingests": 0,
                "last_ingest": None,
                "version": -1,
            }
        con = self.connect()
        snap = self.snapshot()
        head = query(con, "store_status").fetchone()
        by_source = dict(query(con, "store_events_by_source").fetchall())
        by_project = dict(query(con, "store_events_by_project").fetchall())
        last_ingest = last_ingest_of(con)
        events, items, workers, projects, first_at, last_at, quarantined, ingests = head
        return {
            "store": str(self.root),
            "exists": True,
            "events": events,
            "items": items,
            "workers": workers,
            "projects": projects,
            "first_event_at": first_at.isoformat() + "Z" if first_at else None,
            "last_event_at": last_at.isoformat() + "Z" if last_at else None,
            "by_source": by_source,
            "by_project": by_project,
            "quarantined": quarantined,
            "ingests": ingests,
            "last_ingest": last_ingest,
            "version": snap.events.version,
        }
