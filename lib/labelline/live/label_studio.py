"""Sync from a running Label Studio: only what changed since the last sync, exactly once.

What the server offers (verified against Label Studio 1.23, docs/label-studio-api.md):
a task's ``updated_at`` moves whenever one of its annotations is created, edited, skipped,
flagged as ground truth or deleted, and the task list can be filtered by it. Deleted tasks
leave no trace but their absence. So one sync of a project is:

1. **changed tasks**: every task with ``updated_at`` at or after the project's watermark
   (less a margin, for a write that committed late), with all its annotations, paged by id
   so a task updated mid-sync is seen twice rather than missed; tasks whose ``updated_at``
   equals what we already ingested are dropped;
2. **ingest**: those tasks, written as Label Studio's own multi-project dump, go through the
   file adapter (the same mapping as an exported file: same event ids, workers, lead times,
   rework) as the whole truth about those tasks, so an annotation deleted at the source is
   retired from the store in the same commit;
3. **deleted tasks**: the project's full id list (a few dozen bytes per task) against the
   cursor's; the events of vanished tasks are retired;
4. **cursor**: the new watermark and the ingested ``updated_at`` per task, saved only after
   the commit. A crash or an outage before that leaves the cursor behind, and the next sync
   fetches the same tasks again; ingest is idempotent, so nothing doubles.

Nothing is ingested from a half-read project: a page that fails after retries abandons the
project's sync for this round. The token is sent only in the ``Authorization`` header and is
never written to the store, the state or a message; legacy API tokens (``Token``) and
personal access tokens (JWT refresh tokens, traded for short-lived ``Bearer`` tokens) both work.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from labelline.ingest.adapters.label_studio import dump_project_name
from labelline.ingest.pipeline import ingest_file, new_ingest_id
from labelline.ingest.records import ReadOptions
from labelline.ingest.summary import FileSummary
from labelline.ingest.retire import retire_items
from labelline.live.state import LiveState
from labelline.store import EventStore

__all__ = ["AuthError", "LabelStudioApi", "ProjectSync", "SyncError", "SyncResult", "sync_once"]

KIND = "label-studio"
SOURCE = "label_studio"  # the file adapter's source name: synced and exported events are one
PAGE_SIZE = 500
ID_PAGE_SIZE = 5000
# Re-read tasks updated this long before the watermark: a write whose transaction committed
# after our read may carry an earlier timestamp. Re-reading is harmless (unchanged is skipped).
OVERLAP_S = 60.0
_RETRIED_STATUSES = (429, 500, 502, 503, 504)
_LS_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # the only form the server's date filter accepts


class SyncError(RuntimeError):
    """The server could not be read (down, slow, unexpected answer); the next round retries."""


class AuthError(SyncError):
    """The server refused the token: wrong or revoked. Retrying will not help."""


def token_fingerprint(token: str) -> str:
    """Enough to tell a changed token from the same one; useless to anyone who reads it."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _is_personal_access_token(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")


