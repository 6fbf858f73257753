"""The Staffing page under AppTest: targets in, the cheapest mix and its frontier out; a forecast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest


ROOT = Path(__file__).resolve().parents[1]


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "staffing.py"), default_timeout=600)


def test_an_sla_search_recommends_a_mix_and_explains_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "store"))
    at = page().run()
    assert not at.exception
    assert at.selectbox(key="staff_scenario").value == "example: three_tier_review"
    at.number_input(key="staff_sla").set_value(2.0)
    at.slider(key="staff_extra").set_value(3).run()
    at.button[[b.label for b in at.button].index("Find the cheapest staffing")].click().run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    # The annotators' offered load is about 5.7 people (data/scenarios/three_tier_review.toml): at least 6.
    assert int(tiles["annotators"].split()[0]) >= 6
    assert any(m.value.startswith("**Why it is the cheapest:**") for m in at.markdown)
    frontier = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert frontier["layout"]["xaxis"]["title"]["text"]
    assert any("staffing search (XLSX)" in b.proto.label for b in at.get("download_button"))


def test_the_forecast_tab_says_what_to_do_on_an_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "nothing"))
    at = page().run()
    assert not at.exception
    assert any("no events to forecast from" in i.value for i in at.info)
