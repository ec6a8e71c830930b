"""A tiny HTTP server on 127.0.0.1 for testing the download code without the internet.

A test gives the server a handler ``handler(request) -> Reply``; the server
records every request it receives, so tests can count them and inspect
methods, query strings and form bodies.

:func:`sequence` and :func:`nomis_server` are ready-made handlers, :class:`Sleeps`
records a client's waits and :func:`cache_files` lists a download cache.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from geo.net import NOMIS_PAGE_ROWS


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


class Sleeps(list):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sequence(*replies: Reply):
    """A handler that sends ``replies`` in turn, then repeats the last one."""
    queue = list(replies)

    def handler(request: Request) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def cache_files(root: Path) -> list[Path]:
    """The files in a download cache folder (not its locks)."""
    return [p for p in root.rglob("*") if p.is_file() and ".locks" not in p.parts]


NOMIS_HEADER = "DATE,GEOGRAPHY_CODE,C2021_AGE_CODE,OBS_VALUE\n"


def nomis_server(total: int, cut: int | None = None, ignore_offset: bool = False):
    """A Nomis API handler serving ``total`` rows in pages (cut short at ``cut``)."""

    def handler(request: Request) -> Reply:
        if not request.path.endswith(".data.csv"):
            return Reply(404, b"no")
        offset = 0 if ignore_offset else int(request.query.get("RecordOffset", 0))
        limit = min(int(request.query.get("RecordLimit", NOMIS_PAGE_ROWS)), NOMIS_PAGE_ROWS)
        end = min(total if cut is None else min(total, cut), offset + limit)
        rows = "".join(f'2021,"E01{i // 5:06d}",{i % 5},{i}\n' for i in range(offset, end))
        return Reply(200, (NOMIS_HEADER + rows).encode(), {"Content-Type": "text/csv"})

    return handler
