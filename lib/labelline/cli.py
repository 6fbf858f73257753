"""The ``labelline`` command line.

Every command that prints numbers has ``--json`` with stable keys (README, "Command
line"); human output goes to stdout, problems and progress to stderr.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import tempfile
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from labelline.console import ProgressBar, err, out, print_json, scenario_or_exit
from labelline.sim.report import HEADLINE as SIM_HEADLINE
from labelline.sim.report import bottleneck_words, figure_rows, interval_text
from labelline.cli_options import (
    FormatOption, JsonOption, OrgNameOption, ProjectNameOption, StoreOption, TaskTypeNameOption, TierNameOption,
)
from labelline.ingest.detect import FORMATS
from labelline.ingest.records import ReadOptions
from labelline.store import EventStore, default_store_path

app = typer.Typer(
    name="labelline",
    help="Labelline: the economics of data annotation, from labeling logs and simulations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def _store(path: Path | None) -> EventStore:
    return EventStore(path or default_store_path())


_print_json = print_json


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (read recursively).")],
    format: FormatOption = "auto",
    project: ProjectNameOption = None,
    task_type: TaskTypeNameOption = None,
    tier: TierNameOption = None,
    org: OrgNameOption = None,
    annotator: Annotated[Optional[str], typer.Option(help="Prodigy: the annotator of the whole file.")] = None,
    annotator_map: Annotated[
        Optional[Path], typer.Option(help="JSON file mapping session or worker ids to annotator names.")
    ] = None,
    mturk_fee_pct: Annotated[
        Optional[float], typer.Option(help="MTurk platform fee in %. Default: Amazon's 20 % (40 % for 10+ assignments).")
    ] = None,
    prodigy_break_s: Annotated[
        float, typer.Option(help="Prodigy: a gap between answers longer than this (seconds) is a break.")
    ] = 300.0,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest exports (Label Studio, Mechanical Turk, Prodigy, canonical CSV/Parquet/JSONL)."""
    from labelline.ingest.pipeline import ingest_paths

    if format not in FORMATS:
        err.print(f"labelline ingest: unknown --format {format!r}; choose one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    mapping: dict[str, str] = {}
    if annotator_map is not None:
        try:
            mapping = {str(k): str(v) for k, v in json.loads(annotator_map.read_text()).items()}
        except (OSError, ValueError, AttributeError) as exc:
            err.print(f"labelline ingest: {annotator_map}: not a JSON object of names ({exc})")
            raise typer.Exit(2) from None
    options = ReadOptions(
        project=project, task_type=task_type, tier=tier, org=org, annotator=annotator,
        annotator_map=mapping, mturk_fee_pct=mturk_fee_pct, prodigy_break_s=prodigy_break_s,
    )
    event_store = _store(store)
    with _IngestBar(enabled=err.is_terminal) as on_progress:
        summary = ingest_paths(paths, event_store, fmt=format, options=options, progress=on_progress)
    if not summary.files:
        err.print("labelline ingest: no files found in " + ", ".join(map(str, paths)))
        raise typer.Exit(1)
    for f in summary.files:
        for line in f.problems:
            err.print(line, markup=False)
    if as_json:
        _print_json(summary.to_dict())
    else:
        for f in summary.files:
            out.print(
                f"{Path(f.path).name}: {f.detected}: {f.records} records: {f.ingested} new, "
                f"{f.updated} updated, {f.unchanged} unchanged, {f.quarantined} quarantined ({f.seconds:.1f} s)",
                markup=False,
            )
            for note in f.notes:
                out.print(f"  note: {note}", markup=False)
        if len(summary.files) > 1:
            t = summary.to_dict()
            out.print(
                f"total: {t['records']} records: {t['ingested']} new, {t['updated']} updated, "
                f"{t['unchanged']} unchanged, {t['quarantined']} quarantined"
            )
    if summary.ok:
        prepare_kpi_tables(event_store)
    if not summary.ok:
        raise typer.Exit(1)


def prepare_kpi_tables(event_store: EventStore) -> None:
    """Build the KPI tables for the new snapshot now, so the dashboard's next refresh is fast."""
    from labelline.kpis.tables import build_kpi_tables
    from labelline.rates import RatesError

    try:
        if err.is_terminal:
            with err.status("preparing the KPI tables") as spinner:
                build_kpi_tables(event_store, progress=lambda step: spinner.update(f"preparing KPI table {step}"))
        else:
            build_kpi_tables(event_store)
    except RatesError as exc:
        # The events are in; only the prices are blocked, and the KPI commands will say so again.
        err.print(f"KPI tables not prepared: {exc}", markup=False)


def _filter_from(since, until, project, task_type, stage, tier, org, worker):  # noqa: ANN001, ANN202
    from pydantic import ValidationError

    from labelline.kpis.filters import KpiFilter

    try:
        return KpiFilter(since=since, until=until, projects=project, task_types=task_type, stages=stage,
                         tiers=tier, orgs=org, workers=worker)
    except ValidationError as exc:
        err.print("labelline: " + "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))
        raise typer.Exit(2) from None


def _open_kpis(path: Path | None):  # noqa: ANN202
    from labelline.kpis.session import open_kpis
    from labelline.rates import RatesError

    try:
        return open_kpis(_store(path))
    except RatesError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None


_Many = Optional[list[str]]
SinceOption = Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="First day (UTC), inclusive.")]
UntilOption = Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC), inclusive.")]
ProjectOption = Annotated[_Many, typer.Option("--project", help="Only this project (repeatable).")]
TaskTypeOption = Annotated[_Many, typer.Option("--task-type", help="Only this task type (repeatable).")]
StageOption = Annotated[_Many, typer.Option("--stage", help="Only this stage (repeatable).")]
TierOption = Annotated[_Many, typer.Option("--tier", help="Only this tier (repeatable).")]
OrgOption = Annotated[_Many, typer.Option("--org", help="Only this org (repeatable).")]
WorkerOption = Annotated[_Many, typer.Option("--worker", help="Only this worker (repeatable).")]
CapOption = Annotated[float, typer.Option("--touch-cap-s", help="Cap on one event's touch time, seconds.")]

