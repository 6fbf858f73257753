"""``labelline dashboard``: Streamlit's own server for app.py, with the heavy libraries loaded first.

Streamlit runs app.py only when the first browser connects, so the first visitor of a fresh
server used to wait for Python to import pandas, Plotly, DuckDB, statsmodels and the KPI
engine (2-3 s on two cores) before anything was drawn. The server and the pages share one
process, so importing them here, before the server listens, takes that wait off every page.
Everything else is Streamlit's command line, unchanged (flags, .streamlit/config.toml).
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PRELOAD", "preload", "serve"]

# What the pages import on their first run, heaviest first. Not labelline.ui: its cached
# functions must be created inside the running server, or Streamlit gives them a storage
# of their own instead of the server's.
PRELOAD = (
    "pandas", "pyarrow", "duckdb", "plotly.graph_objects", "plotly.io", "statsmodels.stats.proportion",
    "labelline.charts", "labelline.kpis.overview", "labelline.kpis.flow", "labelline.kpis.quality",
    "labelline.kpis.money", "labelline.kpis.scorecards",
)


def preload() -> float:
    """Import the pages' libraries and draw one figure to JSON (Plotly builds its validators lazily)."""
    started = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    import plotly.graph_objects as go

    go.Figure(go.Bar(x=[1], y=[1]), layout={"template": "plotly_white"}).to_json()
    return time.perf_counter() - started


def serve(app: Path, port: int, address: str, extra: Sequence[str] = ()) -> None:
    """Preload, then hand over to ``streamlit run`` in this process (never returns until it stops)."""
    seconds = preload()
    print(f"libraries loaded in {seconds:.1f} s; starting the dashboard on http://{address}:{port}", flush=True)
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", str(app), "--server.port", str(port), "--server.address", address, *extra]
    streamlit_cli.main()
