"""A real Label Studio server for live tests of `labelline sync label-studio`.

Label Studio is installed from PyPI into a virtualenv of its own (its pins clash with the
project's): `$LABELLINE_LS_VENV`, else `~/.cache/labelline/label-studio-venv`. The install is
done once and reused (a stamp file names the version); it also keeps a migrated, empty SQLite
database as a template, so that a fresh server starts in ~3 s instead of ~35 s of migrations.

A server binds 127.0.0.1 on a free port, keeps its data in a fresh directory, never calls out
(telemetry, Sentry and the PyPI version check are off) and runs in its own process group, which
`stop()` ends (TERM, then KILL), also at interpreter exit as a safety net; on Linux the kernel
kills it too should the test process die without cleaning up (PR_SET_PDEATHSIG).

Users sign up through the ordinary sign-up form, the later ones through the organization's
invite link, so all share the one organization. Label Studio 1.23 turns legacy API tokens off
for new organizations (Personal Access Tokens, i.e. JWT refresh tokens, are the default);
the first user, the organization's owner, turns legacy tokens back on through
POST /api/jwt/settings, so each `User` carries a plain `Authorization: Token ...` key.
`LabelStudio.personal_access_token()` gives the PAT flow too.

Usage (see tests/live/conftest.py for the fixture):

    with LabelStudioServer(ensure_label_studio(), tmp_dir) as server:
        ls = LabelStudio(server)
        alice = ls.sign_up("alice@example.com")
        api = ls.client(alice)
        project = api.create_project("demo")
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

#: The pinned version: the newest on PyPI when this was written that installs and works here.
LABEL_STUDIO_VERSION = "1.23.2"

STAMP_NAME = ".labelline-installed"
TEMPLATE_DIR_NAME = "labelline-template"
DB_NAME = "label_studio.sqlite3"

INSTALL_TIMEOUT_S = 20 * 60
START_TIMEOUT_S = 180.0
HTTP_TIMEOUT_S = 30.0

#: A single-choice text classification.
CHOICES_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInLine="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>"""

#: Environment variables passed through to the server; everything else is dropped, since Label
#: Studio reads bare names such as HOST, PORT, USERNAME, PASSWORD and DEBUG from the environment.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SYSTEMROOT")

#: Settings that keep the server offline and quiet.
OFFLINE_ENV = {
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
    "FEATURE_FLAGS_OFFLINE": "true",
    "DJANGO_DB": "sqlite",
    "PYTHONUNBUFFERED": "1",
}


class LabelStudioUnavailable(RuntimeError):
    """Label Studio could not be installed (e.g. no package registry): live tests skip."""


class LabelStudioError(RuntimeError):
    """The server did not start or did not answer as expected."""


# ---------------------------------------------------------------------------------------------
# Installation


@dataclass(frozen=True)
class Installation:
    venv: Path
    version: str

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "label-studio"

    @property
    def template_db(self) -> Path:
        return self.venv / TEMPLATE_DIR_NAME / DB_NAME


def venv_dir() -> Path:
    configured = os.environ.get("LABELLINE_LS_VENV")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "labelline" / "label-studio-venv"


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return str(beside)
    return shutil.which("uv")


def _run(cmd: Sequence[str | os.PathLike[str]], what: str, timeout: float, env: dict[str, str] | None = None) -> None:
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.output if isinstance(exc.output, str) else (exc.output or b"").decode(errors="replace")
        raise LabelStudioUnavailable(f"{what} timed out after {timeout:.0f}s:\n{_tail(out)}") from exc
    if proc.returncode != 0:
        raise LabelStudioUnavailable(f"{what} failed (exit {proc.returncode}):\n{_tail(proc.stdout)}")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in _PASSED_ENV if k in os.environ}
    env.update(OFFLINE_ENV)
    env["LABEL_STUDIO_BASE_DATA_DIR"] = str(data_dir)
    return env


