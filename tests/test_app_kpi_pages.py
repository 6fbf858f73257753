"""The Flow, Quality, Annotators and Costs pages under AppTest, and the library pieces behind them.

Two stores: the embedded demo generator over two weeks (every page renders, every chart
has its titles) and a tiny literal log whose numbers can be checked by hand (the items a
pair disagreed on, the budget's run-out day, utilisation against available hours).
"""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from labelline.ingest.pipeline import ingest_paths
from labelline.kpis.drilldown import pair_items, scorecards_bytes, worker_trend
from labelline.kpis.flow import LittlesLaw
from labelline.kpis.readings import bottleneck, budget_forecast, littles_law_reading
from labelline.kpis.scorecards import SCORECARD_COLUMNS, scorecards
from labelline.kpis.session import open_kpis
from labelline.store import EventStore

from factories import event, write_csv

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/flow.py", "pages/quality.py", "pages/annotators.py", "pages/costs.py"]
TITLES = {"pages/flow.py": "Flow & bottlenecks", "pages/quality.py": "Quality", "pages/annotators.py": "Annotators",
          "pages/costs.py": "Costs"}

# Answers of three annotators on six items: w0 and w1 differ on item-2 and item-4 only;
# w2 answers items 0-4 like w0.
ANSWERS = {
    "w0": ["billing", "billing", "billing", "billing", "billing", "billing"],
    "w1": ["billing", "billing", "refund", "billing", "refund", "billing"],
    "w2": ["billing", "billing", "billing", "billing", "billing"],
}


def tiny_rows() -> list[dict]:
    """17 label events, each costing 1.0, spread over 1-10 March 2025 (n % 10 + 1)."""
    rows, n = [], 0
    for worker, answers in ANSWERS.items():
        for i, label in enumerate(answers):
            day = n % 10 + 1
            rows.append(event(
                n, item_id=f"item-{i}", worker_id=worker, label=label, cost=1.0,
                gold_label="billing" if i == 5 else None,
                queued_at=f"2025-03-{day:02d}T09:00:00Z", started_at=f"2025-03-{day:02d}T10:00:00Z",
                submitted_at=f"2025-03-{day:02d}T10:{n:02d}:30Z",
            ))
            n += 1
    return rows


