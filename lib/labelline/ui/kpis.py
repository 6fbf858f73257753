"""Cached KPI reads for the Flow, Quality, Annotators and Costs pages, kept warm by the server.

Each function opens one KpiSession (a DuckDB connection is not thread-safe, so sessions
are never shared between reruns), asks the library, and returns plain data. Results are
cached by store folder, snapshot key (the tables' Delta versions), the rate card's
modification time and the filter as JSON, as ``data.overview_kpis`` is: a new ingest or a
new rate card shows at once, and a rerun that changes nothing costs nothing.

The caches are shared by every session of the server process, so :func:`start_warmup`
(called from app.py) fills them once per process in a background thread with what every
page shows before anyone touches a widget, and refills them after each ingest and before
they expire: the first visitor of a page finds it computed (docs/performance.md).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from labelline.kpis.filters import KpiFilter
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S
from labelline.store import EventStore

__all__ = ["TOUCH_CAP_S", "AVAILABLE_H_PER_DAY", "MIN_SHARED_ITEMS", "Snapshot", "snapshot", "snapshot_of",
           "require_data", "matching_events", "display_names", "mask_alerts", "flow_kpis", "quality_kpis",
           "confusion", "model_sample", "lowest_agreement_first", "pair_items", "scorecards", "worker_trend",
           "cost_kpis", "currency", "scorecards_file", "scorecards_download", "budget", "start_warmup", "warm",
           "note_page_run"]

# Touch times above this are idle time, not work; pages say so next to every touch time.
TOUCH_CAP_S = DEFAULT_TOUCH_CAP_S
AVAILABLE_H_PER_DAY = 8.0  # the Flow page's default: hours a person is available on a day they work
MIN_SHARED_ITEMS = 5  # pairs sharing fewer items get no kappa: a handful of items says little
_CACHE_TTL_S = 600  # every cached read below expires after this; the warm-up refills before that

# (store root, snapshot key, rate card mtime, filter JSON): what every cached read is keyed on.
Snapshot = tuple[str, tuple[int, int, int], float | None, str]

_log = logging.getLogger(__name__)


def snapshot_of(store: EventStore, flt: KpiFilter) -> Snapshot:
    """The cache key of a store's latest snapshot, its rate card and a filter."""
    from labelline.ui import data

    return str(store.root), data.snapshot_key(store), data.rates_mtime(store), flt.model_dump_json()


def snapshot(flt: KpiFilter) -> Snapshot:
    """The cache key of the current store, rate card and filter (pages pass it on unchanged)."""
    from labelline.ui import data

    return snapshot_of(data.current_store(), flt)


def no_store_yet(store: EventStore) -> None:
    """The empty state of a missing store: what to do to get data in."""
    st.info(
        f"There is no event store at `{store.root}` yet, so there is nothing to measure.\n\n"
        "- Explore the demo: run `make run` (it builds the demo store), or `labelline demo`.\n"
        "- Load your own exports: `labelline ingest FILE_OR_FOLDER` (Label Studio, Mechanical Turk, "
        "Prodigy, or the canonical CSV/Parquet/JSONL).\n"
        "- Or point the app at another store with `LABELLINE_STORE=/path/to/store`.",
        icon=":material/inbox:",
    )


def require_data() -> tuple[KpiFilter, Snapshot]:
    """The sidebar's filter and the cache key for a KPI page; or, with nothing to show, say what to do and stop.

    Three empty states, each with its own next step: no store, a store with no events, and
    a filter that matches no events.
    """
    from labelline.ui import data
    from labelline.ui.filters import current_filter

    store = data.current_store()
    if not store.exists():
        no_store_yet(store)
        st.stop()
    if data.status(str(store.root), data.snapshot_key(store))["events"] == 0:
        st.info("The store exists but holds no events yet. Ingest an export with `labelline ingest FILE`; "
                "records that could not be read are listed under **Ingests & quarantine**.", icon=":material/inbox:")
        st.stop()
    flt = current_filter()
    snap = snapshot(flt)
    if matching_events(snap) == 0:
        st.info(f"No events match the filters in the sidebar ({flt.describe()}). Widen the date range or clear "
                "a filter.", icon=":material/filter_alt_off:")
        st.stop()
    return flt, snap


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=64, show_spinner=False)
def matching_events(snap: Snapshot) -> int:
    """How many events the filter keeps (0: the page has nothing to draw)."""
    from labelline.kpis.money import cost_rules

    with _session(snap) as s:
        return int(cost_rules(s, _filter(snap))["events"].sum())


