"""The store on disk: three Delta Lake tables under one folder.

    <store>/events/       the event log (schema.EVENT_SCHEMA)
    <store>/quarantine/   input records that could not be ingested, with the reason
    <store>/ingests/      one row per ingested file: counts, fingerprint, table version
    <store>/.writer.lock  held by the one process that writes at a time

Why Delta (docs/storage.md has the measurements): a commit is one atomic file in
``_delta_log``, so a reader sees the table before or after an ingest and never half of
it; a killed writer leaves at most unreferenced Parquet files behind; and Spark, Trino
or a notebook can read the same folder. DuckDB writes the Parquet files itself (its
fastest path) and deltalake commits them, adds and removes together, in one version.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction
from filelock import FileLock, Timeout

from labelline.schema import EVENT_SCHEMA, INGEST_LOG_SCHEMA, QUARANTINE_SCHEMA

__all__ = ["StoreBusy", "StoreFiles", "TableFiles", "Tables", "WrittenFile"]

TABLE_SCHEMAS: Mapping[str, pa.Schema] = {
    "events": EVENT_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
    "ingests": INGEST_LOG_SCHEMA,
}


class StoreBusy(RuntimeError):
    """Another process holds the writer lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class TableFiles:
    """One table at one version: the Parquet files a reader should scan."""

    version: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class StoreFiles:
    """A consistent read of all three tables (each at its own latest version)."""

    events: TableFiles
    quarantine: TableFiles
    ingests: TableFiles

    @property
    def key(self) -> tuple[int, int, int]:
        """Changes whenever any table changed: a cache key for readers."""
        return (self.events.version, self.quarantine.version, self.ingests.version)


@dataclass(frozen=True)
class WrittenFile:
    """A Parquet file written into a table's folder, not yet committed."""

    relative_path: str
    size_bytes: int
    rows: int


class Tables:
    """Low-level access to the store's Delta tables; the pipeline builds on it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, table: str) -> Path:
        return self.root / table

    def exists(self) -> bool:
        return (self.path("events") / "_delta_log").is_dir()

    def ensure(self) -> None:
        """Create any missing table (idempotent; safe under the writer lock)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for name, schema in TABLE_SCHEMAS.items():
            if not (self.path(name) / "_delta_log").is_dir():
                DeltaTable.create(
                    str(self.path(name)),
                    schema=schema,
                    name=f"labelline_{name}",
                    mode="ignore",
                    # Keep removed files a week so a reader holding an old snapshot still
                    # finds them; `labelline compact` vacuums past that.
                    configuration={"delta.deletedFileRetentionDuration": "interval 7 days"},
                )

    @contextmanager
    def writer(self, timeout_s: float = 600.0) -> Iterator[None]:
        """Hold the store's single-writer lock.

        flock-based: the OS releases it if the holder is killed, so a crash never
        leaves the store locked.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".writer.lock"))
        try:
            lock.acquire(timeout=timeout_s)
        except Timeout as exc:
            raise StoreBusy(f"{self.root}: another ingest holds the writer lock") from exc
        try:
            yield
        finally:
            lock.release()

    def table(self, name: str) -> DeltaTable | None:
        try:
            return DeltaTable(str(self.path(name)))
        except TableNotFoundError:
            return None

    def files(self, name: str) -> TableFiles:
        dt = self.table(name)
        if dt is None:
            return TableFiles(version=-1, files=())
        return TableFiles(version=dt.version(), files=tuple(dt.file_uris()))

    def snapshot(self) -> StoreFiles:
        return StoreFiles(
            events=self.files("events"),
            quarantine=self.files("quarantine"),
            ingests=self.files("ingests"),
        )

    def commit_files(
        self,
        name: str,
        added: Sequence[WrittenFile],
        removed: Sequence[str] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> int:
        """Publish written files (and retire replaced ones) as one new table version."""
        dt = self.table(name)
        if dt is None:
            raise RuntimeError(f"{self.path(name)}: table missing; call ensure() first")
        if not added and not removed:
            return dt.version()
        now_ms = int(time.time() * 1000)
        sizes: dict[str, int] = {}
        if removed:
            adds = pa.table(dt.get_add_actions(flatten=True))
            sizes = dict(zip(adds.column("path").to_pylist(), adds.column("size_bytes").to_pylist(), strict=True))
        actions: list[AddAction | RemoveAction] = []
        for rel in removed:
            size = sizes.get(rel)
            actions.append(RemoveAction(rel, True, now_ms, size, {}))
        for f in added:
            stats = '{"numRecords":%d}' % f.rows
            actions.append(AddAction(f.relative_path, f.size_bytes, {}, now_ms, True, stats))
        dt.create_write_transaction(
            actions,
            mode="append",
            schema=TABLE_SCHEMAS[name],
            commit_properties=CommitProperties(custom_metadata=dict(metadata or {})),
        )
        return DeltaTable(str(self.path(name))).version()

    def append_rows(self, name: str, rows: pa.Table, metadata: Mapping[str, str] | None = None) -> None:
        """Append a small Arrow table (quarantine entries, ingest log rows)."""
        if rows.num_rows == 0:
            return
        write_deltalake(
            str(self.path(name)),
            rows.cast(TABLE_SCHEMAS[name]),
            mode="append",
            commit_properties=CommitProperties(custom_metadata=dict(metadata or {})),
        )

    def relative(self, name: str, absolute: str | os.PathLike[str]) -> str:
        """A file's path as the Delta log records it: relative to the table's folder."""
        return Path(absolute).resolve().relative_to(self.path(name).resolve()).as_posix()
