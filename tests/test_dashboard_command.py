"""`labelline dashboard`: the server starts with its libraries loaded, on 127.0.0.1, and stops cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from labelline.ui.serve import PRELOAD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_dashboard_command_serves_app_py(tmp_path: Path) -> None:
    port = _free_port()
    cmd = [str(Path(sys.executable).parent / "labelline"), "dashboard", "--port", str(port), "--store",
           str(tmp_path / "store"), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert "libraries loaded in" in output and f"http://127.0.0.1:{port}" in output
    assert not any(name.startswith("labelline.ui") for name in PRELOAD)  # see serve.py: Streamlit's caches