@pytest.fixture
def tiny_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventStore:
    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "tiny.csv", tiny_rows())], store)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    return store


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from labelline.demo import generate_demo_events

    tmp = tmp_path_factory.mktemp("demo")
    pq.write_table(generate_demo_events(seed=11, days=14), tmp / "demo.parquet")
    store = EventStore(tmp / "store")
    ingest_paths([tmp / "demo.parquet"], store)
    return store.root


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def page(path: str) -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=120)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def numbers(values: object) -> np.ndarray:
    """A plotly array from a chart spec: plotly 7 writes numbers as base64 typed arrays."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "warning", "error", "success", "markdown", "caption")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_the_demo_with_titled_charts_and_helped_kpis(path: str, demo_root: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELLINE_STORE", str(demo_root))
    at = app().run()
    at.switch_page(path).run()
    assert not at.exception
    assert at.title[0].value == TITLES[path]
    figures = charts(at)
    assert len(figures) >= 2
    for fig in figures:
        layout = fig["layout"]
        assert layout["title"]["text"], fig
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"], layout["title"]["text"]
        assert all(trace.get("hovertemplate") for trace in fig["data"]), layout["title"]["text"]
    assert at.metric and all(m.help for m in at.metric)  # every KPI says what it counts
    assert "n/a" not in [m.value for m in at.metric][:1]


@pytest.mark.parametrize("path", PAGES)
def test_page_on_a_missing_store_says_what_to_do(path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "nowhere"))
    at = app().run()
    at.switch_page(path).run()
    assert not at.exception
    assert "labelline demo" in at.info[0].value and "labelline ingest" in at.info[0].value
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("path", PAGES)
def test_page_with_a_filter_matching_nothing_says_so(path: str, tiny_store: EventStore) -> None:
    at = page(path)
    at.session_state["flt_projects"] = ["no-such-project"]
    at.run()
    assert not at.exception
    assert "No events match" in at.info[0].value and "no-such-project" in at.info[0].value


# --------------------------------------------------------------------------- quality


def test_choosing_a_pair_lists_the_items_they_disagreed_on(tiny_store: EventStore) -> None:
    at = app().run()
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    box = at.selectbox(key="quality_pair")
    assert len(box.options) == 3  # w0×w1 (6 shared), w0×w2 (5), w1×w2 (5)
    box.set_value(("w0", "w1")).run()
    assert "answered **6** of the same items and disagreed on **2**" in texts(at)
    shown = at.dataframe[-1].value
    assert sorted(shown["item_id"]) == ["item-2", "item-4"]
    assert set(shown["answer of w0"]) == {"billing"} and set(shown["answer of w1"]) == {"refund"}
    at.selectbox(key="quality_pair").set_value(("w0", "w2")).run()
    assert "same answer on every shared item" in at.success[0].value


def test_quality_tiles_match_the_hand_count(tiny_store: EventStore) -> None:
    at = page("pages/quality.py").run()
    tiles = {m.label: m.value for m in at.metric}
    # Items 0-4 have 3 answers, item-5 has 2; agreeing ordered pairs: items 2 and 4 have one
    # refund among three (2 of 6 pairs agree), the others all agree.
    assert tiles["Percent agreement"] == f"{(4 * 1 + 2 * (2 / 6)) / 6:.1%}"
    assert tiles["Gold accuracy"] == "100.0%"  # item-5 is gold "billing"; both answers are right
    assert tiles["Items with overlap"] == "6"


def test_other_roles_see_pseudonyms_not_worker_ids(tiny_store: EventStore) -> None:
    at = page("pages/annotators.py")
    at.session_state["auth_role"] = "manager"
    at.run()
    assert not at.exception
    ids = list(at.dataframe[0].value["worker_id"])
    assert len(ids) == 3 and all(w.startswith("annotator-") for w in ids)
    at = page("pages/quality.py")
    at.session_state["auth_role"] = "manager"
    at.run()
    assert not any(o.startswith("w0") or " w1" in o for o in at.selectbox(key="quality_pair").options)


def drifting_rows() -> list[dict]:
    """One annotator answering ten gold items a day for 50 days from Monday 6 January 2025:
    all right for 35 days, then half wrong from 10 February."""
    rows, n = [], 0
    for d in range(50):
        day = date.fromordinal(date(2025, 1, 6).toordinal() + d).isoformat()
        for k in range(10):
            wrong = d >= 35 and k % 2 == 0
            rows.append(event(n, item_id=f"item-{d}-{k}", worker_id="w0", gold_label="billing",
                              label="refund" if wrong else "billing", queued_at=f"{day}T09:00:00Z",
                              started_at=f"{day}T10:00:00Z", submitted_at=f"{day}T10:{k:02d}:30Z"))
            n += 1
    return rows


def test_drift_alert_says_what_drifted_and_when(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "drift.csv", drifting_rows())], store)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    at = page("pages/quality.py").run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert "worker w0: accuracy fell from 100% to 50% since 2025-02-10 (detected 2025-02-10)" in warnings
    at = page("pages/quality.py")
    at.session_state["auth_role"] = "viewer"
    at.run()
    accuracy = [w.value for w in at.warning if "accuracy fell" in w.value]
    assert accuracy and all("w0" not in w and "annotator-" in w for w in accuracy)


# --------------------------------------------------------------------------- annotators


def test_annotator_drilldown_follows_the_choice(tiny_store: EventStore) -> None:
    at = app().run()
    at.switch_page("pages/annotators.py").run()
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download XLSX"]
    assert "skill" not in at.dataframe[0].value.columns  # opt-in: crowd-kit takes seconds to load
    at.toggle(key="annotators_skill").set_value(True).run()
    assert at.dataframe[0].value["skill"].notna().all()
    at.selectbox(key="annotators_worker").set_value("w2").run()
    assert {m.label: m.value for m in at.metric}["Labels"] == "5"
    at.selectbox(key="annotators_worker").set_value("w0").run()
    assert {m.label: m.value for m in at.metric}["Labels"] == "6"
    speed = [f for f in charts(at) if f["layout"]["title"]["text"].startswith("Speed")][0]
    assert speed["layout"]["yaxis"]["title"]["text"] == "seconds per label"


def test_scorecard_downloads_hold_one_row_per_annotator(tiny_store: EventStore) -> None:
    with open_kpis(tiny_store) as s:
        cards = scorecards(s)
    csv = pd.read_csv(io.BytesIO(scorecards_bytes(cards, "csv")))
    assert list(csv.columns) == list(SCORECARD_COLUMNS) and sorted(csv["worker_id"]) == ["w0", "w1", "w2"]
    book = pd.read_excel(io.BytesIO(scorecards_bytes(cards, "xlsx")), sheet_name=None)
    assert list(book) == ["scorecards", "about"] and len(book["scorecards"]) == 3
    with pytest.raises(ValueError):
        scorecards_bytes(cards, "pdf")


def test_worker_trend_and_pair_items_count_by_hand(tiny_store: EventStore) -> None:
    with open_kpis(tiny_store) as s:
        trend = worker_trend(s, "w1", grain="day")
        items = pair_items(s, "w1", "w2")
    assert trend["label_events"].sum() == 6 and trend["gold_trials"].sum() == 1
    # w1 shares item-0..4 with w2 and item-0..5 with w0: 11 pairs, of which item-2 and item-4 twice disagree.
    assert trend["pairs"].sum() == 11 and trend["agreements"].sum() == 7
    assert len(items) == 5 and sorted(items.loc[~items["agree"], "item_id"]) == ["item-2", "item-4"]
    assert not items["agree"].iloc[0]  # disagreements first


# --------------------------------------------------------------------------- costs


def test_budget_input_changes_the_run_out_message(tiny_store: EventStore) -> None:
    at = app().run()
    at.switch_page("pages/costs.py").run()
    assert not at.exception
    assert "Enter a budget" in texts(at)
    # 17.00 spent; the last seven days (4-10 March) spent 2,2,2,2,1,1,1: burn 11/7 a day.
    at.number_input(key="costs_budget").set_value(30.0).run()
    assert "13.00 USD left" in texts(at) and "on **18 Mar 2025**" in texts(at)  # 13 / (11/7) = 8.3 days
    assert {m.label: m.value for m in at.metric}["Budget runs out"] == "18 Mar 2025"
    at.number_input(key="costs_budget").set_value(100.0).run()
    assert "on **01 May 2025**" in texts(at)  # 83 / (11/7) = 52.8 days after 10 March
    at.number_input(key="costs_budget").set_value(10.0).run()
    assert "used up" in at.error[0].value and "7.00 USD over" in at.error[0].value
    spend = [f for f in charts(at) if f["layout"]["title"]["text"].startswith("Spend")][0]
    assert spend["layout"]["yaxis"]["title"]["text"] == "cost (USD)"


def test_costs_tiles_and_rules(tiny_store: EventStore) -> None:
    at = page("pages/costs.py").run()
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Total cost"] == "17.00 USD" and tiles["Cost per label"] == "1.000 USD"
    assert tiles["Unpriced events"] == "0"
    rules = at.dataframe[-1].value
    assert list(rules["cost_basis"]) == ["source"] and list(rules["events"]) == [17]


# --------------------------------------------------------------------------- flow


def test_available_hours_scale_utilisation(tiny_store: EventStore) -> None:
    at = app().run()
    at.switch_page("pages/flow.py").run()
    assert not at.exception

    def stage_utilisation() -> np.ndarray:
        fig = [f for f in charts(at) if f["layout"]["title"]["text"].startswith("Utilisation by stage")][0]
        return numbers(fig["data"][0]["y"])

    at8 = stage_utilisation()
    at.number_input(key="flow_available_h").set_value(4.0).run()
    np.testing.assert_allclose(stage_utilisation(), 2 * at8)
    # 17 labels of 30 s by 3 people; each of the 17 events falls on its own worker-day.
    np.testing.assert_allclose(at8, [17 * 30 / 3600 / (17 * 8)])
    assert "**label** is the bottleneck" in at.warning[0].value
    at.radio(key="flow_touch_by").set_value("tier").run()
    touch = [f for f in charts(at) if f["layout"]["title"]["text"].startswith("Touch time")][0]
    assert touch["layout"]["title"]["text"] == "Touch time per label, by tier"
    assert touch["data"][0]["x"] == ["crowd"] and numbers(touch["data"][0]["y"]).tolist() == [30.0]


# --------------------------------------------------------------------------- readings


def test_bottleneck_names_the_longest_wait_and_the_busiest_stage() -> None:
    breakdown = pd.DataFrame({
        "stage": ["label", "label", "review", "review", "untracked"],
        "part": ["wait", "touch", "wait", "touch", "untracked"],
        "hours_per_item": [2.0, 0.5, 6.0, 0.5, 1.0],
    })
    util = pd.DataFrame({"stage": ["label", "review"], "utilisation": [0.9, 0.6]})
    neck = bottleneck(breakdown, util)
    assert neck.stage == "review" and neck.wait_h == 6.0 and neck.share_of_cycle == pytest.approx(0.6)
    assert neck.busiest_stage == "label" and neck.stage_utilisation == 0.6
    assert "**review** is the bottleneck" in neck.message and "60% of the mean cycle time of 10.0 h" in neck.message
    assert "busiest stage is **label** at 90%" in neck.message
    no_waits = bottleneck(breakdown.assign(hours_per_item=0.0), util)
    assert no_waits.stage is None and "cannot be named" in no_waits.message


def test_littles_law_reading_explains_a_mismatch() -> None:
    steady = LittlesLaw(wip=10.0, throughput_per_h=2.0, cycle_mean_h=5.0, predicted_wip=10.0, ratio=1.0, window_h=100)
    assert "agree within 10 %" in littles_law_reading(steady)
    growing = LittlesLaw(wip=15.0, throughput_per_h=2.0, cycle_mean_h=5.0, predicted_wip=10.0, ratio=1.5,
                         window_h=100)
    assert "backlog grew" in littles_law_reading(growing) and "1.50" in littles_law_reading(growing)
    cut = LittlesLaw(wip=5.0, throughput_per_h=2.0, cycle_mean_h=5.0, predicted_wip=10.0, ratio=0.5, window_h=100)
    assert "cuts through work in flight" in littles_law_reading(cut)
    empty = LittlesLaw(None, None, None, None, None, None)
    assert "cannot be checked" in littles_law_reading(empty)


def test_budget_forecast_by_hand() -> None:
    spend = pd.DataFrame({"period": pd.to_datetime(["2025-03-01", "2025-03-01", "2025-03-03"]),
                          "cost": [4.0, 2.0, 3.0]})
    f = budget_forecast(spend, 30.0, burn_days=3, currency="EUR")
    assert f.spent == 9.0 and f.remaining == 21.0 and f.burn_per_day == pytest.approx(3.0)  # (6 + 0 + 3) / 3
    assert f.days_left == pytest.approx(7.0) and f.runs_out_on == date(2025, 3, 10)
    assert "21.00 EUR left" in f.message
    assert budget_forecast(spend, 5.0).remaining == -4.0 and "used up" in budget_forecast(spend, 5.0).message
    assert budget_forecast(spend.iloc[:0], 5.0).burn_per_day is None
    with pytest.raises(ValueError):
        budget_forecast(spend, -1.0)
