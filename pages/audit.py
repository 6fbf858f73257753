"""Audit log: who signed in, ingested data or ran a scenario, and when (admins only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import streamlit as st
from labelline import audit
from labelline.ui import data, identity
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

st.title("Audit log")
if not identity.can("view_audit"):  # navigation hides the page; this guards a stale link or a role change
    st.error("Only admins can read the audit log.", icon=":material/block:")
    st.stop()

root = data.actual_store().root
entries = audit.read(root)
st.caption(f"`{root / audit.AUDIT_FILE}` · one line per action, times in UTC, newest first.")
if entries.empty:
    st.info("Nothing recorded yet: sign-ins, uploads and scenario runs appear here as they happen.",
            icon=":material/history:")
    st.stop()

today = datetime.now(timezone.utc).date()
first = entries["at"].min().date()
left, middle, right = st.columns([2, 2, 2])
days = left.date_input("Days (UTC)", value=(max(first, today - timedelta(days=30)), today), min_value=first,
                       max_value=today, key="audit_days", format="YYYY-MM-DD")
actions = middle.multiselect("Actions", sorted(entries["action"].dropna().unique()), key="audit_actions",
                             placeholder="All")
users = right.multiselect("Users", sorted(entries["who"].dropna().unique()), key="audit_users", placeholder="All")

since = until = None
if isinstance(days, (tuple, list)) and len(days) == 2:
    since = datetime.combine(days[0], time.min, tzinfo=timezone.utc)
    until = datetime.combine(days[1] + timedelta(days=1), time.min, tzinfo=timezone.utc)
shown = audit.read(root, since=since, until=until, actions=actions or None, who=users or None)

st.caption(f"{len(shown):,} of {len(entries):,} entries")
st.dataframe(
    shown, hide_index=True, width="stretch",
    column_config={
        "at": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "who": st.column_config.TextColumn("user"),
        "role": st.column_config.TextColumn("role", help="The role the user had at the time."),
        "action": st.column_config.TextColumn("action", help="sign_in, sign_out, ingest or scenario_run."),
        "details": st.column_config.JsonColumn("details", width="large"),
    },
)
