"""Ingests & quarantine: what was loaded, when, and every record that could not be."""

from __future__ import annotations

import streamlit as st

from labelline.ui import data

st.title("Ingests & quarantine")
store = data.current_store()
if not store.exists():
    st.info(f"There is no event store at `{store.root}` yet. Run `labelline ingest FILE` or `labelline demo`.",
            icon=":material/inbox:")
    st.stop()
key = data.snapshot_key(store)

st.subheader("Ingested files")
log = data.ingest_log(str(store.root), key)
if log.empty:
    st.info("Nothing ingested yet: `labelline ingest FILE_OR_FOLDER` loads exports.", icon=":material/inbox:")
else:
    st.dataframe(
        log, hide_index=True, width="stretch",
        column_config={
            "finished_at": st.column_config.DatetimeColumn("finished (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "source_file": st.column_config.TextColumn("file"),
            "format": st.column_config.TextColumn("format", help="The adapter that read the file."),
            "records": st.column_config.NumberColumn(
                "records", help="Records read: ingested + updated + unchanged + quarantined."),
            "ingested": st.column_config.NumberColumn("new", help="Events not in the store before."),
            "updated": st.column_config.NumberColumn("updated", help="Events whose content changed."),
            "unchanged": st.column_config.NumberColumn("unchanged", help="Events already stored as they are."),
            "quarantined": st.column_config.NumberColumn("quarantined", help="Records that could not be ingested."),
            "seconds": st.column_config.NumberColumn("seconds", format="%.2f"),
            "ingest_id": st.column_config.TextColumn("ingest id"),
        },
    )

st.subheader("Quarantine")
bad = data.quarantine(str(store.root), key)
if bad.empty:
    st.success("Every ingested record was accepted: the quarantine is empty.", icon=":material/check_circle:")
else:
    noun = "record" if len(bad) == 1 else "records"
    st.caption(f"{len(bad):,} {noun} could not be ingested. Fix them at the source and ingest the file again: "
               "good records are kept, fixed ones are added.")
    st.dataframe(
        bad[["quarantined_at", "source_file", "record", "position", "field", "reason", "raw"]],
        hide_index=True, width="stretch",
        column_config={
            "quarantined_at": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm"),
            "source_file": st.column_config.TextColumn("file"),
            "record": st.column_config.NumberColumn("record", help="1-based record number in the file; 0 = header."),
            "position": st.column_config.TextColumn("position", help="Where in the file: line, task, annotation."),
            "field": st.column_config.TextColumn("field", help="The column or field at fault."),
            "reason": st.column_config.TextColumn("reason", width="large"),
            "raw": st.column_config.TextColumn("raw record", help="As read; e-mails replaced by pseudonyms."),
        },
    )
