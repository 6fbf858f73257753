"""Every rollup path against the events it adds up: the same frames, to the last digit where exact.

A large store answers the Flow, Quality, Annotators and Costs pages from tables prepared at
ingest (docs/kpis.md, "The KPI tables"); a small one reads the events. Each test opens the
demo store both ways (``open_kpis(rollups=True/False)``) under several filters and compares:
counts, money, shares and kappas equal (float sums in another order: 1e-9), percentiles read
from histograms within 1 %, as on the Overview. The store's own counts (status, events per
day, the sidebar's options) are checked against the store scans they replace.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from labelline.ingest.pipeline import ingest_paths
from labelline.kpis import drilldown, flow, money, quality, store_summary
from labelline.kpis.filters import KpiFilter
from labelline.kpis.scorecards import scorecards
from labelline.kpis.session import open_kpis
from labelline.kpis.tables import BUILD_STEPS, build_kpi_tables, prepared_kpi_tables
from labelline.sql import query
from labelline.store import EventStore

FILTERS = [
    KpiFilter(),
    KpiFilter(projects=["support-intent"], since=date(2026, 5, 20)),
    KpiFilter(tiers=["crowd"], stages=["label"]),
    KpiFilter(orgs=["in_house", "mturk"], task_types=["classification", "pairwise_preference"],
              until=date(2026, 6, 1)),
]
PERCENTILE_REL = 0.012  # a bucket's geometric middle is within 1 % of any time in it


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    """Six weeks of the seeded demo (about 40k events), ingested once for the module."""
    import pyarrow.parquet as pq

    from labelline.demo import generate_demo_events

    root = tmp_path_factory.mktemp("demo")
    pq.write_table(generate_demo_events(seed=3, days=42), root / "demo.parquet")
    store = EventStore(root / "store")
    ingest_paths([root / "demo.parquet"], store, fmt="events")
    return store


@pytest.fixture(scope="module")
def both(demo_store: EventStore):
    with open_kpis(demo_store, rollups=False) as exact, open_kpis(demo_store, rollups=True) as rolled:
        yield exact, rolled


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert len(left), "a comparison of empty frames proves nothing"
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False,
                                  check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("flt", FILTERS)
def test_flow_rollups_equal_the_events(both, flt: KpiFilter) -> None:
    exact, rolled = both
    _same(flow.wip(exact, flt), flow.wip(rolled, flt))
    _same(flow.cycle_breakdown(exact, flt), flow.cycle_breakdown(rolled, flt))
    _same(flow.utilisation(exact, flt, 7.5), flow.utilisation(rolled, flt, 7.5))
    _same(drilldown.utilisation_by_stage(exact, flt, 7.5), drilldown.utilisation_by_stage(rolled, flt, 7.5))


@pytest.mark.parametrize("flt", FILTERS)
def test_wait_time_rollup_exact_counts_approximate_percentiles(both, flt: KpiFilter) -> None:
    exact, rolled = both
    a, b = flow.wait_time(exact, flt), flow.wait_time(rolled, flt)
    _same(a[["stage", "events", "mean_s", "coverage"]], b[["stage", "events", "mean_s", "coverage"]])
    for column in ("p50_s", "p90_s", "p95_s"):
        assert b[column].to_numpy() == pytest.approx(a[column].to_numpy(), rel=PERCENTILE_REL, nan_ok=True), column
    assert not flow.percentiles_approximate(exact, flt) and flow.percentiles_approximate(rolled, flt)


@pytest.mark.parametrize("flt", FILTERS)
def test_touch_time_rollup_exact_counts_approximate_percentiles(both, flt: KpiFilter) -> None:
    exact, rolled = both
    a = flow.touch_time(exact, flt, by_worker=False)
    b = flow.touch_time(rolled, flt, by_worker=False)
    assert set(a["dimension"]) == set(b["dimension"]) == {"stage", "task_type", "tier"}
    _same(a[["dimension", "value", "stage", "events"]], b[["dimension", "value", "stage", "events"]])
    for column in ("p50_s", "p90_s", "p95_s", "mean_s"):
        assert b[column].to_numpy() == pytest.approx(a[column].to_numpy(), rel=PERCENTILE_REL), column
    # The bucket that straddles the cap is not counted as capped: at most that bucket's events.
    assert (b["capped"] <= a["capped"]).all()
    assert (a["capped"] - b["capped"] <= a["events"] * 0.02 + 2).all()


def test_touch_time_keeps_its_worker_rows_unless_asked(both) -> None:
    exact, rolled = both
    for s in (exact, rolled):
        assert "worker" in set(flow.touch_time(s)["dimension"])
        assert "worker" not in set(flow.touch_time(s, by_worker=False)["dimension"])
    _same(flow.touch_time(exact), flow.touch_time(rolled))


@pytest.mark.parametrize("flt", FILTERS)
def test_quality_rollups_equal_the_events(both, flt: KpiFilter) -> None:
    exact, rolled = both
    _same(quality.review_rates(exact, flt), quality.review_rates(rolled, flt))
    _same(quality.gold_accuracy(exact, flt), quality.gold_accuracy(rolled, flt))
    for min_items in (1, 5):
        _same(quality.pairwise_agreement(exact, flt, min_items), quality.pairwise_agreement(rolled, flt, min_items))


def test_pair_agreement_honours_a_worker_filter(both) -> None:
    """Forced through the pair table, a worker filter keeps the pairs of those workers only, as the events do."""
    exact, rolled = both
    pairs = quality.pairwise_agreement(exact)
    chosen = sorted({pairs["worker_a"].iloc[0], pairs["worker_b"].iloc[0], pairs["worker_b"].iloc[-1]})
    flt = KpiFilter(workers=chosen)
    expected = quality.pairwise_agreement(exact, flt, 1)
    got = rolled.frame("pair_agreement", flt, min_items=1)
    _same(expected, got)


@pytest.mark.parametrize("flt", FILTERS)
def test_money_rollups_equal_the_events(both, flt: KpiFilter) -> None:
    exact, rolled = both
    _same(money.cost_breakdown(exact, flt), money.cost_breakdown(rolled, flt))
    _same(money.cost_rules(exact, flt), money.cost_rules(rolled, flt))


def test_prepared_scorecards_equal_the_live_query(both) -> None:
    exact, rolled = both
    _same(scorecards(exact, with_skill=False), scorecards(rolled, with_skill=False))
    # Filtered, or at another cap, both read the events.
    flt = KpiFilter(projects=["support-intent"])
    _same(scorecards(exact, flt, with_skill=False), scorecards(rolled, flt, with_skill=False))
    _same(scorecards(exact, cap_s=600, with_skill=False), scorecards(rolled, cap_s=600, with_skill=False))


def test_the_store_summary_equals_the_store_scans(demo_store: EventStore) -> None:
    build_kpi_tables(demo_store)
    assert store_summary.status(demo_store) == demo_store.status()
    con = demo_store.connect()
    _same(query(con, "overview_daily_events").df(), store_summary.daily_events(demo_store))
    for column in ("source", "project"):
        _same(query(con, f"store_events_by_{column}").df(), store_summary.events_by(demo_store, column))
    rows, span = store_summary.filter_options(demo_store)
    assert rows == query(con, "filter_options").fetchall()
    assert span == query(con, "filter_date_span").fetchone()


def test_the_store_summary_waits_for_no_build(tmp_path, csv_file) -> None:
    """Before the KPI tables of the latest snapshot exist, every reading says None (callers scan the store)."""
    from factories import event

    store = EventStore(tmp_path / "store")
    assert store_summary.status(store) is None
    ingest_paths([csv_file([event(1), event(2)])], store, fmt="events")
    assert prepared_kpi_tables(store) is None
    assert store_summary.status(store) is None and store_summary.daily_events(store) is None
    assert prepared_kpi_tables(store) is None  # asking did not build them
    build_kpi_tables(store)
    assert store_summary.status(store) == store.status()


def test_a_build_reports_every_step(tmp_path, csv_file) -> None:
    from factories import event

    store = EventStore(tmp_path / "store")
    ingest_paths([csv_file([event(1)])], store, fmt="events")
    seen: list[str] = []
    build_kpi_tables(store, progress=seen.append)
    assert tuple(seen) == BUILD_STEPS and "scorecards_all" in seen


def test_dawid_skene_on_a_bounded_sample(both) -> None:
    """A bound above the items changes nothing; below, the model sees exactly that many items, the same each time."""
    exact, _ = both
    items = quality.agreement(exact).items
    assert quality.model_sample(exact, max_items=items) is None
    assert quality.model_sample(exact, max_items=None) is None
    assert quality.model_sample(exact, max_items=items - 1) == (items - 1, items)
    full = quality.skill(exact)
    _same(full.workers, quality.skill(exact, max_items=items).workers)
    sample = exact.frame("first_pass_labels_sample", min_answers=2, max_items=200)
    assert sample["item"].nunique() == 200
    everything = exact.frame("first_pass_labels", min_answers=2)
    _same(everything[everything["item"].isin(sample["item"])], sample)  # whole items, every answer
    few = quality.skill(exact, max_items=200)
    assert few.items["item_id"].nunique() <= 200
    _same(few.workers, quality.skill(exact, max_items=200).workers)
    hot = quality.confusion_hotspots(exact, reference="aggregate", max_items=200)
    assert hot.equals(quality.confusion_hotspots(exact, reference="aggregate", max_items=200))
