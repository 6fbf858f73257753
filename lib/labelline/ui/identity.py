"""Who is looking, and what they may see and do.

The sign-in gate (``labelline.ui.auth``) puts the signed-in user's role in session state;
pages ask ``can(action)`` before drawing an action and pass tables with worker ids through
``mask_workers`` so that only admins see the identifiers the tools exported. With no
accounts configured the app runs in single-user demo mode, where that single user is admin.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Iterable
from hashlib import sha256
from typing import Any

import pandas as pd
import streamlit as st

from labelline import audit as audit_log

__all__ = ["ROLES", "PERMISSIONS", "ROLE_KEY", "USER_KEY", "current_role", "current_user", "can",
           "mask_workers", "pseudonym", "audit"]

ROLES = ("admin", "manager", "finance", "ops", "viewer")

# action -> roles allowed. Uploads change what everyone sees, real worker ids are personal
# data, and the audit log names every user: those stay with the few roles that need them.
PERMISSIONS: dict[str, frozenset[str]] = {
    "upload": frozenset({"admin", "ops"}),
    "see_worker_ids": frozenset({"admin"}),
    "run_simulation": frozenset({"admin", "manager", "finance", "ops"}),
    "view_audit": frozenset({"admin"}),
    "edit_rates": frozenset({"admin", "finance"}),
}

# session_state keys the sign-in gate writes (and nothing else does).
ROLE_KEY = "auth_role"
USER_KEY = "auth_user"


def current_role() -> str:
    """The signed-in user's role; "admin" in single-user demo mode, "viewer" when unknown."""
    role = st.session_state.get(ROLE_KEY)
    if role in ROLES:
        return role
    from labelline.ui.auth import auth_mode  # auth imports this module: resolve at call time

    return "admin" if auth_mode() == "demo" else "viewer"


def current_user() -> str:
    """The signed-in user's name for the audit log ("demo" in single-user demo mode)."""
    user = st.session_state.get(USER_KEY)
    if user:
        return str(user)
    from labelline.ui.auth import auth_mode

    return "demo" if auth_mode() == "demo" else "anonymous"


def can(action: str) -> bool:
    """Whether the current user may do ``action`` (one of PERMISSIONS; unknown actions raise)."""
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}; known: {', '.join(sorted(PERMISSIONS))}")
    return current_role() in PERMISSIONS[action]


@st.cache_resource(show_spinner=False)
def _process_key() -> bytes:
    # Without a configured key, one random key per server process: pseudonyms stay stable
    # across pages and sessions while the server runs, and change when it restarts.
    return secrets.token_bytes(32)


def _key() -> bytes:
    try:
        configured = st.secrets.get("pseudonym_key")
    except FileNotFoundError:  # no secrets.toml at all
        configured = None
    return str(configured).encode("utf-8") if configured else _process_key()


def pseudonym(worker_id: str, key: bytes | None = None) -> str:
    """A stable, non-reversible display name for a worker id, like ``annotator-3f2a9c1d``."""
    digest = hmac.new(key or _key(), str(worker_id).encode("utf-8"), sha256).hexdigest()
    return f"annotator-{digest[:8]}"


def mask_workers(df: pd.DataFrame, columns: Iterable[str] = ("worker_id",)) -> pd.DataFrame:
    """``df`` as is for roles that may see worker ids; otherwise a copy with pseudonyms in ``columns``.

    Missing values stay missing; columns the frame does not have are skipped, so pages can
    pass every table through without checking.
    """
    if can("see_worker_ids"):
        return df
    key = _key()
    out = df.copy()
    for column in columns:
        if column in out.columns:
            values = out[column]
            # One hash per distinct worker, not per row: event-level frames repeat each id many times.
            names = {w: pseudonym(w, key) for w in values.dropna().unique()}
            out[column] = values.map(names).where(values.notna(), values)
    return out


def audit(action: str, details: dict[str, Any] | None = None, *, who: str | None = None,
          role: str | None = None) -> None:
    """Record ``action`` by the current user in the audit log (in the real store's folder).

    The log always lives beside the real store, whichever source the sidebar shows, so
    there is one log to read. A log that cannot be written is reported in the server log
    and does not stop the action: a read-only store must not lock everyone out.
    """
    from labelline.ui.data import actual_store

    try:
        audit_log.record(actual_store().root, who or current_user(), action, details,
                         role=role or current_role())
    except OSError as exc:
        logging.getLogger(__name__).error("audit log not written: %s", exc)