def display_names(worker_ids: Iterable[str]) -> dict[str, str]:
    """Worker id -> the name this user may see (the id itself for admins, a pseudonym otherwise).

    Widgets keep the real ids as their values and show these names, so a drill-down still
    queries the right person while the screen shows only what the role may see.
    """
    from labelline.ui.identity import mask_workers

    ids = pd.DataFrame({"worker_id": sorted({str(w) for w in worker_ids})})
    shown = mask_workers(ids)
    return dict(zip(ids["worker_id"], shown["worker_id"], strict=True))


def mask_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """Drift alerts with worker subjects (and the worker named in each sentence) as this user may see them."""
    workers = alerts["metric"] != "label_mix"
    names = display_names(alerts.loc[workers, "subject"])
    if all(k == v for k, v in names.items()):
        return alerts
    out = alerts.copy()
    for i in out.index[workers]:
        real = str(out.at[i, "subject"])
        out.at[i, "subject"] = names[real]
        out.at[i, "message"] = str(out.at[i, "message"]).replace(f"worker {real}:", f"worker {names[real]}:", 1)
    return out


def _session(snap: Snapshot):  # -> KpiSession; imported lazily, as data.overview_kpis does
    from labelline.kpis.session import open_kpis

    return open_kpis(EventStore(snap[0]))


def _filter(snap: Snapshot) -> KpiFilter:
    return KpiFilter.model_validate_json(snap[3])


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=32, show_spinner="Reading flow KPIs…")
def flow_kpis(snap: Snapshot, available_h_per_day: float = AVAILABLE_H_PER_DAY) -> dict[str, Any]:
    """WIP per day and stage, cycle time and its breakdown, Little's law, utilisation, touch and wait.

    ``percentiles_approximate``: touch and wait percentiles (and mean touch) read from
    histograms, within 1 % (large stores); the page marks them.
    """
    from labelline.kpis import flow
    from labelline.kpis.drilldown import utilisation_by_stage
    from labelline.kpis.readings import bottleneck, littles_law_reading

    flt = _filter(snap)
    with _session(snap) as s:
        breakdown = flow.cycle_breakdown(s, flt)
        by_stage = utilisation_by_stage(s, flt, available_h_per_day)
        law = flow.littles_law(s, flt)
        return {
            "wip": flow.wip(s, flt),
            "cycle": asdict(flow.cycle_time(s, flt)),
            "breakdown": breakdown,
            "littles_law": asdict(law),
            "littles_law_text": littles_law_reading(law),
            "utilisation_tier": flow.utilisation(s, flt, available_h_per_day),
            "utilisation_stage": by_stage,
            "bottleneck": asdict(bottleneck(breakdown, by_stage)),
            "touch": flow.touch_time(s, flt, by_worker=False),
            "wait": flow.wait_time(s, flt),
            "percentiles_approximate": flow.percentiles_approximate(s, flt),
        }


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=32, show_spinner="Reading quality KPIs…")
def quality_kpis(snap: Snapshot, min_shared_items: int = MIN_SHARED_ITEMS) -> dict[str, Any]:
    """Review rates, gold accuracy (Wilson), agreement, pairwise kappa and drift alerts."""
    from labelline.kpis import quality

    flt = _filter(snap)
    with _session(snap) as s:
        summary = quality.agreement(s, flt)
        return {
            "review": quality.review_rates(s, flt),
            "gold": quality.gold_accuracy(s, flt),
            "agreement": asdict(summary),
            "pairs": quality.pairwise_agreement(s, flt, min_items=min_shared_items),
            "drift": quality.drift_alerts(s, flt),
        }


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=32, show_spinner="Counting mix-ups…")
def confusion(snap: Snapshot, reference: str, top: int = 10) -> pd.DataFrame:
    """The commonest wrong answers against gold or against the Dawid-Skene aggregate (fit on a bounded sample)."""
    from labelline.kpis import quality

    with _session(snap) as s:
        return quality.confusion_hotspots(s, _filter(snap), top=top, reference=reference,
                                          max_items=quality.MAX_MODEL_ITEMS)


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=32, show_spinner=False)
def model_sample(snap: Snapshot) -> tuple[int, int] | None:
    """(items modelled, items with 2+ answers) when Dawid-Skene sees a sample of the filter's items; else None."""
    from labelline.kpis import quality

    with _session(snap) as s:
        return quality.model_sample(s, _filter(snap))


