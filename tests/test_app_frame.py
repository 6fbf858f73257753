"""The dashboard's frame under AppTest: sign-in, roles, pseudonyms, the audit log and uploads.

No test reads a real secrets file: each sets ``at.secrets`` (AppTest only replaces the
secrets when given some, so demo mode is tested with an unrelated key).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit_authenticator.utilities.hasher import Hasher

from labelline import audit
from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore

from factories import event, write_csv

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
HASH = Hasher.hash(PASSWORD)  # bcrypt, once for the module: each hash takes a quarter of a second
ROLES = ("admin", "manager", "finance", "ops", "viewer")
PAGES = ("overview", "flow", "quality", "annotators", "costs", "simulator", "scenarios", "staffing", "data", "audit")
# Who may open what, written out here rather than read from the app, so the test can disagree.
ALLOWED = {
    "admin": set(PAGES),
    "manager": set(PAGES) - {"audit"},
    "finance": set(PAGES) - {"audit"},
    "ops": set(PAGES) - {"audit"},
    "viewer": {"overview", "flow", "quality", "annotators"},  # read-only: no money, planning or raw data
}
TITLES = {"overview": "Overview", "data": "Ingests & quarantine", "audit": "Audit log", "simulator": "Simulator",
          "scenarios": "Scenarios", "staffing": "Staffing"}


def accounts_secrets(**extra: Any) -> dict[str, Any]:
    users = {role: {"name": f"{role.title()} User", "email": f"{role}@example.com", "password": HASH,
                    "roles": [role]} for role in ROLES}
    return {"pseudonym_key": "a" * 64, "cookie": {"name": "labelline_test", "key": "k" * 40, "expiry_days": 1},
            "credentials": {"usernames": users}, **extra}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    st.cache_data.clear()  # shared across AppTest instances in one process


@pytest.fixture
def small_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventStore:
    store = EventStore(tmp_path / "store")
    rows = [event(n, worker_id=f"jane.doe{n % 2}@example.com" if n < 2 else f"w{n % 3}") for n in range(6)]
    rows.append(event(10, stage="review", outcome="accepted", reviews_event_id="e1", item_id="item-0", worker_id="r1",
                      tier="expert"))
    ingest_paths([write_csv(tmp_path / "good.csv", rows)], store)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    monkeypatch.setenv("LABELLINE_STORE_RAW_WORKER_IDS", "1")  # keep ids as exported: the app masks them
    return store


def app(secrets: dict[str, Any]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in secrets.items():
        at.secrets[key] = value
    return at


def signed_in_as(role: str) -> AppTest:
    """An app session past the sign-in form, as streamlit-authenticator leaves it after a good password."""
    at = app(accounts_secrets())
    at.session_state["authentication_status"] = True
    at.session_state["username"] = role
    at.session_state["roles"] = [role]
    return at.run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()  # the form's "Sign in"
    at.run()
    if at.success:  # signed in: in a browser the re-login cookie's component now reruns the app
        at.run()
    return at


def title(at: AppTest) -> str:
    return at.title[0].value


def test_demo_mode_says_so_and_is_admin(small_store: EventStore) -> None:
    at = app({"unrelated": "x"}).run()
    assert not at.exception
    notices = [w.value for w in at.sidebar.warning]
    assert any("Single-user demo mode" in n for n in notices)
    assert title(at) == "Overview"
    at.switch_page("pages/audit.py").run()  # the admin-only page opens: the single user is admin
    assert not at.exception and title(at) == "Audit log"


def test_with_accounts_every_page_waits_for_sign_in(small_store: EventStore) -> None:
    at = app(accounts_secrets()).run()
    assert not at.exception
    assert title(at) == "Sign in to Labelline"
    assert not at.metric and not at.sidebar.warning  # nothing from the store, no demo notice
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/data.py")  # until then the sign-in form is the only page there is


def test_a_deep_link_before_the_frame_ran_shows_nothing_without_sign_in(
        small_store: EventStore, served_navigation: Callable[[], None]) -> None:
    served_navigation()  # Streamlit's own page resolution, legacy multipage mode included
    at = app(accounts_secrets())
    at.switch_page("pages/data.py").run()  # the first request of a fresh server, straight to /data
    assert not at.exception
    assert title(at) == "Sign in to Labelline"
    assert not at.dataframe and not at.file_uploader


def test_wrong_password_fails_with_a_message_and_the_right_one_passes(small_store: EventStore) -> None:
    at = app(accounts_secrets()).run()
    sign_in(at, "ops", "not the password")
    assert title(at) == "Sign in to Labelline"
    assert [e.value for e in at.error] == ["Wrong username or password."]
    sign_in(at, "nobody", PASSWORD)
    assert [e.value for e in at.error] == ["Wrong username or password."]  # same words: usernames stay secret

    sign_in(at, "ops", PASSWORD)
    assert not at.exception
    assert title(at) == "Overview"
    assert any("Signed in as **ops** · ops" in c.value for c in at.sidebar.caption)
    assert not at.error


def test_a_password_in_plain_text_is_not_an_account(small_store: EventStore) -> None:
    secrets = accounts_secrets()
    secrets["credentials"]["usernames"]["viewer"]["password"] = PASSWORD  # not hashed: must not work
    at = app(secrets).run()
    sign_in(at, "viewer", PASSWORD)
    assert title(at) == "Sign in to Labelline"
    assert at.error[0].value == "Wrong username or password."


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_its_pages_and_no_others(small_store: EventStore, role: str) -> None:
    at = signed_in_as(role)
    assert not at.exception and title(at) == "Overview"
    for page in PAGES[1:]:
        if page in ALLOWED[role]:
            at.switch_page(f"pages/{page}.py").run()
            assert not at.exception, (role, page, at.exception)
            assert title(at) != "Overview", f"{role} should open {page}"
            assert title(at) == TITLES.get(page, title(at))
        else:  # not in this role's navigation at all, so neither a link nor a URL reaches it
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"pages/{page}.py")


@pytest.mark.parametrize(("role", "may_upload"), [("admin", True), ("ops", True), ("manager", False),
                                                   ("finance", False)])
def test_only_admin_and_ops_get_the_upload_form(small_store: EventStore, role: str, may_upload: bool) -> None:
    at = signed_in_as(role)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert bool(at.file_uploader) is may_upload


def mask_script() -> None:
    import pandas as pd
    import streamlit as st

    from labelline.ui.identity import mask_workers

    frame = pd.DataFrame({"worker_id": ["jane.doe@example.com", "w7", None, "w7"], "reviewer_id": ["w7"] * 4,
                          "events": [1, 2, 3, 4]})
    st.dataframe(mask_workers(frame, columns=("worker_id", "reviewer_id", "not_a_column")))


def masked(role: str | None, key: str = "a" * 64) -> pd.DataFrame:
    at = AppTest.from_function(mask_script, default_timeout=30)
    at.secrets["credentials"] = {"usernames": {}}  # accounts mode: the role comes from the session
    at.secrets["pseudonym_key"] = key
    if role:
        at.session_state["auth_role"] = role
    at.run()
    assert not at.exception
    return at.dataframe[0].value


def test_viewers_see_stable_keyed_pseudonyms_and_admins_real_ids() -> None:
    real = masked("admin")
    assert list(real["worker_id"][:2]) == ["jane.doe@example.com", "w7"]

    for role in ("viewer", "manager", "finance", "ops", None):  # no role at all counts as viewer
        shown = masked(role)
        names = shown["worker_id"]
        assert names[0].startswith("annotator-") and names[1].startswith("annotator-")
        assert names[1] == names[3] == shown["reviewer_id"][0]  # one worker, one name, in every column
        assert names[0] != names[1]
        assert pd.isna(names[2])  # missing stays missing
        assert list(shown["events"]) == [1, 2, 3, 4]
    again = masked("viewer")
    assert list(again["worker_id"][:2]) == list(masked("viewer")["worker_id"][:2])  # stable across sessions
    other_key = masked("viewer", key="b" * 64)
    assert other_key["worker_id"][1] != again["worker_id"][1]  # keyed: without the key, no way back


def test_the_annotators_page_shows_a_viewer_no_real_worker_id(small_store: EventStore) -> None:
    real_ids = {"jane.doe0@example.com", "jane.doe1@example.com", "w2", "w0", "w1", "r1"}

    def worker_cells(at: AppTest) -> set[str]:
        cells: set[str] = set()
        for frame in at.dataframe:
            for column in frame.value.columns:
                if "worker" in str(column):
                    cells |= {str(v) for v in frame.value[column].dropna()}
        return cells

    viewer = signed_in_as("viewer")
    viewer.switch_page("pages/annotators.py").run()
    assert not viewer.exception and title(viewer) == "Annotators"
    shown = worker_cells(viewer)
    assert shown and not shown & real_ids
    admin = signed_in_as("admin")
    admin.switch_page("pages/annotators.py").run()
    assert worker_cells(admin) & real_ids


def test_audit_records_a_sign_in_and_only_admins_read_it(small_store: EventStore) -> None:
    at = app(accounts_secrets()).run()
    sign_in(at, "manager", PASSWORD)
    at.run()  # a rerun is not a second sign-in
    log = audit.read(small_store.root)
    assert list(log["action"]) == ["sign_in"] and list(log["who"]) == ["manager"]
    assert list(log["role"]) == ["manager"] and json.loads(log["details"][0]) == {"method": "password"}

    admin = signed_in_as("admin")
    admin.switch_page("pages/audit.py").run()
    assert not admin.exception and title(admin) == "Audit log"
    shown = admin.dataframe[0].value
    assert set(shown["who"]) == {"manager", "admin"} and set(shown["action"]) == {"sign_in"}


def test_upload_on_the_data_page_lands_events_quarantines_a_bad_record_and_is_audited(
        small_store: EventStore, tmp_path: Path) -> None:
    at = signed_in_as("ops")
    at.switch_page("pages/data.py").run()
    before = small_store.status()["events"]
    rows = [event(n) for n in range(40, 44)] + [event(44, active_s=-3)]
    upload = write_csv(tmp_path / "to-upload.csv", rows).read_bytes()
    at.file_uploader[0].set_value(("more.csv", upload, "text/csv"))
    at.button(key="FormSubmitter:upload-Ingest").click().run()
    assert not at.exception

    tiles = {m.label: m.value for m in at.metric}
    assert tiles == {"Records": "5", "Ingested": "4", "Updated": "0", "Unchanged": "0", "Quarantined": "1"}
    per_file = at.dataframe[0].value
    assert list(per_file["file"]) == ["more.csv"] and "active_s" in per_file["problems"][0]
    assert any(f"{before + 4:,} events" in c.value for c in at.sidebar.caption)  # the sidebar counts them too

    assert small_store.status()["events"] == before + 4
    bad = small_store.connect().execute("select field from quarantine where source_file like '%more.csv'").fetchall()
    assert bad == [("active_s",)]
    assert list((small_store.root / "uploads").rglob("more.csv"))  # the uploaded file is kept beside the store
    from labelline.kpis.tables import kpi_tables_path
    from labelline.rates import rates_for_store

    snap = small_store.snapshot()
    assert kpi_tables_path(small_store, snap.events.version, rates_for_store(small_store.root)[0]).exists()

    entry = audit.read(small_store.root, actions=["ingest"])
    assert list(entry["who"]) == ["ops"]
    details = json.loads(entry["details"][0])
    assert details["files"] == ["more.csv"] and details["ingested"] == 4 and details["quarantined"] == 1

    # The page's own tables show the new file and its quarantined record at once.
    log = next(d.value for d in at.dataframe if "source_file" in d.value.columns and "records" in d.value.columns)
    assert Path(log["source_file"][0]).name == "more.csv"


def test_oidc_users_get_the_role_their_email_maps_to(small_store: EventStore) -> None:
    secrets = {"auth": {"redirect_uri": "http://127.0.0.1:1/oauth2callback", "cookie_secret": "s" * 32,
                        "client_id": "labelline", "client_secret": "x",
                        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"},
               "oidc_roles": {"fin@example.com": "finance", "@example.com": "viewer"}}
    at = app(secrets).run()
    assert title(at) == "Sign in to Labelline"
    assert [b.label for b in at.button] == ["Sign in with single sign-on"]

    at = app(secrets)
    at.user = {"is_logged_in": True, "email": "fin@example.com"}  # what st.login leaves after the IdP
    at.run()
    assert not at.exception and title(at) == "Overview"
    at.switch_page("pages/costs.py").run()
    assert title(at) != "Overview"  # finance opens Costs

    at = app(secrets)
    at.user = {"is_logged_in": True, "email": "someone@example.com"}
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/costs.py")  # the domain maps to viewer, who does not

    at = app(secrets)
    at.user = {"is_logged_in": True, "email": "stranger@elsewhere.org"}
    at.run()
    assert "no role in Labelline" in at.error[0].value
    log = audit.read(small_store.root)
    assert list(log["who"]) == ["someone@example.com", "fin@example.com"]


def test_filters_persist_across_pages(small_store: EventStore, tmp_path: Path) -> None:
    ingest_paths([write_csv(tmp_path / "other.csv", [event(n, project="ner-contracts", task_type="ner",
                                                            submitted_at="2025-03-05T10:00:00Z")
                                                      for n in range(60, 64)])], small_store)
    at = app({"unrelated": "x"}).run()
    projects = at.sidebar.multiselect[0]
    assert projects.label == "Project" and set(projects.options) == {"support-intent", "ner-contracts"}
    projects.set_value(["ner-contracts"]).run()
    assert at.session_state["flt_projects"] == ["ner-contracts"]
    at.switch_page("pages/data.py").run()  # the Data page draws the same sidebar
    at.switch_page("pages/overview.py").run()
    assert at.session_state["flt_projects"] == ["ner-contracts"]
    assert at.sidebar.multiselect[0].value == ["ner-contracts"]

    dates = at.sidebar.date_input[0]
    first, last = dates.value
    dates.set_value((first, first)).run()  # one day: a date filter
    assert (at.session_state["flt_since"], at.session_state["flt_until"]) == (first, first)
    at.switch_page("pages/quality.py").run()
    assert at.sidebar.date_input[0].value == (first, first)
    at.sidebar.date_input[0].set_value((first, last)).run()  # the whole log again: no date filter at all
    assert "flt_since" not in at.session_state and "flt_until" not in at.session_state


def test_accounts_can_live_in_a_credentials_file(small_store: EventStore, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text(f"credentials:\n  usernames:\n    fran:\n      name: Fran\n      email: fran@example.com\n"
                           f"      password: '{HASH}'\n      roles: [finance]\n")
    at = app({"credentials_file": str(credentials), "cookie": {"name": "t", "key": "k" * 40}}).run()
    sign_in(at, "fran", PASSWORD)
    assert not at.exception and title(at) == "Overview"
    assert any("Signed in as **fran** · finance" in c.value for c in at.sidebar.caption)


def test_no_usable_account_says_so_instead_of_an_empty_page(small_store: EventStore) -> None:
    secrets = accounts_secrets()
    for user in secrets["credentials"]["usernames"].values():
        user["roles"] = ["superuser"]  # not a Labelline role
    at = app(secrets).run()
    assert title(at) == "Sign in to Labelline" and not at.text_input
    assert "no account can be used" in at.error[0].value


def _append_entries(root: str, writer: int) -> None:
    for n in range(300):
        audit.record(root, f"writer-{writer}", "ingest", {"n": n, "padding": "x" * 500})


def test_the_audit_log_takes_appends_from_several_processes_at_once(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_entries, args=(str(tmp_path), w)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    lines = (tmp_path / audit.AUDIT_FILE).read_text().splitlines()
    assert len(lines) == 1200 and all(json.loads(line)["action"] == "ingest" for line in lines)
    log = audit.read(tmp_path)
    assert len(log) == 1200
    for w in range(4):  # each writer's entries in its own order: none lost, none split
        mine = [json.loads(d)["n"] for d in log[log["who"] == f"writer-{w}"]["details"][::-1]]
        assert mine == list(range(300))


def test_the_audit_log_skips_a_torn_last_line_and_filters(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    audit.record(tmp_path, "ann", "sign_in", {"method": "password"}, role="admin",
                 at=datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    audit.record(tmp_path, "bo", "scenario_run", {"scenario": "baseline"}, role="finance",
                 at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    with open(tmp_path / audit.AUDIT_FILE, "a") as f:
        f.write('{"at": "2026-03-03T00:00:00Z", "who": "cut sh')  # a writer died mid-line
    log = audit.read(tmp_path)
    assert list(log["who"]) == ["bo", "ann"]  # newest first, the torn line left out
    assert str(log["at"].dt.tz) == "UTC"
    assert list(audit.read(tmp_path, since=datetime(2026, 3, 2))["who"]) == ["bo"]
    assert list(audit.read(tmp_path, until=datetime(2026, 3, 2))["who"]) == ["ann"]
    assert list(audit.read(tmp_path, actions=["sign_in"], who=["ann", "bo"])["who"]) == ["ann"]
    assert audit.read(tmp_path / "nowhere").empty