_HEADLINE_LABELS = (
    ("events", "events", "{:,}"), ("items", "items", "{:,}"), ("workers", "workers", "{:,}"),
    ("finished_items", "items finished", "{:,}"), ("throughput_per_day", "throughput (items/day)", "{:,.1f}"),
    ("backlog_items", "backlog (items)", "{:,}"),
    ("touch_p50_s", "touch time p50 (s)", "{:,.1f}"), ("touch_p90_s", "touch time p90 (s)", "{:,.1f}"),
    ("touch_p95_s", "touch time p95 (s)", "{:,.1f}"), ("touch_mean_s", "touch time mean (s)", "{:,.1f}"),
    ("touch_capped_events", "touch times capped", "{:,}"),
    ("cycle_p50_h", "cycle time p50 (h)", "{:,.1f}"), ("cycle_p95_h", "cycle time p95 (h)", "{:,.1f}"),
    ("cost_total", "cost total", "{:,.2f}"), ("cost_per_label", "cost per label", "{:,.3f}"),
    ("cost_per_accepted_label", "cost per accepted label", "{:,.3f}"),
    ("cost_per_correct_label", "cost per correct label", "{:,.3f}"),
    ("unpriced_events", "unpriced events", "{:,}"),
    ("first_pass_acceptance", "first-pass acceptance", "{:.1%}"), ("rework_rate", "rework rate", "{:.1%}"),
    ("rejection_rate", "review rejection rate", "{:.1%}"), ("gold_accuracy", "gold accuracy", "{:.1%}"),
    ("percent_agreement", "percent agreement", "{:.1%}"), ("fleiss_kappa", "Fleiss' kappa", "{:.3f}"),
    ("krippendorff_alpha", "Krippendorff's alpha", "{:.3f}"), ("agreement_items", "items with overlap", "{:,}"),
)


