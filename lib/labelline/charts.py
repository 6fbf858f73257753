"""Charts as pure functions: a DataFrame in, a plotly Figure out; no Streamlit here.

Every chart has a title, axis titles with units, and a hover template; colours come
from PALETTE, which matches the theme in .streamlit/config.toml.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["PALETTE", "STAGE_COLOURS", "TIER_COLOURS", "fig_events_per_day", "fig_events_by", "fig_throughput",
           "fig_backlog", "fig_wip", "fig_cycle_breakdown", "fig_touch_percentiles", "fig_utilisation", "fig_wilson",
           "fig_agreement_heatmap", "fig_confusion", "fig_review_rates", "fig_worker_speed", "fig_worker_quality",
           "fig_cost_breakdown", "fig_spend_vs_budget"]

PALETTE = ("#3b5bdb", "#f08c00", "#2f9e44", "#c2255c", "#7048e8", "#1098ad", "#868e96")
STAGE_COLOURS = {
    "prelabel": "#868e96",
    "label": "#3b5bdb",
    "review": "#2f9e44",
    "adjudicate": "#f08c00",
    "qa": "#c2255c",
}
TIER_COLOURS = {"crowd": "#3b5bdb", "vendor": "#f08c00", "expert": "#2f9e44", "model": "#868e96"}


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    # The legend sits on its own line under the title: long titles would run into it.
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        hovermode="x unified",
        template="plotly_white",
    )
    return fig


def fig_events_per_day(daily: pd.DataFrame) -> go.Figure:
    """Stacked bars of events per UTC day by stage; `daily` has columns day, stage, events."""
    fig = go.Figure()
    for stage in [s for s in STAGE_COLOURS if s in set(daily["stage"])]:
        part = daily[daily["stage"] == stage]
        fig.add_bar(
            x=part["day"], y=part["events"], name=stage, marker_color=STAGE_COLOURS[stage],
            hovertemplate="%{y:,} " + stage + " events<extra></extra>",
        )
    fig.update_layout(barmode="stack", bargap=0.1)
    return _layout(fig, "Events per day, by stage", "day (UTC)", "events per day")


def fig_events_by(counts: pd.DataFrame, column: str, title: str) -> go.Figure:
    """Horizontal bars of events per value of `column`; `counts` has columns column, events."""
    ordered = counts.sort_values("events")
    fig = go.Figure(go.Bar(
        x=ordered["events"], y=ordered[column], orientation="h", marker_color=PALETTE[0],
        hovertemplate="%{y}: %{x:,} events<extra></extra>",
    ))
    fig.update_layout(hovermode="closest", height=max(220, 60 + 32 * len(ordered)))
    return _layout(fig, title, "events (count)", column)


def fig_throughput(throughput: pd.DataFrame) -> go.Figure:
    """Stacked bars of items finished per day by tier; columns period, tier, finished."""
    fig = go.Figure()
    tiers = sorted(set(throughput["tier"]), key=lambda t: (t not in TIER_COLOURS, t))
    for i, tier in enumerate(tiers):
        part = throughput[throughput["tier"] == tier]
        fig.add_bar(
            x=part["period"], y=part["finished"], name=tier,
            marker_color=TIER_COLOURS.get(tier, PALETTE[i % len(PALETTE)]),
            hovertemplate="%{y:,} items finished (" + tier + ")<extra></extra>",
        )
    fig.update_layout(barmode="stack", bargap=0.1)
    return _layout(fig, "Throughput: items finished per day, by tier of the last label", "day (UTC)",
                   "items finished per day")


def fig_backlog(backlog: pd.DataFrame) -> go.Figure:
    """The open backlog at the end of each day (line) with items created that day (bars)."""
    fig = go.Figure()
    fig.add_bar(x=backlog["day"], y=backlog["created"], name="created", marker_color=PALETTE[6], opacity=0.5,
                hovertemplate="%{y:,} items created<extra></extra>")
    fig.add_scatter(x=backlog["day"], y=backlog["backlog"], name="open backlog", mode="lines",
                    line={"color": PALETTE[3], "width": 2}, hovertemplate="%{y:,} items open<extra></extra>")
    return _layout(fig, "Backlog: items open at the end of each day", "day (UTC)", "items")


# --------------------------------------------------------------------------- flow


def _stages(values: pd.Series) -> list[str]:
    """Stages in line order (prelabel → qa), unknown ones after, alphabetically."""
    order = list(STAGE_COLOURS)
    return sorted(set(values), key=lambda s: (order.index(s) if s in order else len(order), s))


def _colour(stage: str, i: int) -> str:
    return STAGE_COLOURS.get(stage, PALETTE[i % len(PALETTE)])


def fig_wip(wip: pd.DataFrame) -> go.Figure:
    """Lines of work in progress per day, one per stage; `wip` has columns day, stage, wip."""
    fig = go.Figure()
    for i, stage in enumerate(_stages(wip["stage"])):
        part = wip[wip["stage"] == stage]
        fig.add_scatter(
            x=part["day"], y=part["wip"], name=stage, mode="lines", line={"color": _colour(stage, i), "width": 2},
            hovertemplate="%{y:,.1f} " + stage + " events waiting or in work<extra></extra>",
        )
    return _layout(fig, "Work in progress per stage (time-average over each day)", "day (UTC)",
                   "events waiting or in work")


def fig_cycle_breakdown(breakdown: pd.DataFrame) -> go.Figure:
    """Stacked horizontal bars: mean hours per finished item waiting and in work at each stage.

    `breakdown` has stage, part ('wait'|'touch'|'untracked'), hours_per_item; the untracked
    remainder is left out of the bars (it can be negative when waits overlap) and said in words.
    """
    rows = breakdown[breakdown["part"].isin(["wait", "touch"])]
    stages = _stages(rows["stage"])[::-1]  # first stage on top
    fig = go.Figure()
    for part, colour in (("wait", PALETTE[1]), ("touch", PALETTE[0])):
        values = rows[rows["part"] == part].set_index("stage")["hours_per_item"].reindex(stages)
        fig.add_bar(
            y=stages, x=values, name=part, orientation="h", marker_color=colour,
            hovertemplate="%{y}: %{x:,.2f} h " + part + " per finished item<extra></extra>",
        )
    fig.update_layout(barmode="stack", hovermode="closest", height=max(260, 90 + 45 * len(stages)))
    return _layout(fig, "Where cycle time goes: wait and touch per stage", "hours per finished item", "stage")


def fig_touch_percentiles(touch: pd.DataFrame, by: str = "stage", what: str = "event") -> go.Figure:
    """Grouped bars of touch-time p50 / p90 / p95 (seconds) per value of column `by`.

    `touch` has `by`, p50_s, p90_s, p95_s (flow.touch_time rows); `what` names the unit
    measured ("event", or "label" when only the label stage is shown).
    """
    values = _stages(touch[by]) if by == "stage" else sorted(touch[by].astype(str))
    rows = touch.assign(**{by: touch[by].astype(str)}).set_index(by).reindex(values)
    fig = go.Figure()
    for i, q in enumerate(("p50", "p90", "p95")):
        fig.add_bar(
            x=values, y=rows[f"{q}_s"], name=q, marker_color=PALETTE[i],
            hovertemplate="%{x} " + q + ": %{y:,.0f} s<extra></extra>",
        )
    fig.update_layout(barmode="group", hovermode="closest")
    name = by.replace("_", " ")
    return _layout(fig, f"Touch time per {what}, by {name}", name, f"seconds per {what}")


def fig_utilisation(util: pd.DataFrame, by: str) -> go.Figure:
    """Bars of utilisation (busy share of available hours) per `by` ('stage' or 'tier')."""
    ordered = util.dropna(subset=["utilisation"])
    colours = [STAGE_COLOURS.get(v) or TIER_COLOURS.get(v) or PALETTE[0] for v in ordered[by]]
    fig = go.Figure(go.Bar(
        x=ordered[by], y=ordered["utilisation"], marker_color=colours,
        customdata=ordered[["busy_h", "available_h"]].to_numpy(),
        hovertemplate="%{x}: %{y:.1%} busy (%{customdata[0]:,.1f} h of %{customdata[1]:,.0f} h)<extra></extra>",
    ))
    fig.update_layout(hovermode="closest", yaxis_tickformat=".0%")
    return _layout(fig, f"Utilisation by {by}: busy hours over available hours", by, "busy share of available hours")


# --------------------------------------------------------------------------- quality


def fig_wilson(rates: pd.DataFrame, label: str, title: str, x_title: str = "gold accuracy (share correct)",
               value: str = "accuracy", trials: str = "trials") -> go.Figure:
    """Dots with Wilson-interval error bars, one row per `label` value; columns value, ci_low, ci_high, trials."""
    ordered = rates.sort_values(value)
    fig = go.Figure(go.Scatter(
        x=ordered[value], y=ordered[label].astype(str), mode="markers", marker={"color": PALETTE[0], "size": 9},
        error_x={"type": "data", "symmetric": False, "array": ordered["ci_high"] - ordered[value],
                 "arrayminus": ordered[value] - ordered["ci_low"], "color": PALETTE[6]},
        customdata=ordered[["ci_low", "ci_high", trials]].to_numpy(),
        hovertemplate="%{y}: %{x:.1%} (95% interval %{customdata[0]:.1%}–%{customdata[1]:.1%}, "
                      "%{customdata[2]:,} answers)<extra></extra>",
    ))
    fig.update_layout(hovermode="closest", xaxis_tickformat=".0%", xaxis_range=[0, 1.02],
                      height=max(260, 90 + 26 * len(ordered)))
    return _layout(fig, title, x_title, label)


def fig_agreement_heatmap(matrix: pd.DataFrame, value: str = "Cohen's κ") -> go.Figure:
    """Annotator × annotator heatmap of a worker-by-worker matrix (agreement.agreement_matrix)."""
    names = [str(v) for v in matrix.index]
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(), x=names, y=names, zmin=-1, zmax=1, colorscale="RdBu", zmid=0,
        colorbar={"title": {"text": value}}, hoverongaps=False,
        hovertemplate="%{y} × %{x}: " + value + " %{z:.2f}<extra></extra>",
    ))
    side = max(360, 120 + 18 * len(names))
    fig.update_layout(hovermode="closest", height=side, yaxis_autorange="reversed")
    return _layout(fig, f"Agreement between annotators ({value} on shared items)", "annotator", "annotator")


def fig_confusion(hotspots: pd.DataFrame, reference: str = "gold") -> go.Figure:
    """Horizontal bars of the commonest mix-ups; `hotspots` has label, reference, n, share_of_reference."""
    ordered = hotspots.sort_values("n")
    names = [f"{r} → {lab}" for lab, r in zip(ordered["label"], ordered["reference"], strict=True)]
    fig = go.Figure(go.Bar(
        x=ordered["n"], y=names, orientation="h", marker_color=PALETTE[3],
        customdata=ordered[["share_of_reference"]].to_numpy(),
        hovertemplate="%{y}: %{x:,} answers (%{customdata[0]:.1%} of all answers on that " + reference
                      + " label)<extra></extra>",
    ))
    fig.update_layout(hovermode="closest", height=max(260, 90 + 28 * len(ordered)))
    return _layout(fig, f"Confusion hotspots: {reference} label → answer given", "wrong answers (count)",
                   f"{reference} label → answer")


def fig_review_rates(review: pd.DataFrame, by: str = "tier") -> go.Figure:
    """Grouped bars of first-pass acceptance and rework rate per `by` value (review_rates rows)."""
    rows = review[review["dimension"] == by]
    fig = go.Figure()
    for i, (column, name) in enumerate((("first_pass_acceptance", "first-pass acceptance"),
                                        ("rework_rate", "rework rate"))):
        fig.add_bar(x=rows["value"], y=rows[column], name=name, marker_color=PALETTE[2 if i == 0 else 3],
                    hovertemplate="%{x}: %{y:.1%} " + name + "<extra></extra>")
    fig.update_layout(barmode="group", hovermode="closest", yaxis_tickformat=".0%")
    return _layout(fig, f"First-pass acceptance and rework by {by}", by, "share of labels")


# --------------------------------------------------------------------------- annotators


def fig_worker_speed(trend: pd.DataFrame, grain: str = "week") -> go.Figure:
    """One annotator's median and mean seconds per label per period (drilldown.worker_trend)."""
    fig = go.Figure()
    fig.add_scatter(x=trend["period"], y=trend["p50_s"], name="median", mode="lines+markers",
                    line={"color": PALETTE[0]}, hovertemplate="median %{y:,.0f} s per label<extra></extra>")
    fig.add_scatter(x=trend["period"], y=trend["mean_s"], name="mean", mode="lines+markers",
                    line={"color": PALETTE[6], "dash": "dot"},
                    hovertemplate="mean %{y:,.0f} s per label<extra></extra>")
    fig.update_layout(yaxis_rangemode="tozero")  # from zero: a 2-second wobble must not look like a collapse
    return _layout(fig, f"Speed: seconds per label, by {grain}", f"{grain} (UTC)", "seconds per label")


