"""Cached reads of the store for the pages.

Results are cached per store folder *and* snapshot key (the tables' Delta versions), so a
page shows new data as soon as an ingest commits, and repeated reruns cost nothing.
Nothing per-user lives in a shared cache. The store's own counts (status, events per day,
source and project, the sidebar's options) come from the snapshot's KPI tables when they
are built (labelline.kpis.store_summary: the same numbers without a scan of every event),
else from the store itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from labelline.sql import query
from labelline.store import EventStore

__all__ = ["ACTUAL", "SOURCE_KEY", "actual_store", "current_store", "current_source", "sources", "add_source",
           "select_source", "snapshot_key", "status", "daily_events", "events_by", "ingest_log", "quarantine",
           "overview_kpis", "rates_mtime", "filter_options", "cost_by_rule", "ingest_uploads", "UPLOADS_DIR"]

# The data source every page reads. The real store is always there; simulated stores are
# added per session (the Simulator's "simulated: <scenario>") with add_source().
ACTUAL = "actual"
SOURCE_KEY = "data_source"  # session_state: the chosen source's label (not a widget key, so it survives pages)
_EXTRA_KEY = "data_sources_extra"  # session_state: {label: store folder} added in this session


def actual_store() -> EventStore:
    """The real store: $LABELLINE_STORE, else the embedded demo store."""
    return EventStore.default()


def sources() -> dict[str, EventStore]:
    """The sources this session can choose from, by label: "actual" first, then those added."""
    out = {ACTUAL: actual_store()}
    for label, root in st.session_state.get(_EXTRA_KEY, {}).items():
        out[label] = EventStore(root)
    return out


def add_source(label: str, root: str | Path, *, select: bool = True) -> None:
    """Offer another store (a simulated one) in the sidebar, and by default switch to it."""
    if label == ACTUAL:
        raise ValueError(f"{ACTUAL!r} is the real store's label")
    extra = dict(st.session_state.get(_EXTRA_KEY, {}))
    extra[label] = str(root)
    st.session_state[_EXTRA_KEY] = extra
    if select:
        st.session_state[SOURCE_KEY] = label


def current_source() -> str:
    """The chosen source's label ("actual" unless the user picked another that still exists)."""
    label = st.session_state.get(SOURCE_KEY, ACTUAL)
    return label if label in sources() else ACTUAL


def select_source(label: str) -> None:
    if label not in sources():
        raise KeyError(label)
    st.session_state[SOURCE_KEY] = label


def current_store() -> EventStore:
    """The store the pages read: the source chosen in the sidebar; by default the real one
    ($LABELLINE_STORE, else the embedded demo store). Nobody gets it without signing in."""
    from labelline.ui.auth import require_sign_in

    require_sign_in()
    return sources()[current_source()]


def snapshot_key(store: EventStore) -> tuple[int, int, int]:
    return store.snapshot().key if store.exists() else (-1, -1, -1)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def status(root: str, key: tuple[int, int, int]) -> dict[str, Any]:
    from labelline.kpis import store_summary

    store = EventStore(root)
    return store_summary.status(store) or store.status()


def _frame(root: str, name: str, **params: Any) -> pd.DataFrame:
    con = EventStore(root).connect()
    return query(con, name, **params).df()


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def daily_events(root: str, key: tuple[int, int, int]) -> pd.DataFrame:
    from labelline.kpis import store_summary

    prepared = store_summary.daily_events(EventStore(root))
    return _frame(root, "overview_daily_events") if prepared is None else prepared


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def events_by(root: str, key: tuple[int, int, int], column: str) -> pd.DataFrame:
    from labelline.kpis import store_summary

    if column not in ("source", "project"):
        raise ValueError(column)
    prepared = store_summary.events_by(EventStore(root), column)
    return _frame(root, f"store_events_by_{column}") if prepared is None else prepared


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def ingest_log(root: str, key: tuple[int, int, int]) -> pd.DataFrame:
    return _frame(root, "ingest_log")


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def quarantine(root: str, key: tuple[int, int, int]) -> pd.DataFrame:
    return _frame(root, "quarantine_list", limit=None)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def overview_kpis(root: str, key: tuple[int, int, int], rates_mtime: float | None,
                  filter_json: str = "{}") -> dict[str, Any]:
    """The Overview's refresh (headline, throughput, backlog, spend) for a filter.

    Keyed by the snapshot and the rate card's modification time, so a new ingest or a new
    rate card shows at once; the filter travels as JSON so the cache can hash it.
    """
    from labelline.kpis.filters import KpiFilter
    from labelline.kpis.overview import overview_refresh
    from labelline.kpis.session import open_kpis

    with open_kpis(EventStore(root)) as session:
        return overview_refresh(session, KpiFilter.model_validate_json(filter_json))


