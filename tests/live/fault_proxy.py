"""A proxy in front of a real server that injects the faults a sync must survive.

It forwards every request to the upstream unchanged, except those whose path and query
contain ``match``: for them it answers with an HTTP error, waits before answering (a slow
server), or closes the connection (a server that died mid-request), as often as told.
Binds 127.0.0.1 on a free port; ``close()`` stops it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

__all__ = ["Fault", "FaultProxy"]

_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length", "host"}


@dataclass
class Fault:
    match: str  # a substring of the request's path and query
    status: int | None = None  # answer with this status ...
    delay_s: float = 0.0  # ... or after this long ...
    drop: bool = False  # ... or close the connection without an answer
    times: int | None = None  # how many requests it hits (None: until cleared)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.hits: list[str] = []  # every forwarded or faulted path, in order
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy._take(self.path)
                if fault is not None:
                    if fault.delay_s:
                        time.sleep(fault.delay_s)
                    if fault.drop:
                        self.close_connection = True
                        self.connection.close()
                        return
                    if fault.status:
                        payload = b'{"detail": "injected fault"}'
                        self.send_response(fault.status)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                try:
                    up = requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body,
                                          timeout=60, allow_redirects=False)
                except requests.RequestException:  # the upstream went away (end of the test)
                    self.send_error(502)
                    return
                payload = up.content
                self.send_response(up.status_code)
                for k, v in up.headers.items():
                    if k.lower() not in _HOP_HEADERS:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up on a delayed answer: expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            self.hits.append(path)
            for fault in self.faults:
                if fault.match in path and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
