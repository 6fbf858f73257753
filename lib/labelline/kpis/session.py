"""A KPI session: one read-only connection to the KPI tables, and the filter in force.

Every KPI function takes a session and a filter and returns a DataFrame or a small
dataclass. A session is cheap to keep (the dashboard keeps one per store snapshot) and is
not shared between threads: DuckDB connections are not thread-safe, so the app makes a
cursor-like session per use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from labelline.kpis.filters import KpiFilter
from labelline.kpis.tables import DEFAULT_TOUCH_CAP_S, connect_kpis
from labelline.rates import RateCard, rates_for_store
from labelline.sql import query
from labelline.store import EventStore

__all__ = ["KpiSession", "open_kpis", "DEFAULT_TOUCH_CAP_S", "ROLLUP_MIN_EVENTS"]

# Below this many events every KPI reads the events themselves (exact, and fast enough);
# above it the KPIs that have a rollup read it (counts and money exact, percentiles within
# 1 %, each page marks them "≈"), and unfiltered scorecards come prepared (docs/kpis.md).
ROLLUP_MIN_EVENTS = 1_000_000


@dataclass
class KpiSession:
    con: duckdb.DuckDBPyConnection
    rollups: bool | None = None  # None: decide by size (ROLLUP_MIN_EVENTS); True/False: force
    currency: str = "USD"  # the rate card's: what every money figure is in
    _applied: KpiFilter | None = field(default=None, repr=False)
    _events: int | None = field(default=None, repr=False)

    def use_rollups(self, flt: KpiFilter | None) -> bool:
        """Whether this filter is answered from the rollups (never under a worker filter)."""
        if flt is not None and flt.workers:
            return False
        if self.rollups is not None:
            return self.rollups
        if self._events is None:
            self._events = self.con.execute("select count(*) from facts").fetchone()[0]
        return self._events >= ROLLUP_MIN_EVENTS

    def use(self, flt: KpiFilter | None) -> None:
        flt = flt or KpiFilter()
        if flt != self._applied:
            flt.apply(self.con)
            self._applied = flt

    def frame(self, name: str, flt: KpiFilter | None = None, **params: Any) -> pd.DataFrame:
        """A named query as a DataFrame: ``sql/kpi/<name>.sql``, or ``sql/<folder>/<name>.sql`` for
        "folder/name" (calibration reads the same tables through the same filter)."""
        self.use(flt)
        return query(self.con, _qualified(name), **params).df()

    def row(self, name: str, flt: KpiFilter | None = None, **params: Any) -> dict[str, Any]:
        """A one-row KPI query as a dict."""
        self.use(flt)
        cur = query(self.con, _qualified(name), **params)
        values = cur.fetchone()
        names = [d[0] for d in cur.description]
        return dict(zip(names, values, strict=True)) if values else dict.fromkeys(names)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> KpiSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _qualified(name: str) -> str:
    return name if "/" in name else f"kpi/{name}"


def open_kpis(store: EventStore, card: RateCard | None = None, progress: Callable[[str], None] | None = None,
              rollups: bool | None = None) -> KpiSession:
    """A session on the store's latest snapshot (the KPI tables are built if missing)."""
    card = card or rates_for_store(store.root)[0]
    return KpiSession(connect_kpis(store, card, progress), rollups=rollups, currency=card.currency)
