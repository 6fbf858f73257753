"""The KPI tables: the store's events prepared once per ingest for fast dashboards.

Every KPI reads three tables in a DuckDB file derived from one snapshot of the store:
``facts`` (each event priced, judged and classified), ``items`` (each item's life on the
line) and ``item_labels`` (first-pass answers, for agreement), and on large stores the daily
rollups built beside them (docs/kpis.md lists them all). Building them costs one pass over
the events after an ingest; every refresh after that reads a native DuckDB file, which
measured 1.4x faster than views over Parquet and opens in ~20 ms (docs/kpis.md).

The file's name carries the events version, a digest of the rate card and the layout
version, so a new ingest, a new rate card or a new release each get their own file, and a
reader never sees one half-built: it is written under a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from labelline.rates import RateCard, create_priced_view, rates_for_store
from labelline.sql import sql_text
from labelline.store import EventStore
from labelline.store.tables import TABLE_SCHEMAS, StoreFiles

__all__ = ["LAYOUT_VERSION", "DEFAULT_TOUCH_CAP_S", "BUILD_STEPS", "kpi_tables_path", "build_kpi_tables",
           "connect_kpis", "prepared_kpi_tables"]

# Label Studio's lead_time and MTurk's accept-to-submit include idle time; one hour is
# longer than any single label in the demo's or the research's data, so only idle is cut.
DEFAULT_TOUCH_CAP_S = 3600.0

# Bump whenever a build query changes what the tables hold.
LAYOUT_VERSION = 5
_KEEP_FILES = 2  # older builds kept so a reader that opened one a moment ago can finish
_SQL_STEPS = ("kpi/build_facts", "kpi/build_items", "kpi/build_item_labels", "kpi/build_item_agreement",
              "kpi/build_rollups", "kpi/build_flow_rollups", "kpi/build_pair_labels")
# Answers prepared for the whole snapshot (no filter): table -> (KPI query, its parameters).
# They are what a page shows before anyone filters, and cannot be added up from rollups.
_PREPARED_ANSWERS = {"scorecards_all": ("kpi/scorecards", {"cap_s": DEFAULT_TOUCH_CAP_S})}
# What a build reports to its progress callback, in order.
BUILD_STEPS = tuple(step.removeprefix("kpi/build_") for step in _SQL_STEPS) + tuple(_PREPARED_ANSWERS)


def _card_digest(card: RateCard) -> str:
    return hashlib.sha256(card.model_dump_json().encode()).hexdigest()[:12]


def kpi_tables_path(store: EventStore, events_version: int, card: RateCard) -> Path:
    name = f"kpi-e{events_version}-r{_card_digest(card)}-v{LAYOUT_VERSION}.duckdb"
    return store.root / "derived" / name


def _build_into(con: duckdb.DuckDBPyConnection, store: EventStore, card: RateCard,
                progress: Callable[[str], None] | None, snap: StoreFiles | None = None) -> None:
    con.execute("SET TimeZone = 'UTC'")
    if store.exists():
        store.refresh(con, snap)
    else:
        _empty_views(con)
    create_priced_view(con, card)
    for step in _SQL_STEPS:
        if progress:
            progress(step.removeprefix("kpi/build_"))
        con.execute(sql_text(step)).fetchall()
    con.execute(sql_text("kpi/macros"))  # no filter variables set: the macros select everything
    for table, (name, params) in _PREPARED_ANSWERS.items():
        if progress:
            progress(table)
        # The KPI query's own text, so the prepared answer cannot drift from the live one.
        con.execute(f"create or replace table {table} as {sql_text(name)}", params).fetchall()


def _empty_views(con: duckdb.DuckDBPyConnection) -> None:
    for name, schema in TABLE_SCHEMAS.items():
        con.register(f"_empty_{name}", schema.empty_table())
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM _empty_{name}")


def build_kpi_tables(store: EventStore, card: RateCard | None = None,
                     progress: Callable[[str], None] | None = None) -> Path:
    """Build (or find) the KPI tables for the store's latest snapshot; return the file."""
    card = card or rates_for_store(store.root)[0]
    snap = store.snapshot()
    path = kpi_tables_path(store, snap.events.version, card)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        con = duckdb.connect(str(tmp))
        try:
            _build_into(con, store, card, progress, snap)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)  # atomic: readers see the whole file or none
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    _retire_old(path)
    return path


def prepared_kpi_tables(store: EventStore, card: RateCard | None = None) -> Path | None:
    """The KPI tables of the store's latest snapshot if they are built already, else None (never builds)."""
    if not store.exists():
        return None
    card = card or rates_for_store(store.root)[0]
    path = kpi_tables_path(store, store.snapshot().events.version, card)
    return path if path.exists() else None


def _retire_old(current: Path) -> None:
    builds = sorted(current.parent.glob("kpi-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in builds if p != current][_KEEP_FILES - 1:]:
        old.unlink(missing_ok=True)  # an open reader keeps its handle: unlinking is safe on POSIX


def _with_macros(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("SET TimeZone = 'UTC'")
    con.execute(sql_text("kpi/macros"))
    return con


def connect_kpis(store: EventStore, card: RateCard | None = None,
                 progress: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the KPI tables of the latest snapshot, built if missing.

    An empty or missing store gives the same tables with no rows, so every KPI answers
    (with zeros and empty frames) instead of failing.
    """
    if not store.exists():
        con = duckdb.connect()
        _build_into(con, store, card or RateCard.default(), progress)
        return _with_macros(con)
    for _ in range(3):
        path = build_kpi_tables(store, card, progress)
        try:
            return _with_macros(duckdb.connect(str(path), read_only=True))
        except (duckdb.IOException, FileNotFoundError):
            continue  # retired between build and open by a newer ingest's build: build again
    raise RuntimeError(f"{store.root}: could not open the KPI tables")
