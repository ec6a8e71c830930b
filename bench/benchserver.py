"""One ``streamlit run app.py`` server for the browser benchmarks, on a free loopback port.

Used by ``bench_map.py``, ``bench_app.py`` and ``bench_load.py``: started as
``make run`` starts it (headless, no usage statistics), and stopped on exit.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def server(
    cwd: Path, env: dict[str, str], log: Path | None = None, *, wait_s: float = 120
) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """A ``streamlit run app.py`` server in ``cwd``; yields (url, process, seconds to start).

    Its output goes to ``log`` (by default a file in the temporary folder).
    Waits up to ``wait_s`` seconds for the health check, and stops if the
    server exits first.
    """
    port = free_port()
    log = log or Path(tempfile.gettempdir()) / f"bench-app-{port}.log"
    out = log.open("wb")
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not healthy(url):
            if process.poll() is not None:
                raise SystemExit(f"the server stopped; see {log}")
            time.sleep(0.05)
        yield url, process, time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(timeout=20)
        out.close()
