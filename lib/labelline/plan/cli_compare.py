"""``labelline compare A.toml B.toml ...``: scenarios side by side, differences from the first, verdicts.

Registered as a top-level command through ``compare_commands`` (labelline.plan.cli).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from labelline.console import ProgressBar, err, out, print_json
from labelline.plan.cli import compare_commands

__all__ = ["compare"]

OUT_FORMATS = (".xlsx", ".csv", ".png")

# How a value of each unit reads in the table; differences of shares read in percentage points.
_VALUE_FORMAT = {"money/item": "{:,.3f}", "money": "{:,.0f}", "items/h": "{:,.2f}", "h": "{:,.2f}",
                 "h from start": "{:,.1f}"}


def _value(value: Any, unit: str, signed: bool = False) -> str:
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if unit == "share":
        return f"{value * 100:+.1f} pts" if signed else f"{value:.1%}"
    text = _VALUE_FORMAT.get(unit, "{:,.3g}").format(value)
    return ("+" + text if value >= 0 else text) if signed else text


def _interval_text(mean: Any, low: Any, high: Any, unit: str, signed: bool = False) -> str:
    text = _value(mean, unit, signed)
    if low is None or high is None or not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return text
    joiner = " to " if signed else "–"  # signed ranges read badly with a dash: -0.35–+1.14
    return f"{text} ({_value(low, unit, signed)}{joiner}{_value(high, unit, signed)})"


def _print_comparison(comparison: Any) -> None:
    """One block per figure: each scenario's mean, its difference from the baseline, and the verdict."""
    from rich.table import Table

    names, base = comparison.names, comparison.baseline
    out.print(f"{len(names)} scenarios, {comparison.replications} replications each (seed {comparison.seed}), "
              f"the same random streams in every scenario; baseline: {base}", markup=False)
    side = comparison.side_by_side.set_index(["scenario", "figure"])
    diffs = comparison.differences.set_index(["scenario", "figure"])
    table = Table("figure", "scenario", "mean (95 % CI)", f"difference from {base} (95 % CI)", "verdict",
                  box=None, pad_edge=False)
    for figure in comparison.figures:
        head = comparison.side_by_side[comparison.side_by_side["figure"] == figure].iloc[0]
        unit = head["unit"]
        for i, name in enumerate(names):
            label = f"{head['label']} ({unit}; {head['better']} is better)" if i == 0 else ""
            mean = "n/a"
            if (name, figure) in side.index:
                r = side.loc[(name, figure)]
                mean = _interval_text(r["mean"], r["low"], r["high"], unit)
            if i == 0:
                table.add_row(label, name, mean, "(baseline)", "")
                continue
            d = diffs.loc[(name, figure)]
            verdict = d["verdict"] + (f": {d['winner']} wins" if isinstance(d["winner"], str) else "")
            table.add_row(label, name, mean, _interval_text(d["difference"], d["low"], d["high"], unit, signed=True),
                          verdict)
        table.add_section()
    out.print(table)
    out.print("Differences are paired replication by replication (the same random streams). A verdict needs the "
              "difference's interval to exclude zero; otherwise the scenarios are not told apart at this many "
              "replications (--reps).", markup=False)
    if comparison.scenarios[0].sla_cycle_h is not None:
        out.print(f"SLA attainment: share of items finished within each scenario's sla_cycle_h "
                  f"(the baseline's: {comparison.scenarios[0].sla_cycle_h:g} h)", markup=False)
    out.print("money in the currency of the scenarios' rates and prices", markup=False)


def compare(
    scenario_files: Annotated[list[Path], typer.Argument(
        metavar="SCENARIO.toml", help="Two or more scenarios; the first is the baseline.")],
    reps: Annotated[int, typer.Option("--reps", min=2, help="Replications per scenario (paired across them).")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed, shared by every scenario (common random numbers).")] = 0,
    processes: Annotated[
        Optional[int], typer.Option(min=1, help="Parallel processes. Default: one per CPU; 1 runs in this process.")
    ] = None,
    out_file: Annotated[Optional[Path], typer.Option(
        "--out", help="Also write the tables: FILE.xlsx (with an Inputs sheet), FILE.csv, or FILE.png (the "
                      "differences chart).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (stable keys).")] = False,
) -> None:
    """Compare scenarios: each figure's mean and 95 % interval, the paired difference from the first, and a verdict."""
    from labelline.plan.compare import compare as run_comparison
    from labelline.sim.scenario import ScenarioError, load_scenario

    if len(scenario_files) < 2:
        err.print("labelline compare: give at least two scenario files (the first is the baseline)", markup=False)
        raise typer.Exit(2)
    if out_file is not None and out_file.suffix.lower() not in OUT_FORMATS:
        err.print(f"labelline compare: --out {out_file}: use a name ending in {', '.join(OUT_FORMATS)}", markup=False)
        raise typer.Exit(2)
    if out_file is not None and out_file.suffix.lower() == ".png":
        from labelline.plan.export import find_browser

        if find_browser() is None:  # say so before minutes of simulation, not after
            err.print("labelline compare: --out FILE.png needs Chromium or Chrome: install Debian's chromium "
                      "(apt-get install chromium) or set BROWSER_PATH", markup=False)
            raise typer.Exit(1)
    scenarios, texts, problems = [], [], []
    for path in scenario_files:
        try:
            scenarios.append(load_scenario(path))
            texts.append(path.read_text(encoding="utf-8"))
        except ScenarioError as exc:
            problems += str(exc).splitlines()
    if problems:
        for line in problems:
            err.print(line, markup=False)
        raise typer.Exit(2)
    with ProgressBar("simulating replications") as on_progress:
        comparison = run_comparison(scenarios, replications=reps, seed=seed, processes=processes,
                                    progress=on_progress)
    written: list[Path] = []
    failure = None
    if out_file is not None:
        try:
            written = _export(comparison, out_file, dict(zip(comparison.names, texts)),
                              dict(zip(comparison.names, map(str, scenario_files))))
        except (OSError, RuntimeError) as exc:
            failure = exc  # the results still get printed: the simulation time is not lost
    if as_json:
        print_json({**comparison.to_json(), "files": [str(p) for p in written]})
    else:
        _print_comparison(comparison)
        for path in written:
            out.print(f"wrote {path}", markup=False)
    if failure is not None:
        err.print(f"labelline compare: --out {out_file}: {failure}", markup=False)
        raise typer.Exit(1)


def _export(comparison: Any, path: Path, texts: dict[str, str], files: dict[str, str]) -> list[Path]:
    from labelline.plan.export import write_csv, write_png, write_xlsx

    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        inputs = comparison.inputs(texts)
        inputs["scenario_files"] = files
        return [write_xlsx(path, comparison.tables(), inputs)]
    if suffix == ".csv":
        return write_csv(path, comparison.tables())
    from labelline.plan.charts_compare import fig_differences

    fig = fig_differences(comparison.differences)
    return [write_png(fig, path, width_px=1200, height_px=int(fig.layout.height or 700))]


compare_commands["compare"] = compare
