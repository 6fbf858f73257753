"""``labelline compare`` and ``labelline plan ...``: the planning commands.

Each command lives in its own module below (cli_compare, cli_staffing, ...); importing
them registers them on ``plan_app`` (or in ``compare_commands`` for top-level ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

__all__ = ["plan_app", "compare_commands"]

plan_app = typer.Typer(
    help="Plan the line: staffing, break-even, sensitivity, forecast.",
    no_args_is_help=True,
)
compare_commands: dict[str, Callable[..., Any]] = {}  # top-level commands, name -> function

# One import per command module (each registers itself).
from labelline.plan import cli_compare  # noqa: E402,F401
from labelline.plan import cli_economics  # noqa: E402,F401
from labelline.plan import cli_staffing  # noqa: E402,F401