def fig_worker_quality(trend: pd.DataFrame, grain: str = "week") -> go.Figure:
    """One annotator's gold accuracy (with Wilson interval), first-pass acceptance and agreement per period."""
    fig = go.Figure()
    gold = trend.dropna(subset=["gold_accuracy"])
    # Markers only: a line would join periods of a handful of gold answers as if they were precise.
    fig.add_scatter(
        x=gold["period"], y=gold["gold_accuracy"], name="gold accuracy", mode="markers",
        marker={"color": PALETTE[2], "size": 9},
        error_y={"type": "data", "symmetric": False, "array": gold["gold_ci_high"] - gold["gold_accuracy"],
                 "arrayminus": gold["gold_accuracy"] - gold["gold_ci_low"], "color": PALETTE[2]},
        customdata=gold[["gold_trials"]].to_numpy(),
        hovertemplate="gold accuracy %{y:.0%} (%{customdata[0]:,} gold answers)<extra></extra>",
    )
    for column, name, colour in (("first_pass_acceptance", "first-pass acceptance", PALETTE[0]),
                                 ("percent_agreement", "agreement with others", PALETTE[1])):
        part = trend.dropna(subset=[column])
        fig.add_scatter(x=part["period"], y=part[column], name=name, mode="markers+lines",
                        line={"color": colour}, hovertemplate=name + " %{y:.0%}<extra></extra>")
    fig.update_layout(yaxis_tickformat=".0%", yaxis_range=[0, 1.05])
    return _layout(fig, f"Accuracy and agreement, by {grain}", f"{grain} (UTC)", "share")