def ensure_label_studio(version: str = LABEL_STUDIO_VERSION, venv: Path | None = None) -> Installation:
    """Install Label Studio `version` into its own virtualenv unless the stamp says it is there.

    Raises LabelStudioUnavailable when the install fails (e.g. the registry cannot be reached).
    """
    from filelock import FileLock  # a project dependency

    venv = (venv or venv_dir()).absolute()
    inst = Installation(venv, version)
    stamp = venv / STAMP_NAME
    venv.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(venv.parent / f".{venv.name}.lock")):
        if stamp.exists() and stamp.read_text().strip() == f"label-studio=={version}" and inst.executable.exists():
            return inst
        if venv.exists():
            if not (venv / "pyvenv.cfg").exists():
                raise LabelStudioUnavailable(f"{venv} exists and is not a virtualenv; not touching it")
            shutil.rmtree(venv)
        uv = _uv()
        if uv:
            _run([uv, "venv", "--quiet", "--python", sys.executable, venv], "uv venv", 300)
            _run(
                [uv, "pip", "install", "--quiet", "--python", inst.python, f"label-studio=={version}"],
                f"installing label-studio=={version} (uv)",
                INSTALL_TIMEOUT_S,
            )
        else:
            _run([sys.executable, "-m", "venv", venv], "python -m venv", 300)
            _run(
                [inst.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"label-studio=={version}"],
                f"installing label-studio=={version} (pip)",
                INSTALL_TIMEOUT_S,
            )
        # A migrated empty database: `label-studio version` applies all migrations, then exits.
        template = venv / TEMPLATE_DIR_NAME
        with tempfile.TemporaryDirectory(prefix="ls-template-") as tmp:
            _run([inst.executable, "version"], "migrating the template database", 600, env=_server_env(Path(tmp)))
            template.mkdir(exist_ok=True)
            shutil.copy2(Path(tmp) / DB_NAME, template / DB_NAME)
        stamp.write_text(f"label-studio=={version}\n")
        return inst


