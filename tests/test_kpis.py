"""Every headline KPI on a tiny literal log, worked out by hand in the comments.

The log (project P, classification, 2025-03-03, UTC):

  item i1: a labels cat (60 s), b labels cat (120 s), r accepts a's label (30 s)
  item i2: a labels dog (60 s), c labels cat (180 s), r rejects a's label (30 s),
           a reworks to cat (60 s, attempt 2), r accepts the rework (30 s)
  item i3: c labels dog; 4000 s measured (idle-inflated: above the 3600 s cap)
  item i4 (gold, answer cat): b labels cat (60 s), c labels dog (60 s)

Rates: crowd 36/h (0.01 a second), vendor 72/h (0.02), expert 108/h (0.03); a and b are
crowd, c vendor, r expert. Two of four labeled items were judged (50 % < 90 %), so the
project reviews a sample: unjudged items finish at their last label.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from factories import event
from labelline.ingest.pipeline import ingest_paths
from labelline.kpis import flow, money, quality
from labelline.kpis.filters import KpiFilter
from labelline.kpis.headline import HEADLINE_KEYS, headline
from labelline.kpis.session import open_kpis
from labelline.rates import RateCard

CARD = RateCard.model_validate({"rule": [
    {"tier": "crowd", "hourly_rate": 36.0},
    {"tier": "vendor", "hourly_rate": 72.0},
    {"tier": "expert", "hourly_rate": 108.0},
]})
TIER = {"a": "crowd", "b": "crowd", "c": "vendor", "r": "expert"}


def _ev(eid: str, item: str, worker: str, queued: str, started: str, submitted: str, active_s: float,
        stage: str = "label", outcome: str = "submitted", label: str | None = None, attempt: int = 1,
        reviews: str | None = None, gold: str | None = None) -> dict:
    day = "2025-03-03T"
    return event(0, event_id=eid, project="P", item_id=item, worker_id=worker, tier=TIER[worker],
                 org="in_house", stage=stage, outcome=outcome, label=label, attempt=attempt,
                 reviews_event_id=reviews, gold_label=gold, queued_at=day + queued + "Z",
                 started_at=day + started + "Z", submitted_at=day + submitted + "Z", active_s=active_s)


LOG = [
    _ev("e1", "i1", "a", "09:00:00", "09:10:00", "09:11:00", 60, label="cat"),
    _ev("e2", "i1", "b", "09:00:00", "09:20:00", "09:22:00", 120, label="cat"),
    _ev("e3", "i2", "a", "09:00:00", "10:00:00", "10:01:00", 60, label="dog"),
    _ev("e4", "i2", "c", "09:00:00", "10:02:00", "10:05:00", 180, label="cat"),
    _ev("e5", "i2", "r", "10:01:00", "10:59:30", "11:00:00", 30, stage="review", outcome="rejected", reviews="e3"),
    _ev("e6", "i2", "a", "11:00:00", "11:59:00", "12:00:00", 60, label="cat", attempt=2),
    _ev("e7", "i2", "r", "12:00:00", "12:59:30", "13:00:00", 30, stage="review", outcome="accepted", reviews="e6"),
    _ev("e8", "i1", "r", "09:11:00", "11:29:30", "11:30:00", 30, stage="review", outcome="accepted", reviews="e1"),
    _ev("e9", "i3", "c", "12:00:00", "12:50:00", "14:00:00", 4000, label="dog"),
    _ev("e10", "i4", "b", "14:00:00", "14:59:00", "15:00:00", 60, label="cat", gold="cat"),
    _ev("e11", "i4", "c", "14:00:00", "15:29:00", "15:30:00", 60, label="dog", gold="cat"),
]


@pytest.fixture(scope="module")
def kpis(tmp_path_factory: pytest.TempPathFactory):
    from factories import write_csv
    from labelline.store import EventStore

    root = tmp_path_factory.mktemp("kpis")
    store = EventStore(root / "store")
    ingest_paths([write_csv(root / "log.csv", LOG)], store, fmt="events")
    with open_kpis(store, CARD) as session:
        yield session


def test_headline_by_hand(kpis) -> None:
    h = headline(kpis)
    assert tuple(h) == HEADLINE_KEYS
    assert (h["events"], h["items"], h["workers"]) == (11, 4, 4)
    # Finished: i1 at 11:30 (accepted), i2 at 13:00 (accepted), i3 at 14:00, i4 at 15:30 (unjudged).
    assert (h["finished_items"], h["backlog_items"], h["days"]) == (4, 0, 1)
    assert h["throughput_per_day"] == 4.0
    # Label times capped at 3600: 60, 120, 60, 180, 60, 3600, 60, 60 -> median 60, mean 4200 / 8.
    assert h["touch_p50_s"] == 60.0
    assert h["touch_mean_s"] == pytest.approx(525.0)
    assert h["touch_capped_events"] == 1
    # Cycle times (created = first queued_at): i1 2.5 h, i2 4 h, i3 2 h, i4 1.5 h -> median 2.25.
    assert h["cycle_p50_h"] == pytest.approx(2.25)
    # Cost: labels 0.6+1.2+0.6+3.6+0.6+80+0.6+1.2 = 88.4, reviews 3 x 0.9 = 2.7; total 91.1.
    assert h["cost_total"] == pytest.approx(91.1)
    assert h["cost_per_label"] == pytest.approx(91.1 / 8)
    assert h["cost_per_accepted_label"] == pytest.approx(91.1 / 4)  # all four items finished
    # Gold: i4 got cat (right) and dog (wrong): 1 / 2; a correct label costs 22.775 / 0.5.
    assert (h["gold_accuracy"], h["gold_trials"]) == (0.5, 2)
    assert h["cost_per_correct_label"] == pytest.approx(91.1 / 4 / 0.5)
    # First pass: e1 accepted, e3 rejected -> 0.5. Rework: 1 of 8 labels. Rejections: 1 of 3 reviews.
    assert h["first_pass_acceptance"] == 0.5
    assert h["rework_rate"] == pytest.approx(1 / 8)
    assert h["rejection_rate"] == pytest.approx(1 / 3)
    # Agreement on i1 (cat, cat), i2 (dog, cat), i4 (cat, dog); i3 has one answer.
    # Percent: (1 + 0 + 0) / 3. Fleiss: P = 1/3, p_cat = 4/6, p_dog = 2/6, Pe = 5/9 -> (1/3 - 5/9) / (4/9) = -0.5.
    # Krippendorff: o_cc = 2, o_cd = o_dc = 2, n_c = 4, n_d = 2, n = 6 -> 1 - 5 * 4 / (2 * 4 * 2) = -0.25.
    assert h["agreement_items"] == 3
    assert h["percent_agreement"] == pytest.approx(1 / 3)
    assert h["fleiss_kappa"] == pytest.approx(-0.5)
    assert h["krippendorff_alpha"] == pytest.approx(-0.25)


def test_cost_breakdown_by_hand_and_reconciles(kpis) -> None:
    cb = money.cost_breakdown(kpis)
    by = {(r.dimension, r.value): r.cost for r in cb.itertuples()}
    assert by[("stage", "label")] == pytest.approx(88.4)
    assert by[("stage", "review")] == pytest.approx(2.7)
    # i1's and i2's first labels and i3 are labeling; b on i1 and c on i2 are overlap; i4 is gold.
    assert by[("activity", "labeling")] == pytest.approx(0.6 + 0.6 + 80.0)
    assert by[("activity", "overlap")] == pytest.approx(1.2 + 3.6)
    assert by[("activity", "rework")] == pytest.approx(0.6)
    assert by[("activity", "gold")] == pytest.approx(1.8)
    assert by[("value", "value_adding")] == pytest.approx(81.2)
    assert by[("value", "overhead")] == pytest.approx(9.9)
    for _, group in cb.groupby("dimension"):
        assert group["cost"].sum() == pytest.approx(91.1)
        assert group["share"].sum() == pytest.approx(1.0)


def test_flow_by_hand(kpis) -> None:
    t = flow.throughput(kpis)
    # Attributed to each item's last label: i1 b, i2 a (crowd); i3 c, i4 c (vendor).
    assert dict(zip(t["tier"], t["finished"], strict=True)) == {"crowd": 2, "vendor": 2}
    assert dict(zip(t["tier"], t["accepted"], strict=True)) == {"crowd": 2, "vendor": 0}
    wait = flow.wait_time(kpis).set_index("stage")
    # Label waits: 10, 20, 60, 62, 59, 50, 59, 89 minutes -> mean 51.125 minutes.
    assert wait.loc["label", "mean_s"] == pytest.approx(51.125 * 60)
    ll = flow.littles_law(kpis)
    # Window 09:00-15:30 (6.5 h); items on the line 2.5 + 4 + 2 + 1.5 = 10 item-hours.
    assert ll.wip == pytest.approx(10 / 6.5)
    assert ll.throughput_per_h == pytest.approx(4 / 6.5)
    assert ll.cycle_mean_h == pytest.approx(2.5)
    assert ll.ratio == pytest.approx(1.0)
    parts = flow.cycle_breakdown(kpis)
    assert parts["hours_per_item"].sum() == pytest.approx(2.5)  # the parts add up to the mean cycle time
    touch = flow.touch_time(kpis).query("dimension == 'stage'").set_index("stage")
    assert touch.loc["review", "p50_s"] == 30.0
    backlog = flow.backlog(kpis)
    assert backlog.iloc[-1]["backlog"] == 0 and backlog["created"].sum() == 4


def test_quality_by_hand(kpis) -> None:
    gold = quality.gold_accuracy(kpis).set_index(["dimension", "value"], drop=False)
    row = gold.loc[("tier", "vendor")]
    assert (row["trials"], row["correct"]) == (1, 0)
    # Wilson 95 % for 1 of 2: centre (1 + 1.92) / (2 + 3.84), half-width 1.96 * sqrt(0.5 / 2 + 0.96) / 5.84 ~ 0.43.
    all_row = gold[gold["dimension"] == "all"].iloc[0]
    assert all_row["ci_low"] == pytest.approx(0.0945, abs=1e-3)
    assert all_row["ci_high"] == pytest.approx(0.9055, abs=1e-3)
    pairs = quality.pairwise_agreement(kpis, min_items=1).set_index(["worker_a", "worker_b"])
    assert pairs.loc[("a", "b"), "percent_agreement"] == 1.0
    assert pairs.loc[("a", "c"), "cohen_kappa"] == 0.0
    rates = quality.review_rates(kpis).set_index(["dimension", "value"])
    assert rates.loc[("worker", "a"), "first_pass_acceptance"] == 0.5
    assert rates.loc[("worker", "a"), "rework_rate"] == pytest.approx(1 / 3)


def test_filters(kpis) -> None:
    vendor = headline(kpis, KpiFilter(tiers=["vendor"]))
    assert vendor["events"] == 3 and vendor["cost_total"] == pytest.approx(3.6 + 80 + 1.2)
    review = headline(kpis, KpiFilter(stages=["review"]))
    assert review["events"] == 3 and review["cost_total"] == pytest.approx(2.7)
    empty = headline(kpis, KpiFilter(since=date(2025, 3, 4)))
    assert empty["events"] == 0 and empty["finished_items"] == 0
    # No data is not zero: ratios without a denominator are None.
    assert empty["first_pass_acceptance"] is None and empty["cost_per_label"] is None
    assert empty["fleiss_kappa"] is None
    same_day = headline(kpis, KpiFilter(since=date(2025, 3, 3), until=date(2025, 3, 3)))
    assert same_day["events"] == 11 and same_day["days"] == 1


def test_filter_validation() -> None:
    with pytest.raises(ValueError, match="after"):
        KpiFilter(since=date(2025, 3, 5), until=date(2025, 3, 1))
    assert KpiFilter(projects="P").projects == ("P",)
    with pytest.raises(ValueError, match="grain"):
        flow._grain("month")


def test_empty_store_answers_with_zeros(tmp_path) -> None:
    from labelline.store import EventStore

    with open_kpis(EventStore(tmp_path / "none"), CARD) as s:
        h = headline(s)
        assert h["events"] == 0 and h["cost_total"] == 0.0 and h["gold_accuracy"] is None
        assert flow.throughput(s).empty and money.cost_breakdown(s).empty
        assert math.isnan(quality.agreement(s).fleiss_kappa)
        assert isinstance(flow.backlog(s), pd.DataFrame)


def test_agreement_fast_path_equals_recount_and_references(tmp_path) -> None:
    """The per-item table and the recount of answers agree with each other and with krippendorff/statsmodels."""
    import krippendorff
    import numpy as np

    from factories import write_csv
    from labelline.store import EventStore

    rng = np.random.default_rng(5)
    rows, n = [], 0
    for item in range(120):
        truth = int(rng.integers(0, 3))
        for worker in rng.choice(6, size=int(rng.integers(1, 5)), replace=False):
            label = truth if rng.random() < 0.7 else int(rng.integers(0, 3))
            n += 1
            rows.append(event(n, event_id=f"r{n}", project="P", item_id=f"i{item}", worker_id=f"w{worker}",
                              tier="crowd" if worker < 3 else "vendor", label=f"c{label}"))
    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "r.csv", rows)], store, fmt="events")
    with open_kpis(store, CARD) as s:
        fast = quality.agreement(s)
        recount = quality.agreement(s, KpiFilter(tiers=["crowd", "vendor"]))
    assert fast.items == recount.items and fast.labels == recount.labels
    for key in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha"):
        assert getattr(fast, key) == pytest.approx(getattr(recount, key), abs=1e-12)
    data = np.full((6, 120), np.nan)
    for r in rows:
        data[int(r["worker_id"][1:]), int(r["item_id"][1:])] = int(r["label"][1:])
    assert fast.krippendorff_alpha == pytest.approx(krippendorff.alpha(data, level_of_measurement="nominal"))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    """Six weeks of the seeded demo (about 40k events), ingested once for the module."""
    import pyarrow.parquet as pq

    from labelline.demo import generate_demo_events
    from labelline.store import EventStore

    root = tmp_path_factory.mktemp("demo")
    pq.write_table(generate_demo_events(seed=3, days=42), root / "demo.parquet")
    store = EventStore(root / "store")
    ingest_paths([root / "demo.parquet"], store, fmt="events")
    return store


@pytest.mark.parametrize("flt", [
    KpiFilter(),
    KpiFilter(projects=["support-intent"], since=date(2026, 5, 20)),
    KpiFilter(tiers=["crowd"], stages=["label"]),
])
def test_rollups_equal_the_events(demo_store, flt) -> None:
    """The Overview's rollup path: counts and money exact, percentiles within 1 %."""
    from labelline.kpis.overview import overview_refresh

    with open_kpis(demo_store, rollups=False) as exact, open_kpis(demo_store, rollups=True) as rolled:
        a, b = overview_refresh(exact, flt), overview_refresh(rolled, flt)
    ha, hb = a["headline"], b["headline"]
    assert hb["percentiles_approximate"] and not ha["percentiles_approximate"]
    for key in HEADLINE_KEYS:
        if key == "percentiles_approximate":
            continue
        if key.startswith(("touch_p", "touch_mean", "cycle_p")):
            assert hb[key] == pytest.approx(ha[key], rel=0.012), key
        elif key == "touch_capped_events":
            assert abs(hb[key] - ha[key]) <= max(2, 0.05 * ha[key]), key
        elif key == "items" and flt.since:
            assert hb[key] == pytest.approx(ha[key], rel=0.02), key  # span overlap vs an event inside
        elif isinstance(ha[key], str) or ha[key] is None:
            assert hb[key] == ha[key], key
        else:
            assert hb[key] == pytest.approx(ha[key], rel=1e-9, abs=1e-9), key
    for name in ("throughput", "backlog", "spend"):
        left, right = a[name].reset_index(drop=True), b[name].reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9)


