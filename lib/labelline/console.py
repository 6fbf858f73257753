"""Where the command line writes: results to stdout, problems and progress to stderr."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

__all__ = ["out", "err", "print_json", "ProgressBar", "scenario_or_exit"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """JSON with stable keys; dates and other objects as their text."""
    out.print_json(json.dumps(data, default=str), highlight=False)


class ProgressBar:
    """A transient bar on stderr for long work, drawn only on a terminal (never into --json output).

    ``with ProgressBar("simulating baseline") as on_progress:`` gives a ``(done, total)``
    callback, or None when stderr is not a terminal (the work then reports nothing).
    """

    def __init__(self, description: str, enabled: bool | None = None) -> None:
        self.description = description
        self.enabled = err.is_terminal if enabled is None else enabled
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self):  # noqa: ANN204 - returns the callback or None
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TimeElapsedColumn(), console=err, transient=True)
        self.bar.start()
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def scenario_or_exit(path: Any) -> Any:
    """The validated scenario at `path`, or one line per problem on stderr and exit status 2."""
    import typer

    from labelline.sim.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for line in str(exc).splitlines():
            err.print(line, markup=False)
        raise typer.Exit(2) from None