def lowest_agreement_first(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs of annotators ranked for a manager's attention: lowest kappa first, then most shared items."""
    return pairs.sort_values(["cohen_kappa", "items"], ascending=[True, False], na_position="last")


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=64, show_spinner=False)
def pair_items(snap: Snapshot, worker_a: str, worker_b: str) -> pd.DataFrame:
    """The items a pair of annotators both answered, disagreements first."""
    from labelline.kpis.drilldown import pair_items as items

    with _session(snap) as s:
        return items(s, worker_a, worker_b, _filter(snap))


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=32, show_spinner="Scoring annotators…")
def scorecards(snap: Snapshot, with_skill: bool = False) -> pd.DataFrame:
    """One row per annotator (labelline.kpis.scorecards.SCORECARD_COLUMNS).

    Dawid-Skene skill is opt-in: importing crowd-kit and fitting a model per project takes
    ~15 s on a few weeks of demo data, against well under a second for everything else; the
    model sees at most quality.MAX_MODEL_ITEMS items (``model_sample`` says when).
    """
    from labelline.kpis.quality import MAX_MODEL_ITEMS
    from labelline.kpis.scorecards import scorecards as cards

    with _session(snap) as s:
        return cards(s, _filter(snap), with_skill=with_skill, max_skill_items=MAX_MODEL_ITEMS)


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=64, show_spinner=False)
def worker_trend(snap: Snapshot, worker: str, grain: str = "week") -> pd.DataFrame:
    """One annotator's speed, accuracy and agreement per day or week."""
    from labelline.kpis.drilldown import worker_trend as trend

    with _session(snap) as s:
        return trend(s, worker, _filter(snap), grain=grain)


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=32, show_spinner="Reading costs…")
def cost_kpis(snap: Snapshot) -> dict[str, Any]:
    """Cost summary, gold accuracy, the activity-based breakdown, daily spend and the rules that priced it."""
    from labelline.kpis import money, quality

    flt = _filter(snap)
    with _session(snap) as s:
        gold = quality.gold_accuracy(s, flt)
        overall = gold[gold["dimension"] == "all"]
        return {
            "currency": s.currency,
            "summary": asdict(money.cost_summary(s, flt)),
            "gold_accuracy": float(overall["accuracy"].iloc[0]) if len(overall) else None,
            "gold_trials": int(overall["trials"].iloc[0]) if len(overall) else 0,
            "breakdown": money.cost_breakdown(s, flt),
            "spend": money.spend(s, flt, "day"),
            "rules": money.cost_rules(s, flt),
        }


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=16, show_spinner=False)
def currency(snap: Snapshot) -> str:
    """The rate card's currency (ISO 4217): what every money figure is in."""
    from labelline.rates import rates_for_store

    return rates_for_store(snap[0])[0].currency


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=16, show_spinner=False)
def scorecards_file(shown: pd.DataFrame, fmt: str, snap: Snapshot) -> bytes:
    """The scorecards as shown (ids masked for this role) as CSV or XLSX bytes for a download button."""
    from labelline.kpis.drilldown import scorecards_bytes

    return scorecards_bytes(shown, fmt, _filter(snap))


def scorecards_download(shown: pd.DataFrame, fmt: str, snap: Snapshot) -> Callable[[], bytes]:
    """What a download button calls when clicked: the file is written then, not on every page run."""
    return lambda: scorecards_file(shown, fmt, snap)


@st.cache_data(ttl=_CACHE_TTL_S, max_entries=64, show_spinner=False)
def budget(snap: Snapshot, budget: float | None, burn_days: int = 7) -> dict[str, Any]:
    """Spend, burn rate and run-out day for a budget (None: no budget set, spend and burn only)."""
    from labelline.kpis.readings import budget_forecast

    costs = cost_kpis(snap)
    return asdict(budget_forecast(costs["spend"], budget or 0.0, burn_days, costs["currency"]))


# --- Warm-up: the caches above are shared by every session of the server process ------------

_WARMUP_CHECK_S = 10.0  # how often the thread looks for a new snapshot (an ingest) of the store
_QUIET_S = 2.0  # the warm-up computes only once no page has started or ended a run for this long
_MAX_GIVE_WAY_S = 30.0  # ... or after this long, so a busy server still gets warmed
_last_page_run = 0.0  # time.monotonic() of the latest start or end of a page run
_WARMUP_THREAD = "labelline-warmup"
_warmup_lock = threading.Lock()
_warmup_thread: threading.Thread | None = None


