"""Configuration files: TOML read and validated by a pydantic model, every problem at once.

Rate cards and scenarios both load this way, so a user sees the same kind of message for
either: one line per problem, naming the file and the field in the file's own words
(``pool[2].handling.ner.mean_s: Input should be greater than 0``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["field_path", "load_toml_model", "loads_toml_model", "validate_model"]

M = TypeVar("M", bound=BaseModel)


def field_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's ('rule', 2, 'hourly_rate') as the file's own words: rule[3].hourly_rate."""
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(file)"


def validate_model(data: object, model: type[M], error: type[Exception], where: str) -> M:
    """Validate parsed data as `model`; raise `error` with one line per problem, prefixed by `where`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{where}: {field_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise error("\n".join(lines)) from None


def loads_toml_model(text: str, model: type[M], error: type[Exception], where: str) -> M:
    """TOML text (an upload, an edited form) validated as `model`; `where` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML: {exc}") from None
    return validate_model(data, model, error, where)


def load_toml_model(path: str | Path, model: type[M], error: type[Exception]) -> M:
    """Read `path` as TOML and validate it as `model`; raise `error` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    return loads_toml_model(text, model, error, str(path))
