"""Everything the Overview page asks for in one refresh: headline KPIs and its three charts.

Kept in the library (not the page) so the benchmark times exactly what the dashboard does.
"""

from __future__ import annotations

from typing import Any

from labelline.kpis.filters import KpiFilter
from labelline.kpis.flow import backlog, throughput
from labelline.kpis.headline import headline
from labelline.kpis.money import spend
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S, KpiSession

__all__ = ["overview_refresh"]


def overview_refresh(s: KpiSession, flt: KpiFilter | None = None,
                     cap_s: float = DEFAULT_TOUCH_CAP_S) -> dict[str, Any]:
    """headline (dict), throughput (per day and tier), backlog (per day), spend (per day and stage)."""
    return {
        "headline": headline(s, flt, cap_s),
        "throughput": throughput(s, flt, "day"),
        "backlog": backlog(s, flt),
        "spend": spend(s, flt, "day"),
    }
