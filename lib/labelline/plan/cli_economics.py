"""``labelline plan breakeven | sensitivity | forecast``: the economics of sourcing, inputs and completion.

Registered on ``plan_app`` (labelline.plan.cli). Each command has ``--json`` with stable keys
(docs/planning/economics.md) and ``--out FILE.xlsx|csv|png``; problems are one line on stderr.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from labelline.console import ProgressBar, err, out, print_json, scenario_or_exit
from labelline.plan.cli import plan_app

__all__ = ["breakeven", "sensitivity", "forecast"]

OUT_FORMATS = (".xlsx", ".csv", ".png")
OutOption = Annotated[Optional[Path], typer.Option(
    "--out", help="Also write the tables: FILE.xlsx (with an Inputs sheet), FILE.csv (one file per table), "
                  "or FILE.png (the chart).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (stable keys).")]
ProcessesOption = Annotated[Optional[int], typer.Option(
    min=1, help="Parallel processes. Default: one per CPU; 1 runs in this process.")]


def _fail(command: str, message: str, code: int = 1) -> typer.Exit:
    err.print(f"labelline plan {command}: {message}", markup=False)
    return typer.Exit(code)


def _check_out(command: str, path: Path | None) -> None:
    if path is not None and path.suffix.lower() not in OUT_FORMATS:
        raise _fail(command, f"--out {path}: use a name ending in {', '.join(OUT_FORMATS)}", 2)


def _export(command: str, path: Path, tables: dict, inputs: dict[str, Any], figure: Any) -> list[Path]:
    from labelline.plan.export import write_csv, write_png, write_xlsx

    try:
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            return [write_xlsx(path, tables, inputs)]
        if suffix == ".csv":
            return write_csv(path, tables)
        return [write_png(figure(), path, width_px=1200, height_px=700)]
    except (OSError, RuntimeError, ValueError) as exc:
        raise _fail(command, f"--out {path}: {exc}") from None


def _unit(figure: str) -> str:
    """The unit of a simulation figure, for an axis title (money has no currency in a scenario)."""
    if figure.startswith("cost_per_"):
        return "money per item"
    if figure.startswith(("cost.", "cost_")):
        return "money"
    if figure.endswith("_per_hour") or figure.startswith("capacity_items_per_h"):
        return "items/h"
    if figure.endswith("_h") or "_h." in figure:
        return "h"
    if figure.endswith("_s") or "_s." in figure:
        return "s"
    if figure in ("final_accuracy", "sla_attainment", "rework_rate") or figure.startswith("utilisation."):
        return "share"
    return "items" if figure in ("items_finished", "wip_mean") else ""


def _money(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(float(value)) else f"{value:,.{digits}f}"


# ------------------------------------------------------------------------------------------ breakeven
@plan_app.command()
def breakeven(
    sourcing_file: Annotated[Optional[Path], typer.Argument(
        metavar="[SOURCING.toml]", help="Sourcing options (docs/planning/economics.md; data/sourcing/example.toml).")
    ] = None,
    scenario_file: Annotated[Optional[Path], typer.Option(
        "--scenario", help="Or derive the options from a scenario's label pools.")] = None,
    volume_min: Annotated[Optional[float], typer.Option(
        "--volume-min", min=1, help="Lowest monthly volume compared (items/month).")] = None,
    volume_max: Annotated[Optional[float], typer.Option(
        "--volume-max", min=1, help="Highest monthly volume compared (items/month).")] = None,
    at: Annotated[Optional[float], typer.Option(
        "--at", min=1, help="Also price every option at this monthly volume (items/month).")] = None,
    out_file: OutOption = None,
    as_json: JsonOption = False,
) -> None:
    """In-house vs vendor vs crowd: break-even volumes, cheapest option per label and per correct label."""
    from pydantic import ValidationError

    from labelline.plan import breakeven as be
    from labelline.sim.scenario import ScenarioError, load_scenario

    _check_out("breakeven", out_file)
    if (sourcing_file is None) == (scenario_file is None):
        raise _fail("breakeven", "give a sourcing file (e.g. data/sourcing/example.toml) or --scenario FILE, "
                                 "not both", 2)
    try:
        if sourcing_file is not None:
            plan = be.load_sourcing(sourcing_file)
            source, text = str(sourcing_file), sourcing_file.read_text(encoding="utf-8")
        else:
            plan = be.sourcing_from_scenario(load_scenario(scenario_file))
            source, text = str(scenario_file), scenario_file.read_text(encoding="utf-8")
        changes = {k: v for k, v in (("volume_min_per_month", volume_min), ("volume_max_per_month", volume_max))
                   if v is not None}
        if changes:
            plan = be.SourcingPlan.model_validate({**plan.model_dump(), **changes})
    except (be.SourcingError, ScenarioError) as exc:
        for line in str(exc).splitlines():
            err.print(line, markup=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:  # the volume options out of order
        raise _fail("breakeven", "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()), 2) from None
    except ValueError as exc:  # a scenario pool with nothing to cost
        raise _fail("breakeven", " ".join(str(exc).split()), 2) from None
    result = be.breakeven(plan)
    priced = result.at(at) if at is not None else None
    written: list[Path] = []
    if out_file is not None:
        from labelline.plan.charts_economics import fig_breakeven

        tables = result.tables() | ({"at_volume": priced} if priced is not None else {})
        written = _export("breakeven", out_file, tables, {"source": source, "file": text,
                                                          "plan": plan.model_dump(mode="json")},
                          lambda: fig_breakeven(result.curves, result.crossings, plan.currency))
    if as_json:
        data = result.to_json()
        data["at"] = None if priced is None else {
            "volume_per_month": at, "options": be.records(priced),
            "cheapest": {basis: result.cheapest(at, basis) for basis in be.BASES}}
        print_json({**data, "files": [str(p) for p in written]})
        return
    _print_breakeven(result, priced, at)
    for path in written:
        out.print(f"wrote {path}", markup=False)


def _print_breakeven(result: Any, priced: Any, at: float | None) -> None:
    from rich.table import Table

    plan = result.plan
    cur = plan.currency
    table = Table("option", "kind", "accuracy", "labels/item", "delivered", f"fixed {cur}/mo", "items/head/mo",
                  title="options (accuracy of one label, of the delivered label)", title_justify="left", box=None,
                  pad_edge=False)
    for r in result.options.itertuples():
        per_head = r.items_per_head_per_month
        per_head = "" if per_head is None or not math.isfinite(per_head) else f"{per_head:,.0f}"
        table.add_row(r.option, r.kind, f"{r.accuracy:.1%}", f"{r.labels_per_item:g}", f"{r.final_accuracy:.1%}",
                      f"{r.fixed_monthly:,.0f}", per_head)
    out.print(table)
    titles = {"cost_per_label": "per label", "cost_per_correct_label": "per correct label"}
    for basis, words in titles.items():
        out.print(f"cheapest {words}, by monthly volume ({plan.volume_min_per_month:,.0f} to "
                  f"{plan.volume_max_per_month:,.0f} items/month):", markup=False)
        for b in result.outline[result.outline["basis"] == basis].itertuples():
            what = f"{b.option} alternate as heads are added" if b.alternating else b.option
            out.print(f"  {b.volume_from:>10,.0f} – {b.volume_to:>10,.0f}: {what} "
                      f"({_money(b.cost_at_from)} → {_money(b.cost_at_to)} {cur} {words})", markup=False)
        for p in result.pairs[result.pairs["basis"] == basis].itertuples():
            a, b = p.option_a, p.option_b
            if p.crossings == 0:
                words_pair = f"{p.cheaper_at_min} is cheaper over the whole range"
            elif p.crossings == 1:
                words_pair = (f"break-even at {p.first_volume:,.0f} items/month: {p.cheaper_at_min} below, "
                              f"{p.cheaper_at_max} above")
            else:
                ends = (f"{p.cheaper_at_min} below and" if p.cheaper_at_min != p.cheaper_at_max
                        else f"{p.cheaper_at_min} at the bottom of the range and")
                words_pair = (f"they swap {p.crossings} times between {p.first_volume:,.0f} and "
                              f"{p.last_volume:,.0f} items/month (head-count steps); {ends} "
                              f"{p.cheaper_at_max} from {p.last_volume:,.0f} on")
            out.print(f"  {a} vs {b}: {words_pair}", markup=False)
    if priced is not None:
        table = Table("option", f"monthly cost ({cur})", f"per label ({cur})", f"per correct label ({cur})", "heads",
                      title=f"at {at:,.0f} items/month", title_justify="left", box=None, pad_edge=False)
        for r in priced.itertuples():
            heads = "" if r.heads != r.heads else f"{r.heads:,.0f}"
            table.add_row(r.option, _money(r.monthly_cost, 0), _money(r.cost_per_label),
                          _money(r.cost_per_correct_label), heads)
        out.print(table)
    out.print(f"volume: finished items per month (one delivered label each, whatever the overlap); money in {cur}",
              markup=False)


# ---------------------------------------------------------------------------------------- sensitivity
@plan_app.command()
def sensitivity(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO.toml", help="A scenario (docs/scenarios.md).")],
    figure: Annotated[str, typer.Option(help="The headline figure (any figure `labelline simulate` reports).")
                      ] = "cost_per_accepted_label",
    swing: Annotated[float, typer.Option(min=0.01, max=0.95, help="Tornado: move each input by -X and +X (0.2 = "
                                                                    "20 %).")] = 0.2,
    inputs: Annotated[Optional[list[str]], typer.Option(
        "--input", help="Only this input (repeatable): handling_time, accuracy, hourly_rate, per_item_price, "
                        "arrival_volume, rejection_rate. Default: all.")] = None,
    reps: Annotated[int, typer.Option("--reps", min=1, help="Tornado: replications per variant.")] = 3,
    draws: Annotated[int, typer.Option("--draws", min=0, help="Monte Carlo draws (0 skips it).")] = 30,
    uncertainty: Annotated[float, typer.Option(
        min=0.0, max=0.95, help="Monte Carlo: each input uncertain within -X to +X (0.2 = 20 %).")] = 0.2,
    distribution: Annotated[str, typer.Option(help="Monte Carlo: triangular or uniform.")] = "triangular",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same run.")] = 0,
    processes: ProcessesOption = None,
    out_file: OutOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sensitivity of a headline figure: a tornado (each input -X/+X) and a Monte Carlo band (p5/p50/p95)."""
    from labelline.plan.sensitivity import monte_carlo, tornado
    from labelline.plan.variants import SCALABLE_INPUTS

    _check_out("sensitivity", out_file)
    if distribution not in ("triangular", "uniform"):
        raise _fail("sensitivity", f"--distribution {distribution}: use triangular or uniform", 2)
    unknown = [i for i in inputs or [] if i not in SCALABLE_INPUTS]
    if unknown:
        raise _fail("sensitivity", f"--input {', '.join(unknown)}: one of {', '.join(SCALABLE_INPUTS)}", 2)
    scenario = scenario_or_exit(scenario_file)
    try:
        with ProgressBar("tornado: simulating variants") as on_progress:
            bars = tornado(scenario, swing=swing, inputs=inputs, figure=figure, replications=reps, seed=seed,
                           processes=processes, progress=on_progress)
        mc = None
        if draws:
            shares = {i: uncertainty for i in (inputs or SCALABLE_INPUTS)}
            with ProgressBar("Monte Carlo: simulating draws") as on_progress:
                mc = monte_carlo(scenario, shares, draws=max(draws, 2), distribution=distribution, figure=figure,
                                 seed=seed, point_replications=reps, processes=processes, progress=on_progress)
    except ValueError as exc:  # an unknown figure, or nothing finished
        raise _fail("sensitivity", " ".join(str(exc).split()), 2) from None
    written: list[Path] = []
    if out_file is not None:
        from labelline.plan import charts_economics as charts

        tables = {"tornado": bars.bars}
        if mc is not None:
            band = mc.band() | {"mean": mc.mean, "point": mc.point}
            tables |= {"monte_carlo": mc.draws, "band": _band_table(band), "drivers": mc.drivers}
        inputs_sheet = {"scenario_file": str(scenario_file), "scenario": scenario_file.read_text(encoding="utf-8"),
                        "figure": figure, "swing": swing, "replications": reps, "seed": seed, "draws": draws,
                        "uncertainty": uncertainty, "distribution": distribution,
                        "inputs": list(inputs or SCALABLE_INPUTS)}
        written = _export("sensitivity", out_file, tables, inputs_sheet,
                          lambda: charts.fig_tornado(bars.bars, bars.base, figure, _unit(figure)))
    if as_json:
        print_json({"scenario": scenario.name, "tornado": bars.to_json(),
                    "monte_carlo": None if mc is None else mc.to_json(), "files": [str(p) for p in written]})
        return
    _print_sensitivity(scenario.name, bars, mc)
    for path in written:
        out.print(f"wrote {path}", markup=False)


