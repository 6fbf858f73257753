"""SQL kept in files: one query per ``.sql`` file, with a header saying what it returns.

Values always travel as bound parameters (``$name``), never formatted into the text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import duckdb

__all__ = ["query", "run", "sql_text"]


@cache
def sql_text(name: str) -> str:
    """The text of ``sql/<name>.sql`` (``ingest/validate`` for a file in a sub-folder)."""
    return resources.files(__name__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> duckdb.DuckDBPyConnection:
    """Run a named query with bound parameters; fetch from the returned cursor."""
    text = sql_text(name)
    return con.execute(text, params) if params else con.execute(text)


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run a named statement (update, insert) to completion."""
    query(con, name, **params).fetchall()
