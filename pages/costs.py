"""Costs: what a label, an accepted label and a correct label cost, where the money went, and the budget."""

from __future__ import annotations

import streamlit as st
from labelline.charts import fig_cost_breakdown, fig_spend_vs_budget
from labelline.ui import kpis
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

st.title("Costs")
flt, snap = kpis.require_data()
c = kpis.cost_kpis(snap)
cur, summary, breakdown = c["currency"], c["summary"], c["breakdown"]
st.caption(f"Covers {flt.describe()} · money in {cur}, the rate card's currency")


def _money(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f} {cur}"


accuracy = c["gold_accuracy"]
per_correct = summary["cost_per_accepted_label"] / accuracy if summary["cost_per_accepted_label"] and accuracy else None
tiles = st.columns(5)
tiles[0].metric("Total cost", _money(summary["cost"], 2),
                help="Everything the events in the range cost: labels, overlap, review, adjudication, QA, gold, rework "
                     "and platform fees, from the source's own cost or the rate card.")
tiles[1].metric("Cost per label", _money(summary["cost_per_label"]),
                help=f"Total cost divided by the {summary['label_events']:,} labels submitted.")
tiles[2].metric("Cost per accepted label", _money(summary["cost_per_accepted_label"]),
                help=f"Everything the {summary['finished_items']:,} items finished in the range cost (all their "
                     "attempts, overlap, review, adjudication, gold, fees) divided by those items. The number finance "
                     "wants.")
tiles[3].metric("Cost per correct label", _money(per_correct),
                help="Cost per accepted label divided by gold accuracy"
                     + (f" ({accuracy:.1%} on {c['gold_trials']:,} gold answers): " if accuracy
                        else " (no gold in this range, so n/a): ")
                     + "what one right label costs when some accepted labels are still wrong.")
tiles[4].metric("Unpriced events", f"{summary['unpriced_events']:,}",
                help="Events neither the source nor a rate-card rule priced; they count as zero cost.")
if summary["unpriced_events"]:
    st.warning(f"{summary['unpriced_events']:,} events have no price, so the figures above undercount. Add rules "
               "for them to the rate card (check what each rule prices with `labelline rates`).",
               icon=":material/price_change:")

st.subheader("Where the money went")
value = breakdown[breakdown["dimension"] == "value"].set_index("value")
if summary["cost"] > 0 and len(value):
    adding = float(value["share"].get("value_adding", 0.0))
    st.markdown(f"**{adding:.0%}** of the cost was value-adding (first-pass labeling and pre-labeling); "
                f"**{1 - adding:.0%}** was overhead (overlap, review, rework, adjudication, QA, gold, skipped items).")
dimension = st.radio("Break the cost down by", ["activity", "stage", "tier", "org"], horizontal=True,
                     key="costs_dimension",
                     help="Activity: what the money bought (labeling, overlap, rework, review, gold, ...). Each view "
                          "adds up to the total cost.")
left, right = st.columns(2)
if summary["cost"] > 0:
    left.plotly_chart(fig_cost_breakdown(breakdown, dimension, cur), width="stretch")
    right.plotly_chart(fig_cost_breakdown(breakdown, "value", cur), width="stretch")
else:
    st.info("Nothing in this range carries a cost. Add a rate card with hourly or per-item rates for your tiers "
            "(`labelline rates` checks it), or ingest exports that carry their own cost (Mechanical Turk).",
            icon=":material/info:")

st.subheader("Spend against the budget")
inputs = st.columns([1, 1, 2])
budget = inputs[0].number_input(
    f"Budget ({cur})", min_value=0.0, value=None, step=100.0, key="costs_budget", placeholder="e.g. 10000",
    help="What this slice of work may spend in total (the range and filters in the sidebar). The run-out date "
         "projects the current burn rate forward.",
)
burn_days = inputs[1].number_input("Burn rate over the last (days)", min_value=1, max_value=90, value=7, step=1,
                                   key="costs_burn_days",
                                   help="Burn rate: mean spend per calendar day over this many last days of data.")
forecast = kpis.budget(snap, float(budget) if budget is not None else None, int(burn_days))
if budget is None:
    inputs[2].info("Enter a budget to see when it runs out at the current burn rate.", icon=":material/savings:")
else:
    (inputs[2].error if forecast["remaining"] <= 0 else inputs[2].info)(forecast["message"], icon=":material/savings:")
runs_out = forecast["runs_out_on"] if budget is not None else None
tiles = st.columns(3)
tiles[0].metric("Spent", _money(forecast["spent"], 2), help="Total cost of the events in the range.")
burn = forecast["burn_per_day"]
tiles[1].metric("Burn rate", "n/a" if burn is None else _money(burn, 2) + "/day",
                help=f"Mean spend per calendar day over the last {int(burn_days)} days of data, idle days included.")
tiles[2].metric("Budget runs out", "n/a" if runs_out is None else f"{runs_out:%d %b %Y}",
                help="The last day with data plus the budget left divided by the burn rate.")
st.plotly_chart(fig_spend_vs_budget(c["spend"], cur, budget, forecast["burn_per_day"], runs_out),
                width="stretch")

st.subheader("Which rate rules applied")
rules = c["rules"].copy()
rules["cost_rule"] = rules["cost_rule"].fillna("")
st.dataframe(rules, hide_index=True, width="stretch", column_config={
    "cost_basis": st.column_config.TextColumn("priced by", help="source: the export's own cost (e.g. MTurk reward); "
                                              "per_item or hourly: a rate-card rule; unpriced: no rule matched."),
    "cost_rule": st.column_config.TextColumn("rule", help="The rate-card rule's id."),
    "events": st.column_config.NumberColumn("events"),
    "cost": st.column_config.NumberColumn(f"cost ({cur})", format="%.2f"),
    "platform_fee": st.column_config.NumberColumn(f"platform fee ({cur})", format="%.2f",
                                                  help="Part of the cost that went to the platform."),
})
st.caption("The rate card in force is `$LABELLINE_RATES`, else `rates.toml` in or beside the store folder; "
           "`labelline rates` shows what each rule prices.")
