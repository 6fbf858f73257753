"""KPI refresh speed: the Overview's numbers through Labelline's KPI layer vs pandas, in one run.

For each size: generate a synthetic canonical log (benchmarks/synth_log.py), ingest it into
a fresh store (which builds the KPI tables), then time in fresh processes:

- refresh: a fresh process opens the store (a cold connection: nothing cached) and computes
  everything the Overview asks for (every headline KPI, throughput per day, backlog, spend
  per day), median of --repeats; the Python imports before it are timed apart (import_s:
  a dashboard server pays them once at start, not per refresh);
- filtered: in the same process afterwards, the same refresh for one project and its last
  30 days (median of 5);
- pandas: a process that has the log in memory as a DataFrame computes the same numbers
  (load time reported apart, as pandas_load_s); the headline numbers are compared with ours.

The machine is shared and noisy, so the ratio from the same run is the figure to read.
Ends with one line of key=value figures for the largest size, e.g. ``events=10000000
refresh_s=... pandas_s=... speedup=... filtered_s=... peak_mb=...``.

    python benchmarks/kpi_refresh.py --events 1e6 1e7
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from child_peak import PEAK_MB_SOURCE  # noqa: E402
from synth_log import write_synthetic_log  # noqa: E402

OURS_CHILD = PEAK_MB_SOURCE + """
import json, sys, time
t0 = time.perf_counter()
from datetime import timedelta
from labelline.store import EventStore
from labelline.kpis.filters import KpiFilter
from labelline.kpis.overview import overview_refresh
from labelline.kpis.session import open_kpis
import_s = time.perf_counter() - t0
t1 = time.perf_counter()
s = open_kpis(EventStore(sys.argv[1]))
full = overview_refresh(s, KpiFilter())
refresh_s = time.perf_counter() - t1
h = full["headline"]
last = (s.con.execute("select max(day) from facts").fetchone()[0])
flt = KpiFilter(projects=[sys.argv[2]], since=last - timedelta(days=29), until=last)
runs = []
for i in range(5):
    s._applied = None  # re-apply the filter each time, as a new page session would
    t = time.perf_counter()
    overview_refresh(s, flt)
    runs.append(time.perf_counter() - t)
peak = peak_mb()
print(json.dumps({"refresh_s": refresh_s, "import_s": import_s, "filtered_s": sorted(runs)[2], "peak_mb": peak, "headline": h}, default=str))
"""

PANDAS_CHILD = PEAK_MB_SOURCE + """
import json, sys, time
import numpy as np
import pandas as pd
t = time.perf_counter()
df = pd.read_parquet(sys.argv[1])
for c in ("queued_at", "started_at", "submitted_at"):
    df[c] = df[c].dt.tz_localize(None)
load_s = time.perf_counter() - t
t = time.perf_counter()
out = {}
out["events"] = len(df)
out["items"] = df[["project", "item_id"]].drop_duplicates().shape[0]
out["workers"] = df["worker_id"].nunique()
label = df[df["stage"] == "label"]
submitted = label[label["outcome"] == "submitted"]
out["touch"] = np.percentile(label["active_s"].clip(upper=3600).dropna(), [50, 90, 95]).tolist()
out["cost_total"] = float(df["cost"].sum())
judged = df[df["stage"].isin(["review", "qa"]) & df["reviews_event_id"].notna()]
first = judged.sort_values("submitted_at").drop_duplicates("reviews_event_id")[["reviews_event_id", "outcome"]]
lab1 = submitted[submitted["attempt"] == 1].merge(first, left_on="event_id", right_on="reviews_event_id", suffixes=("", "_r"))
out["first_pass_acceptance"] = float((lab1["outcome_r"] == "accepted").mean())
out["rework_rate"] = float((submitted["attempt"] > 1).mean())
gold = submitted[submitted["gold_label"].notna()]
out["gold_accuracy"] = float((gold["label"] == gold["gold_label"]).mean())
# Items: created, finished (latest judgement positive, or last label where the project reviews a sample).
t0 = df["submitted_at"].to_numpy().copy()
for c in ("queued_at", "started_at"):  # vectorised earliest time (DataFrame.min(axis=1) is far slower)
    v = df[c].to_numpy()
    earlier = ~np.isnat(v) & (v < t0)
    t0[earlier] = v[earlier]
