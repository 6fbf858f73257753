"""Charts as pure functions: a DataFrame in, a plotly Figure out; no Streamlit here.

Every chart has a title, axis titles with units, and a hover template; colours come
from PALETTE, which matches the theme in .streamlit/config.toml.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["PALETTE", "STAGE_COLOURS", "fig_events_per_day", "fig_events_by"]

PALETTE = ("#3b5bdb", "#f08c00", "#2f9e44", "#c2255c", "#7048e8", "#1098ad", "#868e96")
STAGE_COLOURS = {
    "prelabel": "#868e96",
    "label": "#3b5bdb",
    "review": "#2f9e44",
    "adjudicate": "#f08c00",
    "qa": "#c2255c",
}


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
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
