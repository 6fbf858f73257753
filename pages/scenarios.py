"""Scenarios (finance): compare scenarios side by side with differences and their intervals,
the in-house vs vendor vs crowd break-even, and a sensitivity tornado; export to XLSX.

Comparisons run with common random numbers (every scenario draws from the same streams),
so a difference's interval is far narrower than two separate runs would give; a winner is
named only where that interval excludes zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from labelline.plan.charts_compare import fig_differences, fig_scenario_values
from labelline.plan.compare import compare, scenario_toml
from labelline.plan.export import xlsx_bytes
from labelline.plan.variants import shortened
from labelline.sim.scenario import Scenario, ScenarioError, load_scenario
from labelline.tomlfile import loads_toml_model
from labelline.ui import jobs
from labelline.ui.identity import audit, can
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "data" / "scenarios"

st.title("Scenarios")
st.caption("For finance: what each way of running the line costs, how fast it is and how good its labels are, "
           "side by side, with 95 % intervals.")

compare_tab, breakeven_tab, sensitivity_tab = st.tabs(["Compare scenarios", "In-house vs vendor vs crowd",
                                                       "Sensitivity"])


def _available() -> dict[str, Scenario]:
    """Examples, uploads and the Simulator's current scenario, by a label the user recognises."""
    out = {f"example: {p.stem}": load_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    for name, scenario in st.session_state.get("scenarios_uploaded", {}).items():
        out[f"uploaded: {name}"] = scenario
    current = st.session_state.get("sim_scenario")
    if current is not None:
        out[f"simulator: {current.name}"] = current
    return out


with compare_tab:
    uploads = st.file_uploader("Add scenario files (.toml)", type=["toml"], accept_multiple_files=True,
                               key="scenarios_upload", help="Each file is checked on upload; problems are listed "
                                                            "by field path. The format is in docs/scenarios.md.")
    uploaded = dict(st.session_state.get("scenarios_uploaded", {}))
    for upload in uploads or []:
        try:
            scenario = loads_toml_model(upload.getvalue().decode("utf-8", errors="replace"), Scenario, ScenarioError,
                                        upload.name)
            uploaded[scenario.name] = scenario
        except ScenarioError as exc:
            st.error("\n".join(str(exc).splitlines()[:10]), icon=":material/error:")
    st.session_state["scenarios_uploaded"] = uploaded

    available = _available()
    default = [k for k in ("example: baseline", "example: vendor_overflow") if k in available]
    chosen = st.multiselect("Scenarios to compare (the first is the baseline)", list(available), default=default,
                            key="compare_chosen",
                            help="Every other scenario is compared with the first one, replication by replication.")
    cols = st.columns([2, 1, 2, 2])
    reps = cols[0].slider("Replications", 2, 30, 5, key="compare_reps",
                          help="More replications narrow the intervals (about 1/√n) and take proportionally longer.")
    seed = int(cols[1].number_input("Seed", 0, 2**31 - 1, 0, key="compare_seed",
                                    help="The same seed and replications give identical results."))
    quick_days = cols[2].number_input("Simulate the first N days (0 = each scenario's horizon)", 0, 365, 7,
                                      key="compare_days",
                                      help="A shorter horizon answers faster; a month shows month-long effects "
                                           "(backlog drain, monthly fees) fully.")
    allowed = can("run_simulation")
    run = cols[3].button("Compare", type="primary", icon=":material/compare_arrows:",
                         disabled=len(chosen) < 2 or not allowed,
                         help="Pick at least two scenarios." if len(chosen) < 2 else
                         None if allowed else "Your role may read comparisons but not start simulations.")
    if run:
        scenarios = [available[label] for label in chosen]
        if quick_days:
            scenarios = [shortened(s, quick_days * 24.0) for s in scenarios]
        key = jobs.result_key("compare", *scenarios, reps, seed)
        if jobs.cached_result(key) is None:
            bar = st.progress(0.0, text="Starting…")

            def _progress(done: int, total: int) -> None:
                bar.progress(done / total, text=f"Replication {done} of {total} (all scenarios)")

            jobs.keep_result(key, jobs.with_pool(lambda pool: compare(
                scenarios, replications=reps, seed=seed, progress=_progress, executor=pool)))
            bar.empty()
            audit("scenario_comparison", {"scenarios": [s.name for s in scenarios], "replications": reps,
                                          "seed": seed})
        st.session_state["compare_key"] = key

    comparison = jobs.cached_result(st.session_state.get("compare_key", ""))
    if comparison is None:
        st.info("Choose two or more scenarios and press **Compare**. Add your own with the uploader above, or "
                "edit one on the Simulator page: it appears here as 'simulator: <name>'.",
                icon=":material/compare_arrows:")
    else:
        d = comparison.differences
        st.subheader(f"Against {comparison.baseline}")
        st.caption(f"{comparison.replications} replications each, seed {comparison.seed}; differences are "
                   "scenario minus baseline, paired by replication. Money in the scenarios' currency.")
        wins = d[d["winner"].notna()]
        for scenario in dict.fromkeys(d["scenario"]):
            mine = wins[wins["scenario"] == scenario]
            better = mine[mine["winner"] == scenario]["label"].tolist()
            worse = mine[mine["winner"] != scenario]["label"].tolist()
            st.markdown(f"**{scenario}** is clearly better on {', '.join(better) or 'nothing'}; clearly worse on "
                        f"{', '.join(worse) or 'nothing'}; everything else is within the noise.")
        shown = d.assign(interval=[f"{lo:,.3f} to {hi:,.3f}" if pd.notna(lo) else "n/a"
                                   for lo, hi in zip(d["low"], d["high"], strict=True)])
        st.dataframe(shown[["scenario", "label", "unit", "baseline_mean", "difference", "interval", "verdict"]],
                     hide_index=True, width="stretch",
                     column_config={"label": "figure", "baseline_mean": st.column_config.NumberColumn(
                         "baseline", format="%.3f"), "difference": st.column_config.NumberColumn(format="%+.3f"),
                         "interval": st.column_config.TextColumn("95 % interval of the difference")})
        st.plotly_chart(fig_differences(d), width="stretch")
        with st.expander("Each scenario's values with their intervals"):
            st.plotly_chart(fig_scenario_values(comparison.side_by_side), width="stretch")
            st.dataframe(comparison.side_by_side, hide_index=True, width="stretch")
        inputs = {"replications": comparison.replications, "seed": comparison.seed,
                  "baseline": comparison.baseline,
                  "scenarios": {s.name: scenario_toml(s) for s in comparison.scenarios}}
        st.download_button("Download the comparison (XLSX)", xlsx_bytes(comparison.tables(), inputs),
                           file_name="labelline-comparison.xlsx", icon=":material/download:", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


with breakeven_tab:
    from labelline.plan.breakeven import SourcingError, SourcingPlan, breakeven, load_sourcing, sourcing_from_scenario
    from labelline.plan.charts_economics import fig_breakeven

    SOURCING_DIR = Path(__file__).resolve().parents[1] / "data" / "sourcing"
    st.caption("Monthly cost of each way to source the labels as volume grows: in-house staff (salaried, with "
               "hiring, ramp-up and management overhead), a vendor (price per label, monthly minimum, fees) and a "
               "crowd marketplace (price per assignment, platform fee, overlap). Per correct label divides by the "
               "accuracy each buys (majority vote over the overlap).")
    origin = st.radio("Options from", ["The example sourcing file", "A sourcing file (.toml)",
                                        "A scenario's labeling pools"], horizontal=True, key="be_origin")
    plan = None
    try:
        if origin == "The example sourcing file":
            plan = load_sourcing(SOURCING_DIR / "example.toml")
        elif origin == "A sourcing file (.toml)":
            upload = st.file_uploader("Sourcing file", type=["toml"], key="be_upload",
                                      help="The format, every field with its unit, is in docs/planning/economics.md "
                                           "and data/sourcing/example.toml.")
            if upload is not None:
                plan = loads_toml_model(upload.getvalue().decode("utf-8", errors="replace"), SourcingPlan,
                                        SourcingError, upload.name)
        else:
            available = _available()
            label = st.selectbox("Scenario", list(available), key="be_scenario")
            plan = sourcing_from_scenario(available[label])
    except (SourcingError, ValueError) as exc:
        st.error("\n".join(str(exc).splitlines()[:10]), icon=":material/error:")
    if plan is None:
        st.info("Upload a sourcing file, or choose another origin above.", icon=":material/upload_file:")
    else:
        result = breakeven(plan)
        volume = st.slider("Your monthly volume (items finished per month)", int(plan.volume_min_per_month),
                           int(plan.volume_max_per_month), int(min(max(100_000, plan.volume_min_per_month),
                                                                   plan.volume_max_per_month)),
                           step=max(1, int(plan.volume_max_per_month // 400)), key="be_volume")
        at = result.at(volume)
        cols = st.columns(len(at))
        for col, row in zip(cols, at.itertuples(), strict=True):
            col.metric(f"{row.option}", f"{row.cost_per_label:,.3f} {plan.currency}/label",
                       help=f"Monthly cost {row.monthly_cost:,.0f} {plan.currency} at {volume:,} items; per correct "
                            f"label {row.cost_per_correct_label:,.3f} {plan.currency}.")
        st.markdown(f"At **{volume:,} items a month** the cheapest per label is **{result.cheapest(volume)}**; per "
                    f"correct label it is **{result.cheapest(volume, 'cost_per_correct_label')}**.")
        st.plotly_chart(fig_breakeven(result.curves, result.crossings, plan.currency), width="stretch")
        st.markdown("**Who is cheapest where** (volume bands; saw-tooth zones where in-house heads are added merged)")
        st.dataframe(result.outline, hide_index=True, width="stretch")
        st.download_button("Download the break-even (XLSX)",
                           xlsx_bytes(result.tables(), {"sourcing": plan.model_dump(mode="json")}),
                           file_name="labelline-breakeven.xlsx", icon=":material/download:", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


with sensitivity_tab:
    from labelline.plan.charts_economics import fig_monte_carlo, fig_tornado
    from labelline.plan.sensitivity import monte_carlo, tornado

    st.caption("How much the headline figure moves when each input is off by ±X % (tornado), and its band when "
               "all inputs are uncertain at once (Monte Carlo). Runs share random numbers, so a bar is the input's "
               "effect, not noise.")
    available = _available()
    cols = st.columns(4)
    label = cols[0].selectbox("Scenario", list(available), key="sens_scenario")
    figure = cols[1].selectbox("Figure", ["cost_per_accepted_label", "cost_per_correct_label", "cycle_time_p95_h",
                                          "throughput_per_hour", "final_accuracy", "cost_total"], key="sens_figure",
                               help="The simulation figure to explain (units as in the Simulator).")
    swing_pct = cols[2].slider("± X %", 5, 50, 20, step=5, key="sens_swing",
                               help="Each input is moved down and up by this share.")
    days = cols[3].number_input("Simulate the first N days", 1, 365, 7, key="sens_days",
                                help="Shorter runs answer sooner; each bar needs two simulations.")
    draws = st.slider("Monte Carlo draws (0: tornado only)", 0, 200, 0, step=10, key="sens_draws",
                      help="Each draw is one replication with every input drawn within ± X % (triangular).")
    allowed = can("run_simulation")
    if st.button("Run sensitivity", type="primary", icon=":material/tornado:", disabled=not allowed,
                 help=None if allowed else "Your role may read results but not start simulations."):
        base = available[label]
        base = shortened(base, days * 24.0)
        key = jobs.result_key("sensitivity", base, figure, swing_pct, draws)
        if jobs.cached_result(key) is None:
            bar = st.progress(0.0, text="Tornado…")
            tor = jobs.with_pool(lambda pool: tornado(
                base, swing=swing_pct / 100, figure=figure, replications=2, executor=pool,
                progress=lambda d, t: bar.progress(d / t, text=f"Tornado: run {d} of {t}")))
            mc = None
            if draws:
                mc = jobs.with_pool(lambda pool: monte_carlo(
                    base, uncertainty=swing_pct / 100, draws=draws, figure=figure, executor=pool,
                    progress=lambda d, t: bar.progress(d / t, text=f"Monte Carlo: draw {d} of {t}")))
            bar.empty()
            jobs.keep_result(key, (tor, mc))
            audit("sensitivity_run", {"scenario": base.name, "figure": figure, "swing_pct": swing_pct, "draws": draws})
        st.session_state["sensitivity_key"] = key
    done = jobs.cached_result(st.session_state.get("sensitivity_key", ""))
    if done is None:
        st.info("Choose a scenario and a figure, then **Run sensitivity**.", icon=":material/tornado:")
    else:
        tor, mc = done
        top = tor.bars.iloc[0]
        st.markdown(f"**{top['input'].replace('_', ' ')}** moves {tor.figure.replace('_', ' ')} the most: from "
                    f"{top['low']:,.3f} to {top['high']:,.3f} around {tor.base:,.3f}.")
        st.plotly_chart(fig_tornado(tor.bars, tor.base, tor.figure), width="stretch")
        tables = {"tornado": tor.bars}
        if mc is not None:
            st.markdown(f"With every input uncertain within ±{swing_pct} %: 90 % of outcomes between "
                        f"**{mc.p5:,.3f}** and **{mc.p95:,.3f}** (median {mc.p50:,.3f}).")
            st.plotly_chart(fig_monte_carlo(mc.draws, mc.band(), mc.point, mc.figure), width="stretch")
            tables.update({"monte_carlo_draws": mc.draws, "drivers": mc.drivers})
        st.download_button("Download the sensitivity (XLSX)",
                           xlsx_bytes(tables, {"figure": tor.figure, "swing": tor.swing, "seed": tor.seed,
                                               "replications": tor.replications}),
                           file_name="labelline-sensitivity.xlsx", icon=":material/download:", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
