"""Ingests & quarantine: what was loaded, when, every record that could not be, where the
data comes from and the prices in force; admins and ops can upload exports here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from labelline.ingest.records import ReadOptions
from labelline.rates import RatesError, rates_for_store
from labelline.ui import data, identity, live
from labelline.ui.navigation import require_frame

require_frame()  # drawn only inside app.py's frame (sign-in, sidebar)

st.title("Ingests & quarantine")
store = data.current_store()
on_actual = data.current_source() == data.ACTUAL

# --- upload --------------------------------------------------------------------------------
FORMATS = {"auto": "Detect from the content", "label-studio": "Label Studio export (JSON)",
           "mturk": "Mechanical Turk batch results (CSV)", "prodigy": "Prodigy database export (JSONL)",
           "events": "Canonical event log (CSV, Parquet, JSONL)"}
LAST_UPLOAD = "data_last_upload"  # session_state: the summary of this session's last upload, shown until the next

if identity.can("upload") and on_actual:
    with st.expander("Upload exports", icon=":material/upload:", expanded=not store.exists()):
        with st.form("upload", clear_on_submit=True, border=False):
            files = st.file_uploader("Files", accept_multiple_files=True, key="upload_files",
                                     help="Exports from Label Studio, Mechanical Turk or Prodigy, or the canonical "
                                          "event log. The format is detected per file, as `labelline ingest` does.")
            left, right = st.columns(2)
            fmt = left.selectbox("Format", list(FORMATS), format_func=FORMATS.get, key="upload_format")
            project = right.text_input("Project", key="upload_project", placeholder="as the file says",
                                       help="Overrides the project name the file implies.")
            submitted = st.form_submit_button("Ingest", icon=":material/upload:", type="primary")
        if submitted and not files:
            st.warning("Choose one or more files first.", icon=":material/attach_file:")
        elif submitted:
            bar = st.progress(0.0, text="saving the files")
            summary, kpi_problem = data.ingest_uploads(
                files, store, fmt=fmt, options=ReadOptions(project=project.strip() or None),
                progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
            totals = summary.to_dict()
            identity.audit("ingest", {k: totals[k] for k in ("records", "ingested", "updated", "unchanged",
                                                            "quarantined", "format")}
                           | {"files": [Path(f.path).name for f in summary.files],
                              "ingest_ids": [f.ingest_id for f in summary.files if f.ingest_id]})
            st.session_state[LAST_UPLOAD] = {"totals": totals, "kpi_problem": kpi_problem}
            st.rerun()  # the sidebar above was drawn before the ingest: redraw it with the new counts
        last = st.session_state.get(LAST_UPLOAD)
        if last:
            t = last["totals"]
            tiles = st.columns(5)
            tiles[0].metric("Records", f"{t['records']:,}", help="Records read: the four next tiles add up to it.")
            tiles[1].metric("Ingested", f"{t['ingested']:,}", help="New events.")
            tiles[2].metric("Updated", f"{t['updated']:,}", help="Events changed since an earlier ingest.")
            tiles[3].metric("Unchanged", f"{t['unchanged']:,}", help="Events already in the store as they are.")
            tiles[4].metric("Quarantined", f"{t['quarantined']:,}", help="Records that could not be ingested.")
            per_file = pd.DataFrame([{"file": Path(f["path"]).name, "format": f["format"], "detected": f["detected"],
                                      "records": f["records"], "ingested": f["ingested"], "updated": f["updated"],
                                      "unchanged": f["unchanged"], "quarantined": f["quarantined"],
                                      "problems": "\n".join(f["problems"] + f["notes"])} for f in t["files"]])
            st.dataframe(per_file, hide_index=True, width="stretch", key="upload_summary",
                         column_config={"problems": st.column_config.TextColumn(
                             "problems and notes", width="large",
                             help="One line per quarantined record: record, field and reason.")})
            if not any(f["ingested"] + f["updated"] + f["unchanged"] for f in t["files"]):
                st.error("Nothing could be ingested from these files; the reasons are above.", icon=":material/error:")
            if last["kpi_problem"]:
                st.warning(f"The events are in, but the KPI tables could not be prepared: {last['kpi_problem']}",
                           icon=":material/warning:")
elif identity.can("upload"):
    st.caption("Uploads go to the real store: choose the **actual** data source in the sidebar to upload.")

if not store.exists():
    upload_hint = " or upload exports above" if identity.can("upload") and on_actual else ""
    st.info(f"There is no event store at `{store.root}` yet. Run `labelline ingest FILE` or `labelline demo`"
            f"{upload_hint}.", icon=":material/inbox:")
    st.stop()
key = data.snapshot_key(store)

# --- live sources ----------------------------------------------------------------------------
@st.fragment(run_every=10)
def live_sources() -> None:
    st.subheader("Live sources")
    frame = live.live_sources(store)
    if frame.empty:
        st.info("No live source feeds this store. To keep it current without exporting files, run beside the "
                "dashboard `labelline sync label-studio --url URL --every 60s` (token in `LABEL_STUDIO_TOKEN`) "
                "or `labelline watch FOLDER`; each appears here with its last sync, lag and errors.",
                icon=":material/sync:")
        return
    failing = frame[frame["state"].isin(["failing", "stopped after an error"])]
    for row in failing.itertuples():
        where = row.source if row.target in row.last_error else f"{row.source} {row.target}"
        st.error(f"{where}: {row.last_error}", icon=":material/sync_problem:")
    st.dataframe(
        frame, hide_index=True, width="stretch",
        column_config={
            "source": st.column_config.TextColumn("source"),
            "target": st.column_config.TextColumn("server or folder"),
            "state": st.column_config.TextColumn(
                "state", help="running; late (no successful sync for 3 intervals); failing (the last attempt "
                              "failed, retrying); stopped (the process is not running)."),
            "every_s": st.column_config.NumberColumn("every (s)", help="Seconds between syncs or folder checks."),
            "last_success_at": st.column_config.DatetimeColumn("last success (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "lag_s": st.column_config.NumberColumn(
                "lag (s)", format="%.0f", help="Seconds since the source was last read successfully: the store "
                                               "may miss work done at the source since then."),
            "last_change_at": st.column_config.DatetimeColumn(
                "last change (UTC)", format="YYYY-MM-DD HH:mm:ss", help="When new or changed work last landed."),
            "new": st.column_config.NumberColumn("new", help="Events added since the source first ran."),
            "updated": st.column_config.NumberColumn("updated", help="Events changed at the source (edits, rework)."),
            "retired": st.column_config.NumberColumn(
                "retired", help="Events removed because their annotation or task was deleted at the source."),
            "quarantined": st.column_config.NumberColumn("quarantined", help="Records that could not be ingested."),
            "runs": st.column_config.NumberColumn("runs", help="Syncs or folder checks so far."),
            "last_error": st.column_config.TextColumn("last error", width="large"),
            "last_error_at": st.column_config.DatetimeColumn("error at (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        },
    )


live_sources()

# --- what was loaded -----------------------------------------------------------------------
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

# --- where the data comes from ---------------------------------------------------------------
st.subheader("Sources")
left, right = st.columns([3, 2])
rows = []
for label, source in data.sources().items():
    head = data.status(str(source.root), data.snapshot_key(source)) if source.exists() else None
    rows.append({"source": label, "folder": str(source.root), "events": head["events"] if head else None,
                 "ingests": head["ingests"] if head else None, "shown": label == data.current_source()})
left.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="sources",
               column_config={
                   "source": st.column_config.TextColumn("data source", help="Pick one in the sidebar."),
                   "folder": st.column_config.TextColumn("store folder"),
                   "shown": st.column_config.CheckboxColumn("shown", help="The source these pages show now."),
               })
by_source = data.events_by(str(store.root), key, "source")
right.dataframe(by_source, hide_index=True, width="stretch", key="events_by_source",
                column_config={"source": st.column_config.TextColumn(
                    "tool or file", help="Where each event came from: the tool's export, or sim:<scenario>.")})

# --- prices --------------------------------------------------------------------------------
st.subheader("Rate card in force")
try:
    card, card_path = rates_for_store(store.root)
except RatesError as exc:
    st.error(f"The rate card cannot be used, so events without their own cost are not priced:\n\n```\n{exc}\n```",
             icon=":material/error:")
else:
    if card_path is None:
        st.info("No rate card: events priced by their source keep their cost, the rest are unpriced. "
                "Put a `rates.toml` in the store folder (see `data/rates.toml`) or set `LABELLINE_RATES`.",
                icon=":material/sell:")
    else:
        st.caption(f"`{card_path}` · amounts in {card.currency} unless a rule says otherwise. "
                   "The most specific matching rule prices an event; prices apply at query time, so a "
                   "corrected card re-prices history. `labelline rates` checks a card before you install it.")
        rules = card.table().to_pandas().drop(columns=["specificity"])
        st.dataframe(rules, hide_index=True, width="stretch", key="rate_rules",
                     column_config={
                         "rule_number": st.column_config.NumberColumn("#"),
                         "rule_id": st.column_config.TextColumn("rule", width="medium"),
                         "hourly_rate": st.column_config.NumberColumn(
                             "per hour", help="Money per hour of measured working time (active_s)."),
                         "per_item_price": st.column_config.NumberColumn("per event", help="Money per unit of work."),
                         "platform_fee_pct": st.column_config.NumberColumn("fee %", format="%.1f"),
                         "valid_from": st.column_config.DatetimeColumn("from (UTC)", format="YYYY-MM-DD"),
                         "valid_to": st.column_config.DatetimeColumn(
                             "until (UTC)", format="YYYY-MM-DD", help="First day the rule no longer applies."),
                     })
    priced = data.cost_by_rule(str(store.root), key, data.rates_mtime(store))
    st.caption("What the card prices in this store, rule by rule (events priced by their source keep their own cost):")
    st.dataframe(priced, hide_index=True, width="stretch", key="cost_by_rule",
                 column_config={
                     "cost_basis": st.column_config.TextColumn(
                         "priced by", help="source: the export's own cost; per_item or hourly: a rule; "
                                           "unpriced: no cost and no matching rule."),
                     "cost_rule": st.column_config.TextColumn("rule"),
                     "cost": st.column_config.NumberColumn("cost", format="%.2f"),
                     "platform_fee": st.column_config.NumberColumn("of which platform fee", format="%.2f"),
                 })
