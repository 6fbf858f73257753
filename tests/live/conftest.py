"""The `label_studio` fixture: one real Label Studio server for the whole test session.

Label Studio is installed on first use into its own virtualenv (see label_studio_server.py);
where it cannot be installed (no package registry) the live tests skip, saying why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser_support import launch_args
from live.label_studio_server import (
    LabelStudio,
    LabelStudioServer,
    LabelStudioUnavailable,
    ensure_label_studio,
)

#: Signed up by the fixture, in this order: the first one owns the organization.
OWNER = "owner@example.com"
ANNOTATOR = "annotator@example.com"


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudio]:
    try:
        installation = ensure_label_studio()
    except LabelStudioUnavailable as exc:
        pytest.skip(f"Label Studio could not be installed from PyPI: {exc}")
    server = LabelStudioServer(installation, tmp_path_factory.mktemp("label-studio"))
    server.start()
    ls = LabelStudio(server)
    try:
        ls.sign_up(OWNER)
        ls.sign_up(ANNOTATOR)
        yield ls
    finally:
        ls.close()
        server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # noqa: ANN001, ANN201
    """The soak test's browser: Debian's chromium, as in tests/e2e (one browser per session)."""
    return launch_args(browser_type_launch_args)
