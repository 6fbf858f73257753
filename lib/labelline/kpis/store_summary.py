"""The store's own counts, read from its KPI tables: status, events per day, source and project, filter options.

`labelline status` and every dashboard page count events, items and workers over the
whole store, and the sidebar lists what the filters offer; at ten million events each of
those scans takes a second or more. The KPI tables of the same snapshot already hold the
answers (rollup_events, items, rollup_workers, facts), so these functions read them when
they are built, with the same columns and the same numbers (tests/test_kpis_store_summary.py),
and return None when they are not: callers then scan the store, and nothing waits for a
build here.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from labelline.kpis.session import KpiSession
from labelline.kpis.tables import _with_macros, prepared_kpi_tables
from labelline.rates import RatesError
from labelline.sql import query
from labelline.store import EventStore
from labelline.store.store import last_ingest_of

__all__ = ["open_prepared", "status", "daily_events", "events_by", "filter_options"]


def open_prepared(store: EventStore) -> KpiSession | None:
    """A session on the KPI tables of the latest snapshot if they are built (None: not yet, or no usable rate card)."""
    try:
        path = prepared_kpi_tables(store)
    except RatesError:
        return None
    if path is None:
        return None
    try:
        return KpiSession(_with_macros(duckdb.connect(str(path), read_only=True)))
    except (duckdb.IOException, FileNotFoundError):
        return None  # retired by a newer build between the check and the open


def status(store: EventStore) -> dict[str, Any] | None:
    """What ``EventStore.status()`` returns (the same keys and values), the event counts from the KPI tables."""
    session = open_prepared(store)
    if session is None:
        return None
    with session:
        head = session.row("status_rollup")
        by_source = dict(session.frame("events_by_source").itertuples(index=False, name=None))
        by_project = dict(session.frame("events_by_project_rollup").itertuples(index=False, name=None))
    con = store.connect()
    snap = store.snapshot()
    quarantined, ingests = query(con, "kpi/store_log_counts").fetchone()
    last_ingest = last_ingest_of(con)
    con.close()
    first_at, last_at = head["first_event_at"], head["last_event_at"]
    return {
        "store": str(store.root),
        "exists": True,
        "events": head["events"],
        "items": head["items"],
        "workers": head["workers"],
        "projects": head["projects"],
        "first_event_at": first_at.isoformat() + "Z" if first_at else None,
        "last_event_at": last_at.isoformat() + "Z" if last_at else None,
        "by_source": {str(k): int(v) for k, v in by_source.items()},
        "by_project": {str(k): int(v) for k, v in by_project.items()},
        "quarantined": quarantined,
        "ingests": ingests,
        "last_ingest": last_ingest,
        "version": snap.events.version,
    }


def daily_events(store: EventStore) -> pd.DataFrame | None:
    """Events per UTC day and stage (the columns of sql/overview_daily_events)."""
    session = open_prepared(store)
    if session is None:
        return None
    with session:
        return session.frame("daily_events_rollup")


def events_by(store: EventStore, column: str) -> pd.DataFrame | None:
    """Events per source or per project, largest first (sql/store_events_by_source, _by_project)."""
    names = {"source": "events_by_source", "project": "events_by_project_rollup"}
    if column not in names:
        raise ValueError(column)
    session = open_prepared(store)
    if session is None:
        return None
    with session:
        return session.frame(names[column])


def filter_options(store: EventStore) -> tuple[list[tuple[str, str, int]], tuple[Any, Any]] | None:
    """The rows of sql/filter_options and the (first_day, last_day) of sql/filter_date_span."""
    session = open_prepared(store)
    if session is None:
        return None
    with session:
        rows = query(session.con, "kpi/filter_options_rollup").fetchall()
        span = query(session.con, "kpi/filter_date_span_rollup").fetchone()
    return rows, span
