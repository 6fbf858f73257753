"""Comparison charts as pure functions: a comparison's tidy tables in, a plotly Figure out.

The headline figures have different units (money, hours, items/h, shares), so both charts
give each figure its own panel and axis with its unit: a percentage of the baseline would blow
up where the baseline is near zero (an SLA it almost never meets).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from labelline.charts import PALETTE

__all__ = ["fig_differences", "fig_scenario_values"]

_VERDICT_SYMBOL = {"better": "circle", "worse": "x-thin-open", "no clear difference": "circle-open",
                   "not comparable": "circle-open"}


def _axis_title(unit: str, difference: bool) -> str:
    if unit == "share":
        return "difference (percentage points)" if difference else "share (%)"
    return f"difference ({unit})" if difference else unit


def fig_differences(differences: pd.DataFrame, columns: int = 2) -> go.Figure:
    """Each scenario's paired difference from the baseline, one panel per figure in its own unit,
    with the 95 % interval as error bars and a line at zero; `differences` is Comparison.differences.

    A point whose bar crosses the zero line is "no clear difference"; a filled marker is better
    than the baseline, a cross worse.
    """
    figures = list(dict.fromkeys(differences["figure"]))
    scenarios = list(dict.fromkeys(differences["scenario"]))
    baseline = str(differences["baseline"].iloc[0]) if len(differences) else ""
    n_rows = max(1, math.ceil(len(figures) / columns))
    first = differences.drop_duplicates("figure").set_index("figure")
    titles = [f"{first.loc[f, 'label']} ({first.loc[f, 'better']} is better)" for f in figures]
    fig = make_subplots(rows=n_rows, cols=columns, subplot_titles=titles or None, vertical_spacing=0.35 / n_rows,
                        horizontal_spacing=0.12)
    # The baseline keeps the first colour in every comparison chart; the others follow in order.
    colours = {name: PALETTE[(i + 1) % len(PALETTE)] for i, name in enumerate(scenarios)}
    for k, figure in enumerate(figures):
        part = differences[differences["figure"] == figure]
        unit = str(first.loc[figure, "unit"])
        row, col = k // columns + 1, k % columns + 1
        hover = [
            f"{r.scenario} vs {r.baseline}: {r.difference:+,.4g} {r.unit}<br>"
            f"95 % CI {r.low:+,.4g} to {r.high:+,.4g} {r.unit} ({r.pairs} paired replications)<br>"
            f"verdict: {r.verdict}" + (f"; {r.winner} wins" if isinstance(r.winner, str) else "")
            for r in part.itertuples(index=False)
        ]
        fig.add_scatter(
            x=part["scenario"], y=part["difference"], mode="markers", row=row, col=col, showlegend=False,
            marker={"color": [colours[s] for s in part["scenario"]], "size": 12, "line": {"width": 2},
                    "symbol": [_VERDICT_SYMBOL.get(v, "circle-open") for v in part["verdict"]]},
            error_y={"type": "data", "symmetric": False, "array": (part["high"] - part["difference"]).fillna(0),
                     "arrayminus": (part["difference"] - part["low"]).fillna(0), "thickness": 2, "width": 8,
                     # A scalar colour: plotly.js cannot take the markers' per-point colours for error bars.
                     "color": "#495057"},
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        )
        fig.add_hline(y=0, row=row, col=col, line={"color": PALETTE[-1], "width": 1, "dash": "dash"})
        fig.update_yaxes(title_text=_axis_title(unit, difference=True), row=row, col=col, zeroline=False,
                         tickformat="+.0%" if unit == "share" else None)
    fig.update_layout(
        title={"text": f"Difference from the baseline ({baseline}) per replication pair: mean and 95 % interval",
               "x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top"},
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        hovermode="closest",
        template="plotly_white",
        height=max(360, 60 + 260 * n_rows),
    )
    return fig


def fig_scenario_values(side_by_side: pd.DataFrame, columns: int = 2) -> go.Figure:
    """Each scenario's mean per figure with its 95 % interval, one panel per figure with its own
    unit; `side_by_side` is Comparison.side_by_side."""
    figures = list(dict.fromkeys(side_by_side["figure"]))
    scenarios = list(dict.fromkeys(side_by_side["scenario"]))
    n_rows = max(1, math.ceil(len(figures) / columns))
    first = side_by_side.drop_duplicates("figure").set_index("figure")
    titles = [f"{first.loc[f, 'label']} ({first.loc[f, 'better']} is better)" for f in figures]
    fig = make_subplots(rows=n_rows, cols=columns, subplot_titles=titles or None, vertical_spacing=0.35 / n_rows,
                        horizontal_spacing=0.12)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(scenarios)}
    for k, figure in enumerate(figures):
        part = side_by_side[side_by_side["figure"] == figure]
        unit = str(first.loc[figure, "unit"])
        row, col = k // columns + 1, k % columns + 1
        fig.add_bar(
            x=part["scenario"], y=part["mean"], row=row, col=col, showlegend=False,
            marker_color=[colours[s] for s in part["scenario"]],
            error_y={"type": "data", "array": part["half_width"].fillna(0), "thickness": 1.5, "width": 6},
            customdata=list(zip(part["low"], part["high"], part["replications"])),
            hovertemplate="%{x}: %{y:,.4g} " + unit + "<br>95 % CI %{customdata[0]:,.4g} to "
                          "%{customdata[1]:,.4g}<br>%{customdata[2]} replications<extra></extra>",
        )
        fig.update_yaxes(title_text=_axis_title(unit, difference=False), row=row, col=col,
                         tickformat=".0%" if unit == "share" else None)
    fig.update_layout(
        title={"text": "Each scenario's figures: mean and 95 % interval across replications",
               "x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top"},
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        hovermode="closest",
        template="plotly_white",
        height=max(360, 60 + 260 * n_rows),
    )
    return fig
