"""Flow & bottlenecks: where work waits, how long items take, and whether the line is stable."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st
from labelline.charts import fig_cycle_breakdown, fig_touch_percentiles, fig_utilisation, fig_wip
from labelline.ui import kpis, live
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

st.title("Flow & bottlenecks")
flt, snap = kpis.require_data()

top = st.columns([3, 1, 1])
top[0].caption(f"Covers {flt.describe()} · times in UTC")
refresh_choice, refresh_s = live.refresh_control(top[2], "flow_refresh")
available_h = top[1].number_input(
    "Available hours per person per day", min_value=0.5, max_value=24.0, value=kpis.AVAILABLE_H_PER_DAY, step=0.5,
    key="flow_available_h",
    help="Utilisation divides measured work by this many hours for every day a person worked. The log does not "
         "record shifts, so set what your people are contracted or scheduled for.",
)


def _num(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


@st.fragment(run_every=refresh_s)
def flow_page() -> None:
    """Everything below the controls; re-run on the refresh interval, re-reading only after a commit."""
    _, snap = kpis.require_data()  # the store's latest snapshot: new events show on the next run
    k = kpis.flow_kpis(snap, float(available_h))
    cycle, law, neck = k["cycle"], k["littles_law"], k["bottleneck"]
    if refresh_s:
        st.caption(f"Checked {datetime.now(timezone.utc):%H:%M:%S} UTC, again every {refresh_choice}.")

    st.subheader("Bottleneck")
    (st.warning if neck["stage"] else st.info)(neck["message"], icon=":material/traffic:")

    tiles = st.columns(5)
    throughput_day = cycle["finished"] / cycle["days"] if cycle["days"] else None
    tiles[0].metric("Throughput (items/day)", _num(throughput_day, "{:,.1f}"),
                    help="Items finished in the range per calendar day. An item is finished when its latest review "
                         "accepted it, or at its last label where the project reviews only a sample.")
    tiles[1].metric("Cycle time p50 (h)", _num(cycle["p50_h"], "{:,.1f}"),
                    help="Median hours from an item entering the line (its first queued, started or submitted time) to "
                         "being finished, over items finished in the range.")
    tiles[2].metric("Cycle time p95 (h)", _num(cycle["p95_h"], "{:,.1f}"),
                    help="95th percentile of the same: the wait a customer of the line should plan for.")
    tiles[3].metric("Open backlog (items)", f"{cycle['backlog']:,}",
                    help="Items that entered the line and are not finished at the end of the range.")
    tiles[4].metric(f"Wait at {neck['stage'] or 'bottleneck'} (h)", _num(neck["wait_h"], "{:,.1f}"),
                    help="Mean hours a finished item waited (queued to started) at the stage where items wait longest, "
                         "summed over its events there.")

    st.subheader("Little's law check")
    st.markdown(k["littles_law_text"])
    law_tiles = st.columns(4)
    law_tiles[0].metric("L: measured WIP (items)", _num(law["wip"], "{:,.1f}"),
                        help="Time-average items on the line over the window.")
    law_tiles[1].metric("λ: throughput (items/h)", _num(law["throughput_per_h"], "{:,.2f}"),
                        help="Items finished in the window per hour of the window.")
    law_tiles[2].metric("W: mean cycle time (h)", _num(law["cycle_mean_h"], "{:,.1f}"),
                        help="Mean hours from created to finished, items finished in the window.")
    law_tiles[3].metric("λW: predicted WIP (items)", _num(law["predicted_wip"], "{:,.1f}"),
                        help="Little's law: on a stable line, average WIP = throughput × mean cycle time. A ratio L / λW "
                             "far from 1 means the window is not in steady state or times are missing.")

    st.subheader("Work in progress")
    if k["wip"].empty:
        st.info("No event records when it was queued or started, so WIP cannot be drawn. Exports with `queued_at` or "
                "`started_at` (Label Studio, the canonical CSV) fill this chart.", icon=":material/info:")
    else:
        st.plotly_chart(fig_wip(k["wip"]), width="stretch")

    st.subheader("Cycle time: wait and touch per stage")
    breakdown = k["breakdown"]
    if breakdown.empty:
        st.info("No item finished in this range, so there is no cycle time to break down. Widen the date range.",
                icon=":material/info:")
    else:
        st.plotly_chart(fig_cycle_breakdown(breakdown), width="stretch")
        untracked = breakdown.loc[breakdown["part"] == "untracked", "hours_per_item"]
        rest = float(untracked.iloc[0]) if len(untracked) else 0.0
        waited = float(breakdown.loc[breakdown["part"] == "wait", "hours_per_item"].sum())
        touched = float(breakdown.loc[breakdown["part"] == "touch", "hours_per_item"].sum())
        if waited + touched > 0:
            st.markdown(f"Of the time finished items spent at the stages, **{touched / (waited + touched):.1%}** was work "
                        f"({touched * 60:,.1f} min per item) and the rest waiting: shortening queues, not work, "
                        "shortens the cycle." if touched < waited else
                        f"Of the time finished items spent at the stages, **{touched / (waited + touched):.1%}** was work "
                        f"({touched:,.2f} h per item): faster handling shortens the cycle most.")
        if rest >= 0:
            st.caption(f"Bars: mean hours per finished item. Another {rest:,.1f} h per item passed between stages "
                       "without a recorded wait (hand-offs the log does not time).")
        else:
            st.caption(f"Bars: mean hours per finished item. They add up to {-rest:,.1f} h more than the mean cycle "
                       "time because items labeled by several people wait for all of them at once (overlap): the waits "
                       "run in parallel, not one after another.")

    st.subheader("Utilisation")
    left, right = st.columns(2)
    left.plotly_chart(fig_utilisation(k["utilisation_stage"], "stage"), width="stretch")
    right.plotly_chart(fig_utilisation(k["utilisation_tier"], "tier"), width="stretch")
    st.caption(f"Busy hours (measured work) over available hours: {available_h:g} h for each day a person worked. "
               "Model pre-labelers are left out.")

    st.subheader("Touch and wait times")
    touch = k["touch"]
    stage_touch = touch[touch["dimension"] == "stage"]
    if stage_touch.empty:
        st.info("No event carries a measured working time (active_s).", icon=":material/info:")
    else:
        touch_by = st.radio("Touch time by", ["stage", "task type", "tier"], horizontal=True, key="flow_touch_by",
                            help="Task type and tier compare labels only: reviews and pre-labels take other times.")
        if touch_by == "stage":
            st.plotly_chart(fig_touch_percentiles(stage_touch), width="stretch")
        else:
            dimension = touch_by.replace(" ", "_")
            labels = touch[(touch["dimension"] == dimension) & (touch["stage"] == "label")]
            st.plotly_chart(fig_touch_percentiles(labels.rename(columns={"value": dimension}), dimension, "label"),
                            width="stretch")
        capped = int(stage_touch["capped"].sum())
        approx = "≈ " if k["percentiles_approximate"] else ""
        st.caption(f"Measured working time per event, each capped at {kpis.TOUCH_CAP_S:,.0f} s because tools count "
                   f"idle time ({approx}{capped:,} events capped)."
                   + (" ≈: percentiles, means and the capped count read from histograms prepared at ingest, within "
                      "1 % of the exact values." if approx else ""))
    # Waits run to hours or days while touch is seconds: the table shows hours so the numbers stay readable.
    wait = k["wait"].copy()
    for column in ("p50_s", "p90_s", "p95_s", "mean_s"):
        wait[column] = wait[column] / 3600.0
    wait = wait.rename(columns={"events": "events with a wait", "p50_s": "wait p50 (h)", "p90_s": "wait p90 (h)",
                                "p95_s": "wait p95 (h)", "mean_s": "mean wait (h)",
                                "coverage": "share of events with a wait"})
    st.dataframe(wait, hide_index=True, width="stretch", column_config={
        "share of events with a wait": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        **{c: st.column_config.NumberColumn(format="%.2f") for c in ("wait p50 (h)", "wait p90 (h)", "wait p95 (h)",
                                                                       "mean wait (h)")},
    })
    st.caption("Wait: hours from queued to started at each stage, where the log records both."
               + (" ≈: the percentiles read from histograms prepared at ingest, within 1 % of the exact values; "
                  "events, means and shares exact." if k["percentiles_approximate"] else ""))


flow_page()
