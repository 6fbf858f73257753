"""The staffing search's frontier as a pure function: StaffingResult.table() in, a plotly Figure out.

Two panels share the cost axis: time (drain time for a deadline, p95 cycle time or wait for
an SLA) and final accuracy, each simulated candidate with its confidence intervals. The
frontier (no other simulated candidate is cheaper, faster and more accurate at once) is
filled, the recommendation is a star, and candidates theory alone judged are faint dots at
their estimates, so the chart shows what the search pruned as well as what it measured.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from labelline.charts import PALETTE

__all__ = ["fig_staffing_frontier"]

_TIME_TITLES = {"backlog_drain_h": "backlog drained at (h from start)", "cycle_time_p95_h": "p95 cycle time (h)",
                "wait_p95_h": "p95 wait for a labeler (h)"}


def _errors(part: pd.DataFrame, column: str) -> dict:
    return {"type": "data", "symmetric": False, "thickness": 1, "width": 3,
            "array": (part[f"{column}_high"] - part[column]).fillna(0).tolist(),
            "arrayminus": (part[column] - part[f"{column}_low"]).fillna(0).tolist()}


def fig_staffing_frontier(table: pd.DataFrame, currency: str = "money") -> go.Figure:
    """Cost against time and against accuracy for every candidate of a staffing search.

    `table` is StaffingResult.table(); `currency` labels the cost axis (the scenario's money).
    """
    time_figure = table.attrs.get("time_figure", "cycle_time_p95_h")
    time_title = _TIME_TITLES.get(time_figure, time_figure)
    fig = make_subplots(rows=1, cols=2, shared_xaxes=True, horizontal_spacing=0.1,
                        subplot_titles=(f"cost vs {time_title}", "cost vs final accuracy"))
    estimated = table[~table["simulated"]]
    simulated = table[table["simulated"]]
    groups = (
        ("theory only (estimate)", estimated, "estimate_", {"color": PALETTE[6], "size": 5, "opacity": 0.35}),
        ("simulated", simulated[~simulated["on_frontier"]], "",
         {"color": PALETTE[6], "size": 9, "symbol": "circle-open", "line": {"width": 2}}),
        ("frontier", simulated[simulated["on_frontier"] & ~simulated["recommended"]], "",
         {"color": PALETTE[0], "size": 10}),
        ("recommended", simulated[simulated["recommended"]], "", {"color": PALETTE[2], "size": 16, "symbol": "star"}),
    )
    for name, part, prefix, marker in groups:
        if part.empty:
            continue
        cost = part[f"{prefix}cost"]
        for col, column in ((1, "time_h"), (2, "accuracy")):
            y = part[f"{prefix}{column}"]
            hover = [f"{r.candidate}<br>{r.status}: {r.reason}" for r in part.itertuples(index=False)]
            fig.add_scatter(
                x=cost, y=y, mode="markers", name=name, legendgroup=name, showlegend=col == 1, marker=marker,
                error_y=None if prefix else _errors(part, column), text=hover, row=1, col=col,
                hovertemplate=("cost %{x:,.0f}<br>" + ("%{y:,.2f} h" if col == 1 else "accuracy %{y:.1%}")
                               + "<br>%{text}<extra></extra>"),
            )
    fig.update_xaxes(title_text=f"cost over the window ({currency})", row=1, col=1)
    fig.update_xaxes(title_text=f"cost over the window ({currency})", row=1, col=2)
    fig.update_yaxes(title_text=time_title, row=1, col=1)
    fig.update_yaxes(title_text="final accuracy (%)", tickformat=".0%", row=1, col=2)
    # The legend goes under the axes: above them it would collide with the title and the panel titles.
    fig.update_layout(title={"text": "Staffing candidates: cost, time and accuracy", "x": 0, "xanchor": "left",
                             "y": 0.98, "yanchor": "top"},
                      template="plotly_white", margin={"l": 10, "r": 10, "t": 80, "b": 10},
                      legend={"orientation": "h", "y": -0.18, "yanchor": "top", "x": 0, "xanchor": "left"})
    return fig