def rates_mtime(store: EventStore) -> float | None:
    """When the rate card in force last changed (None: no card, every event unpriced or source-priced)."""
    from labelline.rates import rates_for_store

    path = rates_for_store(store.root)[1]
    return path.stat().st_mtime if path else None


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def filter_options(root: str, key: tuple[int, int, int]) -> dict[str, Any]:
    """What the sidebar filters offer: {"project": [...], "task_type": [...], "tier": [...],
    "org": [...], "first_day": date | None, "last_day": date | None}, values most used first."""
    from labelline.kpis import store_summary

    prepared = store_summary.filter_options(EventStore(root))
    if prepared is None:
        con = EventStore(root).connect()
        rows = query(con, "filter_options").fetchall()
        first_day, last_day = query(con, "filter_date_span").fetchone()
    else:
        rows, (first_day, last_day) = prepared
    out: dict[str, Any] = {d: [] for d in ("project", "task_type", "tier", "org")}
    for dimension, value, _events in rows:
        out[dimension].append(value)
    out["first_day"], out["last_day"] = first_day, last_day
    return out


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def cost_by_rule(root: str, key: tuple[int, int, int], rates_mtime: float | None) -> pd.DataFrame:
    """What the rate card in force prices, rule by rule (the `labelline rates` table)."""
    from labelline.rates import create_priced_view, rates_for_store

    con = EventStore(root).connect()
    create_priced_view(con, rates_for_store(Path(root))[0])
    return query(con, "cost_by_rule").df()


UPLOADS_DIR = "uploads"  # <store>/uploads/<stamp>/<file>: every uploaded file is kept, as a CLI user keeps theirs


def ingest_uploads(uploads: list[Any], store: EventStore, fmt: str = "auto", options: Any = None,
                   progress: Any = None) -> tuple[Any, str | None]:
    """Ingest uploaded files through the CLI's path, then prepare the KPI tables as the CLI does.

    Each upload (anything with ``.name`` and ``.getvalue()``, as st.file_uploader returns)
    is saved under ``<store>/uploads/`` first: the ingest log then names a file that still
    exists, and a file can be ingested again after a fix. ``progress(fraction, text)`` is
    called as files and KPI tables are done. Returns the IngestSummary and, when the KPI
    tables could not be prepared (a broken rate card), why.
    """
    import uuid
    from datetime import datetime, timezone

    from labelline.ingest.pipeline import ingest_paths
    from labelline.kpis.tables import BUILD_STEPS, build_kpi_tables
    from labelline.rates import RatesError

    report = progress or (lambda fraction, text: None)
    folder = store.root / UPLOADS_DIR / (datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-"
                                         + uuid.uuid4().hex[:6])
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for upload in uploads:
        path = folder / Path(upload.name).name  # the name only: an upload must not pick its folder
        path.write_bytes(upload.getvalue())
        paths.append(path)
    order = {p: n for n, p in enumerate(paths)}

    def on_file(path: Path, fraction: float) -> None:
        done = (order.get(Path(path), 0) + min(fraction, 1.0)) / len(paths)
        report(0.7 * done, f"ingesting {Path(path).name}")

    summary = ingest_paths(paths, store, fmt=fmt, options=options, progress=on_file)
    report(0.7, "ingested")
    kpi_problem = None
    if summary.ok:
        steps = iter(range(1, len(BUILD_STEPS) + 1))
        try:
            build_kpi_tables(store, progress=lambda step: report(
                0.7 + 0.3 * next(steps, len(BUILD_STEPS)) / len(BUILD_STEPS), f"preparing KPI table {step}"))
        except RatesError as exc:
            # The events are in; only the prices are blocked (the CLI says the same and goes on).
            kpi_problem = str(exc)
    report(1.0, "done")
    return summary, kpi_problem
