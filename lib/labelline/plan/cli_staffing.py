"""``labelline plan staffing SCENARIO.toml``: the cheapest pool mix that meets a deadline or an SLA.

Registered on ``plan_app`` (labelline.plan.cli). The search is labelline.plan.staffing;
this module reads the options, prints the answer and maps problems to one line on stderr.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from labelline.console import err, out, print_json, scenario_or_exit
from labelline.plan.cli import plan_app

__all__ = ["staffing"]

_DATES = ["%Y-%m-%d", "%Y-%m-%dT%H:%M"]
DeadlineOption = Annotated[Optional[datetime], typer.Option(
    formats=_DATES, help="Finish the backlog by this date (UTC); the horizon ends there.")]
StartOption = Annotated[Optional[datetime], typer.Option(
    formats=_DATES, help="When simulated hour 0 is (UTC). Default: today 00:00.")]


def _numbers(text: str | None, kind: type, option: str) -> tuple:
    """'1,3' -> (1, 3); a bad value ends in one line on stderr and exit 2."""
    if not text:
        return ()
    try:
        return tuple(kind(x) for x in text.split(",") if x.strip())
    except ValueError:
        err.print(f"labelline plan staffing: {option}: not a comma-separated list of numbers: {text!r}", markup=False)
        raise typer.Exit(2) from None


def _fail(message: str) -> None:
    err.print(f"labelline plan staffing: {message}", markup=False)
    raise typer.Exit(2)


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return spec.format(value)


def _with_interval(fig: dict[str, Any] | None, spec: str) -> str:
    if not fig or fig.get("mean") is None:
        return "n/a"
    text = _fmt(fig["mean"], spec)
    if fig.get("low") is not None and fig.get("high") is not None:
        text += f" ({_fmt(fig['low'], spec)}–{_fmt(fig['high'], spec)})"
    return text


_HUMAN_FIGURES = (("cost", "cost over the window", "{:,.0f}"),
                  ("cost_per_accepted_label", "cost per accepted label", "{:,.3f}"),
                  ("cycle_time_p95_h", "p95 cycle time (h)", "{:,.2f}"),
                  ("wait_p95_h", "p95 wait for a labeler (h)", "{:,.2f}"),
                  ("final_accuracy", "final accuracy", "{:.1%}"),
                  ("backlog_drain_h", "backlog drained at (h from start)", "{:,.1f}"),
                  ("throughput_per_hour", "throughput (items/h)", "{:,.2f}"))


_TIME_WORDS = {"backlog_drain_h": "backlog drained at", "cycle_time_p95_h": "p95 cycle time",
               "wait_p95_h": "p95 wait"}


def _print(data: dict[str, Any]) -> None:
    from rich.table import Table

    lo, hi = data["window_h"]
    mode = "an SLA" if data["mode"] == "sla" else "a deadline"
    out.print(f"scenario {data['scenario']}: staffing for {mode} "
              f"({', '.join(f'{k} {v:g}' for k, v in data['targets'].items() if v is not None)}); "
              f"money over hours {lo:g}–{hi:g}, in the currency of the scenario", markup=False)
    rec = data["recommendation"]
    if rec is None:
        out.print("no candidate met every target", markup=False)
    else:
        heads = ", ".join(f"{pool} {n}" for pool, n in rec["headcount"].items())
        settings = f"overlap {rec['overlap']}" + (f", review share {rec['review_share']:g}"
                                                  if rec["review_share"] is not None else "") + (
            f", overflow past {rec['overflow_queue']} queued" if rec["overflow_queue"] is not None else "")
        out.print(f"recommended: {heads} ({settings}); every target met at {data['targets']['confidence']:.0%} "
                  f"confidence over {rec['replications']} replications", markup=False)
        table = Table("figure", f"mean ({data['targets']['confidence']:.0%} CI)", box=None, pad_edge=False)
        for key, label, spec in _HUMAN_FIGURES:
            if key in rec["figures"]:
                table.add_row(label, _with_interval(rec["figures"][key], spec))
        out.print(table)
        cheaper = data["cheaper"]
        if cheaper:
            out.print(f"why it is the cheapest: {len(cheaper)} cheaper candidates lose", markup=False)
            for c in cheaper[:12]:
                heads = ", ".join(f"{pool} {n}" for pool, n in c["headcount"].items())
                out.print(f"  {heads}: {c['status']}: {c['reason']}", markup=False)
            if len(cheaper) > 12:
                out.print(f"  ... and {len(cheaper) - 12} more (--json lists them all)", markup=False)
        else:
            out.print("why it is the cheapest: no candidate costs less", markup=False)
    frontier = data["frontier"]
    if frontier:
        out.print("cost–time–accuracy frontier of the simulated candidates:", markup=False)
        for c in frontier:
            heads = ", ".join(f"{pool} {n}" for pool, n in c["headcount"].items())
            figs = c["figures"]
            time_key = "backlog_drain_h" if data["mode"] == "deadline" else (
                "cycle_time_p95_h" if data["targets"]["cycle_p95_h"] is not None else "wait_p95_h")
            out.print(f"  {heads}: cost {_fmt(figs['cost']['mean'], '{:,.0f}')}, "
                      f"{_TIME_WORDS[time_key]} {_fmt(figs.get(time_key, {}).get('mean'), '{:,.2f}')} h, "
                      f"accuracy {_fmt(figs.get('final_accuracy', {}).get('mean'), '{:.1%}')} ({c['status']})",
                      markup=False)
    out.print(f"{data['candidates_evaluated']} candidates evaluated, {data['candidates_simulated']} simulated "
              f"({data['replications_run']} replications) in {data['seconds']:.1f} s", markup=False)
    for note in data["notes"]:
        out.print(f"note: {note}", markup=False)


@plan_app.command("staffing")
def staffing(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO.toml", help="A scenario (docs/scenarios.md).")],
    deadline: DeadlineOption = None,
    start: StartOption = None,
    sla_p95_hours: Annotated[Optional[float], typer.Option(
        "--sla-p95-hours", help="95 % of items finished within H hours of arriving.")] = None,
    sla_wait_p95_hours: Annotated[Optional[float], typer.Option(
        "--sla-wait-p95-hours", help="95 % of items picked up by a labeler within H hours.")] = None,
    min_accuracy: Annotated[Optional[float], typer.Option(help="Least final label accuracy (share 0-1).")] = None,
    min_throughput: Annotated[Optional[float], typer.Option(help="Least items finished per hour.")] = None,
    budget: Annotated[Optional[float], typer.Option(help="Most spend over the window (scenario's currency).")] = None,
    pool: Annotated[Optional[list[str]], typer.Option(
        "--pool", help="A pool whose headcount varies (repeatable). Default: every pool with a headcount and an "
                       "hourly rate.")] = None,
    max_extra: Annotated[int, typer.Option(min=0, help="Heads above each pool's lower bound to consider.")] = 6,
    vary_overlap: Annotated[Optional[str], typer.Option(help="Overlaps to try, e.g. 1,3.")] = None,
    vary_review_share: Annotated[Optional[str], typer.Option(help="Review shares to try, e.g. 0.1,0.2.")] = None,
    vary_overflow_queue: Annotated[Optional[str], typer.Option(
        help="Vendor-overflow thresholds (queued labels) to try, e.g. 500,1000.")] = None,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals that decide.")] = 0.95,
    reps: Annotated[int, typer.Option("--reps", min=2, help="Replications per candidate, first round.")] = 3,
    max_reps: Annotated[int, typer.Option(min=2, help="Most replications of one candidate.")] = 12,
    max_simulations: Annotated[int, typer.Option(min=1, help="Most candidates simulated.")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same search.")] = 0,
    processes: Annotated[Optional[int], typer.Option(
        min=1, help="Parallel processes. Default: one per CPU; 1 runs in this process.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (stable keys).")] = False,
) -> None:
    """The cheapest headcount per pool that meets a deadline (--deadline DATE) or an SLA (--sla-p95-hours H)."""
    from labelline.plan.staffing import SearchSpace, Targets, search_staffing

    scenario = scenario_or_exit(scenario_file)
    if (deadline is None) == (sla_p95_hours is None and sla_wait_p95_hours is None):
        _fail("give either --deadline DATE or an SLA (--sla-p95-hours H, --sla-wait-p95-hours H)")
    deadline_h = None
    if deadline is not None:
        begin = start or datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        deadline_h = (deadline - begin.replace(tzinfo=None)).total_seconds() / 3600
        if deadline_h <= 0:
            _fail(f"--deadline {deadline:%Y-%m-%d %H:%M} is not after the start {begin:%Y-%m-%d %H:%M}")
    space = SearchSpace(pools=tuple(pool or ()), max_extra=max_extra,
                        overlap=_numbers(vary_overlap, int, "--vary-overlap"),
                        review_share=_numbers(vary_review_share, float, "--vary-review-share"),
                        overflow_queue=_numbers(vary_overflow_queue, int, "--vary-overflow-queue"))
    progress = None
    if err.is_terminal and not as_json:
        def progress(line: str) -> None:
            err.print(f"  simulated {line}", markup=False)
    try:
        targets = Targets(cycle_p95_h=sla_p95_hours, wait_p95_h=sla_wait_p95_hours, deadline_h=deadline_h,
                          min_accuracy=min_accuracy, min_throughput_per_h=min_throughput, budget=budget,
                          confidence=confidence)
        result = search_staffing(scenario, targets, space, replications=reps, max_replications=max(max_reps, reps),
                                 max_simulations=max_simulations, seed=seed, processes=processes, progress=progress)
    except ValueError as exc:
        _fail(str(exc))
    data = result.to_dict()
    if as_json:
        print_json(data)
    else:
        _print(data)
