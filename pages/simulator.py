"""Simulator: pick, upload, calibrate or edit a scenario, run it, and read the results with
their 95 % intervals; send the simulated log to the KPI pages to compare with the actual one.

The page holds no model: scenarios are validated by the library (a form can never make a
scenario a file could not), replications run in the server's shared process pool, and the
simulated log lands in a store of its own through the normal ingest path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from labelline.sim.calibrate import calibrate, scenario_toml
from labelline.sim.charts import fig_cost_by_stage, fig_utilisation, fig_wait_by_stage
from labelline.sim.report import bottleneck_words, figure_rows, interval_text
from labelline.sim.scenario import Scenario, ScenarioError, load_scenario
from labelline.sim.scenario_form import HELP, from_tables, to_tables
from labelline.sim.to_store import simulated_store_path, write_simulated_events
from labelline.tomlfile import loads_toml_model
from labelline.ui import data, jobs
from labelline.ui.filters import current_filter
from labelline.ui.identity import audit, can
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "data" / "scenarios"
SCENARIO_KEY = "sim_scenario"  # session_state: the scenario being worked on (a Scenario)
RESULT_KEY = "sim_result_key"  # session_state: key of the last run's result in the shared cache

st.title("Simulator")
st.caption("A discrete-event model of the annotation line: queueing, shifts, variability, rework, overlap and "
           "review. Each replication is an independent run; figures are means with 95 % confidence intervals.")


def _use(scenario: Scenario, origin: str | None = None) -> None:
    """Work on this scenario; `origin` names what was loaded (an edit keeps the origin it edits,
    so choosing the same example again does not throw the edit away)."""
    st.session_state[SCENARIO_KEY] = scenario
    if origin is not None:
        st.session_state["sim_origin"] = origin
    st.session_state.pop(RESULT_KEY, None)


# 1. Where the scenario comes from ----------------------------------------------------------
st.subheader("1. Scenario")
source = st.radio("Start from", ["An example", "A TOML file", "My data (calibrate)"], horizontal=True,
                  key="sim_source",
                  help="An example shipped with Labelline, a scenario file of your own (the format is in "
                       "docs/scenarios.md), or a scenario fitted to the events in the store.")
if source == "An example":
    examples = {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    choice = st.selectbox("Example scenario", list(examples), index=list(examples).index("baseline")
                          if "baseline" in examples else 0, key="sim_example")
    if st.session_state.get("sim_origin") != f"example:{choice}":
        _use(load_scenario(examples[choice]), f"example:{choice}")
elif source == "A TOML file":
    upload = st.file_uploader("Scenario file (.toml)", type=["toml"], key="sim_upload",
                              help="Every field is checked on upload; problems are listed by field path.")
    if upload is not None and st.session_state.get("sim_origin") != f"upload:{upload.file_id}":
        try:
            _use(loads_toml_model(upload.getvalue().decode("utf-8", errors="replace"), Scenario, ScenarioError,
                                  upload.name), f"upload:{upload.file_id}")
        except ScenarioError as exc:
            st.error("This scenario cannot be used:\n\n" + "\n".join(f"- {line}" for line in str(exc).splitlines()),
                     icon=":material/error:")
else:
    store = data.current_store()
    flt = current_filter()
    st.caption(f"Fits arrivals, task mix, pools, handling times and accuracy to the events in: {flt.describe()}. "
               "One project at a time gives the most faithful line (choose it in the sidebar).")
    if not store.exists():
        st.info("There is no event store to calibrate from yet: ingest an export on the Data page first.",
                icon=":material/inbox:")
    elif st.button("Calibrate from my data", icon=":material/tune:"):
        from labelline.kpis.session import open_kpis

        with st.spinner("Fitting the line to the events…"):
            try:
                with open_kpis(store) as session:
                    fitted = calibrate(session, flt, name="calibrated")
            except ValueError as exc:
                st.error(f"Cannot calibrate: {exc}. Widen the date range or choose a project with events.",
                         icon=":material/error:")
            else:
                _use(fitted.scenario, "calibrated")
                st.session_state["sim_calibration_notes"] = list(fitted.notes)
    if st.session_state.get("sim_origin") == "calibrated":
        for note in st.session_state.get("sim_calibration_notes", []):
            st.caption(f"Assumed: {note}")

scenario: Scenario | None = st.session_state.get(SCENARIO_KEY)
if scenario is None:
    st.info("Choose an example, upload a scenario file or calibrate one from your data to start.",
            icon=":material/arrow_upward:")
    st.stop()

st.markdown(f"**{scenario.name}**: {scenario.description or 'no description'}")
st.download_button("Download this scenario (TOML)", scenario_toml(scenario), file_name=f"{scenario.name}.toml",
                   mime="application/toml", icon=":material/download:", on_click="ignore")

# 2. Edit ---------------------------------------------------------------------------------
with st.expander("2. Edit the scenario", icon=":material/edit:"):
    tables = to_tables(scenario)
    with st.form("scenario_form", border=False):
        g = tables.general
        cols = st.columns(4)
        g["name"] = cols[0].text_input("Name", g["name"], help=HELP["name"])
        g["horizon_h"] = cols[1].number_input("Horizon (h)", 1.0, 100_000.0, float(g["horizon_h"]), help=HELP["horizon_h"])
        g["warmup_h"] = cols[2].number_input("Warm-up (h)", 0.0, 100_000.0, float(g["warmup_h"]), help=HELP["warmup_h"])
        sla = cols[3].number_input("SLA on cycle time (h, 0 = none)", 0.0, 100_000.0, float(g["sla_cycle_h"] or 0.0),
                                   help=HELP["sla_cycle_h"])
        g["sla_cycle_h"] = sla or None
        cols = st.columns(4)
        g["backlog_items"] = cols[0].number_input("Backlog at start (items)", 0, 10_000_000, int(g["backlog_items"]),
                                                  help=HELP["backlog_items"])
        g["rate_per_h"] = cols[1].number_input("Arrivals (items/h)", 0.0, 1_000_000.0, float(g["rate_per_h"]),
                                               help=HELP["rate_per_h"])
        g["cooldown_h"] = cols[2].number_input("Cool-down (h)", 0.0, 100_000.0, float(g["cooldown_h"]),
                                               help=HELP["cooldown_h"])

        def _columns(prefix: str, frame: pd.DataFrame) -> dict[str, st.column_config.Column]:
            return {c: st.column_config.Column(c.replace("_", " "), help=HELP[f"{prefix}.{c}"]) for c in frame.columns}

        st.markdown("**Pools** (who does the work; money in the scenario's currency)")
        tables.pools = st.data_editor(tables.pools, num_rows="dynamic", width="stretch", key="sim_pools",
                                      column_config=_columns("pool", tables.pools))
        st.markdown("**Handling time and accuracy** (per pool and task type)")
        tables.handling = st.data_editor(tables.handling, num_rows="dynamic", width="stretch", key="sim_handling",
                                         column_config=_columns("handling", tables.handling))
        left, right = st.columns(2)
        with left:
            st.markdown("**Task types**")
            tables.task_types = st.data_editor(tables.task_types, num_rows="dynamic", width="stretch",
                                               key="sim_task_types", column_config=_columns("task_type", tables.task_types))
        with right:
            st.markdown("**Batches** (scheduled arrivals)")
            tables.batches = st.data_editor(tables.batches, num_rows="dynamic", width="stretch", key="sim_batches",
                                            column_config=_columns("batch", tables.batches))
        st.markdown("**Stages**")
        label = dict(tables.stages["label"])
        pool_names = [p.name for p in scenario.pool]
        cols = st.columns(4)
        label["pools"] = cols[0].multiselect("Labeling pools", pool_names, [p for p in label["pools"] if p in pool_names],
                                             help=HELP["label.pools"])
        label["overlap"] = cols[1].number_input("Overlap k (labels/item)", 1, 9, int(label["overlap"]),
                                                help=HELP["label.overlap"])
        label["overlap_share"] = cols[2].number_input("Share with overlap", 0.0, 1.0, float(label["overlap_share"]),
                                                      help=HELP["label.overlap_share"])
        label["pickup_delay_h"] = cols[3].number_input("Pickup delay (h)", 0.0, 1000.0, float(label["pickup_delay_h"]),
                                                       help=HELP["label.pickup_delay_h"])
        tables.stages["label"] = label
        cols = st.columns(4)
        overflow = cols[0].selectbox("Overflow pool", [None, *pool_names], index=([None, *pool_names].index(
            label.get("overflow_pool")) if label.get("overflow_pool") in pool_names else 0), help=HELP["label.overflow_pool"],
            format_func=lambda v: "none" if v is None else v)
        queue = cols[1].number_input("Overflow past (items queued)", 1, 1_000_000, int(label.get("overflow_queue") or 50),
                                     help=HELP["label.overflow_queue"])
        label["overflow_pool"], label["overflow_queue"] = (overflow, int(queue)) if overflow else (None, None)
        escalate = cols[2].selectbox("Escalate to", [None, *pool_names], index=([None, *pool_names].index(
            label.get("escalate_pool")) if label.get("escalate_pool") in pool_names else 0),
            help=HELP["label.escalate_pool"], format_func=lambda v: "no escalation" if v is None else v)
        after = cols[3].number_input("Escalate after (rejections)", 1, 9, int(label.get("escalate_after_rejections") or 2),
                                     help=HELP["label.escalate_after_rejections"])
        label["escalate_pool"], label["escalate_after_rejections"] = escalate, int(after)
        tables.stages["label"] = label

        def _stage(name: str, title: str, defaults: dict) -> dict | None:
            """An optional stage: a switch, then its fields (shown even when off: a form cannot redraw)."""
            current = tables.stages.get(name)
            on = st.checkbox(title, value=current is not None, key=f"sim_stage_{name}")
            return {**defaults, **(current or {})} if on else None

        first = pool_names[:1]
        review = _stage("review", "Review a sample of labels (rework on rejection)",
                        {"pools": first, "share": 1.0, "catch_rate": 0.8, "false_reject_rate": 0.02, "max_attempts": 3})
        shown = review or {"pools": first, "share": 1.0, "catch_rate": 0.8, "false_reject_rate": 0.02, "max_attempts": 3}
        cols = st.columns(5)
        shown["pools"] = cols[0].multiselect("Reviewing pools", pool_names, [p for p in shown["pools"] if p in pool_names],
                                             help=HELP["review.pools"], key="sim_review_pools")
        shown["share"] = cols[1].number_input("Review share", 0.0, 1.0, float(shown["share"]), help=HELP["review.share"])
        shown["catch_rate"] = cols[2].number_input("Catch rate", 0.0, 1.0, float(shown["catch_rate"]),
                                                   help=HELP["review.catch_rate"])
        shown["false_reject_rate"] = cols[3].number_input(
            "False-reject rate", 0.0, 1.0, float(shown["false_reject_rate"]), help=HELP["review.false_reject_rate"])
        shown["max_attempts"] = cols[4].number_input("Max attempts", 1, 9, int(shown["max_attempts"]),
                                                     help=HELP["review.max_attempts"])
        tables.stages["review"] = shown if review else None

        prelabel = _stage("prelabel", "Pre-label with a model", {"pool": pool_names[0], "share": 1.0,
                                                                  "time_saving": 0.4, "anchoring": 0.0})
        shown = prelabel or {"pool": pool_names[0], "share": 1.0, "time_saving": 0.4, "anchoring": 0.0}
        cols = st.columns(4)
        shown["pool"] = cols[0].selectbox("Pre-labeling pool", pool_names, index=pool_names.index(shown["pool"])
                                          if shown["pool"] in pool_names else 0, help=HELP["prelabel.pool"])
        shown["share"] = cols[1].number_input("Pre-labeled share", 0.0, 1.0, float(shown["share"]),
                                              help=HELP["prelabel.share"])
        shown["time_saving"] = cols[2].number_input("Time saving", 0.0, 1.0, float(shown["time_saving"]),
                                                    help=HELP["prelabel.time_saving"])
        shown["anchoring"] = cols[3].number_input("Anchoring", 0.0, 1.0, float(shown["anchoring"]),
                                                  help=HELP["prelabel.anchoring"])
        tables.stages["prelabel"] = shown if prelabel else None

        adjudicate = _stage("adjudicate", "Adjudicate items whose labels disagree", {"pools": first})
        qa = _stage("qa", "QA a sample of finished items", {"pools": first, "share": 0.05})
        cols = st.columns(3)
        adjudicators = cols[0].multiselect("Adjudicating pools", pool_names,
                                           [p for p in (adjudicate or {"pools": first})["pools"] if p in pool_names],
                                           help=HELP["adjudicate.pools"], key="sim_adjudicate_pools")
        qa_pools = cols[1].multiselect("QA pools", pool_names, [p for p in (qa or {"pools": first})["pools"]
                                                              if p in pool_names], help=HELP["qa.pools"],
                                       key="sim_qa_pools")
        qa_share = cols[2].number_input("QA share", 0.0, 1.0, float((qa or {"share": 0.05})["share"]),
                                        help=HELP["qa.share"])
        tables.stages["adjudicate"] = {"pools": adjudicators} if adjudicate else None
        tables.stages["qa"] = {"pools": qa_pools, "share": qa_share} if qa else None
        st.caption("New pools appear in these lists after **Apply changes**. Shift weekdays and empirical handling "
                   "times stay as in the scenario file (download, edit, upload).")
        if st.form_submit_button("Apply changes", icon=":material/check:"):
            try:
                _use(from_tables(scenario, tables))
                st.rerun()
            except ScenarioError as exc:
                st.error("Not applied:\n\n" + "\n".join(f"- {line}" for line in str(exc).splitlines()),
                         icon=":material/error:")

# 3. Run ----------------------------------------------------------------------------------
st.subheader("3. Run")
cols = st.columns([2, 1, 2])
replications = cols[0].slider("Replications", 2, 30, 5, key="sim_reps",
                              help="Independent runs; more give narrower 95 % intervals (about 1/√n).")
seed = int(cols[1].number_input("Seed", 0, 2**31 - 1, 0, key="sim_seed",
                                help="The same seed, scenario and replications give identical results."))
allowed = can("run_simulation")
run = cols[2].button("Run simulation", type="primary", icon=":material/play_arrow:", disabled=not allowed,
                     help=None if allowed else "Your role may look at results but not start simulations.")
if run:
    bar = st.progress(0.0, text="Starting…")

    def _progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Replication {done} of {total}")

    key, _ = jobs.run_simulation(scenario, replications, seed, _progress)
    bar.empty()
    st.session_state[RESULT_KEY] = key
    audit("scenario_run", {"scenario": scenario.name, "replications": replications, "seed": seed, "key": key})

key = st.session_state.get(RESULT_KEY)
result = jobs.cached_result(key) if key else None
if result is None:
    st.info("Run the simulation to see throughput, cycle time, cost and accuracy with their intervals.",
            icon=":material/play_arrow:")
    st.stop()

# 4. Results --------------------------------------------------------------------------------
s = result.summary
runs = len(result.per_replication)
sc = result.scenario
st.subheader("4. Results")
st.caption(f"{sc.name}: {runs} replications (seed {seed}) of {sc.horizon_h:,.0f} h, measured over "
           f"{sc.horizon_h - sc.warmup_h - sc.cooldown_h:,.0f} h after {sc.warmup_h:,.0f} h warm-up. "
           "Money in the currency of the scenario's rates and prices.")


def _tile(column, label: str, figure: str, fmt: str, help_text: str) -> None:  # noqa: ANN001
    if figure not in s.index:
        column.metric(label, "n/a", help=help_text)
        return
    row = s.loc[figure]
    column.metric(label, fmt.format(row["mean"]), help=help_text,
                  delta=f"± {fmt.format(row['half_width'])} (95 %)" if pd.notna(row["half_width"]) else None,
                  delta_color="off", delta_arrow="off")


tiles = st.columns(4)
_tile(tiles[0], "Throughput", "throughput_per_hour", "{:,.1f} items/h",
      "Items finished per hour in the measured window.")
_tile(tiles[1], "Cycle time p95", "cycle_time_p95_h", "{:,.1f} h",
      "95th percentile of hours from arrival to finished, among items finished in the window.")
_tile(tiles[2], "Cost per accepted label", "cost_per_accepted_label", "{:,.3f}",
      "Everything the finished items cost (all attempts, overlap, review, fees, idle paid time) per finished item.")
_tile(tiles[3], "Final accuracy", "final_accuracy", "{:.1%}",
      "Share of finished items whose final label is right (after review, rework and majority vote).")
st.markdown(f"**{bottleneck_words(result.bottleneck).capitalize()}.**")

left, right = st.columns(2)
left.plotly_chart(fig_utilisation(s), width="stretch")
right.plotly_chart(fig_cost_by_stage(s), width="stretch")
st.plotly_chart(fig_wait_by_stage(s), width="stretch")

table = pd.DataFrame([{"figure": label, "mean (95 % interval)": interval_text(s, k, fmt, runs)}
                      for k, label, fmt in figure_rows(s, sc)])
st.dataframe(table, hide_index=True, width="stretch")
with st.expander("Every figure, every replication"):
    st.dataframe(result.per_replication, width="stretch")

# 5. Compare with actual ----------------------------------------------------------------------
st.subheader("5. Compare with the actual data")
st.caption("Writes the simulated event log into a store of its own and switches the sidebar's data source to it: "
           "every KPI page then shows the simulation, in the same definitions as your real log.")
if st.button("Send the simulated log to the KPI pages", icon=":material/send:", disabled=not allowed):
    target = simulated_store_path(data.actual_store().root, f"{sc.name}-{key}")
    from labelline.store import EventStore

    store = EventStore(target)
    with st.spinner("Writing the simulated events…"):
        landed = write_simulated_events(result.events, store, sc.name, seed)
        from labelline.kpis.tables import build_kpi_tables

        build_kpi_tables(store)
    data.add_source(f"simulated: {sc.name}", target)
    audit("simulated_log_written", {"scenario": sc.name, "events": landed.events, "path": str(target)})
    st.success(f"{landed.events:,} simulated events written; the sidebar's data source is now "
               f"**simulated: {sc.name}**. Open any KPI page; switch back to **actual** in the sidebar.",
               icon=":material/check_circle:")
