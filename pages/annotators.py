"""Annotators: one scorecard per person, sortable and exportable, and a drill-down over time."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from labelline.charts import fig_worker_quality, fig_worker_speed
from labelline.ui import kpis
from labelline.ui.identity import mask_workers
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

st.title("Annotators")
flt, snap = kpis.require_data()
st.caption(f"Covers {flt.describe()} · click a column header to sort")

with_skill = st.toggle(
    "Estimate skill without gold (Dawid-Skene)", value=False, key="annotators_skill",
    help="Adds each annotator's estimated accuracy from the pattern of agreement on shared items, no gold needed. "
         "It fits a model per project, so it takes several seconds the first time.",
)
cards = kpis.scorecards(snap, with_skill)
sample = kpis.model_sample(snap) if with_skill else None
if sample:
    st.caption(f"Skill is estimated on a fixed sample of {sample[0]:,} of the {sample[1]:,} items answered twice or "
               "more: the model takes about 10 s per million answers.")
if cards.empty:
    st.info("Nobody worked in this range. Widen the date range or clear a filter in the sidebar.",
            icon=":material/info:")
    st.stop()

# Every table shown or exported goes through the mask: only roles allowed to see worker ids get them.
shown = mask_workers(cards if with_skill else cards.drop(columns="skill"))
currency = kpis.currency(snap)

st.subheader("Scorecards")
st.dataframe(
    shown, hide_index=True, width="stretch", key="annotators_table",
    column_config={
        "worker_id": st.column_config.TextColumn("annotator", pinned=True,
                                                 help="Worker id as exported (a pseudonym unless you may see ids)."),
        "tier": st.column_config.TextColumn("tier", help="Crowd, vendor, expert or model, from their latest event."),
        "org": st.column_config.TextColumn("org", help="Organisation from their latest event."),
        "projects": st.column_config.NumberColumn("projects", help="Projects worked on."),
        "events": st.column_config.NumberColumn("events", help="All their work events: labels, reviews, ..."),
        "label_events": st.column_config.NumberColumn("labels", help="Labels submitted."),
        "items": st.column_config.NumberColumn("items", help="Distinct items touched."),
        "active_h": st.column_config.NumberColumn("hours worked", format="%.1f", help="Measured working time, hours."),
        "label_p50_s": st.column_config.NumberColumn("median s/label", format="%.0f",
                                                     help="Median seconds per label (capped at "
                                                          f"{kpis.TOUCH_CAP_S:,.0f} s: tools count idle time)."),
        "label_mean_s": st.column_config.NumberColumn("mean s/label", format="%.0f", help="Mean seconds per label."),
        "first_pass_acceptance": st.column_config.NumberColumn(
            "first-pass acceptance", format="percent",
            help="Their first-attempt labels accepted at the first review, over those reviewed."),
        "rework_rate": st.column_config.NumberColumn("rework rate", format="percent",
                                                     help="Their labels at attempt 2 or later, over all their labels."),
        "gold_trials": st.column_config.NumberColumn("gold answers", help="Labels on gold items."),
        "gold_accuracy": st.column_config.NumberColumn("gold accuracy", format="percent",
                                                       help="Share of their gold answers that were right."),
        "gold_ci_low": st.column_config.NumberColumn("gold 95% low", format="percent",
                                                     help="Lower end of the Wilson interval of gold accuracy."),
        "gold_ci_high": st.column_config.NumberColumn("gold 95% high", format="percent",
                                                      help="Upper end of the Wilson interval of gold accuracy."),
        "agreement_pairs": st.column_config.NumberColumn("agreement pairs",
                                                         help="Other annotators sharing 5+ items with them."),
        "mean_cohen_kappa": st.column_config.NumberColumn("mean Cohen's κ", format="%.2f",
                                                          help="Mean chance-corrected agreement with those others."),
        "mean_percent_agreement": st.column_config.NumberColumn("mean agreement", format="percent",
                                                                help="Mean share of shared items answered alike."),
        "skill": st.column_config.NumberColumn("skill (Dawid-Skene)", format="percent",
                                               help="Estimated accuracy without gold, from the pattern of agreement "
                                                    "with others; a ranking more than a rate when overlap is thin."),
        "cost": st.column_config.NumberColumn(f"cost ({currency})", format="%.2f", help="Money spent on their work."),
        "cost_per_label": st.column_config.NumberColumn(f"cost per label ({currency})", format="%.3f",
                                                        help="Cost of their label stage work over labels submitted."),
        "first_at": st.column_config.DatetimeColumn("first event (UTC)"),
        "last_at": st.column_config.DatetimeColumn("last event (UTC)"),
    },
)
downloads = st.columns([1, 1, 4])
# The files are written when a button is clicked, not on every run of the page.
downloads[0].download_button("Download CSV", kpis.scorecards_download(shown, "csv", snap),
                             file_name="scorecards.csv", mime="text/csv", key="annotators_csv",
                             icon=":material/download:")
downloads[1].download_button(
    "Download XLSX", kpis.scorecards_download(shown, "xlsx", snap), file_name="scorecards.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="annotators_xlsx",
    icon=":material/download:",
)
downloads[2].caption("The same files as `labelline scorecards --out`; the XLSX has a sheet saying what they cover.")

st.subheader("One annotator over time")
names = dict(zip(cards["worker_id"], shown["worker_id"], strict=True))
pick = st.columns([2, 1])
worker = pick[0].selectbox("Annotator", list(cards["worker_id"]), format_func=lambda w: names[w],
                           key="annotators_worker", help="Ordered by labels submitted, busiest first.")
grain = pick[1].radio("Per", ["week", "day"], horizontal=True, key="annotators_grain")
card = cards.set_index("worker_id").loc[worker]
tiles = st.columns(4)
tiles[0].metric("Labels", f"{int(card['label_events']):,}", help="Labels submitted in the range.")
tiles[1].metric("Median seconds per label", "n/a" if pd.isna(card["label_p50_s"]) else f"{card['label_p50_s']:,.0f} s",
                help=f"Median measured time per label, each capped at {kpis.TOUCH_CAP_S:,.0f} s.")
tiles[2].metric("Gold accuracy", "n/a" if card["gold_trials"] == 0 else f"{card['gold_accuracy']:.1%}",
                help="Share of their gold answers that were right"
                     + ("" if card["gold_trials"] == 0 else
                        f" ({int(card['gold_trials'])} answers, 95 % interval {card['gold_ci_low']:.0%}–"
                        f"{card['gold_ci_high']:.0%})."))
tiles[3].metric("Mean Cohen's κ", "n/a" if pd.isna(card["mean_cohen_kappa"]) else f"{card['mean_cohen_kappa']:.2f}",
                help="Mean chance-corrected agreement with the annotators they share 5+ items with.")
trend = kpis.worker_trend(snap, worker, grain)
if trend["label_events"].sum() == 0:
    st.info(f"{names[worker]} submitted no labels in this range (their work was reviews or adjudication).",
            icon=":material/info:")
else:
    left, right = st.columns(2)
    left.plotly_chart(fig_worker_speed(trend, grain), width="stretch")
    right.plotly_chart(fig_worker_quality(trend, grain), width="stretch")
    st.caption("Gold accuracy with its 95 % Wilson interval; first-pass acceptance of their reviewed labels; "
               "agreement: share of their answers matching another annotator's on the same item.")