@app.command()
def kpis(
    since: SinceOption = None,
    until: UntilOption = None,
    project: ProjectOption = None,
    task_type: TaskTypeOption = None,
    stage: StageOption = None,
    tier: TierOption = None,
    org: OrgOption = None,
    worker: WorkerOption = None,
    touch_cap_s: CapOption = 3600.0,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The headline numbers: volume, throughput, touch time, cost, acceptance, rework, gold, agreement."""
    from labelline.kpis.headline import headline

    flt = _filter_from(since and since.date(), until and until.date(), project, task_type, stage, tier, org, worker)
    with _open_kpis(store) as session:
        data = headline(session, flt, cap_s=touch_cap_s)
    if as_json:
        _print_json(data)
        return
    if not data["events"]:
        out.print(f"No events match ({flt.describe()}). Ingest a file with `labelline ingest FILE`, "
                  "build the demo with `labelline demo`, or widen the filter.")
        return
    out.print(f"KPIs for {flt.describe()}" + (" (≈: percentiles within 1 %)" if data["percentiles_approximate"] else ""))
    table = Table("", "", box=None, pad_edge=False, show_header=False)
    for key, label, fmt in _HEADLINE_LABELS:
        value = data[key]
        if key.startswith("cost_"):
            label = f"{label} ({data['currency']})"
        table.add_row(label, "n/a" if value is None else fmt.format(value))
    out.print(table)


@app.command()
def scorecards(
    out_path: Annotated[Path, typer.Option("--out", help="Write to FILE.csv or FILE.xlsx.")],
    since: SinceOption = None,
    until: UntilOption = None,
    project: ProjectOption = None,
    task_type: TaskTypeOption = None,
    tier: TierOption = None,
    org: OrgOption = None,
    worker: WorkerOption = None,
    touch_cap_s: CapOption = 3600.0,
    store: StoreOption = None,
) -> None:
    """One row per annotator (volume, speed, acceptance, rework, gold, agreement, skill, cost) to CSV or XLSX."""
    from labelline.kpis.scorecards import export_scorecards
    from labelline.kpis.scorecards import scorecards as build

    if out_path.suffix.lower() not in (".csv", ".xlsx"):
        err.print(f"labelline scorecards: {out_path}: choose a .csv or .xlsx file")
        raise typer.Exit(2)
    flt = _filter_from(since and since.date(), until and until.date(), project, task_type, None, tier, org, worker)
    with _open_kpis(store) as session:
        frame = build(session, flt, cap_s=touch_cap_s)
    export_scorecards(frame, out_path, flt)
    out.print(f"{len(frame):,} annotators written to {out_path}", markup=False)


class _IngestBar:
    """A transient bar per file, drawn only on a terminal (never into --json output)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Progress | None = None
        self.tasks: dict[Path, TaskID] = {}

    def __enter__(self):  # noqa: ANN204 - returns the callback or None
        if not self.enabled:
            return None
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                            TimeElapsedColumn(), console=err, transient=True)
        self.bar.start()
        return self.update

    def update(self, path: Path, fraction: float) -> None:
        assert self.bar is not None
        if path not in self.tasks:
            self.tasks[path] = self.bar.add_task(f"ingesting {path.name}", total=1.0)
        self.bar.update(self.tasks[path], completed=fraction)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def status(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """What the store holds: events, items, workers, sources, projects, quarantine, last ingest."""
    data = _store(store).status()
    if as_json:
        _print_json(data)
        return
    if not data["exists"]:
        out.print(f"No store at {data['store']} yet. Ingest a file with `labelline ingest FILE`, "
                  "or build the demo with `labelline demo`.")
        return
    out.print(f"store {data['store']} (events table version {data['version']})")
    out.print(f"{data['events']:,} events on {data['items']:,} items by {data['workers']:,} workers "
              f"in {data['projects']} projects, {data['first_event_at']} to {data['last_event_at']}")
    for key in ("by_source", "by_project"):
        table = Table(key.replace("_", " "), "events", box=None, pad_edge=False)
        for name, count in data[key].items():
            table.add_row(str(name), f"{count:,}")
        out.print(table)
    out.print(f"quarantined records: {data['quarantined']:,} (see `labelline quarantine`)")
    last = data["last_ingest"]
    if last:
        out.print(f"last ingest: {last['source_file']} at {last['finished_at']}: {last['ingested']} new, "
                  f"{last['updated']} updated, {last['unchanged']} unchanged, {last['quarantined']} quarantined")


@app.command()
def quarantine(
    store: StoreOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="Show at most this many records (newest first); 0 for all.")] = 50,
) -> None:
    """Records that could not be ingested, with file, record, field and reason."""
    from labelline.sql import query

    event_store = _store(store)
    if not event_store.exists():
        rows: list[dict[str, Any]] = []
    else:
        con = event_store.connect()
        cur = query(con, "quarantine_list", limit=limit if limit > 0 else None)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print("The quarantine is empty: every ingested record was accepted.")
        return
    for r in rows:
        where = f"record {r['record']}" if r["record"] is not None else "file"
        if r["position"] and r["position"] != where:
            where += f" ({r['position']})"
        field = f"{r['field']}: " if r["field"] else ""
        out.print(f"{Path(r['source_file']).name}: {where}: {field}{r['reason']}", markup=False)


