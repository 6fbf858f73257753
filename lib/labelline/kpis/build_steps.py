"""What the KPI tables are: one SELECT per table, and how an update narrows each one.

A full build creates every table from its query over the whole snapshot. An update
(labelline.kpis.update) rebuilds only what a change touched, with the *same* queries: it
hides each input behind a temporary view of the same name that shows only the touched
part, so one text serves both and the two cannot drift apart. How a table is narrowed:

- ``item``: its rows belong to one item each and depend on that item's events alone
  (facts, items, item_labels, item_agreement): the touched items' rows are rebuilt.
- ``day``: it is grouped by day and project (every rollup): the touched (project, day)
  groups are rebuilt from their rows of the inputs; ``inputs`` names each narrowed input
  and the expression that gives a row's day (on alias ``x``).
- ``worker``: one row per worker (the prepared scorecards): the touched workers' rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from labelline.sql import sql_text

__all__ = ["DEFAULT_TOUCH_CAP_S", "TABLE_STEPS", "TableStep", "prepare_step", "set_events_window"]

# Label Studio's lead_time and MTurk's accept-to-submit include idle time; one hour is
# longer than any single label in the demo's or the research's data, so only idle is cut.
DEFAULT_TOUCH_CAP_S = 3600.0


@dataclass(frozen=True)
class TableStep:
    """One KPI table: the query that builds it and how an update narrows its inputs."""

    table: str
    query: str
    scope: Literal["item", "day", "worker"]
    # The inputs an update narrows: for "day" steps each one's day expression (on alias x);
    # for "item" steps the names alone matter (every input is narrowed to the changed items).
    inputs: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    # Temporary tables created first from the same inputs (kpi/build_<name>), which the query joins.
    prepare: tuple[str, ...] = ()
    # A full build writes it a few weeks of events at a time (events narrowed by submitted_at):
    # one sort of every row would spill tens of GB at 100M events.
    by_time: bool = False


def _by_day(table: str, query: str, **inputs: str) -> TableStep:
    return TableStep(table, query, "day", inputs)


TABLE_STEPS: tuple[TableStep, ...] = (
    TableStep("facts", "kpi/build_facts", "item", {"events": ""}, prepare=("fact_items", "fact_judged"),
              by_time=True),
    TableStep("items", "kpi/build_items", "item", {"facts": ""}),
    TableStep("item_labels", "kpi/build_item_labels", "item", {"facts": ""}),
    TableStep("item_agreement", "kpi/build_item_agreement", "item", {"item_labels": ""}),
    _by_day("agreement_labels", "kpi/build_agreement_labels", item_labels="x.item_first_at::date"),
    _by_day("rollup_events", "kpi/build_rollup_events", facts="x.day"),
    _by_day("rollup_workers", "kpi/build_rollup_workers", facts="x.day"),
    _by_day("rollup_touch", "kpi/build_rollup_touch", facts="x.day"),
    _by_day("rollup_wait", "kpi/build_rollup_wait", facts="x.day"),
    _by_day("rollup_costs", "kpi/build_rollup_costs", facts="x.day"),
    _by_day("rollup_finished", "kpi/build_rollup_finished", items="x.finished_at::date"),
    _by_day("rollup_created", "kpi/build_rollup_created", items="x.created_at::date"),
    _by_day("rollup_wip", "kpi/build_rollup_wip", facts="x.day"),
    # Items narrowed by finish day; their facts are joined by item from the whole table.
    _by_day("rollup_cycle", "kpi/build_rollup_cycle", items="x.finished_at::date"),
    _by_day("pair_labels", "kpi/build_pair_labels", item_labels="x.item_first_at::date"),
    # The Annotators page's unfiltered answer: the KPI query's own text, so the prepared
    # answer cannot drift from the live one. It cannot be added up from rollups.
    TableStep("scorecards_all", "kpi/scorecards", "worker", params={"cap_s": DEFAULT_TOUCH_CAP_S}),
)


def prepare_step(con: duckdb.DuckDBPyConnection, step: TableStep) -> None:
    """Create the temporary tables a step's query joins, from its inputs as they are in view now."""
    for name in step.prepare:
        con.execute(f"create or replace temp table {name} as {sql_text(f'kpi/build_{name}')}").fetchall()


def set_events_window(con: duckdb.DuckDBPyConnection, start: Any, end: Any) -> None:
    """Show only the store's events submitted in [start, end) as `events` (kpi/events_in_window)."""
    con.execute("set variable events_from = $t::timestamp", {"t": start})
    con.execute("set variable events_to = $t::timestamp", {"t": end})