class _NoContextWarnings(logging.Filter):
    """Streamlit warns that a thread without a session has no ScriptRunContext: true, and meant, here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name != _WARMUP_THREAD


def start_warmup(root: str) -> bool:
    """Keep what the pages show unfiltered for the store at ``root`` in the shared caches.

    app.py calls this after every run; the first call on a running server starts one daemon
    thread for the process, later calls do nothing, and so does a script without a server
    (AppTest runs under a stand-in runtime) or a server started with LABELLINE_WARMUP=0. The
    thread warms the caches when the snapshot's KPI tables are built (it never builds them:
    an ingest does), again after each ingest, and before entries expire. Returns whether
    this call started the thread.
    """
    from streamlit import runtime
    from streamlit.runtime import Runtime

    global _warmup_thread
    if os.environ.get("LABELLINE_WARMUP", "1") == "0":
        return False
    if not runtime.exists() or type(runtime.get_instance()) is not Runtime:
        return False
    with _warmup_lock:
        # By name as well: a module reloaded after an edit (streamlit's file watcher) starts with no thread.
        if _warmup_thread is not None or any(t.name == _WARMUP_THREAD for t in threading.enumerate()):
            return False
        logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarnings())
        _warmup_thread = threading.Thread(target=_keep_warm, args=(str(root),), name=_WARMUP_THREAD, daemon=True)
        _warmup_thread.start()
        return True


def note_page_run() -> None:
    """Called by app.py as a run starts and ends: the warm-up gives way to pages being drawn (2 cores)."""
    global _last_page_run
    _last_page_run = time.monotonic()


def _give_way() -> None:
    waited = 0.0
    while time.monotonic() - _last_page_run < _QUIET_S and waited < _MAX_GIVE_WAY_S:
        time.sleep(0.25)
        waited += 0.25


def _keep_warm(root: str) -> None:
    from labelline.kpis.tables import prepared_kpi_tables

    done: Snapshot | None = None
    done_at = 0.0
    while True:
        try:
            store = EventStore(root)
            if store.exists():
                key = snapshot_of(store, KpiFilter())
                stale = time.monotonic() - done_at > _CACHE_TTL_S / 2
                if (key != done or stale) and prepared_kpi_tables(store) is not None:
                    done, done_at = key, time.monotonic()  # set first: a failing snapshot is not retried at once
                    warm(store)
        except Exception:  # noqa: BLE001 - a background nicety must never stop the server: pages compute on demand
            _log.exception("warming the KPI caches of %s failed", root)
        time.sleep(_WARMUP_CHECK_S)


def warm(store: EventStore) -> None:
    """Compute into the shared caches what each page shows before anyone touches a widget.

    The same calls with the same arguments as the pages' first run (the sidebar's options,
    the Overview's default period and the one before it, then every KPI page unfiltered with
    its default choices), so the cache keys match; and the statistics libraries the Quality,
    Annotators and Costs pages import, while nobody is waiting for them. Before each step it
    gives way to pages being drawn (:func:`note_page_run`).
    """
    from datetime import date

    from labelline.kpis.periods import DEFAULT_PERIOD, PERIOD_CHOICES, period_filters
    from labelline.ui import data

    root, key, mtime = str(store.root), data.snapshot_key(store), data.rates_mtime(store)
    status = _then(data.status, root, key)
    if not status["events"]:
        return
    _then(data.filter_options, root, key)
    first_day, last_day = (date.fromisoformat(status[k][:10]) for k in ("first_event_at", "last_event_at"))
    period = period_filters(KpiFilter(), first_day, last_day, PERIOD_CHOICES[DEFAULT_PERIOD])
    for flt in (period.current, period.previous):
        if flt is not None:
            _then(data.overview_kpis, root, key, mtime, flt.model_dump_json())
    _then(data.daily_events, root, key)
    for column in ("project", "source"):
        _then(data.events_by, root, key, column)
    _then(importlib.import_module, "plotly.graph_objects")  # every chart page
    _then(importlib.import_module, "statsmodels.stats.proportion")  # Wilson intervals: Quality, Annotators, Costs

    snap = snapshot_of(store, KpiFilter())
    _then(matching_events, snap)
    _then(flow_kpis, snap, AVAILABLE_H_PER_DAY)
    q = _then(quality_kpis, snap, MIN_SHARED_ITEMS)
    overall = q["gold"][q["gold"]["dimension"] == "all"]
    reference = "gold" if len(overall) and overall["trials"].iloc[0] > 0 else "aggregate"
    _then(confusion, snap, reference)
    if reference == "aggregate":
        _then(model_sample, snap)
    if not q["pairs"].empty:
        first = lowest_agreement_first(q["pairs"]).iloc[0]
        _then(pair_items, snap, first["worker_a"], first["worker_b"])
    cards = _then(scorecards, snap, False)
    if not cards.empty:
        _then(worker_trend, snap, cards["worker_id"].iloc[0], "week")
    _then(cost_kpis, snap)
    _then(budget, snap, None, 7)


def _then(read: Callable[..., Any], *args: Any) -> Any:
    """One step of the warm-up, once no page is being drawn: a cached read with the pages' arguments."""
    _give_way()
    return read(*args)