def test_more_flow_and_money_by_hand(kpis) -> None:
    events = flow.stage_events(kpis).set_index("stage")
    assert (events.loc["label", "events"], events.loc["label", "submitted"]) == (8, 8)
    assert (events.loc["review", "accepted"], events.loc["review", "rejected"]) == (2, 1)
    wip = flow.wip(kpis).set_index("stage")
    # Label spans queued -> submitted: 11 + 22 + 61 + 65 + 60 + 120 + 60 + 90 = 489 minutes of one day.
    assert wip.loc["label", "wip"] == pytest.approx(489 / 1440)
    # Review spans: 59 + 60 + 139 = 258 minutes.
    assert wip.loc["review", "wip"] == pytest.approx(258 / 1440)
    util = flow.utilisation(kpis, available_h_per_day=8).set_index("tier")
    # a and b: 180 s each on one day (2 worker-days, 16 h available); c: 4240 s on one day.
    assert util.loc["crowd", "utilisation"] == pytest.approx(360 / 3600 / 16)
    assert util.loc["vendor", "utilisation"] == pytest.approx(4240 / 3600 / 8)
    with pytest.raises(ValueError):
        flow.utilisation(kpis, available_h_per_day=0)
    spend = money.spend(kpis)
    assert spend.groupby("stage")["cost"].sum().to_dict() == pytest.approx({"label": 88.4, "review": 2.7})
    assert money.burn_rate(spend, days=7) == pytest.approx(91.1)
    rules = money.cost_rules(kpis)
    assert set(rules["cost_basis"]) == {"hourly"} and rules["events"].sum() == 11
    assert rules["cost"].sum() == pytest.approx(91.1)
    summary = money.cost_summary(kpis)
    assert (summary.finished_items, summary.label_events) == (4, 8)
    assert summary.cost_per_accepted_label == pytest.approx(91.1 / 4)
    assert money.cost_per_correct_label(10.0, 0.8) == pytest.approx(12.5)
    assert money.cost_per_correct_label(None, 0.8) is None


