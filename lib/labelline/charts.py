"""Charts as pure functions: a DataFrame in, a plotly Figure out; no Streamlit here.

Every chart has a title, axis titles with units, and a hover template; colours come
from PALETTE, which matches the theme in .streamlit/config.toml.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["PALETTE", "STAGE_COLOURS", "TIER_COLOURS", "fig_events_per_day", "fig_events_by", "fig_throughput",
           "fig_backlog"]

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
