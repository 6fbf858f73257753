"""Quality: are the labels right (gold), accepted (review), consistent (agreement) and stable (drift)?"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st
from labelline.charts import fig_agreement_heatmap, fig_confusion, fig_review_rates, fig_wilson
from labelline.ui import kpis
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

# The heatmap stays readable up to about this many annotators; beyond, the busiest are shown.
MAX_HEATMAP_WORKERS = 40
MIN_SHARED_ITEMS = kpis.MIN_SHARED_ITEMS  # pairs sharing fewer items get no kappa: a handful of items says little

st.title("Quality")
flt, snap = kpis.require_data()
st.caption(f"Covers {flt.describe()}")
q = kpis.quality_kpis(snap, MIN_SHARED_ITEMS)
review, gold, agree = q["review"], q["gold"], q["agreement"]


def _share(value: float | None) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def _stat(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


overall = review[review["dimension"] == "all"]
row = overall.iloc[0] if len(overall) else None
gold_all = gold[gold["dimension"] == "all"]
g = gold_all.iloc[0] if len(gold_all) else None

tiles = st.columns(4)
tiles[0].metric("Gold accuracy", _share(g["accuracy"] if g is not None else None),
                help="Labels on gold items that equal the gold answer, over all labels on gold items. "
                     + (f"95 % Wilson interval {g['ci_low']:.1%}–{g['ci_high']:.1%} from {int(g['trials']):,} "
                        "gold answers." if g is not None else "No gold answers in this range."))
tiles[1].metric("First-pass acceptance", _share(row["first_pass_acceptance"] if row is not None else None),
                help="First-attempt labels accepted at their first review, over first-attempt labels that were "
                     "reviewed.")
tiles[2].metric("Rework rate", _share(row["rework_rate"] if row is not None else None),
                help="Label events at attempt 2 or later (redone after a rejection), over all label events.")
tiles[3].metric("Rejection rate", _share(row["rejection_rate"] if row is not None else None),
                help="Labels rejected at their first review, over all labels that were reviewed.")
tiles = st.columns(4)
tiles[0].metric("Percent agreement", _share(agree["percent_agreement"]),
                help="On items answered by two or more people at first pass: the share of pairs of answers that "
                     "agree, averaged over items. Flattered by skewed label sets; read it with kappa.")
tiles[1].metric("Fleiss' κ", _stat(agree["fleiss_kappa"]),
                help="Agreement corrected for chance, any number of annotators per item: 1 perfect, 0 no better "
                     "than chance, below 0 systematic disagreement. Below 0.4 the guidelines need attention.")
tiles[2].metric("Krippendorff's α", _stat(agree["krippendorff_alpha"]),
                help="Chance-corrected agreement (nominal), robust to a varying number of annotators per item; "
                     "the usual figure to report for a labeled data set. 0.8+ is reliable.")
tiles[3].metric("Items with overlap", f"{agree['items']:,}",
                help="Items answered by two or more annotators at first pass: what the agreement figures count.")

st.subheader("Gold accuracy with 95 % intervals")
gold_dims = {"tier": "tier", "annotator": "worker", "project": "project", "task type": "task_type"}
by = st.radio("Show gold accuracy by", list(gold_dims), horizontal=True, key="quality_gold_by")
rows = gold[gold["dimension"] == gold_dims[by]].rename(columns={"value": by})
if rows.empty:
    st.info("No labels on gold items in this range. Mark gold items with a `gold_label` in your exports (or "
            "the canonical CSV) to measure accuracy against known answers.", icon=":material/info:")
else:
    if by == "annotator":
        rows[by] = rows[by].map(kpis.display_names(rows[by]))
    st.plotly_chart(fig_wilson(rows, by, f"Gold accuracy by {by}"), width="stretch")
    st.caption("Dot: share of gold answers that were right; bar: 95 % Wilson interval, wide where gold is thin.")

st.subheader("Review outcomes")
review_dims = {"tier": "tier", "project": "project"}
by_review = st.radio("Show review outcomes by", list(review_dims), horizontal=True, key="quality_review_by")
if review[review["dimension"] == review_dims[by_review]].empty:
    st.info("No submitted labels in this range.", icon=":material/info:")
else:
    st.plotly_chart(fig_review_rates(review, review_dims[by_review]), width="stretch")

st.subheader("Agreement between annotators")
pairs = q["pairs"]
if pairs.empty:
    st.info(f"No two annotators answered {MIN_SHARED_ITEMS} or more of the same items at first pass, so there is "
            "no pairwise agreement to show. Route a share of items to two or more annotators (overlap) to "
            "measure it.", icon=":material/info:")
else:
    names = kpis.display_names(pd.concat([pairs["worker_a"], pairs["worker_b"]]))
    shared = pd.concat([pairs[["worker_a", "items"]].rename(columns={"worker_a": "w"}),
                        pairs[["worker_b", "items"]].rename(columns={"worker_b": "w"})]).groupby("w")["items"].sum()
    keep = set(shared.sort_values(ascending=False).index[:MAX_HEATMAP_WORKERS])
    shown = pairs[pairs["worker_a"].isin(keep) & pairs["worker_b"].isin(keep)]
    values = pd.concat([shown, shown.rename(columns={"worker_a": "worker_b", "worker_b": "worker_a"})])
    matrix = values.pivot_table(index="worker_a", columns="worker_b", values="cohen_kappa", aggfunc="first")
    order = sorted(matrix.index.union(matrix.columns), key=lambda w: names[w])
    matrix = matrix.reindex(index=order, columns=order)
    matrix.index = [names[w] for w in order]
    matrix.columns = matrix.index
    st.plotly_chart(fig_agreement_heatmap(matrix), width="stretch")
    note = (f" Showing the {MAX_HEATMAP_WORKERS} annotators with the most shared items; filter by project in the "
            "sidebar to see others." if len(shared) > MAX_HEATMAP_WORKERS else "")
    st.caption(f"Cohen's κ for each pair sharing at least {MIN_SHARED_ITEMS} items (blank: fewer); red is "
               f"disagreement beyond chance, blue agreement.{note}")

    st.markdown("**Which items does a pair disagree on?**")
    ranked = kpis.lowest_agreement_first(pairs)
    options = list(zip(ranked["worker_a"], ranked["worker_b"], strict=True))
    by_pair = ranked.set_index(["worker_a", "worker_b"])

    def _pair_label(pair: tuple[str, str]) -> str:
        r = by_pair.loc[pair]
        return (f"{names[pair[0]]} × {names[pair[1]]}: κ {_stat(r['cohen_kappa'])}, agree on "
                f"{int(r['agreements'])} of {int(r['items'])}")

    pair = st.selectbox("Pair of annotators (lowest agreement first)", options, format_func=_pair_label,
                        key="quality_pair",
                        help="Cohen's κ: agreement of the two on the items both answered, corrected for the agreement "
                             "their own label frequencies would give by chance.")
    if pair is not None:
        items = kpis.pair_items(snap, pair[0], pair[1])
        differ = items[~items["agree"]]
        st.write(f"{names[pair[0]]} and {names[pair[1]]} answered **{len(items):,}** of the same items and disagreed "
                 f"on **{len(differ):,}**.")
        if differ.empty:
            st.success("They gave the same answer on every shared item.", icon=":material/check:")
        else:
            columns = {"label_a": f"answer of {names[pair[0]]}", "label_b": f"answer of {names[pair[1]]}",
                       "gold_label": "gold answer", "answered_at": "answered at (UTC)"}
            st.dataframe(
                differ.drop(columns="agree").fillna({"gold_label": ""}).rename(columns=columns),
                hide_index=True, width="stretch", key="quality_pair_items",
            )

st.subheader("Confusion hotspots")
has_gold = g is not None and g["trials"] > 0
reference = st.radio(
    "Compare answers with", ["gold", "aggregate"], index=0 if has_gold else 1, horizontal=True,
    key="quality_reference", format_func=lambda r: {"gold": "gold answers", "aggregate": "the consensus label"}[r],
    help="Gold: the known answer of gold items. Consensus: the label Dawid-Skene infers per item from everyone's "
         "answers, weighting each annotator by their estimated skill (no gold needed).",
)
hotspots = kpis.confusion(snap, reference)
if hotspots.empty:
    st.info("No wrong answers to count here: " + ("no gold items in this range." if reference == "gold" else
            "no item was answered by two or more annotators."), icon=":material/info:")
else:
    st.plotly_chart(fig_confusion(hotspots, reference), width="stretch")
    top = hotspots.iloc[0]
    sample = kpis.model_sample(snap) if reference == "aggregate" else None
    st.caption(f"The commonest mix-up: {top['share_of_reference']:.0%} of answers on items whose {reference} label "
               f"is '{top['reference']}' said '{top['label']}'. Target guideline examples at the top rows."
               + (f" The consensus is estimated on a fixed sample of {sample[0]:,} of the {sample[1]:,} items "
                  "answered twice or more (the model takes about 10 s per million answers)." if sample else ""))

st.subheader("Drift alerts")
alerts = q["drift"]
if alerts.empty:
    st.success("No drift: no annotator's speed or accuracy, and no project's label mix, has moved away from its own "
               "first four weeks.", icon=":material/check:")
else:
    alerts = kpis.mask_alerts(alerts)
    for message in alerts["message"].head(5):
        st.warning(message, icon=":material/trending_down:")
    st.dataframe(alerts[["subject", "metric", "direction", "began", "detected", "baseline", "recent", "change",
                         "message"]], hide_index=True, width="stretch")
st.caption("Each annotator and project is compared with its own first four weeks (CUSUM for speed and accuracy, a "
           "chi-square test per week for the label mix); 'began' is the best estimate of when the change started, "
           "'detected' when the evidence became strong enough.")