def test_scorecards_hotspots_skill_and_drift_by_hand(kpis) -> None:
    from labelline.kpis.scorecards import scorecards

    cards = scorecards(kpis, min_shared_items=1).set_index("worker_id")
    c = cards.loc["c"]
    assert (c["events"], c["label_events"], c["items"], c["gold_trials"]) == (3, 3, 3, 1)
    assert c["gold_accuracy"] == 0.0 and c["cost"] == pytest.approx(84.8)
    assert c["active_h"] == pytest.approx(4240 / 3600)
    assert c["mean_cohen_kappa"] == 0.0  # against a on i2 and b on i4: both disagreements
    assert math.isnan(cards.loc["c", "first_pass_acceptance"])  # none of c's labels was judged
    assert cards.loc["a", "first_pass_acceptance"] == 0.5
    hot = quality.confusion_hotspots(kpis)
    assert hot[["label", "reference", "n"]].values.tolist() == [["dog", "cat", 1]]
    sk = quality.skill(kpis)
    assert set(sk.workers["worker_id"]) == {"a", "b", "c"}
    assert set(sk.items["item_id"]) == {"i1", "i2", "i4"} and set(sk.items["project"]) == {"P"}
    drift = quality.drift_alerts(kpis)
    assert drift.empty and "message" in drift.columns  # one day of work: no baseline, no alert


def test_reconciliation_on_the_demo(demo_store) -> None:
    """Cost by stage, tier, org and activity adds up to the total; throughput by tier to all items finished."""
    with open_kpis(demo_store) as s:
        total = headline(s)["cost_total"]
        breakdown = money.cost_breakdown(s)
        for _, group in breakdown.groupby("dimension"):
            assert group["cost"].sum() == pytest.approx(total)
        finished = flow.cycle_time(s).finished
        assert flow.throughput(s)["finished"].sum() == finished
        assert flow.throughput(s, grain="week")["finished"].sum() == finished
        assert flow.throughput(s, grain="hour")["finished"].sum() == finished
        done = flow.backlog(s)
        assert done["finished"].sum() == finished
        assert done["backlog"].iloc[-1] == headline(s)["backlog_items"]
        assert money.spend(s)["cost"].sum() == pytest.approx(total)
