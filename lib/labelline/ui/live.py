"""The live sources' state for the Data page: read fresh on every run (a few small files)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd

from labelline.live.state import LiveState, list_states
from labelline.store import EventStore

__all__ = ["REFRESH_CHOICES", "health", "live_sources", "refresh_control"]

# How often a live page re-checks the store. Re-reading costs one version check unless an
# ingest or a sync committed since: every cached read is keyed by the store's snapshot.
REFRESH_CHOICES: dict[str, int | None] = {"Off": None, "10 s": 10, "30 s": 30, "1 min": 60, "5 min": 300}

_KIND_NAMES = {"label-studio": "Label Studio sync", "watch": "watched folder"}


def refresh_control(container: Any, key: str, default: str = "30 s") -> tuple[str, int | None]:
    """The "Refresh every" choice of a live page: (label, seconds or None for off)."""
    choice = container.selectbox(
        "Refresh every", list(REFRESH_CHOICES), index=list(REFRESH_CHOICES).index(default), key=key,
        help="How often this page checks the store for new events. Nothing is re-read unless an ingest or a "
             "sync has committed since the last check.")
    return choice, REFRESH_CHOICES[choice]


def health(state: LiveState, now: datetime) -> str:
    """One word a manager can act on: running, late, failing, stopped."""
    alive = state.summary(now)["alive"]
    if state.consecutive_errors:
        return "failing" if alive else "stopped after an error"
    if not alive:
        return "stopped"
    lag = state.lag_s(now)
    late = state.interval_s is not None and lag is not None and lag > 3 * state.interval_s + 30
    return "late" if late else "running"


def live_sources(store: EventStore, now: datetime | None = None) -> pd.DataFrame:
    """One row per live source that has written to this store (empty frame if none)."""
    now = now or datetime.now(timezone.utc)
    rows = []
    for st in list_states(store.root):
        rows.append({
            "source": _KIND_NAMES.get(st.kind, st.kind),
            "target": st.target,
            "state": health(st, now),
            "every_s": st.interval_s,
            "last_success_at": st.last_success_at,
            "lag_s": st.lag_s(now),
            "last_change_at": st.last_change_at,
            "new": st.ingested,
            "updated": st.updated,
            "retired": st.retired,
            "quarantined": st.quarantined,
            "runs": st.runs,
            "last_error": st.last_error,
            "last_error_at": st.last_error_at,
        })
    frame = pd.DataFrame(rows, columns=["source", "target", "state", "every_s", "last_success_at", "lag_s",
                                        "last_change_at", "new", "updated", "retired", "quarantined", "runs",
                                        "last_error", "last_error_at"])
    for col in ("last_success_at", "last_change_at", "last_error_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
