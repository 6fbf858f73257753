"""Pseudonymisation of worker identifiers that are e-mails or personal names.

A keyed hash (HMAC-SHA256) keeps one person one pseudonym across files and tools,
while nobody without the key can test a guessed e-mail against the store. The key
comes from ``$LABELLINE_PSEUDONYM_KEY`` or a file the store creates once
(``<store>/.secret/pseudonym.key``, mode 600). Opaque ids (Label Studio's integer
user ids, MTurk worker ids, model names) are kept as they are.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from hashlib import sha256
from pathlib import Path

__all__ = ["Pseudonymiser", "PII_PATTERN", "EMAIL_PATTERN"]

EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# An e-mail anywhere, or at least two words of letters ("Jane Doe", "Doe, Jane").
PII_PATTERN = r"(" + EMAIL_PATTERN + r")|(^\s*[^\W\d_][^\W\d_'.\-]*[ ,]+[^\W\d_][^\W\d_'.\- ]*)"

_EMAIL_RE = re.compile(EMAIL_PATTERN)
_PII_RE = re.compile(PII_PATTERN)


class Pseudonymiser:
    """Maps identifying worker ids to stable pseudonyms like ``w-3f9a1c0d2b7e4a65``."""

    def __init__(self, key: bytes, enabled: bool = True) -> None:
        self._key = key
        self.enabled = enabled

    @classmethod
    def for_store(cls, root: Path) -> Pseudonymiser:
        """The store's pseudonymiser; ``LABELLINE_STORE_RAW_WORKER_IDS=1`` keeps raw ids."""
        enabled = os.environ.get("LABELLINE_STORE_RAW_WORKER_IDS", "") not in ("1", "true", "yes")
        env = os.environ.get("LABELLINE_PSEUDONYM_KEY")
        if env:
            return cls(env.encode("utf-8"), enabled)
        key_file = Path(root) / ".secret" / "pseudonym.key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        return cls(key_file.read_text().strip().encode("utf-8"), enabled)

    @staticmethod
    def is_identifying(worker_id: str) -> bool:
        return bool(_PII_RE.search(worker_id))

    def pseudonym(self, worker_id: str) -> str:
        # Case and surrounding blanks do not make another person.
        normal = " ".join(worker_id.split()).lower()
        return "w-" + hmac.new(self._key, normal.encode("utf-8"), sha256).hexdigest()[:16]

    def mapping(self, worker_ids: list[str]) -> dict[str, str]:
        """Pseudonyms for those of ``worker_ids`` that identify a person."""
        if not self.enabled:
            return {}
        return {w: self.pseudonym(w) for w in worker_ids if w and self.is_identifying(w)}

    def scrub(self, text: str | None) -> str | None:
        """Replace every e-mail in free text (quarantined raw records) by its pseudonym."""
        if text is None or not self.enabled:
            return text
        return _EMAIL_RE.sub(lambda m: self.pseudonym(m.group(0)), text)
