"""KPI tables after a small ingest: updating the previous build vs building afresh, in one run.

What a live sync does every minute: a few hundred new annotations and a few edited ones
land in a large store, and the dashboard needs the KPI tables of the new snapshot. For each
size: generate a synthetic log (benchmarks/synth_log.py), ingest it and build the KPI tables
(setup), then ingest a change (--new events on new items of the last day, --edited events
of the last week with a changed label) and time, in this process:

- update: build_kpi_tables after the change, which updates the previous build (median of
  --repeats: the new file is deleted and the update redone from the same previous build);
- full: the same snapshot's tables built afresh (the baseline, --full-repeats runs).

The two files are compared table by table (row counts and sums) before the figures are
printed. The machine is shared and noisy, so the ratio from the same run is the figure to
read. Ends with one line of key=value figures for the largest size, e.g. ``events=10000000
changed_events=300 update_s=... full_s=... speedup=... ingest_s=...``.

    python benchmarks/kpi_update.py --events 1e6 1e7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_log import write_synthetic_log  # noqa: E402


def _write_change(log: Path, out: Path, new: int, edited: int) -> int:
    """New work on new items at the log's end, and corrected labels in its last week."""
    con = duckdb.connect()
    con.execute(
        f"""copy (
            with last as (select max(submitted_at) as t from read_parquet($log)),
            fresh as (
                select * replace ('N' || event_id as event_id, 'new-' || item_id as item_id,
                                  submitted_at + interval 1 minute as submitted_at,
                                  case when reviews_event_id is not null then 'N' || reviews_event_id end
                                      as reviews_event_id)
                from read_parquet($log) order by submitted_at desc limit $new
            ),
            fixed as (
                select * replace (case label when 'c0' then 'c1' else 'c0' end as label)
                from read_parquet($log), last
                where stage = 'label' and submitted_at > last.t - interval 7 day
                  and hash(event_id) % 1000 = 7
                limit $edited
            )
            select * from fresh union all select * exclude (t) from fixed
        ) to '{str(out).replace("'", "''")}' (format parquet)""",
        {"log": str(log), "new": new, "edited": edited},
    )
    return con.execute("select count(*) from read_parquet($p)", {"p": str(out)}).fetchone()[0]


def _fingerprint(path: Path) -> dict[str, tuple]:
    from labelline.kpis.tables import BUILD_STEPS

    with duckdb.connect(str(path), read_only=True) as con:
        out = {}
        for table in BUILD_STEPS:
            cols = [r[0] for r in con.execute(f"describe {table}").fetchall()
                    if r[1] in ("BIGINT", "INTEGER", "HUGEINT", "DOUBLE")]
            sums = ", ".join(f"sum({c})::double" for c in cols[:6])
            out[table] = con.execute(f"select count(*){', ' + sums if sums else ''} from {table}").fetchone()
        return out


def bench(events: int, new: int, edited: int, repeats: int, full_repeats: int, work: Path) -> dict:
    from labelline.ingest.pipeline import ingest_paths
    from labelline.kpis import tables
    from labelline.kpis.update import UpdateInfo
    from labelline.store import EventStore

    log = work / f"synth-{events}.parquet"
    if not log.exists():
        t = time.perf_counter()
        write_synthetic_log(log, events)
        print(f"# {events:,}: generated in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    store = EventStore(work / f"update-store-{events}")
    if store.exists():
        raise SystemExit(f"{store.root} exists: the benchmark needs a store it can change; remove it")
    ingest_paths([log], store, fmt="events")
    t = time.perf_counter()
    tables.build_kpi_tables(store)
    print(f"# {events:,}: first KPI tables in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    change = work / f"change-{events}.parquet"
    changed = _write_change(log, change, new, edited)
    t = time.perf_counter()
    ingest_paths([change], store, fmt="events")
    ingest_s = time.perf_counter() - t

    updates = []
    for _ in range(repeats):
        path = tables.kpi_tables_path(store, store.snapshot().events.version, tables.rates_for_store(store.root)[0])
        path.unlink(missing_ok=True)
        t = time.perf_counter()
        built = tables.build_kpi_tables(store)
        updates.append(time.perf_counter() - t)
        with duckdb.connect(str(built), read_only=True) as con:
            info = UpdateInfo(*con.execute("select * from build_info").fetchone())
        if info.updates_since_full != 1:
            raise SystemExit(f"expected an update, got a full build: {info}")
    updated = built.with_name("updated.duckdb")
    built.rename(updated)
    fulls = []
    for _ in range(full_repeats):
        built.unlink(missing_ok=True)
        t = time.perf_counter()
        tables.build_kpi_tables(store, allow_update=False)
        fulls.append(time.perf_counter() - t)
    a, b = _fingerprint(updated), _fingerprint(built)
    for table in a:
        # Float sums taken in another row order differ in the last digits.
        if a[table][0] != b[table][0] or any(abs(x - y) > 1e-9 * max(abs(x), abs(y), 1.0)
                                             for x, y in zip(a[table][1:], b[table][1:], strict=True)
                                             if x is not None and y is not None):
            raise SystemExit(f"MISMATCH {table}: update {a[table]} full {b[table]}")
    result = {
        "events": events,
        "changed_events": changed,
        "changed_items": info.changed_items,
        "update_s": round(statistics.median(updates), 2),
        "full_s": round(statistics.median(fulls), 2),
        "speedup": round(statistics.median(fulls) / statistics.median(updates), 1),
        "ingest_s": round(ingest_s, 2),
        "file_mb": round(built.stat().st_size / 2**20),
    }
    print("# " + " ".join(f"{k}={v}" for k, v in result.items()), file=sys.stderr)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", nargs="+", type=float, default=[1e6, 1e7])
    ap.add_argument("--new", type=int, default=250, help="New events on new items in the change.")
    ap.add_argument("--edited", type=int, default=50, help="Existing label events edited in the change.")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--full-repeats", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="Keep generated logs here (reused); stores are fresh.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = [bench(int(n), args.new, args.edited, args.repeats, args.full_repeats, work) for n in args.events]
    for r in results[:-1]:
        print("# " + " ".join(f"{k}={v}" for k, v in r.items()))
    print(" ".join(f"{k}={v}" for k, v in results[-1].items()))


if __name__ == "__main__":
    main()
