"""Overview (live): the headline KPIs for a period with deltas against the period before,
throughput and backlog, and how fresh the data is; it re-checks the store on an interval.

Re-reading is cheap when nothing changed: every cached read is keyed by the store's
snapshot (its tables' versions), so a refresh with no new ingest costs one version check.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import streamlit as st
from labelline.charts import fig_backlog, fig_events_by, fig_events_per_day, fig_throughput
from labelline.kpis.periods import DEFAULT_PERIOD, PERIOD_CHOICES, period_filters, relative_change
from labelline.ui import data, kpis, live
from labelline.ui.filters import current_filter
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

st.title("Overview")
store = data.current_store()
if not store.exists():
    kpis.no_store_yet(store)
    st.stop()

controls = st.columns([3, 2, 3])
period_choice = controls[0].segmented_control(
    "Period", list(PERIOD_CHOICES), default=DEFAULT_PERIOD, key="overview_period",
    help="The headline tiles cover this period, ending on the last day with data; the small figure under "
         "each tile is the change against the period of the same length just before it.")
refresh_choice, refresh_s = live.refresh_control(controls[1], "overview_refresh")


def _num(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _delta(current: float | None, previous: float | None, share: bool = False) -> str | None:
    """Shares change in percentage points; everything else in per cent of the previous value."""
    if share:
        return None if current is None or previous is None else f"{(current - previous) * 100:+.1f} pp"
    change = relative_change(current, previous)
    return None if change is None else f"{change:+.1%}"


def _daily_total(frame: pd.DataFrame, when: str, value: str) -> list[float]:
    if frame.empty:
        return []
    return frame.groupby(when)[value].sum().sort_index().astype(float).tolist()


@st.fragment(run_every=refresh_s)
def live_overview() -> None:
    key = data.snapshot_key(store)
    status = data.status(str(store.root), key)
    if status["events"] == 0:
        st.info("The store exists but holds no events yet. Ingest an export with `labelline ingest FILE` or "
                "upload one on the **Ingests & quarantine** page; records that could not be read are listed "
                "there with the reason.", icon=":material/inbox:")
        return

    now = datetime.now(timezone.utc)
    last_ingest = status["last_ingest"]
    ingested = datetime.fromisoformat(last_ingest["finished_at"].replace("Z", "+00:00")) if last_ingest else None
    freshness = [f"Data as of **{status['last_event_at'][:16].replace('T', ' ')} UTC** (newest event)"]
    if ingested:
        minutes = max(0, int((now - ingested).total_seconds() // 60))
        ago = f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago" if minutes < 2880 \
            else f"{minutes // 1440} days ago"
        freshness.append(f"last ingest {ingested:%Y-%m-%d %H:%M} UTC ({ago})")
    freshness.append(f"checked {now:%H:%M:%S} UTC" + (f", again every {refresh_choice}" if refresh_s else ""))
    st.caption(" · ".join(freshness))

    tiles = st.columns(6)
    tiles[0].metric("Events", f"{status['events']:,}",
                    help="Units of work in the log: one row per worker per item per stage (label, review, ...).")
    tiles[1].metric("Items", f"{status['items']:,}", help="Distinct things labeled (project + item id).")
    tiles[2].metric("Workers", f"{status['workers']:,}",
                    help="Distinct worker ids, models included; e-mails and names are stored as pseudonyms.")
    tiles[3].metric("Projects", f"{status['projects']:,}", help="Distinct labeling projects.")
    tiles[4].metric("Quarantined records", f"{status['quarantined']:,}",
                    help="Input records that could not be ingested; see Ingests & quarantine for each reason.")
    tiles[5].metric("Last ingest", f"{ingested:%d %b}" if ingested else "never",
                    help="When the most recent file finished ingesting (UTC); the line above gives the time.")

    first_day = date.fromisoformat(status["first_event_at"][:10])
    last_day = date.fromisoformat(status["last_event_at"][:10])
    period = period_filters(current_filter(), first_day, last_day, PERIOD_CHOICES[period_choice or DEFAULT_PERIOD])
    rates_mtime = data.rates_mtime(store)
    kpis = data.overview_kpis(str(store.root), key, rates_mtime, period.current.model_dump_json())
    before = (data.overview_kpis(str(store.root), key, rates_mtime, period.previous.model_dump_json())["headline"]
              if period.previous else {})
    h = kpis["headline"]
    approx = "≈ " if h["percentiles_approximate"] else ""
    vs = period.previous_label or "no earlier period of the same length"

    st.subheader(f"Headline KPIs · {period.label}")
    throughput_daily = _daily_total(kpis["throughput"], "period", "finished")
    spend_daily = _daily_total(kpis["spend"], "period", "cost")
    backlog_daily = kpis["backlog"]["backlog"].astype(float).tolist() if not kpis["backlog"].empty else []

    def tile(column, label: str, value_key: str, fmt: str, help_text: str, *, share: bool = False,
             lower_is_better: bool = False, prefix: str = "", chart: list[float] | None = None) -> None:
        value = h.get(value_key)
        column.metric(
            label, prefix + _num(value, fmt), _delta(value, before.get(value_key), share),
            delta_color="inverse" if lower_is_better else "normal", help=help_text,
            chart_data=chart or None, chart_type="area", delta_description=f"vs {vs}" if before else None,
        )

    row1 = st.columns(4)
    tile(row1[0], "Throughput", "throughput_per_day", "{:,.0f} items/day", chart=throughput_daily,
         help_text="Items finished per calendar day in the period. An item is finished when its latest review "
                   "accepted it, or at its last label where the project reviews only a sample.")
    tile(row1[1], "Open backlog", "backlog_items", "{:,} items", lower_is_better=True, chart=backlog_daily,
         help_text="Items that entered the line and are not finished at the end of the period.")
    tile(row1[2], "Touch time p50", "touch_p50_s", "{:,.0f} s", lower_is_better=True, prefix=approx,
         help_text=f"Median measured working time of one label (active_s), each capped at {h['touch_cap_s']:,.0f} s "
                   f"because tools count idle time; {h['touch_capped_events']:,} were capped.")
    tile(row1[3], "Cycle time p95", "cycle_p95_h", "{:,.1f} h", lower_is_better=True, prefix=approx,
         help_text="95th percentile of the hours from an item entering the line to being finished.")
    row2 = st.columns(4)
    tile(row2[0], "Cost per accepted label", "cost_per_accepted_label", "{:,.3f} " + h["currency"],
         lower_is_better=True, chart=spend_daily,
         help_text="Everything the finished items cost (all attempts, overlap, review, adjudication, gold, platform "
                   "fees) divided by the items finished. Cost comes from the source or the rate card. The small "
                   "chart is the spend per day.")
    tile(row2[1], "First-pass acceptance", "first_pass_acceptance", "{:.1%}", share=True,
         help_text="Labels accepted at their first review, among first-attempt labels that were reviewed.")
    tile(row2[2], "Gold accuracy", "gold_accuracy", "{:.1%}", share=True,
         help_text=f"Labels on gold items that match the gold answer ({h['gold_trials']:,} gold answers).")
    tile(row2[3], "Krippendorff's alpha", "krippendorff_alpha", "{:.2f}",
         help_text="Chance-corrected agreement (nominal) on items with two or more first-pass answers "
                   f"({h['agreement_items']:,} items): 1 is perfect, 0 is chance level.")
    notes = []
    if h["percentiles_approximate"]:
        notes.append("≈: percentiles read from histograms prepared at ingest, within 1 % of the exact value.")
    if not before:
        notes.append("No deltas: the data does not reach back a whole period before this one.")
    if notes:
        st.caption(" ".join(notes))

    left, right = st.columns(2)
    left.plotly_chart(fig_throughput(kpis["throughput"]), width="stretch")
    right.plotly_chart(fig_backlog(kpis["backlog"]), width="stretch")
    st.plotly_chart(fig_events_per_day(data.daily_events(str(store.root), key)), width="stretch")

    left, right = st.columns(2)
    by_project = data.events_by(str(store.root), key, "project")
    left.plotly_chart(fig_events_by(by_project, "project", "Events by project"), width="stretch")
    by_source = data.events_by(str(store.root), key, "source")
    right.plotly_chart(fig_events_by(by_source, "source", "Events by source"), width="stretch")


live_overview()
