"""Updating the KPI tables after an ingest instead of building them afresh.

A full build reads every event (about 50 s at 10M events on two cores); a live sync that
adds a few annotations a minute cannot wait that long for the dashboard to show them. An
update starts from a copy of the previous snapshot's tables and redoes only what the
change touched:

1. which items changed: the events of the files the store retired and added since the
   previous build, compared by content (copy-on-write rewrites cancel out);
2. their rows of the per-item tables (facts, items, item_labels, item_agreement), rebuilt
   from their events;
3. the (project, day) groups of every rollup those items fall in, before or after,
   rebuilt from the per-item tables; the scorecards of the workers who touched them.

Each step runs the full build's own query (labelline.kpis.build_steps) over temporary
views that show only the touched part, so an update and a full build give the same
tables (tests/test_kpis_update.py compares them). It declines, and the caller builds
afresh, when there is no previous build for the same rate card and layout, when a file
it would need has been vacuumed away, when the change is a large share of the store,
after many updates in a row (the tables' row order, which date filters rely on, drifts),
or when a project's review coverage crosses the 90 % line (every item's status moves).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from labelline.kpis.build_steps import TABLE_STEPS, TableStep, prepare_step, set_events_window
from labelline.rates import RateCard, create_priced_view
from labelline.sql import sql_text
from labelline.store import EventStore
from labelline.store.tables import StoreFiles

__all__ = ["MAX_CHANGED_SHARE", "MAX_UPDATES", "UpdateInfo", "update_from", "write_build_info"]

# Past this share of the store's items, rebuilding everything is about as quick.
MAX_CHANGED_SHARE = 0.25
# Updates append rows out of time order; a full build every so often restores it.
MAX_UPDATES = 50


@dataclass(frozen=True)
class UpdateInfo:
    """How a KPI file came to be (table ``build_info``)."""

    events_version: int
    full_build_version: int  # the events version of the last full build in its chain
    updates_since_full: int
    changed_items: int  # items the last step rebuilt (all of them for a full build)


def write_build_info(con: duckdb.DuckDBPyConnection, info: UpdateInfo, files: tuple[str, ...]) -> None:
    """Record what the tables were built from: the next update starts from this file list."""
    con.execute("create or replace table build_info as select $v as events_version, $f as full_build_version, "
                "$u as updates_since_full, $c as changed_items",
                {"v": info.events_version, "f": info.full_build_version, "u": info.updates_since_full,
                 "c": info.changed_items})
    con.execute("create or replace table build_files as select unnest($files::varchar[]) as file",
                {"files": list(files)})


def update_from(prior: Path, target: Path, store: EventStore, card: RateCard, snap: StoreFiles,
                progress: Callable[[str], None] | None = None) -> UpdateInfo | None:
    """Write ``target``: ``prior``'s tables brought up to ``snap``. None if an update does not fit."""
    try:
        shutil.copyfile(prior, target)
    except FileNotFoundError:
        return None  # retired by a newer build meanwhile
    con = duckdb.connect(str(target))
    try:
        info = _update(con, store, card, snap, progress)
        if info is not None:
            con.execute("CHECKPOINT")
    finally:
        con.close()
    return info


