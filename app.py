"""Labelline's dashboard: the frame every page runs in.

Page config, the sign-in gate, navigation by section for the signed-in role, and a shared
sidebar: who is signed in, which data source is open and how fresh it is, and the filters
every KPI page reads. Pages live in pages/ and stay thin: widgets in, library calls, charts out.
"""

from __future__ import annotations

import streamlit as st

from labelline.ui import auth, data, filters, identity, navigation

st.set_page_config(page_title="Labelline", page_icon=":material/stacked_line_chart:", layout="wide")

auth.gate()  # draws the sign-in page and stops until someone is signed in (no-op in demo mode)
page = navigation.navigation_for(identity.current_role())

with st.sidebar:
    auth.sidebar_account()
    store = filters.sidebar_source()
    st.caption("Event store")
    st.code(str(store.root), language=None)
    if store.exists():
        status = data.status(str(store.root), data.snapshot_key(store))
        st.caption(f"{status['events']:,} events · table version {status['version']}")
        last = status["last_ingest"]
        if last:
            st.caption(f"Data as of {last['finished_at'][:16].replace('T', ' ')} UTC")
        filters.sidebar_filters(store)
    else:
        st.caption("No store yet.")

navigation.run_in_frame(page)  # pages check the mark: none is drawn without the frame
