"""Live sources: a Label Studio server synced on an interval, and watched export folders.

Both run as long-lived processes beside the dashboard and write through the normal
ingest path (one atomic commit per step), so the store's guarantees hold while they run.
Each keeps its state in ``<store>/live/`` for the Data page (see :mod:`.state`).
"""
