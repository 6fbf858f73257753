"""The KPI tables: the store's events prepared once per ingest for fast dashboards.

Every KPI reads three tables in a DuckDB file derived from one snapshot of the store:
``facts`` (each event priced, judged and classified), ``items`` (each item's life on the
line) and ``item_labels`` (first-pass answers, for agreement), and on large stores the daily
rollups built beside them (labelline.kpis.build_steps; docs/kpis.md lists them all). The
first build costs one pass over the events; after an ingest the previous snapshot's file is
copied and updated where the change touched it (labelline.kpis.update), falling back to a
full build when that does not fit. Every refresh reads a native DuckDB file, which measured
1.4x faster than views over Parquet and opens in ~20 ms (docs/kpis.md).

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

from labelline.kpis.build_steps import (
    DEFAULT_TOUCH_CAP_S,
    TABLE_STEPS,
    TableStep,
    prepare_step,
    set_events_window,
)
from labelline.kpis.update import UpdateInfo, update_from, write_build_info
from labelline.rates import RateCard, create_priced_view, rates_for_store
from labelline.sql import sql_text
from labelline.store import EventStore
from labelline.store.tables import TABLE_SCHEMAS, StoreFiles

__all__ = [
    "BUILD_STEPS",
    "DEFAULT_TOUCH_CAP_S",
    "LAYOUT_VERSION",
    "build_kpi_tables",
    "connect_kpis",
    "kpi_tables_path",
    "prepared_kpi_tables",
]

# Bump whenever a build query changes what the tables hold.
LAYOUT_VERSION = 6
_KEEP_FILES = 2  # older builds kept so a reader that opened one a moment ago can finish
# Events a full build prices and sorts at once for `facts` (whole weeks, so a bit more or less).
CHUNK_EVENTS = 5_000_000
# What a build reports to its progress callback, in order (an update reports fewer).
BUILD_STEPS = tuple(step.table for step in TABLE_STEPS)


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
    # `events` becomes a window on the store's events, all of them unless a step narrows it.
    con.execute("alter view events rename to store_events")
    con.execute(f"create temp view events as {sql_text('kpi/events_in_window')}")
    set_events_window(con, "-infinity", "infinity")
    create_priced_view(con, card)
    con.execute(f"create or replace temp view items_kept as {sql_text('kpi/items_kept_none')}")
    con.execute(sql_text("kpi/review_coverage_macro"))
    for step in TABLE_STEPS:
        if progress:
            progress(step.table)
        if step.scope == "worker":  # prepared answers read through the KPI macros, which bind to the tables
            con.execute(sql_text("kpi/macros"))  # no filter variables set: the macros select everything
        prepare_step(con, step)
        if step.by_time:
            _create_by_time(con, step)
        else:
            con.execute(f"create or replace table {step.table} as {sql_text(step.query)}", step.params).fetchall()


def _create_by_time(con: duckdb.DuckDBPyConnection, step: TableStep) -> None:
    """Create a table a run of whole weeks at a time, in time order: each sort stays in memory."""
    weeks = con.execute(sql_text("kpi/build_time_chunks")).fetchall()
    starts, size = [], 0
    for week, events in weeks:
        if not starts or size + events > CHUNK_EVENTS:
            starts.append(week)
            size = 0
        size += events
    bounds = list(zip(starts, [*starts[1:], "infinity"], strict=True)) if starts else [("-infinity", "infinity")]
    for n, (start, end) in enumerate(bounds):
        set_events_window(con, start, end)
        verb = f"create or replace table {step.table} as" if n == 0 else f"insert into {step.table} by name"
        con.execute(f"{verb} {sql_text(step.query)}", step.params).fetchall()
    set_events_window(con, "-infinity", "infinity")


def _empty_views(con: duckdb.DuckDBPyConnection) -> None:
    for name, schema in TABLE_SCHEMAS.items():
        con.register(f"_empty_{name}", schema.empty_table())
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM _empty_{name}")


def build_kpi_tables(store: EventStore, card: RateCard | None = None,
                     progress: Callable[[str], None] | None = None, allow_update: bool = True) -> Path:
    """Build (or find) the KPI tables for the store's latest snapshot; return the file.

    An earlier snapshot's tables are updated where that fits (labelline.kpis.update);
    ``allow_update=False`` builds afresh.
    """
    card = card or rates_for_store(store.root)[0]
    snap = store.snapshot()
    path = kpi_tables_path(store, snap.events.version, card)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        prior = _prior_build(store, card, snap.events.version) if allow_update else None
        if prior is None or update_from(prior, tmp, store, card, snap, progress) is None:
            _discard(tmp)
            con = duckdb.connect(str(tmp))
            try:
                _build_into(con, store, card, progress, snap)
                items = con.execute("select count(*) from items").fetchone()[0]
                write_build_info(con, UpdateInfo(snap.events.version, snap.events.version, 0, items),
                                 snap.events.files)
                con.execute("CHECKPOINT")
            finally:
                con.close()
        os.replace(tmp, path)  # atomic: readers see the whole file or none
    finally:
        _discard(tmp)
    _retire_old(path)
    return path


def _discard(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)
    tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _prior_build(store: EventStore, card: RateCard, events_version: int) -> Path | None:
    """The newest earlier build for the same rate card and layout: what an update starts from."""
    suffix = f"-r{_card_digest(card)}-v{LAYOUT_VERSION}.duckdb"
    builds = []
    for p in (store.root / "derived").glob(f"kpi-e*{suffix}"):
        version = p.name.removeprefix("kpi-e").removesuffix(suffix)
        if version.isdigit() and int(version) < events_version:
            builds.append((int(version), p))
    return max(builds)[1] if builds else None


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
