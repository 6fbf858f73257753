"""Command-line options shared by several command modules (defined once, so they read alike)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from labelline.ingest.detect import FORMATS

__all__ = [
    "FormatOption", "JsonOption", "OrgNameOption", "ProjectNameOption", "StoreOption", "TaskTypeNameOption",
    "TierNameOption",
]

StoreOption = Annotated[
    Optional[Path],
    typer.Option("--store", help="Store folder. Default: $LABELLINE_STORE, else the embedded data/store."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (stable keys).")]
# What an ingest may need to be told about its input (ingest, watch, sync).
FormatOption = Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")]
ProjectNameOption = Annotated[Optional[str], typer.Option("--project", help="Project name for records that name none.")]
TaskTypeNameOption = Annotated[Optional[str], typer.Option("--task-type", help="Task type when the export cannot tell.")]
TierNameOption = Annotated[Optional[str], typer.Option("--tier", help="Workforce tier of the file's workers.")]
OrgNameOption = Annotated[Optional[str], typer.Option("--org", help="Organisation: in_house, a vendor or a platform.")]
