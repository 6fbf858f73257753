"""The sign-in gate: local accounts, optional OIDC, or an explicit single-user demo mode.

Local accounts live in ``.streamlit/secrets.toml`` (``[credentials.usernames.NAME]`` with a
bcrypt hash and a role) or in a YAML file that secrets names (``credentials_file``), in the
layout of streamlit-authenticator, which draws the form, checks the hash and keeps a signed
re-login cookie. An ``[auth]`` section turns on Streamlit's own OIDC sign-in (``st.login``);
the role then comes from ``[oidc_roles]``. With neither, the app runs in single-user demo
mode: everyone who opens it is admin, and the sidebar says so.
``.streamlit/secrets.toml.example`` documents every key.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import streamlit as st

from labelline.ui import identity
from labelline.ui.identity import ROLE_KEY, ROLES, USER_KEY

__all__ = ["AuthMode", "auth_mode", "accounts", "oidc_providers", "oidc_role", "gate", "require_sign_in",
           "sidebar_account"]

AuthMode = Literal["demo", "accounts"]

log = logging.getLogger(__name__)

# session_state: the sign-in already written to the audit log in this session.
_AUDITED_KEY = "auth_audited"
# session_state: a sign-out asked for by the sidebar button, with the method to sign out of.
_SIGN_OUT_KEY = "auth_signing_out"


def _secrets() -> Mapping[str, Any]:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except FileNotFoundError:  # no secrets file anywhere: demo mode
        return {}


def _plain(value: Any) -> Any:
    """Secrets sections as plain, mutable dicts (streamlit-authenticator writes into them)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _role_of(roles: Any) -> str | None:
    """The most privileged known role among an account's roles (a string or a list)."""
    given = [roles] if isinstance(roles, str) else list(roles or [])
    known = [r for r in ROLES if r in given]
    return known[0] if known else None


@st.cache_data(ttl=60, show_spinner=False)
def _credentials_file(path: str, mtime: float) -> dict[str, Any]:
    import yaml  # installed with streamlit-authenticator, whose file layout this is

    with open(path, encoding="utf-8") as f:
        config = yaml.safe_load(f) or {}
    return config.get("credentials", config)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    # accounts() runs on every rerun of every session: say each problem once per server.
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def accounts() -> dict[str, dict[str, Any]]:
    """Usable local accounts by username: a bcrypt hash and a known role each.

    Accounts without either are left out and logged, so a typo locks out one account
    rather than opening the app to everyone.
    """
    from streamlit_authenticator.utilities.hasher import Hasher

    secrets = _secrets()
    users: dict[str, Any] = {}
    if "credentials_file" in secrets:
        path = Path(str(secrets["credentials_file"])).expanduser()
        users.update(_credentials_file(str(path), path.stat().st_mtime).get("usernames", {}))
    users.update(_plain(secrets.get("credentials", {})).get("usernames", {}))
    usable: dict[str, dict[str, Any]] = {}
    for name, user in users.items():
        user = dict(user)
        if not Hasher.is_hash(str(user.get("password", ""))):
            _warn_once(f"account {name!r} ignored: its password is not a bcrypt hash")
        elif _role_of(user.get("roles", user.get("role"))) is None:
            _warn_once(f"account {name!r} ignored: no role among {', '.join(ROLES)}")
        else:
            user["roles"] = [_role_of(user.get("roles", user.get("role")))]
            usable[str(name)] = user
    return usable


def oidc_providers() -> list[str | None]:
    """The OIDC providers configured for st.login: [None] for a single unnamed one."""
    section = _secrets().get("auth")
    if not isinstance(section, Mapping):
        return []
    if "server_metadata_url" in section:
        return [None]
    return [name for name, value in section.items()
            if isinstance(value, Mapping) and "server_metadata_url" in value]


def auth_mode() -> AuthMode:
    """"accounts" when local accounts or an OIDC provider are configured, else "demo"."""
    secrets = _secrets()
    configured = "credentials" in secrets or "credentials_file" in secrets or oidc_providers()
    return "accounts" if configured else "demo"


def oidc_role(email: str | None) -> str | None:
    """The role ``[oidc_roles]`` gives an e-mail: exact address, then ``@domain``, then ``default``."""
    mapping = {str(k).lower(): str(v) for k, v in _plain(_secrets().get("oidc_roles", {})).items()}
    email = (email or "").lower()
    domain = "@" + email.rpartition("@")[2] if "@" in email else None
    for key in (email, domain, "default"):
        if key and mapping.get(key) in ROLES:
            return mapping[key]
    return None


def _signed_in(user: str, role: str, method: str) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[ROLE_KEY] = role
    if st.session_state.get(_AUDITED_KEY) != user:  # once per sign-in, not once per rerun
        st.session_state[_AUDITED_KEY] = user
        identity.audit("sign_in", {"method": method}, who=user, role=role)


def _signed_out(user: str | None, role: str | None, method: str) -> None:
    for key in (USER_KEY, ROLE_KEY, _AUDITED_KEY, "auth_method"):
        st.session_state.pop(key, None)
    if user:
        identity.audit("sign_out", {"method": method}, who=user, role=role)


def _cookie_days() -> float:
    """How long the re-login cookie lasts; 0 (no cookie) without a key of 32+ characters to sign it."""
    cookie = _plain(_secrets().get("cookie", {}))
    return float(cookie.get("expiry_days", 7)) if len(str(cookie.get("key") or "")) >= 32 else 0.0


