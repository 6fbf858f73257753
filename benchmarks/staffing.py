"""Staffing search speed: theory first, simulation only where a candidate can win, against simulation alone.

The line is data/scenarios/three_tier_review.toml (annotators, reviewers, experts around the
clock; overlap 2 on 20 % of items, 30 % review with rework, adjudication and a 5 % audit) with
a p95 cycle-time SLA (--sla-p95-hours, default 0.35 h), every headcount varied. Two searches
in the same run, with the same seed and replication rules:

- search: ``search_staffing`` as the CLI runs it: queueing lower bounds (floor(a) + 1 per
  pool), analytic pruning (capacity, accuracy, budget, Erlang C / fluid time bounds), theory
  corrected by the simulations so far, and no simulation of a team that has no more staff in
  any pool than one that missed;
- baseline: the same search without theory (``prune=False``): every pool from one head, each
  candidate simulated in order of cost until one meets the SLA and nothing left can cost
  less. Capped at --baseline-max candidates (the ratio is then a lower bound; it says so).

``speedup`` = baseline seconds / search seconds, both measured here, so the ratio holds on a
busy machine better than the absolute seconds do; ``replication_ratio`` (baseline replications
/ search replications) is the same comparison free of the machine's load. The goal: the
search under 30 s on 2 cores.

Ends with one line of key=value figures: ``seconds=... candidates_evaluated=...
candidates_simulated=... replications=... baseline_seconds=... baseline_simulated=...
speedup=... replication_ratio=... baseline_capped=... same_recommendation=... recommended=... cost=...``.

    python benchmarks/staffing.py
    python benchmarks/staffing.py --sla-p95-hours 0.5 --skip-baseline
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from labelline.plan.staffing import SearchSpace, Targets, search_staffing  # noqa: E402
from labelline.sim.scenario import load_scenario  # noqa: E402


def _words(result) -> str:  # noqa: ANN001 - a StaffingResult
    rec = result.recommendation
    heads = "none" if rec is None else ",".join(f"{k}:{v}" for k, v in rec.headcounts.items())
    return heads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "data" / "scenarios" / "three_tier_review.toml")
    parser.add_argument("--sla-p95-hours", type=float, default=0.35)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline-max", type=int, default=60, help="most candidates the baseline simulates")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    targets = Targets(cycle_p95_h=args.sla_p95_hours)
    print(f"{scenario.name}: cheapest team for a p95 cycle time <= {args.sla_p95_hours:g} h "
          f"({args.processes} processes, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")

    result = search_staffing(scenario, targets, SearchSpace(), processes=args.processes, seed=args.seed)
    rec = result.recommendation
    print(f"search: {result.seconds:.1f} s, {result.candidates_evaluated} candidates evaluated, "
          f"{result.candidates_simulated} simulated ({result.replications_run} replications); "
          f"recommended {_words(result)}" + ("" if rec is None else f", cost {rec.cost:,.0f}, p95 cycle "
                                              f"{rec.figures['cycle_time_p95_h']['mean']:.3f} h "
                                              f"(CI high {rec.figures['cycle_time_p95_h']['high']:.3f})"))
    statuses: dict[str, int] = {}
    for c in result.candidates:
        statuses[c.status] = statuses.get(c.status, 0) + 1
    print("  candidates by outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))

    figures = {"seconds": round(result.seconds, 2), "candidates_evaluated": result.candidates_evaluated,
               "candidates_simulated": result.candidates_simulated, "replications": result.replications_run}
    if not args.skip_baseline:
        base = search_staffing(scenario, targets, SearchSpace(), processes=args.processes, seed=args.seed,
                               prune=False, max_simulations=args.baseline_max)
        capped = any(c.status == "not reached" for c in base.candidates) and base.recommendation is None
        print(f"baseline (simulation only): {base.seconds:.1f} s, {base.candidates_simulated} simulated "
              f"({base.replications_run} replications); recommended {_words(base)}"
              + (f" [stopped at {args.baseline_max} candidates: the speed-up is a lower bound]" if capped else ""))
        same = (base.recommendation is not None and rec is not None
                and base.recommendation.headcounts == rec.headcounts)
        print(f"  same recommendation: {same}")
        figures.update(baseline_seconds=round(base.seconds, 2), baseline_simulated=base.candidates_simulated,
                       speedup=round(base.seconds / result.seconds, 2),
                       replication_ratio=round(base.replications_run / max(result.replications_run, 1), 2),
                       baseline_capped=capped,
                       same_recommendation=same)
    figures.update(recommended=_words(result), cost=None if rec is None else round(rec.cost, 2))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
