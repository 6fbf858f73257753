"""The rate card: prices for work whose source does not say what it cost.

A TOML file of rules (``data/rates.toml`` is the example), validated on load: every
problem in the file is reported at once, each with its path (``rule[3].hourly_rate``).
Pricing happens at query time (``sql/priced_events.sql``), so a corrected rate card
re-prices history without re-ingesting anything, and every priced event names its rule.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Annotated, Self

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from labelline.sql import sql_text
from labelline.tomlfile import load_toml_model

__all__ = ["RateCard", "RateRule", "RatesError", "create_priced_view", "load_rates", "rates_for_store"]

Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class RatesError(ValueError):
    """A rate card that cannot be used; the message lists every problem, one per line."""


class RateRule(BaseModel):
    """One price. Each match field is a value or "*" (any)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    tier: str = "*"
    org: str = "*"
    stage: str = "*"
    task_type: str = "*"
    hourly_rate: Amount | None = None  # money per hour of active_s
    per_item_price: Amount | None = None  # money per event
    platform_fee_pct: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.0
    valid_from: date | None = None  # first UTC day it applies
    valid_to: date | None = None  # first UTC day it no longer applies (exclusive)
    currency: str | None = None  # default: the card's

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.hourly_rate is None and self.per_item_price is None:
            raise ValueError("set hourly_rate or per_item_price (or both)")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    @property
    def specificity(self) -> int:
        return sum(v != "*" for v in (self.tier, self.org, self.stage, self.task_type))


class RateCard(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    currency: str = "USD"
    rule: list[RateRule] = Field(default_factory=list)

    @classmethod
    def default(cls) -> RateCard:
        """No rules: events without their own cost stay unpriced (and say so)."""
        return cls()

    def table(self) -> pa.Table:
        """The rules as rows, with the id each priced event will name."""

        def utc(day: date | None) -> datetime | None:
            return datetime.combine(day, time(), tzinfo=timezone.utc) if day else None

        rows = [
            {
                "rule_number": n,
                "rule_id": f"rule {n}: {r.name}" if r.name else f"rule {n}",
                "tier": r.tier,
                "org": r.org,
                "stage": r.stage,
                "task_type": r.task_type,
                "hourly_rate": r.hourly_rate,
                "per_item_price": r.per_item_price,
                "platform_fee_pct": r.platform_fee_pct,
                "valid_from": utc(r.valid_from),
                "valid_to": utc(r.valid_to),
                "currency": r.currency or self.currency,
                "specificity": r.specificity,
            }
            for n, r in enumerate(self.rule, start=1)
        ]
        return pa.Table.from_pylist(rows, schema=_RATES_SCHEMA)


_RATES_SCHEMA = pa.schema([
    ("rule_number", pa.int32()), ("rule_id", pa.string()), ("tier", pa.string()), ("org", pa.string()),
    ("stage", pa.string()), ("task_type", pa.string()), ("hourly_rate", pa.float64()),
    ("per_item_price", pa.float64()), ("platform_fee_pct", pa.float64()),
    ("valid_from", pa.timestamp("us", tz="UTC")), ("valid_to", pa.timestamp("us", tz="UTC")),
    ("currency", pa.string()), ("specificity", pa.int32()),
])


def load_rates(path: str | Path) -> RateCard:
    """Read and validate a rate card; raise RatesError naming the file and every problem."""
    return load_toml_model(path, RateCard, RatesError)


def rates_for_store(store_root: Path) -> tuple[RateCard, Path | None]:
    """The rate card in force: $LABELLINE_RATES, else <store>/rates.toml, else the checkout's data/rates.toml."""
    candidates = [os.environ.get("LABELLINE_RATES"), Path(store_root) / "rates.toml",
                  Path(store_root).parent / "rates.toml"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return load_rates(candidate), Path(candidate)
    return RateCard.default(), None


def create_priced_view(con: duckdb.DuckDBPyConnection, card: RateCard) -> None:
    """Register the card as table `rates` and create the view `priced_events` over `events`."""
    con.register("rates", card.table())
    con.execute(f"CREATE OR REPLACE TEMP VIEW priced_events AS {sql_text('priced_events')}").fetchall()