# ---------------------------------------------------------------------------------------------
# Server process


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGKILL when the test process dies, even by
    SIGKILL (which skips stop() and atexit)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabelStudioServer:
    """One `label-studio start` process on 127.0.0.1 with a fresh data directory."""

    def __init__(self, installation: Installation, base_dir: Path, port: int | None = None) -> None:
        self.installation = installation
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "server.log"
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"), lines)
        except FileNotFoundError:
            return "(no log)"

    def start(self, timeout: float = START_TIMEOUT_S) -> LabelStudioServer:
        if self.proc is not None:
            raise LabelStudioError("already started")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.installation.template_db.exists() and not (self.data_dir / DB_NAME).exists():
            shutil.copy2(self.installation.template_db, self.data_dir / DB_NAME)
        cmd = [
            str(self.installation.executable),
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.base_dir,
                env=_server_env(self.data_dir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended whole by stop()
                preexec_fn=_die_with_parent,
            )
        atexit.register(self.stop)
        try:
            self._wait_until_up(timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_until_up(self, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                raise LabelStudioError(f"label-studio exited with {code} before answering.\nLog tail:\n{self.log_tail()}")
            # Label Studio moves to the next port if ours was taken meanwhile: follow it.
            match = re.search(rb"Starting development server at http://127\.0\.0\.1:(\d+)/", self._log_bytes())
            if match:
                self.port = int(match.group(1))
            try:
                r = requests.get(f"{self.url}/health", timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise LabelStudioError(
                    f"label-studio did not answer {self.url}/health within {timeout:g}s.\nLog tail:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def _log_bytes(self) -> bytes:
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""

    def stop(self, grace: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Reap any straggler left in the group (runserver spawns no children with --noreload).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> LabelStudioServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Users and the test-side API client


@dataclass
class User:
    email: str
    password: str
    id: int
    token: str  # legacy API token: `Authorization: Token <token>`
    session: requests.Session = field(repr=False)  # logged in through the web form (CSRF cookie)

    @property
    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


class LabelStudio:
    """The server plus its users: what the `label_studio` fixture hands to tests."""

    def __init__(self, server: LabelStudioServer) -> None:
        self.server = server
        self.url = server.url
        self.users: dict[str, User] = {}
        self._clients: list[LabelStudioClient] = []

    @property
    def owner(self) -> User:
        return next(iter(self.users.values()))

    def sign_up(self, email: str, password: str = "labelline-Pass-123") -> User:
        """Sign up through the web form; later users join the owner's organization by invite link."""
        session = requests.Session()
        path = "/user/signup/"
        if self.users:
            invite = self.client(self.owner).get("/api/invite").json()
            path = invite["invite_url"]  # /user/signup/?token=<organization token>
        r = session.get(self.url + path, timeout=HTTP_TIMEOUT_S)
        r.raise_for_status()
        r = session.post(
            self.url + path,
            data={"email": email, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": self.url + path},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT_S,
        )
        if r.status_code != 302:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', r.text)
            raise LabelStudioError(f"sign-up of {email} failed: HTTP {r.status_code} {errors or r.text[:300]}")
        if not self.users:  # the organization's owner: allow legacy `Token` keys for the whole org
            r = self._session_call(session, "POST", "/api/jwt/settings", json={"legacy_api_tokens_enabled": True, "api_tokens_enabled": True})
            if not r.json().get("legacy_api_tokens_enabled"):
                raise LabelStudioError(f"could not enable legacy API tokens: {r.text}")
        me = self._session_call(session, "GET", "/api/current-user/whoami").json()
        token = self._session_call(session, "GET", "/api/current-user/token").json()["token"]
        user = User(email=email, password=password, id=me["id"], token=token, session=session)
        self.users[email] = user
        return user

    def _session_call(self, session: requests.Session, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Referer": self.url + "/"}
        if method != "GET":
            headers["X-CSRFToken"] = session.cookies.get("csrftoken", "")
        r = session.request(method, self.url + path, headers=headers, timeout=HTTP_TIMEOUT_S, **kw)
        _raise_for_status(r)
        return r

    def personal_access_token(self, user: User) -> str:
        """A new Personal Access Token (a JWT refresh token; one per user at a time)."""
        return self._session_call(user.session, "POST", "/api/token/", json={}).json()["token"]

    def access_token(self, personal_access_token: str) -> str:
        """Trade a PAT for a short-lived (5 min) access token: `Authorization: Bearer <access>`."""
        r = requests.post(self.url + "/api/token/refresh/", json={"refresh": personal_access_token}, timeout=HTTP_TIMEOUT_S)
        _raise_for_status(r)
        return r.json()["access"]

    def revoke_personal_access_tokens(self, user: User) -> None:
        """Blacklist the user's PATs (the listing shows them truncated, which is what blacklist takes)."""
        for t in self._session_call(user.session, "GET", "/api/token/").json():
            self._session_call(user.session, "POST", "/api/token/blacklist/", json={"refresh": t["token"]})

    def client(self, user: User | str) -> LabelStudioClient:
        if isinstance(user, str):
            user = self.users[user]
        client = LabelStudioClient(self.url, user)
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every HTTP session opened for the users and their clients."""
        for client in self._clients:
            client.http.close()
        for user in self.users.values():
            user.session.close()
        self._clients.clear()


def _raise_for_status(r: requests.Response) -> None:
    if r.status_code >= 400:
        raise LabelStudioError(f"{r.request.method} {r.url} -> HTTP {r.status_code}: {r.text[:500]}")


def choice_result(choice: str, from_name: str = "sentiment", to_name: str = "text") -> list[dict[str, Any]]:
    return [{"from_name": from_name, "to_name": to_name, "type": "choices", "value": {"choices": [choice]}}]


class LabelStudioClient:
    """The REST API as one user, through its legacy token (test side only: raises on HTTP >= 400)."""

    def __init__(self, url: str, user: User) -> None:
        self.url = url
        self.user = user
        self.http = requests.Session()
        self.http.headers.update(user.auth_header)

    # raw calls
    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", HTTP_TIMEOUT_S)
        r = self.http.request(method, self.url + path, **kw)
        _raise_for_status(r)
        return r

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # projects and tasks
    def create_project(self, title: str, label_config: str = CHOICES_CONFIG, **fields: Any) -> dict[str, Any]:
        return self.post("/api/projects/", json={"title": title, "label_config": label_config, **fields}).json()

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]]) -> list[int]:
        """Import tasks (each `{"text": ...}` or `{"data": {...}}`); returns the new task ids."""
        r = self.post(f"/api/projects/{project_id}/import", params={"return_task_ids": "true"}, json=list(tasks))
        return list(r.json()["task_ids"])

    def delete_task(self, task_id: int) -> None:
        self.delete(f"/api/tasks/{task_id}/")

    def task(self, task_id: int) -> dict[str, Any]:
        return self.get(f"/api/tasks/{task_id}/").json()

    def list_tasks(
        self,
        project_id: int,
        page: int = 1,
        page_size: int = 100,
        fields: str | None = "all",
        query: dict[str, Any] | None = None,
    ) -> requests.Response:
        """GET /api/tasks/ (the Data Manager listing): {"tasks": [...], "total": N, ...}."""
        params: dict[str, Any] = {"project": project_id, "page": page, "page_size": page_size}
        if fields:
            params["fields"] = fields
        if query is not None:
            params["query"] = json.dumps(query)
        kw: dict[str, Any] = {"params": params, "timeout": HTTP_TIMEOUT_S}
        return self.http.get(self.url + "/api/tasks/", **kw)  # not raising: callers check paging ends

    def iter_tasks(self, project_id: int, page_size: int = 100, **kw: Any) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            r = self.list_tasks(project_id, page=page, page_size=page_size, **kw)
            if r.status_code == 404:  # past the last page
                return
            _raise_for_status(r)
            tasks = r.json()["tasks"]
            yield from tasks
            if len(tasks) < page_size:
                return
            page += 1

    def export(self, project_id: int, **params: Any) -> list[dict[str, Any]]:
        return self.get(f"/api/projects/{project_id}/export", params={"exportType": "JSON", **params}).json()

    # annotations
    def annotate(
        self,
        task_id: int,
        choice: str | None = "Positive",
        lead_time: float = 0.5,
        was_cancelled: bool = False,
        ground_truth: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Annotate as this client's user. The server stamps created_at itself (it is read-only),
        so keep `lead_time` below the seconds since the task was imported: labelline's ingest
        estimates the start as created_at - lead_time and quarantines a record whose task was
        queued after that ("queued_at: after the work started")."""
        body = {
            "result": choice_result(choice) if choice else [],
            "lead_time": lead_time,
            "was_cancelled": was_cancelled,
            "ground_truth": ground_truth,
            **fields,
        }
        return self.post(f"/api/tasks/{task_id}/annotations/", json=body).json()

    def skip(self, task_id: int, lead_time: float = 0.2) -> dict[str, Any]:
        """A skipped task: a cancelled annotation (was_cancelled=true) with an empty result."""
        return self.annotate(task_id, choice=None, lead_time=lead_time, was_cancelled=True)

    def update_annotation(
        self, annotation_id: int, choice: str | None = None, lead_time: float | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = dict(fields)
        if choice is not None:
            body["result"] = choice_result(choice)
        if lead_time is not None:
            body["lead_time"] = lead_time
        return self.patch(f"/api/annotations/{annotation_id}/", json=body).json()

    def set_ground_truth(self, annotation_id: int, value: bool = True) -> dict[str, Any]:
        return self.update_annotation(annotation_id, ground_truth=value)

    def delete_annotation(self, annotation_id: int) -> None:
        self.delete(f"/api/annotations/{annotation_id}/")

    def annotation(self, annotation_id: int) -> dict[str, Any]:
        return self.get(f"/api/annotations/{annotation_id}/").json()

    def create_draft(self, task_id: int, choice: str = "Neutral", lead_time: float = 0.5) -> dict[str, Any]:
        return self.post(f"/api/tasks/{task_id}/drafts", json={"result": choice_result(choice), "lead_time": lead_time}).json()

    # auth
    def reset_token(self) -> str:
        """Revoke this user's legacy token and get a new one (the old one then gets HTTP 401)."""
        new = self.post("/api/current-user/reset-token/").json()["token"]
        self.user.token = new
        self.http.headers.update(self.user.auth_header)
        return new

    def whoami(self) -> dict[str, Any]:
        return self.get("/api/current-user/whoami").json()
