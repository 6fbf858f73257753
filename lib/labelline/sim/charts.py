"""Charts of a simulation's summary: pure functions, a summary DataFrame in, a plotly Figure out.

The summary is SimResult.summary (index: figure name; columns mean, low, high, half_width);
per-pool and per-stage figures carry the name after a dot (``utilisation.annotators``).
Every bar carries its 95 % interval as an error bar: a simulated number without its
uncertainty invites false precision.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from labelline.charts import PALETTE, STAGE_COLOURS

__all__ = ["per_name", "fig_utilisation", "fig_cost_by_stage", "fig_wait_by_stage"]

_STAGES = ("prelabel", "label", "review", "adjudicate", "qa")


def per_name(summary: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Rows of `prefix.<name>` figures as name, mean, low, high (NaN intervals as the mean)."""
    rows = []
    for figure, row in summary.iterrows():
        if str(figure).startswith(prefix + "."):
            low = row["low"] if not math.isnan(row["low"]) else row["mean"]
            high = row["high"] if not math.isnan(row["high"]) else row["mean"]
            rows.append({"name": str(figure).split(".", 1)[1], "mean": row["mean"], "low": low, "high": high})
    return pd.DataFrame(rows, columns=["name", "mean", "low", "high"])


def _bars(frame: pd.DataFrame, title: str, x_title: str, y_title: str, scale: float, hover_unit: str,
          colours: list[str]) -> go.Figure:
    # Plain lists, not arrays: the figure's JSON stays readable by any consumer (tests, exports).
    fig = go.Figure(go.Bar(
        x=frame["name"].tolist(), y=(frame["mean"] * scale).tolist(), marker_color=colours,
        error_y={"type": "data", "symmetric": False, "array": ((frame["high"] - frame["mean"]) * scale).tolist(),
                 "arrayminus": ((frame["mean"] - frame["low"]) * scale).tolist(), "color": "#495057"},
        customdata=list(zip((frame["low"] * scale).tolist(), (frame["high"] * scale).tolist(), strict=True)),
        hovertemplate="%{x}: %{y:,.2f} " + hover_unit
        + " (95 % interval %{customdata[0]:,.2f} to %{customdata[1]:,.2f})<extra></extra>",
    ))
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left"}, xaxis_title=x_title, yaxis_title=y_title,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, template="plotly_white", showlegend=False)
    return fig


def fig_utilisation(summary: pd.DataFrame) -> go.Figure:
    """Time-weighted utilisation per pool (busy ÷ available hours), per cent, with 95 % intervals."""
    frame = per_name(summary, "utilisation")
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(frame))]
    fig = _bars(frame, "Utilisation per pool: share of available hours spent working", "pool",
                "utilisation (% of available hours)", 100.0, "%", colours)
    fig.add_hline(y=85, line_dash="dot", line_color="#c2255c",
                  annotation_text="85 %: waits grow steeply above this", annotation_position="top left")
    return fig


def fig_cost_by_stage(summary: pd.DataFrame, currency: str = "") -> go.Figure:
    """Spend per stage in the measured window (priced units of work), money, with 95 % intervals."""
    frame = per_name(summary, "cost")
    frame = frame[frame["name"].isin(_STAGES)]
    colours = [STAGE_COLOURS.get(n, PALETTE[-1]) for n in frame["name"]]
    unit = currency or "money"
    return _bars(frame, "Spend per stage in the measured window", "stage", f"spend ({unit})", 1.0, unit, colours)


def fig_wait_by_stage(summary: pd.DataFrame) -> go.Figure:
    """Mean wait before work starts, per stage, hours, with 95 % intervals."""
    frame = per_name(summary, "wait_mean_h")
    colours = [STAGE_COLOURS.get(n, PALETTE[-1]) for n in frame["name"]]
    return _bars(frame, "Mean wait before work starts, per stage", "stage", "mean wait (hours)", 1.0, "h", colours)