@app.command()
def demo(
    store: StoreOption = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same demo.")] = 7,
    force: Annotated[bool, typer.Option(help="Rebuild the store from scratch if it exists.")] = False,
    live: Annotated[bool, typer.Option(
        "--live", help="Instead: stream a simulated line into the store in accelerated real time.")] = False,
    scenario_file: Annotated[Optional[Path], typer.Option(
        "--scenario", help="With --live: the line to simulate. Default: data/scenarios/baseline.toml.")] = None,
    speedup: Annotated[float, typer.Option(min=1, help="With --live: simulated seconds per real second.")] = 600.0,
    interval_s: Annotated[float, typer.Option(min=0.1, help="With --live: seconds between commits.")] = 5.0,
    duration_s: Annotated[Optional[float], typer.Option(help="With --live: stop after this many seconds.")] = None,
) -> None:
    """Build the embedded demo store: six months of a realistic labeling operation (or --live)."""
    from labelline.demo import generate_demo_events
    from labelline.ingest.pipeline import ingest_paths

    event_store = _store(store)
    if live:
        _demo_live(event_store, scenario_file, speedup, interval_s, duration_s)
        return
    if event_store.exists():
        if not force:
            out.print(f"{event_store.root} already holds a store; pass --force to rebuild it.")
            return
        shutil.rmtree(event_store.root)
    import pyarrow.parquet as pq

    table = generate_demo_events(seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"demo-seed-{seed}.parquet"
        pq.write_table(table, path)
        summary = ingest_paths([path], event_store, fmt="events")
    f = summary.files[0]
    out.print(f"demo store at {event_store.root}: {f.ingested:,} events ingested, {f.quarantined} quarantined")
    if summary.ok:
        prepare_kpi_tables(event_store)
    if not summary.ok:
        raise typer.Exit(1)


@app.command()
def rates(
    file: Annotated[
        Optional[Path], typer.Option("--file", help="A rate card to check. Default: the one in force for the store.")
    ] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a rate card (TOML) and show what each rule prices in the store."""
    from labelline.rates import RatesError, create_priced_view, load_rates, rates_for_store
    from labelline.sql import query

    event_store = _store(store)
    try:
        card, where = (load_rates(file), file) if file else rates_for_store(event_store.root)
    except RatesError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    rows: list[dict[str, Any]] = []
    if event_store.exists():
        con = event_store.connect()
        create_priced_view(con, card)
        cur = query(con, "cost_by_rule")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if as_json:
        _print_json({"file": str(where) if where else None, "currency": card.currency,
                     "rules": len(card.rule), "priced": rows})
        return
    out.print(f"rate card: {where or 'none (events without their own cost stay unpriced)'}: "
              f"{len(card.rule)} rules, currency {card.currency}")
    if rows:
        table = Table("basis", "rule", "events", "cost", "platform fee", box=None, pad_edge=False)
        for r in rows:
            table.add_row(r["cost_basis"], r["cost_rule"] or "-", f"{r['events']:,}",
                          "-" if r["cost"] is None else f"{r['cost']:,.2f}",
                          "-" if r["platform_fee"] is None else f"{r['platform_fee']:,.2f}")
        out.print(table)


@app.command()
def compact(
    store: StoreOption = None,
    retention_hours: Annotated[
        float, typer.Option(help="Keep retired files this long for readers of older snapshots.")
    ] = 168.0,
) -> None:
    """Merge small files from many ingests; delete retired, orphaned and scratch files old enough."""
    event_store = _store(store)
    if not event_store.exists():
        err.print(f"No store at {event_store.root}.")
        raise typer.Exit(1)
    with event_store.tables.writer():
        # Under the writer lock no ingest runs: any scratch folder left is a killed ingest's.
        leftovers = sorted((event_store.root / "_work").glob("*")) if (event_store.root / "_work").is_dir() else []
        for folder in leftovers:
            shutil.rmtree(folder, ignore_errors=True)
        out.print(f"scratch: {len(leftovers)} folders left by interrupted ingests removed")
        for name in ("events", "quarantine", "ingests"):
            table = event_store.tables.table(name)
            assert table is not None
            metrics = table.optimize.compact()
            deleted = table.vacuum(retention_hours=int(retention_hours), dry_run=False,
                                   enforce_retention_duration=False)
            out.print(f"{name}: {metrics.get('numFilesRemoved', 0)} files merged into "
                      f"{metrics.get('numFilesAdded', 0)}, {len(deleted)} old files deleted")


# ---------------------------------------------------------------------------------- simulate
# Headline figures of a simulation: JSON key, label with its unit, how to format one value.
_SIM_HEADLINE = SIM_HEADLINE
_SIM_OPTIONAL = ("sla_attainment", "backlog_drain_h")


def _finite(value: Any) -> float | None:
    """A float for JSON: NaN and infinities (no data, or no interval) become null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _interval(summary: Any, figure: str, half_width: bool = False) -> dict[str, float | None] | None:
    if figure not in summary.index:
        return None
    row = summary.loc[figure]
    data = {"mean": _finite(row["mean"]), "low": _finite(row["low"]), "high": _finite(row["high"])}
    if half_width:
        data["half_width"] = _finite(row["half_width"])
    return data


def _by_name(summary: Any, prefix: str) -> dict[str, dict[str, float | None] | None]:
    return {f.split(".", 1)[1]: _interval(summary, f) for f in summary.index if f.startswith(prefix + ".")}


def _simulation_json(result: Any, replications: int, seed: int, landed: dict[str, Any] | None) -> dict[str, Any]:
    s = result.summary
    bottleneck = result.bottleneck
    if bottleneck is not None:
        bottleneck = {k: _finite(v) if isinstance(v, float) else v for k, v in bottleneck.items()}
    data: dict[str, Any] = {
        "scenario": result.scenario.name,
        "replications": replications,
        "seed": seed,
        "horizon_h": result.scenario.horizon_h,
        "warmup_h": result.scenario.warmup_h,
        "cooldown_h": result.scenario.cooldown_h,
        "figures": {f: _interval(s, f, half_width=True) for f in s.index},
    }
    for key, _, _ in _SIM_HEADLINE:
        data[key] = _interval(s, key)
    data["wait_mean_h"] = _by_name(s, "wait_mean_h")
    data["utilisation"] = _by_name(s, "utilisation")
    for key in _SIM_OPTIONAL:
        data[key] = _interval(s, key)
    data["bottleneck"] = bottleneck
    data["store"] = landed
    return data


_ci_text = interval_text
_bottleneck_words = bottleneck_words


def _print_simulation(result: Any, replications: int, seed: int) -> None:
    s = result.summary
    sc = result.scenario
    measured = sc.horizon_h - sc.warmup_h - sc.cooldown_h
    out.print(f"scenario {sc.name}: {replications} replications (seed {seed}) of {sc.horizon_h:,.0f} h, "
              f"measured over {measured:,.0f} h after {sc.warmup_h:,.0f} h warm-up", markup=False)
    table = Table("figure", "mean (95 % CI low–high)", box=None, pad_edge=False)
    for key, label, fmt in figure_rows(s, sc):
        table.add_row(label, _ci_text(s, key, fmt, replications))
    out.print(table)
    out.print("money in the currency of the scenario's rates and prices", markup=False)
    out.print(_bottleneck_words(result.bottleneck), markup=False)


def _write_simulated_events(tables: list[Any], event_store: EventStore, name: str, seed: int) -> dict[str, Any]:
    """Each replication's events through the normal ingest path; what landed, per the ingest summaries."""
    from labelline.sim.to_store import write_simulated_events

    landed = write_simulated_events(tables, event_store, name, seed)
    for line in landed.problems:
        err.print(line, markup=False)
    return landed.as_dict()


def _demo_live(event_store: EventStore, scenario_file: Path | None, speedup: float, interval_s: float,
               duration_s: float | None) -> None:
    from labelline.sim.live import stream_to_store
    scenario = scenario_or_exit(scenario_file or Path(__file__).resolve().parents[2] / "data" / "scenarios"
                                / "baseline.toml")
    err.print(f"streaming {scenario.name} into {event_store.root} at {speedup:g}x "
              f"(a commit every {interval_s:g} s); Ctrl-C stops", markup=False)

    def report(events: int, sim_h: float) -> None:
        err.print(f"  {events:,} events, {sim_h:,.1f} simulated hours", markup=False)

    try:
        written = stream_to_store(scenario, event_store, speedup=speedup, interval_s=interval_s,
                                  duration_s=duration_s, on_flush=report)
    except KeyboardInterrupt:
        err.print("stopped", markup=False)
        return
    out.print(f"{written:,} simulated events streamed into {event_store.root}", markup=False)


@app.command()
def calibrate(
    project: ProjectOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    name: Annotated[str, typer.Option(help="The scenario's name.")] = "calibrated",
    out_path: Annotated[Optional[Path], typer.Option("--out", help="Write the scenario here, not stdout.")] = None,
    backtest_reps: Annotated[int, typer.Option(
        "--backtest-reps", min=0, help="Replications of the backtest (0 skips it).")] = 3,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fit a scenario to the store (a digital twin of the line) and backtest it against the actual figures."""
    from labelline.sim.calibrate import backtest, calibrate as fit, scenario_toml

    flt = _filter_from(since and since.date(), until and until.date(), project, None, None, None, None, None)
    with _open_kpis(store) as session:
        try:
            with err.status("fitting the scenario") if err.is_terminal else nullcontext():
                cal = fit(session, flt, name=name)
        except ValueError as exc:
            err.print(f"labelline calibrate: {exc}", markup=False)
            raise typer.Exit(1) from None
        report = None
        if backtest_reps:
            with err.status("backtesting") if err.is_terminal else nullcontext():
                report = backtest(session, cal, flt, replications=backtest_reps)
    text = scenario_toml(cal.scenario)
    header = "".join(f"# {line}\n" for line in (
        f"Calibrated by `labelline calibrate` from {flt.describe()}.",
        *(f"Assumption: {note}" for note in cal.notes),
    ))
    if out_path:
        out_path.write_text(header + text, encoding="utf-8")
    if as_json:
        _print_json({
            "scenario": cal.scenario.model_dump(mode="json", exclude_none=True),
            "fits": cal.fits.to_dict(orient="records"),
            "notes": list(cal.notes),
            "backtest": None if report is None else report.to_dict(orient="records"),
        })
        return
    if not out_path:
        out.print(header + text, markup=False, highlight=False)
    else:
        err.print(f"scenario written to {out_path}", markup=False)
    for fit_row in cal.fits.itertuples():
        err.print(f"fit {fit_row.pool} {fit_row.stage} {fit_row.task_type}: {fit_row.distribution} mean "
                  f"{fit_row.mean_s:.1f} s, cv {fit_row.cv:.2f}, KS distance {fit_row.ks_distance:.3f} "
                  f"({fit_row.samples} times)", markup=False)
    if report is not None:
        for r in report.itertuples():
            err.print(f"backtest {r.figure}: actual {r.actual:,.2f}, simulated {r.simulated:,.2f} "
                      f"({r.low:,.2f}-{r.high:,.2f}), error {r.relative_error:+.1%}", markup=False)


@app.command()
def simulate(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO.toml", help="A scenario (docs/scenarios.md).")],
    reps: Annotated[int, typer.Option("--reps", min=1, help="Independent replications.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same run.")] = 0,
    processes: Annotated[
        Optional[int], typer.Option(min=1, help="Parallel processes. Default: one per CPU; 1 runs in this process.")
    ] = None,
    write_store: Annotated[
        Optional[Path],
        typer.Option("--write-store", help="Also ingest every replication's event log into the store at DIR."),
    ] = None,
    cluster: Annotated[Optional[str], typer.Option(
        "--cluster", help="Run the replications on the Dask scheduler at this address (tcp://host:8786).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate a scenario: throughput, cycle time, WIP, cost and accuracy with 95 % intervals, and the bottleneck."""
    from labelline.sim.runs import simulate as run_simulation

    scenario = scenario_or_exit(scenario_file)
    with ProgressBar(f"simulating {scenario.name}") as on_progress:
        try:
            result = run_simulation(scenario, replications=reps, seed=seed, processes=processes,
                                    keep_events=write_store is not None, progress=on_progress, cluster=cluster)
        except RuntimeError as exc:  # the cluster cannot be reached, or Dask is not installed
            err.print(f"labelline simulate: {exc}", markup=False)
            raise typer.Exit(2) from None
    landed = None
    if write_store is not None:
        event_store = EventStore(write_store)
        landed = _write_simulated_events(result.events, event_store, scenario.name, seed)
    if as_json:
        _print_json(_simulation_json(result, reps, seed, landed))
    else:
        _print_simulation(result, reps, seed)
        if landed is not None:
            out.print(f"{landed['events']:,} simulated events in the store at {landed['path']} "
                      f"({landed['ingested']:,} new, {landed['updated']:,} updated, "
                      f"{landed['unchanged']:,} unchanged, {landed['quarantined']:,} quarantined; "
                      f"source sim:{scenario.name}/<replication>)", markup=False)
    if landed is not None:
        if landed["events"]:
            prepare_kpi_tables(event_store)
        if landed["quarantined"]:
            raise typer.Exit(1)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def dashboard(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    store: StoreOption = None,
) -> None:
    """Serve the dashboard (app.py) with its libraries loaded before the first visitor; more options go to
    `streamlit run` (e.g. --server.headless true)."""
    import os

    from labelline.ui.serve import serve

    app_path = Path(__file__).resolve().parents[2] / "app.py"
    if not app_path.is_file():
        err.print(f"labelline dashboard: {app_path} not found: run it from a checkout of Labelline")
        raise typer.Exit(2)
    if store is not None:
        os.environ["LABELLINE_STORE"] = str(store)
    serve(app_path, port, address, ctx.args)


# Planning commands (compare, plan staffing/breakeven/sensitivity/forecast) live in labelline.plan.cli.
from labelline.plan.cli import compare_commands, plan_app  # noqa: E402 - after app: they share its options

app.add_typer(plan_app, name="plan")
for _name, _command in compare_commands.items():
    app.command(_name)(_command)

# Live sources (watch, sync label-studio) live in labelline.live.cli.
from labelline.live.cli import sync_app, watch  # noqa: E402 - after app: they share its options

app.command()(watch)
app.add_typer(sync_app, name="sync")



def main() -> None:
    """Console entry point; bad usage and I/O problems end in one line, never a traceback."""
    try:
        app()
    except (OSError, RuntimeError) as exc:
        err.print(f"labelline: {exc}", markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
