"""Overview: what the store holds and how work flowed through it, day by day."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from labelline.charts import fig_backlog, fig_events_by, fig_events_per_day, fig_throughput
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

kpis = data.overview_kpis(str(store.root), key, data.rates_mtime(store))
h = kpis["headline"]
approx = "≈ " if h["percentiles_approximate"] else ""


def _num(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


st.subheader("Headline KPIs")
row1 = st.columns(4)
row1[0].metric("Throughput", _num(h["throughput_per_day"], "{:,.0f} items/day"),
               help="Items finished per calendar day over the whole log. An item is finished when its latest "
                    "review accepted it, or at its last label where the project reviews only a sample.")
row1[1].metric("Open backlog", _num(h["backlog_items"], "{:,} items"),
               help="Items that entered the line and are not finished at the end of the log.")
row1[2].metric("Touch time p50", approx + _num(h["touch_p50_s"], "{:,.0f} s"),
               help=f"Median measured working time of one label (active_s), each capped at {h['touch_cap_s']:,.0f} s "
                    f"because tools count idle time; {h['touch_capped_events']:,} were capped.")
row1[3].metric("Cycle time p95", approx + _num(h["cycle_p95_h"], "{:,.1f} h"),
               help="95th percentile of the hours from an item entering the line to being finished.")
row2 = st.columns(4)
row2[0].metric("Cost per accepted label", _num(h["cost_per_accepted_label"], "{:,.3f} " + h["currency"]),
               help="Everything the finished items cost (all attempts, overlap, review, adjudication, gold, platform "
                    "fees) divided by the items finished. Cost comes from the source or the rate card.")
row2[1].metric("First-pass acceptance", _num(h["first_pass_acceptance"], "{:.1%}"),
               help="Labels accepted at their first review, among first-attempt labels that were reviewed.")
row2[2].metric("Gold accuracy", _num(h["gold_accuracy"], "{:.1%}"),
               help=f"Labels on gold items that match the gold answer ({h['gold_trials']:,} gold answers).")
row2[3].metric("Krippendorff's alpha", _num(h["krippendorff_alpha"], "{:.2f}"),
               help="Chance-corrected agreement (nominal) on items with two or more first-pass answers "
                    f"({h['agreement_items']:,} items): 1 is perfect, 0 is chance level.")
if h["percentiles_approximate"]:
    st.caption("≈: percentiles read from histograms prepared at ingest, within 1 % of the exact value.")

left, right = st.columns(2)
left.plotly_chart(fig_throughput(kpis["throughput"]), width="stretch")
right.plotly_chart(fig_backlog(kpis["backlog"]), width="stretch")
st.plotly_chart(fig_events_per_day(data.daily_events(str(store.root), key)), width="stretch")

left, right = st.columns(2)
by_project = data.events_by(str(store.root), key, "project")
left.plotly_chart(fig_events_by(by_project, "project", "Events by project"), width="stretch")
by_source = data.events_by(str(store.root), key, "source")
right.plotly_chart(fig_events_by(by_source, "source", "Events by source"), width="stretch")
