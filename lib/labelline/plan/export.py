"""Planning results out of Labelline: XLSX (with the inputs that produced them), CSV and PNG.

Every planning tool (compare, staffing, break-even, sensitivity, forecast) exports through
these three functions, so a workbook always carries an "Inputs" sheet saying which
scenarios, replications, seed and Labelline version made its numbers, and when.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["write_xlsx", "xlsx_bytes", "write_csv", "write_png", "INPUTS_SHEET", "find_browser"]

INPUTS_SHEET = "Inputs"
_CHUNK = 32_000  # characters per cell: Excel keeps 32,767, so a long text (a TOML) continues on more rows
_WIDTH_MAX = 60  # characters: wider columns wrap instead
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")  # characters Excel forbids in a sheet name


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """The table with a meaningful index (e.g. figure) turned into columns; a plain 0..n-1 index dropped."""
    if isinstance(df.index, pd.RangeIndex) and df.index.name is None:
        return df
    return df.reset_index()


def _sheet_names(names: list[str]) -> list[str]:
    """Excel-safe, distinct sheet names (31 characters, no []:*?/\\), never "Inputs"."""
    out: list[str] = []
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip("'") or "table"
        candidate, n = base[:31], 1
        while candidate.lower() in {o.lower() for o in out} or candidate.lower() == INPUTS_SHEET.lower():
            n += 1
            suffix = f" ({n})"
            candidate = base[:31 - len(suffix)] + suffix
        out.append(candidate)
    return out


def _readable(column: Any) -> str:
    """A header a reader can scan: cost_per_accepted_label -> "cost per accepted label"."""
    return str(column).replace("_", " ")


def _input_rows(inputs: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested inputs flattened to (dotted name, value) rows; long texts continue on further rows."""
    rows: list[tuple[str, Any]] = []
    for key, value in inputs.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _input_rows(value, name + ".")
            continue
        if isinstance(value, (int, float)):  # bool too: numbers stay numbers in the sheet
            rows.append((name, value))
            continue
        if isinstance(value, (list, tuple)):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, str) or value is None:
            text = "" if value is None else value
        else:
            text = json.dumps(value, default=str)
        parts = [text[i:i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
        rows += [(name if i == 0 else f"{name} (part {i + 1})", part) for i, part in enumerate(parts)]
    return rows


def _provenance() -> dict[str, str]:
    from labelline import __version__

    return {"labelline_version": __version__,
            "created_at_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def write_xlsx(path: str | Path, tables: Mapping[str, pd.DataFrame], inputs: Mapping[str, Any]) -> Path:
    """A workbook: one sheet per table (readable headers, fitted widths, frozen header row) and
    an "Inputs" sheet recording what produced the numbers, with the Labelline version and UTC time."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not tables:
        raise ValueError("write_xlsx needs at least one table")
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="F4F6FB")
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, df in zip(_sheet_names(list(tables)), tables.values()):
            df = _tidy(df)
            df.to_excel(writer, sheet_name=sheet, index=False, header=[_readable(c) for c in df.columns])
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for j, column in enumerate(df.columns, start=1):
                cell = ws.cell(row=1, column=j)
                cell.font, cell.fill = header_font, header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                values = df[column]
                is_float = pd.api.types.is_float_dtype(values)
                texts = [f"{v:,.4f}" if is_float and isinstance(v, float) and math.isfinite(v) else str(v)
                         for v in values.head(500)]
                width = max([len(_readable(column))] + [len(t) for t in texts])
                ws.column_dimensions[get_column_letter(j)].width = min(width + 2, _WIDTH_MAX)
                if is_float:
                    # Display only: the cell keeps the full value.
                    for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        row[0].number_format = "#,##0.0000"
        rows = _input_rows({**inputs, **_provenance()})
        frame = pd.DataFrame(rows, columns=["input", "value"])
        frame.to_excel(writer, sheet_name=INPUTS_SHEET, index=False)
        ws = writer.sheets[INPUTS_SHEET]
        ws.freeze_panes = "A2"
        for j in (1, 2):
            ws.cell(row=1, column=j).font = header_font
            ws.cell(row=1, column=j).fill = header_fill
        ws.column_dimensions["A"].width = min(max(len(r[0]) for r in rows) + 2, _WIDTH_MAX)
        ws.column_dimensions["B"].width = 100
        for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")  # TOML keeps its lines
    return path


def xlsx_bytes(tables: Mapping[str, pd.DataFrame], inputs: Mapping[str, Any]) -> bytes:
    """The workbook of write_xlsx as bytes (for a download button)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return write_xlsx(Path(tmp) / "export.xlsx", tables, inputs).read_bytes()


def write_csv(path: str | Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """One table: written to path. Several: FILE-<table>.csv beside it, one per table."""
    path = Path(path)
    if not tables:
        raise ValueError("write_csv needs at least one table")
    path.parent.mkdir(parents=True, exist_ok=True)
    if len(tables) == 1:
        targets = [path]
    else:
        safe = [re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)) for name in tables]
        if len(set(safe)) != len(safe):
            raise ValueError(f"table names collide as file names: {', '.join(map(str, tables))}")
        targets = [path.with_name(f"{path.stem}-{name}{path.suffix or '.csv'}") for name in safe]
    for target, df in zip(targets, tables.values()):
        _tidy(df).to_csv(target, index=False)
    return targets


def find_browser() -> str | None:
    """The Chromium or Chrome kaleido will drive (BROWSER_PATH, else PATH and the usual places)."""
    from choreographer.browsers.chromium import Chromium

    path = Chromium.find_browser(skip_local=False)
    return str(path) if path and os.access(path, os.X_OK) else None


def write_png(fig: Any, path: str | Path, width_px: int = 1200, height_px: int = 700) -> Path:
    """A plotly figure as a PNG of exactly width_px x height_px pixels (kaleido driving Chromium)."""
    path = Path(path)
    if find_browser() is None:
        raise RuntimeError("PNG export needs Chromium or Chrome: install Debian's chromium "
                           "(apt-get install chromium) or set BROWSER_PATH to a Chrome executable")
    path.parent.mkdir(parents=True, exist_ok=True)
    import kaleido

    try:
        # MathJax off: kaleido would fetch it from a CDN, which fails offline and can stall the page.
        png = kaleido.calc_fig_sync(fig.to_dict(), opts={"format": "png", "width": width_px, "height": height_px,
                                                         "scale": 1}, kopts={"mathjax": False})
    except Exception as exc:  # kaleido and the browser fail in many ways; the caller needs one line
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise RuntimeError(f"PNG export failed: {message[:300]}") from exc
    path.write_bytes(png)
    return path
