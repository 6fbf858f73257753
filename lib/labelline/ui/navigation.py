"""The pages of the dashboard, by section, and who may open each.

One line per page: adding a screen is adding a ``PageSpec`` to ``PAGES`` with the roles
that may see it. app.py hands the pages the current role may open to ``st.navigation``;
a page a role may not open is not listed and its URL falls back to the default page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from labelline.ui.identity import PERMISSIONS, ROLES

__all__ = ["PageSpec", "PAGES", "SECTIONS", "pages_for", "navigation_for", "run_in_frame", "require_frame"]

EVERYONE = frozenset(ROLES)
STAFF = frozenset({"admin", "manager", "finance", "ops"})  # everyone but read-only viewers


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app.py
    title: str
    icon: str
    url: str
    section: str
    roles: frozenset[str] = EVERYONE
    default: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"{self.path}: unknown roles {sorted(unknown)}")


# Section order in the sidebar; a section with no page for the role is not shown.
SECTIONS = ("Operations", "Quality", "Money", "Planning", "Data")

PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", "overview", "Operations", default=True),
    PageSpec("pages/flow.py", "Flow & bottlenecks", ":material/timeline:", "flow", "Operations"),
    PageSpec("pages/quality.py", "Quality", ":material/verified:", "quality", "Quality"),
    PageSpec("pages/annotators.py", "Annotators", ":material/groups:", "annotators", "Quality"),
    # Spend and prices are for the people who answer for them, not for read-only viewers.
    PageSpec("pages/costs.py", "Costs", ":material/payments:", "costs", "Money", STAFF),
    # Planning runs simulations: every role that may start one (not read-only viewers).
    PageSpec("pages/simulator.py", "Simulator", ":material/model_training:", "simulator", "Planning",
             PERMISSIONS["run_simulation"]),
    PageSpec("pages/scenarios.py", "Scenarios", ":material/compare_arrows:", "scenarios", "Planning",
             PERMISSIONS["run_simulation"]),
    PageSpec("pages/staffing.py", "Staffing", ":material/groups_2:", "staffing", "Planning",
             PERMISSIONS["run_simulation"]),
    # Quarantined raw records can hold personal data the pipeline did not recognise.
    PageSpec("pages/data.py", "Ingests & quarantine", ":material/database:", "data", "Data", STAFF),
    PageSpec("pages/audit.py", "Audit log", ":material/policy:", "audit", "Data", PERMISSIONS["view_audit"]),
)


def pages_for(role: str, pages: Iterable[PageSpec] = PAGES) -> dict[str, list[PageSpec]]:
    """The pages ``role`` may open, by section, in sidebar order."""
    out: dict[str, list[PageSpec]] = {}
    for section in SECTIONS:
        allowed = [p for p in pages if p.section == section and role in p.roles]
        if allowed:
            out[section] = allowed
    return out


def navigation_for(role: str) -> st.navigation:  # type: ignore[valid-type]
    """``st.navigation`` over the pages ``role`` may open (call once per run, in app.py)."""
    sections = {
        section: [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url, default=p.default) for p in specs]
        for section, specs in pages_for(role).items()
    }
    return st.navigation(sections)


# Set while app.py runs the chosen page in this script thread (each run has its own thread).
_frame = threading.local()
APP_SCRIPT = Path(__file__).resolve().parents[3] / "app.py"


def run_in_frame(page: st.navigation) -> None:  # type: ignore[valid-type]
    """Run the chosen page with the frame's mark set (app.py's last line)."""
    _frame.active = True
    try:
        page.run()
    finally:
        _frame.active = False


def require_frame() -> None:
    """A page's first line: never draw a page that app.py did not run.

    With a pages/ folder beside app.py, Streamlit's legacy multipage mode serves a page's URL
    by running the page file alone until app.py has called st.navigation once in the server:
    the first request after a start, straight to /flow, would skip the sign-in gate. Such a
    run is sent to app.py, which signs the user in and opens the default page. A page run as
    its own main script (a test, a developer's `streamlit run pages/x.py`) draws as it is.
    """
    if getattr(_frame, "active", False):
        return
    ctx = get_script_run_ctx()
    if ctx is not None and Path(ctx.main_script_path).resolve() == APP_SCRIPT:
        st.switch_page(str(APP_SCRIPT))
