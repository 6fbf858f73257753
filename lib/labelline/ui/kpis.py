"""Cached KPI reads for the Flow, Quality, Annotators and Costs pages.

Each function opens one KpiSession (a DuckDB connection is not thread-safe, so sessions
are never shared between reruns), asks the library, and returns plain data. Results are
cached by store folder, snapshot key (the tables' Delta versions), the rate card's
modification time and the filter as JSON, as ``data.overview_kpis`` is: a new ingest or a
new rate card shows at once, and a rerun that changes nothing costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from labelline.kpis.filters import KpiFilter
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S
from labelline.store import EventStore

__all__ = ["TOUCH_CAP_S", "Snapshot", "snapshot", "require_data", "matching_events", "display_names", "mask_alerts",
           "flow_kpis", "quality_kpis", "confusion", "pair_items", "scorecards",
           "worker_trend", "cost_kpis", "currency", "scorecards_file", "budget"]

# Touch times above this are idle time, not work; pages say so next to every touch time.
TOUCH_CAP_S = DEFAULT_TOUCH_CAP_S

# (store root, snapshot key, rate card mtime, filter JSON): what every cached read is keyed on.
Snapshot = tuple[str, tuple[int, int, int], float | None, str]


def snapshot(flt: KpiFilter) -> Snapshot:
    """The cache key of the current store, rate card and filter (pages pass it on unchanged)."""
    from labelline.ui import data

    store = data.current_store()
    return str(store.root), data.snapshot_key(store), data.rates_mtime(store), flt.model_dump_json()


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


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
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


@st.cache_data(ttl=600, max_entries=32, show_spinner="Reading flow KPIs…")
def flow_kpis(snap: Snapshot, available_h_per_day: float = 8.0) -> dict[str, Any]:
    """WIP per day and stage, cycle time and its breakdown, Little's law, utilisation, touch and wait."""
    from labelline.kpis import flow
    from labelline.kpis.drilldown import utilisation_by_stage
    from labelline.kpis.readings import bottleneck, littles_law_reading

    flt = _filter(snap)
    with _session(snap) as s:
        breakdown = flow.cycle_breakdown(s, flt)
        by_stage = utilisation_by_stage(s, flt, available_h_per_day)
        law = flow.littles_law(s, flt)
        touch = flow.touch_time(s, flt)
        return {
            "wip": flow.wip(s, flt),
            "cycle": asdict(flow.cycle_time(s, flt)),
            "breakdown": breakdown,
            "littles_law": asdict(law),
            "littles_law_text": littles_law_reading(law),
            "utilisation_tier": flow.utilisation(s, flt, available_h_per_day),
            "utilisation_stage": by_stage,
            "bottleneck": asdict(bottleneck(breakdown, by_stage)),
            "touch": touch[touch["dimension"] != "worker"].reset_index(drop=True),
            "wait": flow.wait_time(s, flt),
        }


@st.cache_data(ttl=600, max_entries=32, show_spinner="Reading quality KPIs…")
def quality_kpis(snap: Snapshot, min_shared_items: int = 5) -> dict[str, Any]:
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


@st.cache_data(ttl=600, max_entries=32, show_spinner="Counting mix-ups…")
def confusion(snap: Snapshot, reference: str, top: int = 10) -> pd.DataFrame:
    """The commonest wrong answers against gold or against the Dawid-Skene aggregate."""
    from labelline.kpis import quality

    with _session(snap) as s:
        return quality.confusion_hotspots(s, _filter(snap), top=top, reference=reference)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def pair_items(snap: Snapshot, worker_a: str, worker_b: str) -> pd.DataFrame:
    """The items a pair of annotators both answered, disagreements first."""
    from labelline.kpis.drilldown import pair_items as items

    with _session(snap) as s:
        return items(s, worker_a, worker_b, _filter(snap))


@st.cache_data(ttl=600, max_entries=32, show_spinner="Scoring annotators…")
def scorecards(snap: Snapshot, with_skill: bool = False) -> pd.DataFrame:
    """One row per annotator (labelline.kpis.scorecards.SCORECARD_COLUMNS).

    Dawid-Skene skill is opt-in: importing crowd-kit and fitting a model per project takes
    ~15 s on a few weeks of demo data, against well under a second for everything else.
    """
    from labelline.kpis.scorecards import scorecards as cards

    with _session(snap) as s:
        return cards(s, _filter(snap), with_skill=with_skill)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def worker_trend(snap: Snapshot, worker: str, grain: str = "week") -> pd.DataFrame:
    """One annotator's speed, accuracy and agreement per day or week."""
    from labelline.kpis.drilldown import worker_trend as trend

    with _session(snap) as s:
        return trend(s, worker, _filter(snap), grain=grain)


@st.cache_data(ttl=600, max_entries=32, show_spinner="Reading costs…")
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


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def currency(snap: Snapshot) -> str:
    """The rate card's currency (ISO 4217): what every money figure is in."""
    from labelline.rates import rates_for_store

    return rates_for_store(snap[0])[0].currency


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def scorecards_file(shown: pd.DataFrame, fmt: str, snap: Snapshot) -> bytes:
    """The scorecards as shown (ids masked for this role) as CSV or XLSX bytes for a download button."""
    from labelline.kpis.drilldown import scorecards_bytes

    return scorecards_bytes(shown, fmt, _filter(snap))


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def budget(snap: Snapshot, budget: float | None, burn_days: int = 7) -> dict[str, Any]:
    """Spend, burn rate and run-out day for a budget (None: no budget set, spend and burn only)."""
    from labelline.kpis.readings import budget_forecast

    costs = cost_kpis(snap)
    return asdict(budget_forecast(costs["spend"], budget or 0.0, burn_days, costs["currency"]))