df["t0"] = t0
g = df.groupby(["project", "item_id"])
items = pd.DataFrame({"created_at": g["t0"].min()})
items["last_label_at"] = submitted.groupby(["project", "item_id"])["submitted_at"].max()
j = df[df["stage"].isin(["review", "qa", "adjudicate"]) & (df["outcome"] != "skipped")].sort_values("submitted_at")
lastj = j.groupby(["project", "item_id"]).tail(1).set_index(["project", "item_id"])
items["last_judgement"] = lastj["outcome"]
items["last_judgement_at"] = lastj["submitted_at"]
cov = items.assign(j=items["last_judgement"].notna(), l=items["last_label_at"].notna()).groupby(level=0)
share = (cov["j"].sum() / cov["l"].sum().clip(lower=1)).rename("share")
items = items.join(share, on="project")
acc = items["last_judgement"].isin(["accepted", "fixed", "resolved"])
items["finished_at"] = np.where(acc, items["last_judgement_at"],
    np.where(items["last_judgement"].isna() & items["last_label_at"].notna() & (items["share"] < 0.9),
             items["last_label_at"], pd.NaT))
items["finished_at"] = pd.to_datetime(items["finished_at"])
done = items[items["finished_at"].notna()]
cyc = (done["finished_at"] - done["created_at"]).dt.total_seconds() / 3600
out["cycle"] = np.percentile(cyc, [50, 90, 95]).tolist()
out["finished_items"] = len(done)
# Agreement counts over first-pass answers (latest per worker), as our SQL gives them.
fp = submitted[(submitted["attempt"] == 1) & submitted["label"].notna()].sort_values("submitted_at")
fp = fp.drop_duplicates(["project", "item_id", "worker_id"], keep="last")
counts = fp.groupby(["project", "item_id", "label"]).size().rename("n").reset_index()
m = counts.groupby(["project", "item_id"])["n"].transform("sum")
counts = counts[m >= 2]
cat = counts.groupby("label")["n"].sum(); p = cat / cat.sum()
mm = counts.groupby(["project", "item_id"])["n"].sum()
pi = (counts.assign(x=counts["n"] * (counts["n"] - 1)).groupby(["project", "item_id"])["x"].sum()) / (mm * (mm - 1))
out["percent_agreement"] = float(pi.mean())
out["fleiss_kappa"] = float((pi.mean() - (p ** 2).sum()) / (1 - (p ** 2).sum()))
# The Overview charts: throughput per day, backlog per day, spend per day.
thr = done.groupby(done["finished_at"].dt.floor("D")).size()
created = items.groupby(items["created_at"].dt.floor("D")).size()
backlog = (created.sub(thr, fill_value=0)).cumsum()
spend = df.groupby([df["submitted_at"].dt.floor("D"), "stage"])["cost"].sum()
out["throughput_days"] = len(thr)
pandas_s = time.perf_counter() - t
peak = peak_mb()
print(json.dumps({"pandas_s": pandas_s, "load_s": load_s, "peak_mb": peak, "kpis": out}, default=str))
"""


def _child(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _biggest_project(parquet: Path) -> str:
    import duckdb

    con = duckdb.connect()
    sql = "select project from read_parquet($p) group by 1 order by count(*) desc limit 1"
    return con.execute(sql, {"p": str(parquet)}).fetchone()[0]


def bench(events: int, repeats: int, work: Path, with_pandas: bool = True) -> dict[str, float]:
    from labelline.ingest.pipeline import ingest_paths
    from labelline.kpis.tables import build_kpi_tables
    from labelline.store import EventStore

    log = work / f"synth-{events}.parquet"
    if not log.exists():
        t = time.perf_counter()
        n = write_synthetic_log(log, events)
        print(f"# {events:,}: generated {n:,} events in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    store = EventStore(work / f"store-{events}")
    if not store.exists():
        t = time.perf_counter()
        ingest_paths([log], store, fmt="events")
        print(f"# {events:,}: ingest {time.perf_counter() - t:.1f} s", file=sys.stderr)
    # Always here, never in a timed child: a reused store may lack this release's KPI tables.
    t = time.perf_counter()
    build_kpi_tables(store)
    print(f"# {events:,}: KPI tables ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    project = _biggest_project(log)
    ours, theirs = [], []
    for i in range(repeats):
        order = (0, 1) if i % 2 == 0 else (1, 0)  # alternate who runs first: the machine drifts
        for who in order:
            if who == 0:
                ours.append(_child(OURS_CHILD, str(store.root), project))
            elif with_pandas:
                theirs.append(_child(PANDAS_CHILD, str(log)))
    refresh = statistics.median(r["refresh_s"] for r in ours)
    if not theirs:  # pandas would need ~1.5 GB per million events: skipped at this size
        result = {"events": events, "refresh_s": round(refresh, 3),
                  "import_s": round(statistics.median(r["import_s"] for r in ours), 3),
                  "filtered_s": round(statistics.median(r["filtered_s"] for r in ours), 3),
                  "peak_mb": round(max(r["peak_mb"] for r in ours))}
        print("# " + " ".join(f"{k}={v}" for k, v in result.items()), file=sys.stderr)
        return result
    pandas_s = statistics.median(r["pandas_s"] for r in theirs)
    h, k = ours[0]["headline"], theirs[0]["kpis"]
    for key, ref in (("events", k["events"]), ("items", k["items"]), ("finished_items", k["finished_items"]),
                     ("gold_accuracy", k["gold_accuracy"]), ("first_pass_acceptance", k["first_pass_acceptance"]),
                     ("fleiss_kappa", k["fleiss_kappa"]), ("touch_p50_s", k["touch"][0])):
        # Percentiles read from the rollups' histograms are within 1 %; everything else is exact.
        tolerance = 0.01 if key.startswith("touch_p") and h["percentiles_approximate"] else 1e-6
        if abs((h[key] or 0) - ref) > tolerance * max(1.0, abs(ref)):
            print(f"# MISMATCH {key}: ours {h[key]} pandas {ref}", file=sys.stderr)
    result = {
        "events": events,
        "refresh_s": round(refresh, 3),
        "pandas_s": round(pandas_s, 3),
        "pandas_load_s": round(statistics.median(r["load_s"] for r in theirs), 3),
        "speedup": round(pandas_s / refresh, 2),
        "import_s": round(statistics.median(r["import_s"] for r in ours), 3),
        "filtered_s": round(statistics.median(r["filtered_s"] for r in ours), 3),
        "peak_mb": round(max(r["peak_mb"] for r in ours)),
        "pandas_peak_mb": round(max(r["peak_mb"] for r in theirs)),
    }
    print("# " + " ".join(f"{k}={v}" for k, v in result.items()), file=sys.stderr)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", nargs="+", type=float, default=[1e6, 1e7])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="Keep generated logs and stores here (reused).")
    ap.add_argument("--pandas-max", type=float, default=2e7,
                    help="Skip the pandas baseline above this many events (it needs ~1.5 GB per million).")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = [bench(int(n), args.repeats, work, with_pandas=n <= args.pandas_max) for n in args.events]
    for r in results[:-1]:
        print("# " + " ".join(f"{k}={v}" for k, v in r.items()))
    print(" ".join(f"{k}={v}" for k, v in results[-1].items()))


if __name__ == "__main__":
    main()
