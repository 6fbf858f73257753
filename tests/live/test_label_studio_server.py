"""Smoke test of the live Label Studio helper: a real server, two users of one organization,
a project with three tasks, annotations, and the API giving them back."""

from __future__ import annotations

import pytest
import requests

from live.conftest import ANNOTATOR, OWNER
from live.label_studio_server import LABEL_STUDIO_VERSION, LabelStudio

pytestmark = pytest.mark.live


def test_a_real_server_gives_back_what_two_users_annotated(label_studio: LabelStudio) -> None:
    assert requests.get(f"{label_studio.url}/health", timeout=10).json() == {"status": "UP"}
    assert requests.get(f"{label_studio.url}/api/version", timeout=10).json()["release"] == LABEL_STUDIO_VERSION

    owner, annotator = label_studio.client(OWNER), label_studio.client(ANNOTATOR)
    me, other = owner.whoami(), annotator.whoami()
    assert me["id"] != other["id"]
    assert me["active_organization"] == other["active_organization"]
    members = owner.get(f"/api/organizations/{me['active_organization']}/memberships").json()
    assert {m["user"]["email"] for m in members["results"]} >= {OWNER, ANNOTATOR}

    project = owner.create_project("smoke")
    task_ids = owner.import_tasks(project["id"], [{"text": f"review {i}"} for i in range(3)])
    assert len(task_ids) == 3

    first = owner.annotate(task_ids[0], "Positive", lead_time=10.0)
    second = annotator.annotate(task_ids[0], "Negative", lead_time=20.0)
    skipped = annotator.skip(task_ids[1])
    owner.set_ground_truth(first["id"])
    annotator.update_annotation(first["id"], "Neutral", lead_time=11.0)

    tasks = {t["id"]: t for t in owner.iter_tasks(project["id"])}
    assert set(tasks) == set(task_ids)
    by_id = {a["id"]: a for t in tasks.values() for a in t["annotations"]}
    assert set(by_id) == {first["id"], second["id"], skipped["id"]}
    assert by_id[first["id"]]["result"][0]["value"]["choices"] == ["Neutral"]
    assert by_id[first["id"]]["ground_truth"] is True
    assert by_id[second["id"]]["lead_time"] == 20.0
    assert by_id[skipped["id"]]["was_cancelled"] is True
    assert tasks[task_ids[2]]["annotations"] == []

    owner.delete_annotation(second["id"])
    assert [a["id"] for a in owner.task(task_ids[0])["annotations"]] == [first["id"]]

    # A reset token is refused at once; the new one works.
    old = annotator.user.token
    annotator.reset_token()
    assert requests.get(f"{label_studio.url}/api/projects", headers={"Authorization": f"Token {old}"}, timeout=10).status_code == 401
    assert annotator.get("/api/projects").json()["count"] >= 1


def test_personal_access_tokens_work_until_revoked(label_studio: LabelStudio) -> None:
    user = label_studio.users[ANNOTATOR]
    pat = label_studio.personal_access_token(user)
    access = label_studio.access_token(pat)
    bearer = {"Authorization": f"Bearer {access}"}
    assert requests.get(f"{label_studio.url}/api/projects", headers=bearer, timeout=10).status_code == 200

    label_studio.revoke_personal_access_tokens(user)
    refused = requests.post(f"{label_studio.url}/api/token/refresh/", json={"refresh": pat}, timeout=10)
    assert (refused.status_code, refused.json()["detail"]) == (401, "Token is blacklisted")