# --------------------------------------------------------------------------- money


def fig_cost_breakdown(breakdown: pd.DataFrame, dimension: str, currency: str) -> go.Figure:
    """Horizontal bars of cost per value of one dimension of money.cost_breakdown.

    For 'activity' bars are coloured by value-adding (labeling, prelabeling) vs overhead.
    """
    rows = breakdown[breakdown["dimension"] == dimension].sort_values("cost")
    if dimension == "activity":
        colours = [PALETTE[2] if v in ("labeling", "prelabeling") else PALETTE[1] for v in rows["value"]]
    elif dimension == "value":
        colours = [PALETTE[2] if v == "value_adding" else PALETTE[1] for v in rows["value"]]
    else:
        colours = [STAGE_COLOURS.get(v) or TIER_COLOURS.get(v) or PALETTE[0] for v in rows["value"]]
    fig = go.Figure(go.Bar(
        x=rows["cost"], y=rows["value"].astype(str).str.replace("_", " "), orientation="h", marker_color=colours,
        customdata=rows[["share", "events"]].to_numpy(),
        hovertemplate="%{y}: %{x:,.2f} " + currency + " (%{customdata[0]:.1%} of cost, %{customdata[1]:,} events)"
                      "<extra></extra>",
    ))
    fig.update_layout(hovermode="closest", height=max(240, 90 + 32 * len(rows)))
    name = "value-adding vs overhead" if dimension == "value" else dimension
    return _layout(fig, f"Cost by {name}", f"cost ({currency})", name)