def _band_table(band: dict[str, float]) -> Any:
    import pandas as pd

    return pd.DataFrame([{"statistic": k, "value": v} for k, v in band.items()])


def _print_sensitivity(name: str, bars: Any, mc: Any) -> None:
    from rich.table import Table

    out.print(f"scenario {name}: {bars.figure} = {_money(bars.base)} at its own inputs ({bars.replications} "
              f"replications, seed {bars.seed})", markup=False)
    table = Table("input", f"at x{1 - bars.swing:g}", f"at x{1 + bars.swing:g}", "swing",
                  title="tornado (widest first)", title_justify="left", box=None, pad_edge=False)
    for r in bars.bars.itertuples():
        if not r.applies:
            table.add_row(r.input, "not in this scenario", "", "")
            continue
        table.add_row(r.input, f"{_money(r.low)} ({r.low_change:+.1%})", f"{_money(r.high)} ({r.high_change:+.1%})",
                      _money(r.swing_abs))
    out.print(table)
    if mc is not None:
        out.print(f"Monte Carlo, {len(mc.draws)} draws, inputs {mc.distribution} within ±"
                  f"{max(mc.uncertainty.values()):.0%}: p5 {_money(mc.p5)}, p50 {_money(mc.p50)}, "
                  f"p95 {_money(mc.p95)} (point {_money(mc.point)})", markup=False)
        drivers = ", ".join(f"{r.input} {r.spearman_rho:+.2f}" for r in mc.drivers.itertuples()
                            if r.spearman_rho == r.spearman_rho)
        if drivers:
            out.print(f"what drives the band (rank correlation with the figure): {drivers}", markup=False)
    out.print("money in the currency of the scenario's rates and prices", markup=False)


