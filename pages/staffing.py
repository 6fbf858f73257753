"""Staffing (ops): targets in (a deadline or an SLA, an accuracy floor, a budget), the cheapest
pool mix out, with why it is the cheapest and the cost–time–accuracy frontier; and when the
current backlog finishes on the line as it runs today.

Queueing theory sizes and orders the candidates, the simulator verifies them; the page only
collects targets and draws what the library returns.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pandas as pd
import streamlit as st
from labelline.plan.charts_economics import fig_forecast_fan
from labelline.plan.charts_staffing import fig_staffing_frontier
from labelline.plan.export import xlsx_bytes
from labelline.plan.staffing import SearchSpace, Targets, search_staffing, varied_pools
from labelline.sim.scenario import load_scenario
from labelline.ui import data, jobs
from labelline.ui.filters import current_filter
from labelline.ui.identity import audit, can
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "data" / "scenarios"

st.title("Staffing")
st.caption("For ops planners: how many people of which tier to finish a backlog by a date or hold an SLA, at the "
           "lowest cost, and when today's backlog will be done.")
plan_tab, forecast_tab = st.tabs(["Size the pools", "Forecast the current backlog"])

with plan_tab:
    available = {f"example: {p.stem}": p for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    scenarios = {label: load_scenario(path) for label, path in available.items()}
    current = st.session_state.get("sim_scenario")
    if current is not None:
        scenarios[f"simulator: {current.name}"] = current
    default = "example: three_tier_review" if "example: three_tier_review" in scenarios else next(iter(scenarios))
    label = st.selectbox("Scenario (the line to staff)", list(scenarios), index=list(scenarios).index(default),
                         key="staff_scenario",
                         help="Edit a line on the Simulator page; it then appears here as 'simulator: <name>'.")
    scenario = scenarios[label]
    candidates = varied_pools(scenario)
    if not candidates:
        st.info("This scenario has no pool with a headcount and an hourly rate to size. Choose another, or give a "
                "pool a headcount and an hourly_rate on the Simulator page.", icon=":material/groups:")
        st.stop()

    left, right = st.columns(2)
    with left:
        mode = st.radio("Target", ["SLA on cycle time", "Finish the backlog by a date"], horizontal=True,
                        key="staff_mode")
        if mode == "SLA on cycle time":
            sla_h = st.number_input("95 % of items finished within (hours)", 0.5, 10_000.0,
                                    float(scenario.sla_cycle_h or 72.0), key="staff_sla",
                                    help="The p95 cycle time the line must hold: hours from arrival to finished.")
            deadline_h = None
        else:
            start = st.date_input("Work starts", date.today(), key="staff_start",
                                  help="Day the line starts on the backlog (the scenario's hour 0, a Monday "
                                       "00:00 UTC in the model's calendar).")
            deadline = st.date_input("Backlog finished by", date.today() + timedelta(days=30),
                                     key="staff_deadline", help="The whole backlog finished by the end of this day.")
            deadline_h = (datetime.combine(deadline, time.max, timezone.utc)
                          - datetime.combine(start, time.min, timezone.utc)).total_seconds() / 3600
            sla_h = None
            if deadline_h <= 0:
                st.error("The deadline must be after the start.", icon=":material/error:")
                st.stop()
            st.caption(f"{deadline_h:,.0f} hours from the start; backlog {scenario.arrivals.backlog_items:,} items.")
        min_accuracy = st.slider("Minimum final accuracy", 0.0, 1.0, 0.0, 0.01, key="staff_accuracy",
                                 help="Share of finished items whose final label is right (0: no floor).")
        budget = st.number_input("Budget for the period (0 = none)", 0.0, 1e9, 0.0, step=1000.0, key="staff_budget",
                                 help="Total spend in the measured window, in the scenario's currency.")
    with right:
        pools = st.multiselect("Pools to size", list(candidates), default=list(candidates), key="staff_pools",
                               help="Pools with a headcount and an hourly rate; they are costed as salaried "
                                    "(every shift hour paid), since a headcount only costs money if paid for its "
                                    "time.")
        max_extra = st.slider("Search up to N people above each pool's minimum", 1, 12, 6, key="staff_extra",
                              help="The minimum is queueing theory's floor(load) + 1 for the pool.")
        overlaps = st.multiselect("Overlap k may be", [1, 2, 3, 5], default=[], key="staff_overlap",
                                  help="Leave empty to keep the scenario's overlap.")
        review_shares = st.multiselect("Review share may be", [0.05, 0.1, 0.2, 0.3, 0.5, 1.0], default=[],
                                       key="staff_review", help="Leave empty to keep the scenario's review share.")
        confidence = st.select_slider("Confidence that the targets hold", [0.8, 0.9, 0.95], 0.95, key="staff_conf",
                                      help="The simulated interval's bound on the right side of each target must meet "
                                           "it at this two-sided level.")
    allowed = can("run_simulation")
    if st.button("Find the cheapest staffing", type="primary", icon=":material/groups:", disabled=not allowed,
                 help=None if allowed else "Your role may read results but not start searches."):
        try:
            targets = Targets(cycle_p95_h=sla_h, deadline_h=deadline_h, min_accuracy=min_accuracy or None,
                              budget=budget or None, confidence=confidence)
            space = SearchSpace(pools=tuple(pools), max_extra=max_extra, overlap=tuple(overlaps),
                                review_share=tuple(review_shares))
        except ValueError as exc:
            st.error(str(exc), icon=":material/error:")
            st.stop()
        key = jobs.result_key("staffing", scenario, targets, space)
        if jobs.cached_result(key) is None:
            with st.status("Searching…", expanded=False) as status:
                try:
                    result = search_staffing(scenario, targets, space,
                                             progress=lambda message: status.update(label=message))
                except ValueError as exc:
                    status.update(label="Could not search", state="error")
                    st.error(str(exc), icon=":material/error:")
                    st.stop()
                status.update(label=f"Done in {result.seconds:,.1f} s", state="complete")
            jobs.keep_result(key, result)
            audit("staffing_search", {"scenario": scenario.name, "mode": result.mode,
                                      "candidates_simulated": result.candidates_simulated})
        st.session_state["staffing_key"] = key

    result = jobs.cached_result(st.session_state.get("staffing_key", ""))
    if result is None:
        st.info("Set the targets and press **Find the cheapest staffing**. The search prunes with queueing theory "
                "and simulates only candidates that can win.", icon=":material/groups:")
    else:
        rec = result.recommendation
        st.caption(f"{result.candidates_evaluated:,} candidates evaluated, {result.candidates_simulated:,} simulated "
                   f"({result.replications_run:,} replications) in {result.seconds:,.1f} s.")
        if rec is None:
            st.warning("No candidate in the search space meets every target. Widen the search (more people above "
                       "the minimum, other overlaps or review shares), relax a target, or raise the budget; the table "
                       "below says what each candidate missed.", icon=":material/warning:")
        else:
            st.subheader("Recommendation")
            cols = st.columns(len(rec.headcounts) + 2)
            for col, (pool, heads) in zip(cols, rec.headcounts.items(), strict=False):
                col.metric(pool, f"{heads} people", help=f"Headcount of {pool} in the cheapest mix meeting every target.")
            cost = rec.figures.get("cost") or {}
            cols[-2].metric("Cost of the period", f"{cost.get('mean', float('nan')):,.0f}",
                            help="Spend in the measured window (salaried pools at every shift hour), scenario currency; "
                                 "mean of the replications.")
            time_fig = rec.figures.get(result.time_figure) or {}
            cols[-1].metric("Drain time" if result.mode == "deadline" else "Cycle time p95",
                            f"{time_fig.get('mean', float('nan')):,.1f} h",
                            help="Hours until the backlog is finished" if result.mode == "deadline" else
                            "95th percentile of hours from arrival to finished.")
            cheaper = result.cheaper()
            st.markdown(f"**Why it is the cheapest:** {len(cheaper)} cheaper candidate(s) were considered and each "
                        "missed a target or could not keep up:" if cheaper else
                        "**Why it is the cheapest:** no cheaper candidate was left in the search space.")
            if cheaper:
                st.dataframe(pd.DataFrame([{"candidate": c.label(), "cost (estimate)": c.cost, "why not": c.reason}
                                           for c in cheaper[:20]]), hide_index=True, width="stretch")
        table = result.table()
        st.plotly_chart(fig_staffing_frontier(table), width="stretch")
        with st.expander("Every candidate"):
            st.dataframe(table, hide_index=True, width="stretch")
        for note in result.notes:
            st.caption(note)
        st.download_button("Download the staffing search (XLSX)",
                           xlsx_bytes({"candidates": table}, {"scenario": scenario.name, **result.to_dict()["targets"]}),
                           file_name="labelline-staffing.xlsx", icon=":material/download:", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

with forecast_tab:
    store = data.current_store()
    flt = current_filter()
    st.caption("Calibrates the line from the events in the sidebar's selection, takes the items open now as the "
               "backlog and new items at the recent rate, and simulates when they finish. One project at a time "
               f"gives the most faithful line. Now: {flt.describe()}.")
    if not store.exists() or data.status(str(store.root), data.snapshot_key(store))["events"] == 0:
        st.info("There are no events to forecast from yet: ingest an export on the Data page first.",
                icon=":material/inbox:")
    elif st.button("Forecast", type="primary", icon=":material/query_stats:", disabled=not can("run_simulation")):
        from labelline.plan.forecast import forecast

        key = f"forecast-{store.root}-{data.snapshot_key(store)}-{flt.model_dump_json()}"
        if jobs.cached_result(key) is None:
            bar = st.progress(0.0, text="Calibrating the line…")
            try:
                jobs.keep_result(key, forecast(store, flt, replications=8, processes=None,
                                               progress=lambda d, t: bar.progress(d / t, text=f"Replication {d} of {t}")))
            except ValueError as exc:
                st.error(f"Cannot forecast: {exc}", icon=":material/error:")
            bar.empty()
        st.session_state["forecast_key"] = key
    fc = jobs.cached_result(st.session_state.get("forecast_key", ""))
    if fc is not None:
        if fc.snapshot_key != data.snapshot_key(store):
            st.warning("New data has arrived since this forecast: press **Forecast** again to update it.",
                       icon=":material/update:")
        at = fc.finish_at
        cols = st.columns(3)
        for col, q, words in zip(cols, ("p10", "p50", "p90"), ("optimistic (p10)", "median", "pessimistic (p90)"),
                                 strict=True):
            col.metric(f"Finished, {words}", "later than the horizon" if at[q] is None else f"{at[q]:%a %d %b %H:%M} UTC",
                       help="When the items open now are all finished, in this share of simulated futures.")
        cost = fc.cost_to_finish
        st.markdown(f"**{fc.recent.backlog_items:,} items open** at {fc.recent.data_end:%Y-%m-%d %H:%M} UTC; new ones "
                    f"arrive at {fc.recent.arrivals_per_h:,.1f}/h. Finishing them costs about "
                    f"**{(cost['p50'] or 0):,.0f} {fc.currency}** (p10–p90 {(cost['p10'] or 0):,.0f}–"
                    f"{(cost['p90'] or 0):,.0f}).")
        st.plotly_chart(fig_forecast_fan(fc.fan, at), width="stretch")
        for note in fc.notes:
            st.caption(note)