def _authenticator(users: dict[str, dict[str, Any]]):  # noqa: ANN202 (streamlit_authenticator.Authenticate)
    import streamlit_authenticator as stauth

    cookie = _plain(_secrets().get("cookie", {}))
    key, days = str(cookie.get("key") or ""), _cookie_days()
    # A copy per session: the library records logged_in and failed attempts in the dict it gets.
    return stauth.Authenticate({"usernames": copy.deepcopy(users)}, cookie_name=str(cookie.get("name", "labelline")),
                               cookie_key=key or "unused-without-a-cookie-key-000000", cookie_expiry_days=days,
                               auto_hash=False)


def gate() -> None:
    """Let the signed-in user through, or draw the sign-in page and stop the script.

    Sets the user and role that ``identity.current_role()`` reads; writes sign-ins and
    sign-outs to the audit log.
    """
    if auth_mode() == "demo":
        for key in (USER_KEY, ROLE_KEY):
            st.session_state.pop(key, None)
        return

    signing_out = st.session_state.pop(_SIGN_OUT_KEY, None)
    providers = oidc_providers()
    if signing_out == "oidc" and st.user.get("is_logged_in"):
        st.logout()
    if providers and st.user.get("is_logged_in"):
        email = st.user.get("email") or st.user.get("sub")
        role = oidc_role(st.user.get("email"))
        if role is not None:
            _signed_in(str(email), role, "oidc")
            st.session_state["auth_method"] = "oidc"
            return
        unmapped = str(email)
    else:
        unmapped = None

    users = accounts()
    authenticator = None
    if users:
        authenticator = _authenticator(users)
        if signing_out:
            # Here and not in the button's callback: deleting the cookie draws a component.
            authenticator.logout(location="unrendered")
        if st.session_state.get("authentication_status"):
            name = st.session_state["username"]
            if name in users:
                _signed_in(name, _role_of(st.session_state.get("roles")) or "viewer", "password")
                st.session_state["auth_method"] = "password"
                return
            authenticator.logout(location="unrendered")  # the account was removed: the cookie no longer counts

    # The sign-in form is the only page until then. Navigation must be declared even here:
    # without st.navigation Streamlit would serve the files in pages/ by their URLs, ungated.
    st.navigation([st.Page(lambda: _sign_in_page(authenticator, providers, unmapped),
                           title="Sign in", icon=":material/login:", url_path="sign-in")],
                  position="hidden").run()
    st.stop()


def require_sign_in() -> None:
    """Send a session that reached a page without passing the gate to the sign-in page.

    With a ``pages/`` folder beside app.py, the first run after the server starts can be
    Streamlit's legacy multipage mode, which runs a page file from a deep link (``/data``)
    without app.py, hence without the gate. The data accessors call this, so such a run
    shows nothing and goes to the main script instead; once app.py has run, st.navigation
    turns the legacy mode off for the whole server.
    """
    if auth_mode() == "demo" or st.session_state.get(ROLE_KEY) in ROLES:
        return
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        st.switch_page(ctx.main_script_path)
    st.stop()


def _sign_in_page(authenticator: Any, providers: list[str | None], unmapped: str | None) -> None:
    st.title("Sign in to Labelline")
    if unmapped:
        st.error(f"You are signed in as {unmapped}, but this account has no role in Labelline. "
                 "Ask an admin to add it to `[oidc_roles]`.", icon=":material/block:")
        st.button("Sign out", on_click=st.logout, key="oidc_sign_out_norole")
        return
    if authenticator is not None:
        st.session_state.pop("password_hint", None)  # hints would tell strangers which usernames exist
        authenticator.login(location="main", key="sign_in",
                            fields={"Form name": "Account", "Username": "Username", "Password": "Password",
                                    "Login": "Sign in"})
        if st.session_state.get("authentication_status"):
            if _cookie_days():
                # Not st.rerun(): it would drop the component that is setting the re-login cookie.
                # The component answers once the cookie is set, and that answer reruns the app.
                st.success("Signed in: opening the dashboard…", icon=":material/check_circle:")
            else:
                st.rerun()  # through the gate, which records the sign-in and opens the pages
        if st.session_state.get("authentication_status") is False:
            st.error("Wrong username or password.", icon=":material/lock:")
    if authenticator is None and not providers:
        st.error("Sign-in is configured, but no account can be used: each needs a bcrypt hash as its password "
                 "and one of the roles admin, manager, finance, ops or viewer. The server log names the accounts "
                 "left out.", icon=":material/error:")
    for provider in providers:
        label = "Sign in with " + (provider.replace("_", " ").title() if provider else "single sign-on")
        st.button(label, key=f"oidc_{provider or 'default'}", on_click=st.login,
                  args=(provider,) if provider else ())


def sidebar_account() -> None:
    """Who is signed in, with what role, and a sign-out button; or the demo-mode notice."""
    from labelline.ui.identity import current_role, current_user

    if auth_mode() == "demo":
        st.warning("**Single-user demo mode**: no accounts are configured, so whoever opens the app is admin. "
                   "Accounts go in `.streamlit/secrets.toml` (see the `.example`).", icon=":material/lock_open:")
        return
    user, role = current_user(), current_role()
    st.caption(f"Signed in as **{user}** · {role}")
    st.button("Sign out", key="sign_out", icon=":material/logout:", on_click=_sign_out, args=(user, role))


def _sign_out(user: str, role: str) -> None:
    method = st.session_state.get("auth_method") or "password"
    _signed_out(user, role, method)
    st.session_state[_SIGN_OUT_KEY] = method  # the gate finishes it on the rerun this click starts