# ------------------------------------------------------------------------------------------- forecast
@plan_app.command()
def forecast(
    project: Annotated[Optional[list[str]], typer.Option("--project", help="Only this project (repeatable).")] = None,
    since: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="First day (UTC), inclusive.")
                     ] = None,
    until: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC), inclusive.")
                     ] = None,
    recent_days: Annotated[int, typer.Option("--recent-days", min=1, help="Days the arrival rate is taken over.")
                           ] = 14,
    reps: Annotated[int, typer.Option("--reps", min=2, help="Replications.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same run.")] = 0,
    max_horizon_h: Annotated[float, typer.Option(
        "--max-horizon-h", min=24, help="Simulate at most this many hours ahead.")] = 24 * 7 * 26,
    processes: ProcessesOption = None,
    store: Annotated[Optional[Path], typer.Option(
        "--store", help="Store folder. Default: $LABELLINE_STORE, else the embedded data/store.")] = None,
    out_file: OutOption = None,
    as_json: JsonOption = False,
) -> None:
    """Forecast to completion: when the open backlog finishes (p10/p50/p90, UTC) and what it costs."""
    from pydantic import ValidationError

    from labelline.kpis.filters import KpiFilter
    from labelline.plan.forecast import forecast as run_forecast
    from labelline.rates import RatesError
    from labelline.sim.calibrate import scenario_toml
    from labelline.store import EventStore, default_store_path

    _check_out("forecast", out_file)
    try:
        flt = KpiFilter(projects=project, since=since and since.date(), until=until and until.date())
    except ValidationError as exc:
        raise _fail("forecast", "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()), 2) from None
    event_store = EventStore(store or default_store_path())
    if not event_store.exists():
        raise _fail("forecast", f"{event_store.root}: no store here (labelline ingest or labelline demo first)")
    try:
        with ProgressBar("forecast: simulating replications") as on_progress:
            result = run_forecast(event_store, flt, recent_days=recent_days, replications=reps, seed=seed,
                                  processes=processes, max_horizon_h=max_horizon_h, progress=on_progress)
    except RatesError as exc:
        raise _fail("forecast", str(exc), 2) from None
    except ValueError as exc:  # nothing in the filter, nothing open
        raise _fail("forecast", " ".join(str(exc).split())) from None
    written: list[Path] = []
    if out_file is not None:
        from labelline.plan.charts_economics import fig_forecast_fan

        inputs_sheet = {"store": str(event_store.root), "filter": result.filter,
                        "snapshot_key": list(result.snapshot_key), "recent_days": recent_days, "replications": reps,
                        "seed": seed, "max_horizon_h": max_horizon_h, "scenario": scenario_toml(result.scenario),
                        "notes": list(result.notes)}
        written = _export("forecast", out_file, result.tables(), inputs_sheet,
                          lambda: fig_forecast_fan(result.fan, result.finish_at))
    if as_json:
        print_json({**result.to_json(), "files": [str(p) for p in written]})
        return
    _print_forecast(result)
    for path in written:
        out.print(f"wrote {path}", markup=False)


def _print_forecast(result: Any) -> None:
    r, cur = result.recent, result.currency
    out.print(f"{result.filter}: {r.backlog_items:,} items open at {r.data_end:%Y-%m-%d %H:%M} UTC (the last event); "
              f"over the last {r.window_h / 24:.1f} days {r.arrivals_per_h:,.2f} items/h arrived and "
              f"{r.throughput_per_h:,.2f} items/h finished", markup=False)
    at = result.finish_at
    for q in ("p10", "p50", "p90"):
        when = "later than the horizon" if at[q] is None else \
            f"{at[q]:%Y-%m-%d %H:%M} UTC ({result.finish_h[q]:,.1f} h from the data's end)"
        out.print(f"  {q}: finished {when}; its work costs {_money(result.cost_to_finish[q], 0)} {cur}, "
                  f"spend until then {_money(result.spend_until_finished[q], 0)} {cur}", markup=False)
    out.print(f"{result.replications} replications (seed {result.seed}) of {result.horizon_h:,.0f} h; the backlog "
              f"finished in {result.drained}; store snapshot {'.'.join(map(str, result.snapshot_key))}", markup=False)
    for note in result.notes:
        err.print(f"assumption: {note}", markup=False)
