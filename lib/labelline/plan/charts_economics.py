"""Charts of the planning economics as pure functions: results in, a plotly Figure out.

Break-even cost curves, the sensitivity tornado, the Monte Carlo band and the forecast fan;
titles and axis titles carry units, colours come from labelline.charts.PALETTE.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from labelline.charts import PALETTE, _layout

__all__ = ["fig_breakeven", "fig_tornado", "fig_monte_carlo", "fig_forecast_fan"]

_KIND_COLOURS = {"in_house": PALETTE[0], "vendor": PALETTE[1], "crowd": PALETTE[2]}
_BASIS_TITLES = {"cost_per_label": "cost per label", "cost_per_correct_label": "cost per correct label"}


def fig_breakeven(curves: pd.DataFrame, crossings: pd.DataFrame, currency: str = "USD") -> go.Figure:
    """Cost per label (top) and per correct label (bottom) against monthly volume, one line per
    option, break-even volumes marked; from breakeven.BreakEven's curves and crossings."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    options = list(dict.fromkeys(curves["option"]))
    for i, option in enumerate(options):
        part = curves[curves["option"] == option].sort_values("volume_per_month")
        colour = _KIND_COLOURS.get(part["kind"].iloc[0], PALETTE[i % len(PALETTE)]) if len(options) <= 3 \
            else PALETTE[i % len(PALETTE)]
        for row, basis in enumerate(_BASIS_TITLES, start=1):
            fig.add_scatter(
                x=part["volume_per_month"], y=part[basis], mode="lines", name=option, legendgroup=option,
                showlegend=row == 1, line={"color": colour, "width": 2, "shape": "linear"},
                hovertemplate=f"{option}: %{{y:,.3f}} {currency} at %{{x:,.0f}} items/month<extra></extra>",
                row=row, col=1,
            )
    for row, basis in enumerate(_BASIS_TITLES, start=1):
        marks = crossings[crossings["basis"] == basis]
        if len(marks):
            fig.add_scatter(
                x=marks["volume_per_month"], y=marks[["cost_a", "cost_b"]].min(axis=1), mode="markers",
                name="break-even", legendgroup="break-even", showlegend=row == 1,
                marker={"color": PALETTE[3], "size": 9, "symbol": "x"},
                customdata=marks[["option_a", "option_b", "cheaper_above"]],
                hovertemplate="%{customdata[0]} = %{customdata[1]} at %{x:,.0f} items/month; "
                              "above: %{customdata[2]}<extra></extra>",
                row=row, col=1,
            )
    # _layout titles the first axes only; the subplots get theirs after it.
    _layout(fig, "In-house vs vendor vs crowd: cost per label by monthly volume", "", "")
    # Log axes: fixed costs make small volumes many times dearer, and the crossings sit where the curves flatten.
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    fig.update_xaxes(title_text="volume (items per month, log scale)", row=2, col=1)
    fig.update_yaxes(title_text=f"{currency} per label (log)", row=1, col=1)
    fig.update_yaxes(title_text=f"{currency} per correct label (log)", row=2, col=1)
    return fig.update_layout(height=640, hovermode="closest")


def fig_tornado(bars: pd.DataFrame, base: float, figure: str, unit: str = "") -> go.Figure:
    """Horizontal bars of the figure at the low and high value of each input, around the base;
    the widest swing on top. `bars` is sensitivity.Tornado.bars."""
    ordered = bars.iloc[::-1]  # plotly draws the first row at the bottom
    labels = [f"{r.input} (x{r.low_factor:g} / x{r.high_factor:g})" for r in ordered.itertuples()]
    fig = go.Figure()
    for side, colour in (("low", PALETTE[0]), ("high", PALETTE[1])):
        fig.add_bar(
            y=labels, x=ordered[side] - base, base=base, orientation="h", name=f"input {side}",
            marker_color=colour, customdata=ordered[f"{side}_change"] * 100,
            hovertemplate="%{y}: " + figure + " %{x:,.3f} (%{customdata:+.1f} %)<extra></extra>",
        )
    fig.add_vline(x=base, line={"color": PALETTE[6], "dash": "dot"})
    # Side by side, not overlaid: noise can put both ends on the same side of the base.
    fig.update_layout(barmode="group", bargap=0.3, bargroupgap=0.0, hovermode="closest",
                      height=max(260, 90 + 50 * len(bars)))
    suffix = f" ({unit})" if unit else ""
    return _layout(fig, f"Sensitivity of {figure}: each input moved down and up", f"{figure}{suffix}", "input")


def fig_monte_carlo(draws: pd.DataFrame, band: dict[str, float], point: float, figure: str,
                    unit: str = "") -> go.Figure:
    """A histogram of the figure over the Monte Carlo draws, with the p5/p50/p95 band and the
    point estimate at the scenario's own inputs."""
    fig = go.Figure(go.Histogram(x=draws["value"].dropna(), marker_color=PALETTE[0], opacity=0.75, name="draws",
                                 hovertemplate="%{x}: %{y} draws<extra></extra>"))
    fig.add_vrect(x0=band["p5"], x1=band["p95"], fillcolor=PALETTE[0], opacity=0.08, line_width=0)
    marks = (("p5", band["p5"], PALETTE[6], "dash"), ("p50", band["p50"], PALETTE[6], "solid"),
             ("p95", band["p95"], PALETTE[6], "dash"), ("point", point, PALETTE[3], "dot"))
    for name, value, colour, dash in marks:
        fig.add_vline(x=value, line={"color": colour, "dash": dash},
                      annotation_text=f"{name} {value:,.3g}", annotation_position="top")
    fig.update_layout(hovermode="closest", showlegend=False, bargap=0.05)
    suffix = f" ({unit})" if unit else ""
    return _layout(fig, f"Monte Carlo: {figure} with uncertain inputs (90 % band shaded)", f"{figure}{suffix}",
                   "draws (count)")


def fig_forecast_fan(fan: pd.DataFrame, finish_at: dict) -> go.Figure:
    """Open backlog items over time (UTC) from the data's end: median line, p10-p90 band, finish marked.
    `fan` is forecast.Forecast.fan; finish_at its finish_at."""
    fig = go.Figure()
    fig.add_scatter(x=fan["at"], y=fan["p90"], mode="lines", line={"width": 0}, showlegend=False,
                    hoverinfo="skip")
    fig.add_scatter(x=fan["at"], y=fan["p10"], mode="lines", line={"width": 0}, fill="tonexty",
                    fillcolor="rgba(59, 91, 219, 0.18)", name="p10-p90",
                    hovertemplate="%{y:,.0f} (p10)<extra></extra>")
    fig.add_scatter(x=fan["at"], y=fan["p50"], mode="lines", line={"color": PALETTE[0], "width": 2}, name="median",
                    hovertemplate="%{y:,.0f} items open (median)<extra></extra>")
    for name, at in finish_at.items():
        if at is not None:
            # Epoch milliseconds: what a date axis takes for a shape's position.
            fig.add_vline(x=at.timestamp() * 1000,
                          line={"color": PALETTE[3], "dash": "solid" if name == "p50" else "dash"})
    if finish_at.get("p50") is not None:
        spread = " – ".join(f"{q} {finish_at[q]:%m-%d %H:%M}" for q in ("p10", "p90") if finish_at.get(q) is not None)
        fig.add_annotation(x=finish_at["p50"].timestamp() * 1000, y=1, yref="paper", yanchor="bottom",
                           showarrow=False, text=f"finished {finish_at['p50']:%Y-%m-%d %H:%M} (p50; {spread})")
    return _layout(fig, "Forecast: open backlog until it is finished", "time (UTC)", "open items")
