"""A tiny HTTP server on 127.0.0.1 for testing the download code without the internet.

A test gives the server a handler ``handler(request) -> Reply``; the server
records every request it receives, so tests can count them and inspect
methods, query strings and form bodies.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    body: bytes
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        """Query string and form fields together (form wins)."""
        return {**self.query, **self.form}


@dataclass
class Reply:
    """What the server sends back.

    ``send_bytes`` smaller than ``len(body)`` sends a ``Content-Length`` of the
    full body but only that many bytes, then closes the connection.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    send_bytes: int | None = None


def json_reply(doc: object, status: int = 200, **headers: str) -> Reply:
    import json

    return Reply(status, json.dumps(doc).encode(), {"Content-Type": "application/json", **headers})


Handler = Callable[[Request], Reply]


class LocalServer:
    """A threaded HTTP/1.1 server on an ephemeral port of 127.0.0.1.

    Use as a context manager; ``url`` is its base address.
    """

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or (lambda request: Reply(404, b"no handler"))
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls per response

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                form: dict[str, str] = {}
                content_type = self.headers.get("Content-Type") or ""
                if body and "application/x-www-form-urlencoded" in content_type:
                    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                request = Request(
                    method=self.command,
                    path=parsed.path,
                    query=dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)),
                    form=form,
                    body=body,
                    headers={k: v for k, v in self.headers.items()},
                )
                with outer._lock:
                    outer.requests.append(request)
                try:
                    reply = outer.handler(request)
                except Exception as exc:  # a bug in a test handler: make it visible
                    reply = Reply(599, f"test handler failed: {exc!r}".encode())
                self.send_response(reply.status)
                headers = {"Content-Type": "application/octet-stream", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.send_bytes is not None:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    if self.command != "HEAD":
                        self.wfile.write(reply.body[: reply.send_bytes])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts and truncation tests do)

            do_GET = do_POST = do_HEAD = _handle

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, path: str | None = None) -> int:
        """How many requests arrived (for ``path`` only, when given)."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)
