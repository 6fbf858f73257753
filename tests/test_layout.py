"""The code's shape: the library never imports streamlit (except ui/); pages never import duckdb or simpy."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_library_does_not_import_streamlit() -> None:
    lib = ROOT / "lib" / "labelline"
    offenders = [p.relative_to(ROOT) for p in lib.rglob("*.py")
                 if "ui" not in p.relative_to(lib).parts[:1] and "streamlit" in imported_modules(p)]
    assert offenders == []


def test_pages_do_not_import_duckdb_or_simpy() -> None:
    pages = [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    assert len(pages) >= 3
    offenders = {p.name: sorted(imported_modules(p) & {"duckdb", "simpy"}) for p in pages}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_sql_files_have_a_header_saying_what_they_return() -> None:
    files = list((ROOT / "lib" / "labelline" / "sql").rglob("*.sql"))
    assert files
    for f in files:
        first = f.read_text().splitlines()[:2]
        rel = f.relative_to(ROOT / "lib" / "labelline" / "sql").with_suffix("").as_posix()
        assert first[0] == f"-- name: {rel}", f
        assert first[1].startswith("-- ") and len(first[1]) > 20, f
