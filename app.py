"""Labelline's dashboard: the frame every page runs in.

Page config, navigation by section, and a sidebar saying which store is open and how
fresh it is. Pages live in pages/ and stay thin: widgets in, library calls, charts out.
"""

from __future__ import annotations

import streamlit as st

from labelline.ui import data

st.set_page_config(page_title="Labelline", page_icon=":material/stacked_line_chart:", layout="wide")

pages = {
    "Operations": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview",
                default=True),
    ],
    "Data": [
        st.Page("pages/data.py", title="Ingests & quarantine", icon=":material/database:", url_path="data"),
    ],
}
navigation = st.navigation(pages)

store = data.current_store()
with st.sidebar:
    st.caption("Event store")
    st.code(str(store.root), language=None)
    if store.exists():
        status = data.status(str(store.root), data.snapshot_key(store))
        st.caption(f"{status['events']:,} events · table version {status['version']}")
        last = status["last_ingest"]
        if last:
            st.caption(f"Data as of {last['finished_at'][:16].replace('T', ' ')} UTC")
    else:
        st.caption("No store yet.")

navigation.run()
