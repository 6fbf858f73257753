"""The shared sidebar filter: which slice of the data every KPI page shows.

The widgets live in the sidebar that app.py draws on every page; their values are kept
in ``st.session_state`` under the keys below, so they persist from page to page. Pages
never read widgets themselves: they call ``current_filter()`` and hand the KpiFilter to
the library.
"""

from __future__ import annotations

import streamlit as st

from labelline.kpis.filters import KpiFilter

__all__ = ["current_filter", "FILTER_KEYS"]

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
