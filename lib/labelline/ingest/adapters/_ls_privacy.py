"""Keeping personal data out of Label Studio events: e-mails and names are redacted
everywhere but the worker id (which the pipeline pseudonymises).
"""

from __future__ import annotations

import re
from typing import Any

_REDACTED = "[redacted]"


_PERSONAL_KEYS = frozenset({"email", "first_name", "last_name", "username"})


_USER_FIELDS = ("completed_by", "updated_by", "created_by", "last_created_by", "reviewed_by")


# Plain-text fields that hold an e-mail ("created_username": "ann@x.org, 11"; JSON_MIN annotator).
_PERSONAL_TEXT_KEYS = frozenset({"created_username", "annotator", "email", "first_name", "last_name", "username"})


_EMAILISH = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _scrub_user(value: Any) -> Any:
    if isinstance(value, dict) and _PERSONAL_KEYS & value.keys():
        return {k: (_REDACTED if k in _PERSONAL_KEYS else v) for k, v in value.items()}
    return value


def _scrub_annotation(record: dict[str, Any]) -> dict[str, Any]:
    """The record for quarantine: no e-mails or names (raw text must not leak them
    either), and no nested reviews (each review keeps its own raw text)."""
    cb = record.get("completed_by")
    if not (
        "reviews" in record
        or "created_username" in record
        or type(cb) is dict
        or type(record.get("created_by")) is dict
        or type(record.get("updated_by")) is dict
        or type(record.get("last_created_by")) is dict
        or type(record.get("reviewed_by")) is dict
    ):
        return record
    out = dict(record)
    out.pop("reviews", None)
    for key in _USER_FIELDS:
        value = out.get(key)
        if type(value) is dict:
            out[key] = _scrub_user(value)
    if "created_username" in out:
        out["created_username"] = _REDACTED
    return out


def _scrub_flat(row: dict[str, Any]) -> dict[str, Any]:
    annotator = row.get("annotator")
    if isinstance(annotator, str) and "@" in annotator:
        return {**row, "annotator": _REDACTED}
    if isinstance(annotator, dict):
        return {**row, "annotator": _scrub_user(annotator)}
    return row


def _scrub_deep(value: Any, depth: int = 0) -> Any:
    """Redact user objects anywhere in a rejected task (bounded depth: records can be odd)."""
    if depth > 6:
        return value
    if isinstance(value, dict):
        if _PERSONAL_KEYS & value.keys():
            value = _scrub_user(value)
        return {
            k: (_REDACTED if _personal_text(k, v) else _scrub_deep(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_deep(v, depth + 1) for v in value]
    return value


def _personal_text(key: str, value: Any) -> bool:
    if not isinstance(value, str) or key not in _PERSONAL_TEXT_KEYS:
        return False
    return key != "annotator" or "@" in value  # an annotator id is not personal


def _scrub_cells(cells: list[str]) -> list[str]:
    """CSV cells of a row that could not be read by column: redact what looks like an e-mail."""
    return [_REDACTED if "@" in c and _EMAILISH.match(c.strip()) else c for c in cells]

