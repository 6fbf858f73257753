"""Simulator speed: the full line model against a bare SimPy model and against Ciw, in one run.

Measured (items per second counts items that entered the line, wall clock, setup included):

- full: ``labelline.sim.model.run_replication`` on data/scenarios/rework_line.toml (four
  stages, 15 % rework between annotate and review; worker tokens, quality draws, costs and
  the event log included);
- bare: a plain SimPy model of the same stage graph written here (``simpy.Resource`` per
  pool, exponential times, the 15 % rework loop; no tiers, quality, cost or event log): the
  floor of what SimPy itself costs, so ``bare_simpy_ratio`` = full / bare is the price of
  everything Labelline adds;
- ciw: Ciw (an independent DES engine) on the M/M/10 of mmc_validation.toml, against the full
  model on the same M/M/10 (``ciw_ratio`` = full / ciw).

These four are interleaved (one of each per repeat, different seeds per repeat) and the
median of --repeats is reported: the machine is shared and noisy, so read the ratios, which
come from the same run, rather than the absolute rates.

Then the sizes a user waits for, through ``labelline.sim.runs.simulate(..., processes=2)``
(process start-up and the summary included):

- week: 10 replications of a one-week line (rework_line, horizon 168 h, ~10k items arriving;
  goal under 5 s on 2 cores);
- month: 30 replications of a one-month line (horizon 720 h, ~50k items; goal under 60 s);
- parallel_speedup: 4 week replications with processes=1 over the same with processes=2
  (median of --repeats), interleaved with machine_speedup: the same ratio for a pure-Python
  CPU loop in a process pool, the most that the machine's free cores allow at that moment
  (on a shared machine another job may hold a core; parallel_efficiency = the quotient);
- peak_mb: VmHWM of a fresh process that runs and summarises one month replication.

The arrival rate of the week and month lines is raised to give the item count, and every
pool's headcount is scaled by the same factor (rounded up) so utilisation stays that of
rework_line: a line that is merely overloaded would simulate a growing queue, not the work.

Ends with one line of key=value figures, e.g. ``items_per_s=... bare_simpy_items_per_s=...
bare_simpy_ratio=... ciw_ratio=... week_10reps_s=... month_30reps_s=... parallel_speedup=...
machine_speedup=... peak_mb=...``.

    python benchmarks/sim.py                      # everything, --repeats 3
    python benchmarks/sim.py --repeats 5 --skip-month
    python benchmarks/sim.py --profile            # also cProfile one full replication
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import simpy
from child_peak import PEAK_MB_SOURCE
from labelline.sim.model import run_replication
from labelline.sim.runs import simulate, summarise
from labelline.sim.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"

# The child measures its own peak (benchmarks/child_peak.py says why).
PEAK_CHILD = PEAK_MB_SOURCE + """
import json, sys
from labelline.sim.model import run_replication
from labelline.sim.runs import summarise
from labelline.sim.scenario import Scenario
scenario = Scenario.model_validate_json(sys.stdin.read())
after_import = peak_mb()
rep = run_replication(scenario, 0, seed=1)
figures = summarise(rep)
print(json.dumps({"import_mb": after_import, "peak_mb": peak_mb(), "items": len(rep.items), "events": rep._n_events}))
"""


# --------------------------------------------------------------------------- scenarios
def scaled_line(base: Scenario, horizon_h: float, items: int) -> Scenario:
    """rework_line over another horizon with ~items arrivals; headcounts scaled to keep utilisation."""
    rate = items / horizon_h
    factor = rate / base.arrivals.rate_per_h
    pools = [p if p.unlimited else p.model_copy(update={"headcount": math.ceil(p.headcount * factor)})
             for p in base.pool]
    return base.model_copy(update={
        "name": f"{base.name}_{int(horizon_h)}h",
        "horizon_h": horizon_h,
        "warmup_h": min(base.warmup_h, horizon_h / 10),
        "arrivals": base.arrivals.model_copy(update={"rate_per_h": rate}),
        "pool": pools,
    })


# --------------------------------------------------------------------------- bare SimPy model
def bare_line(scenario: Scenario, seed: int) -> tuple[int, float]:
    """The rework_line stage graph in plain SimPy: (items that entered, mean cycle time of finished ones)."""
    st = scenario.stages
    rng = random.Random(seed)
    exp, uniform = rng.expovariate, rng.random
    env = simpy.Environment()

    def station(name: str) -> tuple[simpy.Resource, float]:
        pool = scenario.pool_named(name)
        return simpy.Resource(env, capacity=pool.headcount), 3600.0 / pool.handling_for("*").mean_s

    pre, ann, rev, qa = (station(st.prelabel.pool), station(st.label.pools[0]), station(st.review.pools[0]),
                         station(st.qa.pools[0]))
    rework = st.review.false_reject_rate  # every label is right: rejections are the rework loop
    cycles: list[float] = []
    entered = 0

    def serve(res: simpy.Resource, rate: float):
        with res.request() as req:
            yield req
            yield env.timeout(exp(rate))

    def item():
        created = env.now
        yield from serve(*pre)
        while True:
            yield from serve(*ann)
            yield from serve(*rev)
            if uniform() >= rework:
                break
        yield from serve(*qa)
        cycles.append(env.now - created)

    def source():
        nonlocal entered
        rate = scenario.arrivals.rate_per_h
        while True:
            yield env.timeout(exp(rate))
            if env.now >= scenario.horizon_h:
                return
            entered += 1
            env.process(item())

    env.process(source())
    env.run(until=scenario.horizon_h)
    return entered, statistics.fmean(cycles)


# --------------------------------------------------------------------------- Ciw
def ciw_mmc(scenario: Scenario, seed: int) -> int:
    """The M/M/c of mmc_validation in Ciw; returns the number of customers that arrived."""
    import ciw

    pool = scenario.pool[0]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=scenario.arrivals.rate_per_h)],
        service_distributions=[ciw.dists.Exponential(rate=3600.0 / pool.handling_for("*").mean_s)],
        number_of_servers=[pool.headcount],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(scenario.horizon_h)
    return sim.nodes[0].number_of_individuals


# --------------------------------------------------------------------------- timing helpers
def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def full_items(scenario: Scenario, seed: int) -> int:
    return len(run_replication(scenario, seed, seed=seed).items)


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_control(tasks: int, processes: int, n: int = 4_000_000) -> None:
    """A pure-Python CPU load shaped like simulate(): sequential in-process, or a process pool."""
    if processes == 1:
        for _ in range(tasks):
            _spin(n)
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            list(pool.map(_spin, [n] * tasks))


def peak_memory(scenario: Scenario) -> dict:
    out = subprocess.run([sys.executable, "-c", PEAK_CHILD], input=scenario.model_dump_json(),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def profile_one(scenario: Scenario, top: int = 25) -> str:
    prof = cProfile.Profile()
    prof.enable()
    summarise(run_replication(scenario, 0, seed=1))
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats of the items/s comparisons")
    ap.add_argument("--processes", type=int, default=2, help="processes for the week and month experiments")
    ap.add_argument("--week-items", type=int, default=10_000)
    ap.add_argument("--month-items", type=int, default=50_000)
    ap.add_argument("--skip-month", action="store_true", help="leave out the 30-replication month run")
    ap.add_argument("--profile", action="store_true", help="cProfile one full rework_line replication")
    args = ap.parse_args()

    line = load_scenario(SCENARIOS / "rework_line.toml")
    mmc = load_scenario(SCENARIOS / "mmc_validation.toml")
    try:
        import ciw  # noqa: F401
        have_ciw = True
    except ImportError:
        have_ciw = False
        print("ciw not installed: pip install 'ciw>=3.0' (the Ciw comparison is left out)")

    # ---- items per second, interleaved
    rates: dict[str, list[float]] = {"full": [], "bare": [], "full_mmc": [], "ciw_mmc": []}
    bare_cycle = []
    for r in range(args.repeats):
        s, n = timed(full_items, line, r)
        rates["full"].append(n / s)
        s, (n, cyc) = timed(bare_line, line, r)
        rates["bare"].append(n / s)
        bare_cycle.append(cyc)
        s, n = timed(full_items, mmc, r)
        rates["full_mmc"].append(n / s)
        if have_ciw:
            s, n = timed(ciw_mmc, mmc, r)
            rates["ciw_mmc"].append(n / s)
        print(f"repeat {r + 1}/{args.repeats}: " + ", ".join(f"{k} {v[-1]:,.0f} items/s" for k, v in rates.items() if v),
              flush=True)
    med = {k: statistics.median(v) for k, v in rates.items() if v}
    print(f"bare SimPy mean cycle time {statistics.fmean(bare_cycle):.3f} h (Jackson theory 1.146 h)")

    figures: dict[str, float | int | str] = {
        "items_per_s": round(med["full"]),
        "bare_simpy_items_per_s": round(med["bare"]),
        "bare_simpy_ratio": round(med["full"] / med["bare"], 3),
        "mmc_items_per_s": round(med["full_mmc"]),
    }
    if have_ciw:
        figures["ciw_items_per_s"] = round(med["ciw_mmc"])
        figures["ciw_ratio"] = round(med["full_mmc"] / med["ciw_mmc"], 3)

    # ---- what a user waits for
    week = scaled_line(line, 168.0, args.week_items)
    month = scaled_line(line, 720.0, args.month_items)
    print(f"week line: {week.arrivals.rate_per_h:.1f} items/h, headcounts "
          f"{[p.headcount for p in week.pool]}; month line: {month.arrivals.rate_per_h:.1f} items/h, "
          f"headcounts {[p.headcount for p in month.pool]}", flush=True)
    s, res = timed(simulate, week, 10, 0, None, args.processes)
    figures["week_10reps_s"] = round(s, 2)
    print(f"week, 10 reps, processes={args.processes}: {s:.2f} s (goal < 5 s); "
          f"~{res.summary.loc['items_finished', 'mean']:,.0f} items finished per rep, "
          f"cycle {res.summary.loc['cycle_time_mean_h', 'mean']:.3f} h", flush=True)
    sim_speedup, cpu_speedup = [], []
    for r in range(args.repeats):
        c1, _ = timed(cpu_control, 4, 1)
        t1, _ = timed(simulate, week, 4, r + 1, None, 1)
        c2, _ = timed(cpu_control, 4, args.processes)
        t2, _ = timed(simulate, week, 4, r + 1, None, args.processes)
        sim_speedup.append(t1 / t2)
        cpu_speedup.append(c1 / c2)
        print(f"week, 4 reps: processes=1 {t1:.2f} s, processes={args.processes} {t2:.2f} s; "
              f"CPU control: {c1:.2f} s vs {c2:.2f} s", flush=True)
    figures["parallel_speedup"] = round(statistics.median(sim_speedup), 2)
    figures["machine_speedup"] = round(statistics.median(cpu_speedup), 2)
    figures["parallel_efficiency"] = round(figures["parallel_speedup"] / figures["machine_speedup"], 2)
    if not args.skip_month:
        s, res = timed(simulate, month, 30, 0, None, args.processes)
        figures["month_30reps_s"] = round(s, 2)
        print(f"month, 30 reps, processes={args.processes}: {s:.2f} s (goal < 60 s); "
              f"~{res.summary.loc['items_finished', 'mean']:,.0f} items finished per rep", flush=True)

    mem = peak_memory(month)
    figures["peak_mb"] = round(mem["peak_mb"], 1)
    print(f"one month replication in a fresh process: {mem['items']:,} items, {mem['events']:,} events, "
          f"VmHWM {mem['peak_mb']:.1f} MB ({mem['import_mb']:.1f} MB after imports)")

    if args.profile:
        print(profile_one(line))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
