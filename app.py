"""Labelline's dashboard: the frame every page runs in.

Page config, the sign-in gate, navigation by section for the signed-in role, and a shared
sidebar: who is signed in, which data source is open and how fresh it is, and the filters
every KPI page reads. Pages live in pages/ and stay thin: widgets in, library calls, charts out.
"""

from __future__ import annotations

import streamlit as st

from labelline.ui import auth, data, filters, identity, kpis, navigation

st.set_page_config(page_title="Labelline", page_icon=":material/stacked_line_chart:", layout="wide")
kpis.note_page_run()  # the cache warm-up (below) gives way while pages are drawn

auth.gate()  # draws the sign-in page and stops until someone is signed in (no-op in demo mode)
page = navigation.navigation_for(identity.current_role())

with st.sidebar:
    auth.sidebar_account()
    store = filters.sidebar_source()
    # Inline code, not st.code: the code block's syntax highlighter is 1.5 MB of script to load per visit.
    st.caption(f"Event store `{store.root}`")
    if store.exists():
        status = data.status(str(store.root), data.snapshot_key(store))
        st.caption(f"{status['events']:,} events · table version {status['version']}")
        last = status["last_ingest"]
        if last:
            st.caption(f"Data as of {last['finished_at'][:16].replace('T', ' ')} UTC")
        filters.sidebar_filters(store)
    else:
        st.caption("No store yet.")

try:
    navigation.run_in_frame(page)  # pages check the mark: none is drawn without the frame
finally:
    kpis.note_page_run()
    # Once per server process, after the first page is drawn (so it does not compete with it): a
    # background thread keeps what every page shows unfiltered for the real store in the shared caches.
    kpis.start_warmup(str(data.actual_store().root))
