"""The demo log: valid under every ingest rule, realistic in the ways the KPIs need, reproducible."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from labelline.demo import generate_demo_events
from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> EventStore:
    tmp = tmp_path_factory.mktemp("demo")
    pq.write_table(generate_demo_events(seed=7), tmp / "demo.parquet")
    store = EventStore(tmp / "store")
    summary = ingest_paths([tmp / "demo.parquet"], store, fmt="events").files[0]
    assert summary.quarantined == 0, summary.problems[:5]  # every demo row passes validation
    return store


def one(store: EventStore, sql: str):
    return store.connect().execute(sql).fetchone()


def test_six_months_five_projects_and_the_task_types(demo_store: EventStore) -> None:
    days, projects = one(demo_store, "select date_diff('day', min(submitted_at), max(submitted_at)), "
                                     "count(distinct project) from events")
    assert days >= 180 and projects == 5
    types = {r[0] for r in demo_store.connect().execute("select distinct task_type from events").fetchall()}
    assert types == {"classification", "ner", "bbox", "pairwise_preference", "agent_trajectory"}


def test_tiers_orgs_and_who_has_a_cost(demo_store: EventStore) -> None:
    rows = demo_store.connect().execute(
        "select tier, org, count(*), count(cost) from events group by all order by all").fetchall()
    tiers = {(t, o) for t, o, _, _ in rows}
    assert {("crowd", "in_house"), ("crowd", "mturk"), ("vendor", "acme-annotation"), ("expert", "in_house"),
            ("model", "model")} <= tiers
    for tier, org, n, with_cost in rows:
        assert with_cost == (n if org == "mturk" else 0), (tier, org)  # only the marketplace states its cost


def test_overlap_gold_reviews_rework_and_adjudication(demo_store: EventStore) -> None:
    overlap_share = one(demo_store, """
        select avg((n > 1)::int) from (select count(distinct worker_id) n from events
        where stage = 'label' and attempt = 1 group by project, item_id)""")[0]
    assert 0.1 < overlap_share < 0.35
    gold_share = one(demo_store, "select avg((gold_label is not null)::int) from "
                                 "(select any_value(gold_label) gold_label from events group by project, item_id)")[0]
    assert 0.03 < gold_share < 0.07
    rejected, reviews = one(demo_store, "select count(*) filter (where outcome = 'rejected'), count(*) "
                                        "from events where stage = 'review'")
    assert 0.08 < rejected / reviews < 0.25
    # Every rework is by the author of the rejected label, after the rejection.
    bad = one(demo_store, """
        select count(*) from events r
        join events l on l.event_id = r.reviews_event_id
        join events w on w.item_id = l.item_id and w.project = l.project and w.stage = 'label' and w.attempt = 2
             and w.worker_id = l.worker_id
        where r.outcome = 'rejected' and w.submitted_at < r.submitted_at""")[0]
    assert bad == 0
    assert one(demo_store, "select count(*) from events where stage = 'label' and attempt = 2")[0] > 1000
    assert one(demo_store, "select count(*) from events where stage = 'adjudicate'")[0] > 1000
    dangling = one(demo_store, "select count(*) from events e where reviews_event_id is not null and not exists "
                               "(select 1 from events j where j.event_id = e.reviews_event_id)")[0]
    assert dangling == 0


def test_open_backlog_at_the_end_and_a_drifting_annotator(demo_store: EventStore) -> None:
    end = one(demo_store, "select max(submitted_at) from events")[0]
    unreviewed_recent = one(demo_store, f"""
        select count(*) from events l where l.stage = 'label' and l.submitted_at > timestamp '{end}' - interval 3 day
        and not exists (select 1 from events r where r.reviews_event_id = l.event_id)""")[0]
    assert unreviewed_recent > 100
    before, after = one(demo_store, f"""
        select avg((label = gold_label)::int) filter (where submitted_at < timestamp '{end}' - interval 35 day),
               avg((label = gold_label)::int) filter (where submitted_at > timestamp '{end}' - interval 25 day)
        from events where worker_id = 'ih-supp-c00' and stage = 'label' and gold_label is not null""")
    assert before - after > 0.15


def test_same_seed_same_log_other_seed_other_log() -> None:
    a = generate_demo_events(seed=3, days=21)
    assert a.equals(generate_demo_events(seed=3, days=21))
    assert not a.equals(generate_demo_events(seed=4, days=21))
    assert a.num_rows > 10_000


def test_demo_command_builds_and_refuses_to_clobber(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from labelline.cli import app

    runner = CliRunner()
    store = tmp_path / "store"
    first = runner.invoke(app, ["demo", "--store", str(store), "--seed", "3"])
    assert first.exit_code == 0 and "events ingested, 0 quarantined" in first.output
    again = runner.invoke(app, ["demo", "--store", str(store)])
    assert again.exit_code == 0 and "--force" in again.output
