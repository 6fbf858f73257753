"""The Scenarios page under AppTest: compare two scenarios, read verdicts, download the workbook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "store"))


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "scenarios.py"), default_timeout=300)


def test_the_page_invites_a_comparison() -> None:
    at = page().run()
    assert not at.exception
    assert at.multiselect(key="compare_chosen").value == ["example: baseline", "example: vendor_overflow"]
    assert any("press **Compare**" in i.value for i in at.info)


def test_a_comparison_names_a_winner_only_outside_the_noise() -> None:
    at = page().run()
    at.multiselect(key="compare_chosen").set_value(["example: mmc_validation", "example: mmc_validation"])
    at.number_input(key="compare_days").set_value(3)
    at.slider(key="compare_reps").set_value(3).run()
    at.button[[b.label for b in at.button].index("Compare")].click().run()
    assert not at.exception
    # A scenario against itself: every difference is exactly zero, so nothing wins.
    frames = [df.value for df in at.dataframe]
    diffs = frames[0]
    assert set(diffs["verdict"]) <= {"no clear difference", "not comparable"}
    assert (diffs["difference"].dropna() == 0).all()
    assert any("clearly better on nothing" in m.value for m in at.markdown)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"]
    download = next(b for b in at.get("download_button") if "XLSX" in b.proto.label)
    assert download.proto.label == "Download the comparison (XLSX)"


def test_breakeven_of_the_example_names_the_cheapest_per_volume() -> None:
    at = page().run()
    assert not at.exception
    # The example file: at 100,000 items a month the vendor is cheapest per label (docs/planning/economics.md).
    assert any("At **100,000 items a month** the cheapest per label is **managed vendor**" in m.value
               for m in at.markdown)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["managed vendor"].endswith("USD/label")
    at.slider(key="be_volume").set_value(10_000).run()
    assert any("At **10,000 items a month** the cheapest per label is **" in m.value for m in at.markdown)


def test_sensitivity_tornado_on_a_small_line() -> None:
    at = page().run()
    at.selectbox(key="sens_scenario").select("example: mmc_validation")
    at.selectbox(key="sens_figure").select("cycle_time_p95_h")
    at.number_input(key="sens_days").set_value(2).run()
    at.button[[b.label for b in at.button].index("Run sensitivity")].click().run()
    assert not at.exception
    sentence = next(m.value for m in at.markdown if "moves cycle time p95 h the most" in m.value)
    # On an M/M/10 line near 90 % busy, handling time or arrival volume drive the wait, not prices.
    assert sentence.startswith(("**handling time**", "**arrival volume**"))
    assert any("sensitivity (XLSX)" in b.proto.label for b in at.get("download_button"))
