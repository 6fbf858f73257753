"""The shared sidebar: which data source and which slice of it every KPI page shows.

app.py draws ``sidebar_source()`` and ``sidebar_filters(store)`` on every page. The chosen
values are kept in ``st.session_state`` under the ``flt_*`` keys below, which are *not*
widget keys: Streamlit drops a widget's state on a page that does not draw it, so each
widget has a private key (``_w_`` + key) that is seeded from the kept value before it is
drawn and copied back when it changes (the pattern in Streamlit's docs on widget state
across pages). Pages never read widgets themselves: they call ``current_filter()`` and hand
the KpiFilter to the library.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from labelline.kpis.filters import KpiFilter
from labelline.store import EventStore
from labelline.ui import data

__all__ = ["current_filter", "FILTER_KEYS", "sidebar_filters", "sidebar_source", "reset_filters"]

# session_state key -> KpiFilter field
FILTER_KEYS = {
    "flt_since": "since",
    "flt_until": "until",
    "flt_projects": "projects",
    "flt_task_types": "task_types",
    "flt_tiers": "tiers",
    "flt_orgs": "orgs",
    "flt_workers": "workers",
}


def current_filter() -> KpiFilter:
    """The filter the user chose in the sidebar (everything when nothing is chosen)."""
    values = {field: st.session_state.get(key) for key, field in FILTER_KEYS.items()}
    values = {k: v for k, v in values.items() if v not in (None, [], ())}
    return KpiFilter(**values)


# session_state key -> (label, the dimension filter_options() lists)
_MULTI = {
    "flt_projects": ("Project", "project"),
    "flt_task_types": ("Task type", "task_type"),
    "flt_tiers": ("Tier", "tier"),
    "flt_orgs": ("Organisation", "org"),
}
_DATES_WIDGET = "_w_flt_dates"


def _widget(key: str) -> str:
    return "_w_" + key


def _keep(key: str) -> None:
    st.session_state[key] = st.session_state[_widget(key)]


def _keep_dates(first: date, last: date) -> None:
    chosen = st.session_state[_DATES_WIDGET]
    # While the user is picking, the widget holds only the first day: keep the last full range.
    if not (isinstance(chosen, (tuple, list)) and len(chosen) == 2):
        return
    if tuple(chosen) == (first, last):
        # The whole log means no date filter, so days ingested later are in as well.
        st.session_state.pop("flt_since", None)
        st.session_state.pop("flt_until", None)
    else:
        st.session_state["flt_since"], st.session_state["flt_until"] = chosen


def reset_filters() -> None:
    """Forget every filter (the sidebar's "Clear filters" button)."""
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)
        st.session_state.pop(_widget(key), None)
    st.session_state.pop(_DATES_WIDGET, None)


def _clamp(day: date | None, low: date, high: date, fallback: date) -> date:
    return fallback if day is None else min(max(day, low), high)


def sidebar_source() -> EventStore:
    """The data source picker (shown once there is more than the real store); returns the chosen store."""
    labels = list(data.sources())
    if len(labels) > 1:
        st.session_state[_widget(data.SOURCE_KEY)] = data.current_source()
        st.selectbox("Data source", labels, key=_widget(data.SOURCE_KEY),
                     on_change=lambda: data.select_source(st.session_state[_widget(data.SOURCE_KEY)]),
                     help="The real event store, or a simulated one from the Simulator.")
    return data.current_store()


def sidebar_filters(store: EventStore) -> KpiFilter:
    """Draw the date range, project, task type, tier and org filters; return the filter in force.

    Options come from the store (cached per snapshot). Kept values the store does not
    have (another source, a project since deleted) are dropped rather than silently
    filtering everything out.
    """
    if not store.exists():
        return current_filter()
    options: dict[str, Any] = data.filter_options(str(store.root), data.snapshot_key(store))
    first, last = options["first_day"], options["last_day"]
    if first is None:
        return current_filter()

    since = _clamp(st.session_state.get("flt_since"), first, last, first)
    until = _clamp(st.session_state.get("flt_until"), first, last, last)
    if since > until:
        since, until = first, last
    if "flt_since" in st.session_state or "flt_until" in st.session_state:
        st.session_state["flt_since"], st.session_state["flt_until"] = since, until
    shown = st.session_state.get(_DATES_WIDGET)
    picking = isinstance(shown, (tuple, list)) and len(shown) == 1 and first <= shown[0] <= last
    if not picking:  # a half-picked range stays as the user left it; anything else shows the kept range
        st.session_state[_DATES_WIDGET] = (since, until)
    st.date_input("Dates (UTC)", min_value=first, max_value=last, key=_DATES_WIDGET, on_change=_keep_dates,
                  args=(first, last), format="YYYY-MM-DD", help="Events submitted on these days, both included.")

    for key, (label, dimension) in _MULTI.items():
        choices = options[dimension]
        if not choices:
            st.session_state.pop(key, None)
            continue
        kept = [v for v in st.session_state.get(key) or [] if v in choices]
        st.session_state[key] = kept
        st.session_state[_widget(key)] = kept
        st.multiselect(label, choices, key=_widget(key), on_change=_keep, args=(key,),
                       placeholder="All", help=f"Only these {label.lower()}s; none chosen means all.")

    if any(st.session_state.get(k) for k in FILTER_KEYS):
        st.button("Clear filters", key="flt_clear", on_click=reset_filters, icon=":material/filter_alt_off:")
    return current_filter()
