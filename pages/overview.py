"""Overview: what the store holds and how work flowed through it, day by day."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from labelline.charts import fig_events_by, fig_events_per_day
from labelline.ui import data

st.title("Overview")
store = data.current_store()
if not store.exists():
    st.info(
        f"There is no event store at `{store.root}` yet.\n\n"
        "- Explore the demo: run `make run` (it builds the demo store), or `labelline demo`.\n"
        "- Load your own exports: `labelline ingest FILE_OR_FOLDER` (Label Studio, Mechanical Turk, "
        "Prodigy, or the canonical CSV/Parquet/JSONL).\n"
        "- Or point the app at another store with `LABELLINE_STORE=/path/to/store`.",
        icon=":material/inbox:",
    )
    st.stop()

key = data.snapshot_key(store)
status = data.status(str(store.root), key)
if status["events"] == 0:
    st.info("The store exists but holds no events yet. Ingest an export with `labelline ingest FILE`; "
            "records that could not be read are listed under **Ingests & quarantine**.", icon=":material/inbox:")
    st.stop()

first, last = status["first_event_at"][:10], status["last_event_at"][:10]
st.caption(f"{first} to {last} (UTC) · store version {status['version']}")
tiles = st.columns(6)
tiles[0].metric("Events", f"{status['events']:,}",
                help="Units of work in the log: one row per worker per item per stage (label, review, ...).")
tiles[1].metric("Items", f"{status['items']:,}",
                help="Distinct things labeled (project + item id).")
tiles[2].metric("Workers", f"{status['workers']:,}",
                help="Distinct worker ids, models included; e-mails and names are stored as pseudonyms.")
tiles[3].metric("Projects", f"{status['projects']:,}", help="Distinct labeling projects.")
tiles[4].metric("Quarantined records", f"{status['quarantined']:,}",
                help="Input records that could not be ingested; see Ingests & quarantine for each reason.")
last_ingest = status["last_ingest"]
last_day = datetime.fromisoformat(last_ingest["finished_at"].rstrip("Z")) if last_ingest else None
tiles[5].metric("Last ingest", f"{last_day:%d %b}" if last_day else "never",
                help="When the most recent file finished ingesting (UTC); the sidebar shows the time.")

st.plotly_chart(fig_events_per_day(data.daily_events(str(store.root), key)), width="stretch")

left, right = st.columns(2)
by_project = data.events_by(str(store.root), key, "project")
left.plotly_chart(fig_events_by(by_project, "project", "Events by project"), width="stretch")
by_source = data.events_by(str(store.root), key, "source")
right.plotly_chart(fig_events_by(by_source, "source", "Events by source"), width="stretch")
