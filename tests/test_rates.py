"""The rate card: validation with every problem named, and pricing a hand-checkable log."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from labelline.rates import RatesError, create_priced_view, load_rates, rates_for_store

CARD = """
currency = "USD"
[[rule]]
name = "crowd hourly"
tier = "crowd"
hourly_rate = 36.0
[[rule]]
name = "crowd review hourly"
tier = "crowd"
stage = "review"
hourly_rate = 72.0
[[rule]]
name = "vendor old price"
tier = "vendor"
per_item_price = 0.10
hourly_rate = 99.0
platform_fee_pct = 10
valid_to = 2026-03-01
[[rule]]
name = "vendor new price"
tier = "vendor"
per_item_price = 0.08
valid_from = 2026-03-01
"""

EVENTS = [
    # event_id, tier, org, stage, task_type, submitted_at, active_s, cost
    ("a", "crowd", "in_house", "label", "ner", "2026-02-10 10:00:00", 100.0, None),  # 100/3600*36 = 1.00
    ("b", "crowd", "in_house", "review", "ner", "2026-02-10 10:00:00", 50.0, None),  # 50/3600*72 = 1.00
    ("c", "vendor", "acme", "label", "bbox", "2026-02-28 23:59:59", 10.0, None),  # 0.10 + 10 % = 0.11
    ("d", "vendor", "acme", "label", "bbox", "2026-03-01 00:00:00", 10.0, None),  # new price: 0.08
    ("e", "crowd", "mturk", "label", "ner", "2026-02-10 10:00:00", 30.0, 0.24),  # the source's cost wins
    ("f", "expert", "in_house", "label", "ner", "2026-02-10 10:00:00", 30.0, None),  # no rule: unpriced
    ("g", "crowd", "in_house", "label", "ner", "2026-02-10 10:00:00", None, None),  # hourly without time
]


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    path = tmp_path / "rates.toml"
    path.write_text(CARD)
    return path


def priced(card_file: Path) -> dict[str, tuple]:
    con = duckdb.connect()
    con.execute("create table events (event_id varchar, tier varchar, org varchar, stage varchar, "
                "task_type varchar, submitted_at timestamp, active_s double, cost double)")
    con.executemany("insert into events values (?, ?, ?, ?, ?, ?, ?, ?)", EVENTS)
    create_priced_view(con, load_rates(card_file))
    rows = con.execute("select event_id, cost_basis, round(cost_amount, 6), cost_rule, round(platform_fee_amount, 6) "
                       "from priced_events").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_hand_checked_prices(card_file: Path) -> None:
    p = priced(card_file)
    assert len(p) == len(EVENTS)  # every event exactly once
    assert p["a"] == ("hourly", 1.0, "rule 1: crowd hourly", 0.0)
    assert p["b"] == ("hourly", 1.0, "rule 2: crowd review hourly", 0.0)  # the more specific rule wins
    assert p["c"] == ("per_item", 0.11, "rule 3: vendor old price", 0.01)  # per item beats hourly; fee added
    assert p["d"] == ("per_item", 0.08, "rule 4: vendor new price", 0.0)  # valid_to is exclusive
    assert p["e"] == ("source", 0.24, None, None)
    assert p["f"] == ("unpriced", None, None, None)
    assert p["g"] == ("unpriced", None, None, None)


def test_ties_go_to_the_latest_valid_from_then_the_first_rule(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[[rule]]\ntier = "crowd"\nper_item_price = 1\n'
                    '[[rule]]\ntier = "crowd"\nper_item_price = 2\nvalid_from = 2026-01-01\n'
                    '[[rule]]\ntier = "crowd"\nper_item_price = 3\nvalid_from = 2026-01-01\n')
    assert priced(path)["a"][:3] == ("per_item", 2.0, "rule 2")


def test_every_problem_is_listed_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[rule]]\ntier = "crowd"\nhourly_rate = -5\n'
                    '[[rule]]\ntier = "vendor"\n'
                    '[[rule]]\nper_item_price = 1\nvalid_from = 2026-05-01\nvalid_to = 2026-04-01\ncolour = "red"\n')
    with pytest.raises(RatesError) as err:
        load_rates(path)
    lines = str(err.value).splitlines()
    assert any("rule[1].hourly_rate: Input should be greater than or equal to 0" in ln for ln in lines)
    assert any("rule[2]: set hourly_rate or per_item_price" in ln for ln in lines)
    assert any("rule[3].colour: Extra inputs are not permitted" in ln for ln in lines)
    assert all(ln.startswith(str(path)) for ln in lines)


def test_not_toml_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[rule]\n")
    with pytest.raises(RatesError, match="not valid TOML"):
        load_rates(path)


def test_the_example_card_loads_and_the_store_finds_it(tmp_path: Path, monkeypatch) -> None:
    example = Path(__file__).resolve().parents[1] / "data" / "rates.toml"
    assert len(load_rates(example).rule) >= 6
    monkeypatch.setenv("LABELLINE_RATES", str(example))
    card, where = rates_for_store(tmp_path / "store")
    assert where == example and card.currency == "USD"
    monkeypatch.delenv("LABELLINE_RATES")
    assert rates_for_store(tmp_path / "store") == (load_rates.__globals__["RateCard"].default(), None)


def test_rates_command_shows_what_each_rule_priced(card_file: Path, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from factories import event, write_csv
    from labelline.cli import app
    from labelline.ingest.pipeline import ingest_paths
    from labelline.store import EventStore

    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "e.csv", [event(1, active_s=100.0), event(2, active_s=200.0)])], store)
    result = CliRunner().invoke(app, ["rates", "--file", str(card_file), "--store", str(store.root), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rules"] == 4 and data["currency"] == "USD"
    # 300 s of crowd labeling at 36/h = 3.00
    assert data["priced"] == [{"cost_basis": "hourly", "cost_rule": "rule 1: crowd hourly", "events": 2,
                               "cost": 3.0, "platform_fee": 0.0}]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntier = "crowd"\n')
    result = CliRunner().invoke(app, ["rates", "--file", str(bad)])
    assert result.exit_code == 1