def _update(con: duckdb.DuckDBPyConnection, store: EventStore, card: RateCard, snap: StoreFiles,
            progress: Callable[[str], None] | None) -> UpdateInfo | None:
    con.execute("SET TimeZone = 'UTC'")
    con.execute(sql_text("kpi/review_coverage_macro"))
    before = _prior_info(con)
    if before is None or before.updates_since_full >= MAX_UPDATES:
        return None
    known = {f for (f,) in con.execute("select file from build_files").fetchall()}
    now = set(snap.events.files)
    gone, came = sorted(known - now), sorted(now - known)
    if not all(Path(f).is_file() for f in gone):
        return None  # vacuumed: what changed cannot be told any more
    _file_keys(con, "gone_keys", gone)
    _file_keys(con, "came_keys", came)
    if gone or came:
        con.execute(f"create temp table changed_items as {sql_text('kpi/update_changed_items')}",
                    {"files": gone + came})
    else:
        con.execute("create temp table changed_items (project varchar, item_id varchar, first_at timestamp, "
                    "last_at timestamp)")
    changed = con.execute("select count(*) from changed_items").fetchone()[0]
    items = con.execute("select count(*) from items").fetchone()[0]
    if changed > MAX_CHANGED_SHARE * max(items, 1):
        return None
    info = UpdateInfo(snap.events.version, before.full_build_version, before.updates_since_full + 1, changed)
    con.begin()
    if changed:
        db = con.execute("select current_database()").fetchone()[0]
        first_at, last_at = con.execute(sql_text("kpi/update_changed_span")).fetchone()
        span = {"first_at": first_at, "last_at": last_at}
        con.execute(f"create temp table touched_days as {sql_text('kpi/update_touched_days')}", span)
        con.execute(f"create temp table touched_workers as {sql_text('kpi/update_touched_workers')}", span)
        coverage = _coverage(con)
        # The changed items' events, read once from the span of time that holds them all
        # (the Parquet scan skips the rest), and priced as a full build prices them.
        store.refresh(con, snap)
        con.execute("alter view events rename to store_events")
        set_events_window(con, first_at, last_at + timedelta(microseconds=1))
        con.execute(f"create temp table changed_events as select * from ({sql_text('kpi/events_in_window')}) "
                    "semi join changed_items using (project, item_id)")
        con.execute("create temp view events as select * from changed_events")
        create_priced_view(con, card)
        for step in TABLE_STEPS:
            if step.scope != "item":
                continue
            if progress:
                progress(step.table)
            _rebuild_items(con, db, step)
        if _coverage(con) != coverage:
            con.rollback()
            return None
        con.execute(f"insert into touched_days {sql_text('kpi/update_touched_days')}", span)
        con.execute(f"insert into touched_workers {sql_text('kpi/update_touched_workers')}", span)
        con.execute("create temp table changed_days as select distinct project, day from touched_days")
        con.execute(sql_text("kpi/macros"))  # the prepared scorecards read facts_in()
        for step in TABLE_STEPS:
            if step.scope == "item":
                continue
            if progress:
                progress(step.table)
            if step.scope == "day":
                _rebuild_days(con, db, step)
            else:
                _rebuild_workers(con, db, step)
    write_build_info(con, info, snap.events.files)
    con.commit()
    return info


def _prior_info(con: duckdb.DuckDBPyConnection) -> UpdateInfo | None:
    try:
        row = con.execute("select events_version, full_build_version, updates_since_full, changed_items "
                          "from build_info").fetchone()
    except duckdb.CatalogException:
        return None
    return UpdateInfo(*row) if row else None


def _file_keys(con: duckdb.DuckDBPyConnection, name: str, files: list[str]) -> None:
    if files:
        con.execute(f"create temp table {name} as {sql_text('kpi/update_file_keys')}", {"files": files})
    else:
        con.execute(f"create temp table {name} (event_key ubigint, content_hash bigint)")


def _coverage(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    return dict(con.execute(sql_text("kpi/update_review_coverage")).fetchall())


def _rebuild_items(con: duckdb.DuckDBPyConnection, db: str, step: TableStep) -> None:
    """Replace the changed items' rows of a per-item table, from their narrowed inputs."""
    con.execute(f'delete from "{db}".main.{step.table} as t using changed_items as c '
                "where t.project = c.project and t.item_id = c.item_id")
    narrowed = [name for name in step.inputs if name != "events"]  # events: narrowed once, above
    for name in narrowed:
        con.execute(f"create or replace temp view {name} as "
                    f'select * from "{db}".main.{name} semi join changed_items using (project, item_id)')
    if step.table == "items":
        con.execute(f"create or replace temp view items_kept as {sql_text('kpi/update_items_kept')}")
    prepare_step(con, step)
    con.execute(f'insert into "{db}".main.{step.table} by name {sql_text(step.query)}', step.params)
    for name in narrowed:
        con.execute(f"drop view temp.main.{name}")


def _rebuild_days(con: duckdb.DuckDBPyConnection, db: str, step: TableStep) -> None:
    """Replace the touched (project, day) groups of a rollup, from their rows of the inputs."""
    con.execute(f'delete from "{db}".main.{step.table} as t using changed_days as c '
                "where t.project = c.project and t.day = c.day")
    for name, day in step.inputs.items():
        con.execute(f"create or replace temp view {name} as "
                    f'select x.* from "{db}".main.{name} as x semi join changed_days as c '
                    f"on c.project = x.project and c.day = {day}")
    con.execute(f'insert into "{db}".main.{step.table} by name {sql_text(step.query)}', step.params)
    for name in step.inputs:
        con.execute(f"drop view temp.main.{name}")


def _rebuild_workers(con: duckdb.DuckDBPyConnection, db: str, step: TableStep) -> None:
    """Replace the touched workers' rows, through the KPI filter's own worker condition."""
    con.execute(f'delete from "{db}".main.{step.table} where worker_id in (select worker_id from touched_workers)')
    con.execute("set variable f_workers = (select coalesce(list(distinct worker_id), []) from touched_workers)")
    con.execute(f'insert into "{db}".main.{step.table} by name {sql_text(step.query)}', step.params)
    con.execute("reset variable f_workers")
