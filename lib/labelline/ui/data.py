"""Cached reads of the store for the pages.

Results are cached per store folder *and* snapshot key (the tables' Delta versions), so a
page shows new data as soon as an ingest commits, and repeated reruns cost nothing.
Nothing per-user lives in a shared cache.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from labelline.sql import query
from labelline.store import EventStore

__all__ = ["current_store", "snapshot_key", "status", "daily_events", "events_by", "ingest_log", "quarantine",
           "overview_kpis", "rates_mtime"]


def current_store() -> EventStore:
    """The store the app serves: $LABELLINE_STORE, else the embedded demo store."""
    return EventStore.default()


def snapshot_key(store: EventStore) -> tuple[int, int, int]:
    return store.snapshot().key if store.exists() else (-1, -1, -1)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def status(root: str, key: tuple[int, int, int]) -> dict[str, Any]:
    return EventStore(root).status()


def _frame(root: str, name: str, **params: Any) -> pd.DataFrame:
    con = EventStore(root).connect()
    return query(con, name, **params).df()


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def daily_events(root: str, key: tuple[int, int, int]) -> pd.DataFrame:
    return _frame(root, "overview_daily_events")


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def events_by(root: str, key: tuple[int, int, int], column: str) -> pd.DataFrame:
    if column not in ("source", "project"):
        raise ValueError(column)
    return _frame(root, f"store_events_by_{column}")


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
