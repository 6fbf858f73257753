"""The event store: Delta Lake tables on disk, DuckDB views for readers."""

from labelline.store.store import EventStore, default_store_path
from labelline.store.tables import StoreBusy, StoreFiles, Tables

__all__ = ["EventStore", "StoreBusy", "StoreFiles", "Tables", "default_store_path"]
