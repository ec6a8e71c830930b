"""Benchmark of the app as people use it: time to the first map, switching area, sessions at once.

Run from the project folder (needs the real-data mirror named in
data/sources.shared.toml and Chromium at /usr/bin/chromium, or ATLAS_CHROMIUM)::

    python bench/bench_app.py                  # 1 session, then 10 at once
    python bench/bench_app.py --sessions 1,5

A ``streamlit run`` server is started on a free loopback port (no basemap
tiles, nothing leaves the machine) and Playwright drives headless Chromium.
Measured in the same run, for each number of concurrent sessions:

* **first map**: from opening the page until every area of the default area
  (Manchester) is drawn; the first session of the run is the cold baseline
  (the server process has computed nothing yet), the others are warm;
* **switch area**: choosing Trafford in the sidebar until its areas are drawn;
* **control change**: switching the map layer (no new analysis) until the
  legend shows it.

Each line gives the median and worst seconds across sessions, the ratio to
the single warm session (the baseline measured first), and the server's
resident memory before and after (peak over the run).  Exits by itself; the
server is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))

from bench_map import _chromium, _legend_title, _server  # noqa: E402

MANCHESTER_AREAS = 295
TRAFFORD_AREAS = 139


def _rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process and its children (MB)."""
    now = peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return now, peak


def _map_frame(page, expected: int, timeout: float):
    """The map's frame once at least ``expected`` areas are drawn in it."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        for frame in page.frames:
            with contextlib.suppress(Exception):
                if frame.locator("path.leaflet-interactive").count() >= expected:
                    return frame
        time.sleep(0.05)
    raise TimeoutError(f"fewer than {expected} areas drawn after {timeout:.0f} s")


def one_session(browser, url: str, timings: dict[str, list[float]], errors: list[str]) -> None:
    """Open the app, switch to Trafford, switch the layer; record each step's seconds."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        _map_frame(page, MANCHESTER_AREAS, 600)
        timings["first map"].append(time.perf_counter() - start)

        box = page.get_by_role("combobox", name="Local authority")
        start = time.perf_counter()
        box.click()
        box.fill("Trafford")
        page.get_by_role("option", name="Trafford").first.click()
        frame = _map_frame(page, TRAFFORD_AREAS, 600)
        # the Trafford map has replaced Manchester's when the count falls back
        while frame.locator("path.leaflet-interactive").count() > MANCHESTER_AREAS:
            time.sleep(0.05)
        timings["switch area"].append(time.perf_counter() - start)

        start = time.perf_counter()
        page.get_by_text("Gaps: risk × access", exact=True).click()
        while "Gaps" not in _legend_title(frame):
            if time.perf_counter() - start > 120:
                raise TimeoutError("the layer did not switch")
            time.sleep(0.01)
        timings["control change"].append(time.perf_counter() - start)
        if page.get_by_text("This app has encountered an error").count():
            errors.append("an error page was shown")
    except Exception as exc:  # reported, the other sessions go on
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        context.close()


def run(sessions: list[int]) -> None:
    with _server() as url:
        pid = _server_pid(url)
        base_rss = _rss_mb(pid)[0] if pid else float("nan")
        print(f"server at {url}; resident memory at start {base_rss:,.0f} MB")
        baseline: dict[str, float] = {}
        for run_no, n in enumerate(sessions):
            timings: dict[str, list[float]] = {
                "first map": [],
                "switch area": [],
                "control change": [],
            }
            errors: list[str] = []
            # each thread drives its own browser: Playwright's sync API is per thread
            threads = [
                threading.Thread(target=_in_browser, args=(url, timings, errors)) for _ in range(n)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rss, peak = _rss_mb(pid) if pid else (float("nan"), float("nan"))
            state = "server cold" if run_no == 0 else "server warm"
            print(f"\n{n} concurrent session(s), {state}: {len(errors)} error(s)")
            for e in errors[:5]:
                print(f"  error: {e}")
            for step, values in timings.items():
                if not values:
                    continue
                median = statistics.median(values)
                if run_no == min(1, len(sessions) - 1):
                    baseline.setdefault(step, median)
                ratio = f"×{median / baseline[step]:.2f}" if step in baseline else "baseline next"
                print(
                    f"  {step:15s} median {median:6.2f} s, worst {max(values):6.2f} s "
                    f"({ratio} one warm session)"
                )
            print(f"  server memory now {rss:,.0f} MB, peak {peak:,.0f} MB")


def _in_browser(url, timings, errors) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            one_session(browser, url, timings, errors)
        finally:
            browser.close()


def _server_pid(url: str) -> int | None:
    """The streamlit process listening on the server's port."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"streamlit" in b" ".join(cmd) and port.encode() in cmd:
                return int(proc.name)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default="1,1,10", help="comma-separated session counts")
    args = parser.parse_args(argv)
    run([int(n) for n in args.sessions.split(",") if n.strip()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