def fig_spend_vs_budget(spend: pd.DataFrame, currency: str, budget: float | None = None,
                        burn_per_day: float | None = None, runs_out_on: object | None = None) -> go.Figure:
    """Cumulative spend per day against a budget line, projected at the burn rate to the run-out day.

    `spend` has period (day) and cost (several rows per day are added up).
    """
    per_day = spend.groupby("period", as_index=False)["cost"].sum().sort_values("period")
    per_day["period"] = pd.to_datetime(per_day["period"])
    cumulative = per_day["cost"].cumsum()
    fig = go.Figure()
    fig.add_bar(x=per_day["period"], y=per_day["cost"], name="spend per day", marker_color=PALETTE[6],
                opacity=0.5, hovertemplate="%{y:,.2f} " + currency + " spent that day<extra></extra>")
    fig.add_scatter(x=per_day["period"], y=cumulative, name="spent to date", mode="lines",
                    line={"color": PALETTE[0], "width": 2},
                    hovertemplate="%{y:,.2f} " + currency + " spent to date<extra></extra>")
    if budget:
        end = per_day["period"].max() if len(per_day) else None
        if burn_per_day and runs_out_on is not None and end is not None and len(per_day):
            out = pd.Timestamp(runs_out_on)
            # Project at most a year ahead: a far-off run-out day would squash the history.
            horizon = min(out, end + pd.Timedelta(days=365))
            days = (horizon - end).days
            fig.add_scatter(x=[end, horizon], y=[cumulative.iloc[-1], cumulative.iloc[-1] + burn_per_day * days],
                            name="projected at current burn", mode="lines",
                            line={"color": PALETTE[1], "width": 2, "dash": "dash"},
                            hovertemplate="%{y:,.2f} " + currency + " projected<extra></extra>")
        fig.add_hline(y=budget, line={"color": PALETTE[3], "dash": "dot"},
                      annotation_text=f"budget {budget:,.0f} {currency}", annotation_position="top left")
    return _layout(fig, "Spend over time against the budget", "day (UTC)", f"cost ({currency})")
