"""Where the command line writes: results to stdout, problems and progress to stderr."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

__all__ = ["out", "err", "print_json"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """JSON with stable keys; dates and other objects as their text."""
    out.print_json(json.dumps(data, default=str), highlight=False)