def _ls_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime(_LS_TIME)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class LabelStudioApi:
    """A small client for the few endpoints a sync needs, with retries and clear errors."""

    def __init__(self, url: str, token: str, timeout_s: float = 60.0, retries: int = 4,
                 backoff_s: float = 1.0, page_size: int = PAGE_SIZE) -> None:
        self.url = url.rstrip("/")
        self.page_size = page_size
        self.retries = retries
        self._token = token
        self.timeout_s = timeout_s
        self.session = requests.Session()
        # Connection failures, timeouts and 5xx/429 answers are retried with exponential
        # backoff (1, 2, 4, 8 s); only GETs are sent, so a retry never does anything twice.
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_s,
                      status_forcelist=_RETRIED_STATUSES, allowed_methods=frozenset({"GET", "POST"}),
                      raise_on_status=False, respect_retry_after_header=True)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self._access: tuple[str, float] | None = None  # (Bearer token, expires at, monotonic)

    def close(self) -> None:
        self.session.close()

    def _auth_header(self) -> dict[str, str]:
        if not _is_personal_access_token(self._token):
            return {"Authorization": f"Token {self._token}"}
        if self._access is None or time.monotonic() > self._access[1]:
            answer = self._send("POST", "/api/token/refresh/", json={"refresh": self._token}, auth=False)
            # Access tokens live 5 minutes; take a fresh one after 4.
            self._access = (answer.json()["access"], time.monotonic() + 240)
        return {"Authorization": f"Bearer {self._access[0]}"}

    def _send(self, method: str, path: str, auth: bool = True, **kw: Any) -> requests.Response:
        headers = self._auth_header() if auth else {}
        try:
            answer = self.session.request(method, self.url + path, headers=headers, timeout=(10, self.timeout_s),
                                          **kw)
        except requests.exceptions.ConnectionError as exc:
            if "Read timed out" not in str(exc):
                raise SyncError(f"{self.url}: cannot connect ({_reason(exc)}); will try again") from None
            # Retried read timeouts end as a ConnectionError wrapping the last ReadTimeoutError.
            raise SyncError(f"{self.url}: no answer within {self.timeout_s:g} s; will try again") from None
        except requests.exceptions.RetryError as exc:
            raise SyncError(f"{self.url}: the server kept failing ({_reason(exc)}); will try again") from None
        except requests.exceptions.Timeout:
            raise SyncError(f"{self.url}: no answer within {self.timeout_s:g} s; will try again") from None
        if answer.status_code in _RETRIED_STATUSES:
            raise SyncError(f"{self.url}: the server kept failing ({answer.status_code} {_detail(answer)}, "
                            f"{self.retries + 1} tries); will try again")
        if answer.status_code in (401, 403):
            raise AuthError(f"{self.url}: the token was refused ({answer.status_code} {_detail(answer)}): it is "
                            "wrong or was revoked; give a current one with --token or LABEL_STUDIO_TOKEN")
        return answer

    def get(self, path: str, **params: Any) -> requests.Response:
        return self._send("GET", path, params=params)

    def json(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        if answer.status_code != 200:
            raise SyncError(f"{self.url}{path}: {answer.status_code} {_detail(answer)}")
        try:
            return answer.json()
        except ValueError:
            raise SyncError(f"{self.url}{path}: the answer is not JSON (is this a Label Studio server?)") from None

    def project(self, project_id: int) -> dict[str, Any]:
        answer = self.get(f"/api/projects/{project_id}")
        if answer.status_code == 404:
            raise SyncError(f"{self.url}: project {project_id} does not exist or this token cannot see it")
        if answer.status_code != 200:
            raise SyncError(f"{self.url}: project {project_id}: {answer.status_code} {_detail(answer)}")
        return answer.json()

    def project_ids(self) -> list[int]:
        """Every project this token can see."""
        ids, page = [], 1
        while True:
            body = self.json("/api/projects", page=page, page_size=100)
            ids += [p["id"] for p in body.get("results", [])]
            if not body.get("next"):
                return sorted(ids)
            page += 1

    def tasks(self, project_id: int, since: datetime | None = None, newest_first: bool = False,
              page_size: int | None = None, **params: Any) -> Iterator[dict[str, Any]]:
        """Tasks of a project (id order, or newest update first), all or those updated at/after ``since``."""
        page_size = page_size or self.page_size
        query: dict[str, Any] = {}
        if since is not None:
            query["filters"] = {"conjunction": "and", "items": [{
                "filter": "filter:tasks:updated_at", "operator": "greater_or_equal", "type": "Datetime",
                "value": _ls_time(since)}]}
        if newest_first:
            query["ordering"] = ["-tasks:updated_at"]
        page = 1
        while True:
            answer = self.get("/api/tasks/", project=project_id, page=page, page_size=page_size,
                              query=json.dumps(query) if query else None, **params)
            if answer.status_code == 404 and page > 1:
                return  # past the last page
            if answer.status_code != 200:
                raise SyncError(f"{self.url}: project {project_id} tasks, page {page}: "
                                f"{answer.status_code} {_detail(answer)}")
            tasks = answer.json().get("tasks", [])
            yield from tasks
            if len(tasks) < page_size:
                return
            page += 1


def _detail(answer: requests.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.reason or "no detail"
    return str(body.get("detail") or body) if isinstance(body, dict) else str(body)[:200]


def _reason(exc: Exception) -> str:
    text = str(exc)
    for known in ("Connection refused", "Connection reset", "Name or service not known", "timed out",
                  "too many 500 error responses", "too many 502 error responses",
                  "too many 503 error responses", "too many 504 error responses", "too many 429 error responses"):
        if known in text:
            return known.lower()
    return type(exc).__name__


@dataclass
class ProjectSync:
    """What one sync of one project did."""

    project_id: int
    title: str = ""
    tasks_fetched: int = 0
    tasks_changed: int = 0
    tasks_deleted: int = 0
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    retired: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.ingested or self.updated or self.retired)


@dataclass
class SyncResult:
    projects: list[ProjectSync] = field(default_factory=list)
    error: str | None = None
    auth_failed: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(p.changed for p in self.projects)

    def total(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.projects)


def _dump_name(url: str, project_id: int) -> str:
    host = urlsplit(url).netloc.replace(":", "-") or "server"
    return f"label-studio-{host}-project-{project_id}.json"


def sync_project(api: LabelStudioApi, store: EventStore, project_id: int, cursor: dict[str, Any],
                 options: ReadOptions | None = None) -> ProjectSync:
    """One project: fetch what changed, ingest it, retire what was deleted; update ``cursor`` in place.

    ``cursor``: ``watermark`` (the server's newest task ``updated_at`` when the last sync
    began), ``title``, and ``tasks``: task id -> [``updated_at`` ingested, annotations then].
    """
    result = ProjectSync(project_id)
    meta = api.project(project_id)
    result.title = meta.get("title") or f"project {project_id}"
    project_name = dump_project_name({"id": project_id, "title": meta.get("title")},
                                     options.project if options else None)
    known: dict[str, list[Any]] = cursor.get("tasks", {})
    watermark = cursor.get("watermark")
    if cursor.get("project_name") not in (None, project_name):
        watermark = None  # renamed: read every task again so all its events carry the new name
    # The server's own clock, read before anything else: an update made while we page has a
    # later stamp and is caught next time even if its page was already read.
    newest = next(api.tasks(project_id, newest_first=True, page_size=1, include="id,updated_at"), {}).get("updated_at")
    since = _parse_time(watermark) - timedelta(seconds=OVERLAP_S) if watermark else None

    fetched: dict[str, dict[str, Any]] = {}
    for t in api.tasks(project_id, since=since, fields="all"):
        fetched[str(t["id"])] = t  # a task seen twice (updated mid-sync): the later copy wins
    result.tasks_fetched = len(fetched)
    changed = [t for tid, t in sorted(fetched.items(), key=lambda kv: int(kv[0]))
               if (known.get(tid) or [None])[0] != t.get("updated_at")]
    result.tasks_changed = len(changed)
    with_work = [t for t in changed if t.get("annotations")]
    if with_work:
        summary = _ingest_tasks(api.url, store, project_id, meta, with_work, options)
        result.ingested, result.updated, result.unchanged = summary.ingested, summary.updated, summary.unchanged
        result.quarantined, result.retired = summary.quarantined, summary.retired
        result.problems += summary.problems

    # Tasks whose every annotation was deleted produce no events to replace the old ones,
    # and deleted tasks are simply absent: both are retired as whole items.
    emptied = {str(t["id"]) for t in changed if not t.get("annotations") and (known.get(str(t["id"])) or [0, 0])[1]}
    for t in changed:
        known[str(t["id"])] = [t.get("updated_at"), len(t.get("annotations") or [])]
    listed = {str(t["id"]) for t in api.tasks(project_id, page_size=ID_PAGE_SIZE, include="id")}
    gone = set(known) - listed
    retire = sorted(emptied | {tid for tid in gone if known[tid][1]}, key=int)
    if retire:
        why = f"{api.url} project {project_id}: {len(gone)} tasks deleted, {len(emptied)} emptied"
        result.retired += retire_items(store, SOURCE, project_name, retire, why).retired
    result.tasks_deleted = len(gone)
    for tid in gone:
        known.pop(tid, None)
    # Page-number paging skips a task when one before it is deleted mid-read; such a task
    # is listed but was never fetched. Keep the old watermark then, so the next round reads it.
    missed = listed - set(known)
    if missed:
        result.problems.append(f"project {project_id}: {len(missed)} tasks moved between pages while reading; "
                               "they are read on the next sync")
    cursor.update(watermark=watermark if missed else (newest or watermark), tasks=known, title=result.title,
                  project_name=project_name)
    return result


def _ingest_tasks(url: str, store: EventStore, project_id: int, meta: dict[str, Any],
                  tasks: list[dict[str, Any]], options: ReadOptions | None) -> FileSummary:
    """The tasks as Label Studio's own multi-project dump, through the file adapter."""
    work = store.root / "_work" / f"sync-{new_ingest_id()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        path = work / _dump_name(url, project_id)
        dump = {"projects": [{"project": {"id": project_id, "title": meta.get("title")}, "tasks": tasks}]}
        path.write_text(json.dumps(dump), encoding="utf-8")
        return ingest_file(path, store, fmt="label-studio", options=options, replace_items=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sync_once(api: LabelStudioApi, store: EventStore, state: LiveState, project_ids: Sequence[int] = (),
              options: ReadOptions | None = None) -> SyncResult:
    """One round over the projects (all visible ones if none named); the state records it."""
    started = time.monotonic()
    result = SyncResult()
    state.attempt()
    try:
        ids = list(project_ids) or api.project_ids()
        for pid in ids:
            cursor = state.cursor.setdefault(str(pid), {})
            # Work on a copy: the cursor moves only once the project's commit is done.
            trial = json.loads(json.dumps(cursor))
            outcome = sync_project(api, store, pid, trial, options)
            state.cursor[str(pid)] = trial
            result.projects.append(outcome)
            state.ingested += outcome.ingested
            state.updated += outcome.updated
            state.retired += outcome.retired
            state.quarantined += outcome.quarantined
            state.save(store.root)
    except SyncError as exc:
        result.error = str(exc)
        result.auth_failed = isinstance(exc, AuthError)
    problems = [p for proj in result.projects for p in proj.problems]
    if problems:
        state.last_problems = problems[-20:]
    if result.error:
        state.failed(result.error)
    else:
        state.succeeded(result.changed)
    state.save(store.root)
    result.seconds = round(time.monotonic() - started, 3)
    return result
