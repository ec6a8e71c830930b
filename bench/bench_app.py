"""Benchmark of the app as people use it: time to the first map, switching area, sessions at once.

Run from the project folder (Chromium at /usr/bin/chromium, or ATLAS_CHROMIUM)::

    python bench/bench_app.py                  # the mirror (Manchester): 1 session, then 10 at once
    python bench/bench_app.py --sessions 1,1,5
    python bench/bench_app.py --demo           # the built-in demo (Rutland), no sources file
    python bench/bench_app.py --make-run       # a clean clone started as `make run` does

A ``streamlit run`` server is started on a free loopback port (no basemap
tiles, nothing leaves the machine) and Playwright drives headless Chromium.

* **mirror** (default; needs the real-data mirror, ``ATLAS_SOURCES`` defaults
  to ``data/sources.shared.toml``): the app opens on Manchester;
* **demo**: no sources file and ``ATLAS_DEMO=1``: the built-in Rutland demo;
* **make-run**: the project is cloned from git into an empty folder (no
  cache, no mirror beside it) and started with the command and environment
  of ``make run``; the server start is timed too.

Measured in the same run, for each number of concurrent sessions:

* **page shell** (the baseline): from navigation until the browser's load
  event, i.e. the server handing out Streamlit's blank page and its scripts;
* **first map**: from opening the page until every small area of the
  default area is drawn; the first session of a run is cold (the server
  process has computed nothing yet), the next warm;
* **switch area** (mirror only): choosing Trafford until the map holds
  exactly Trafford's 139 small areas (Manchester has 295);
* **control change**: choosing another map layer (no new analysis) until
  the areas' fill colours change (a fingerprint of the fills of the drawn
  paths, so it does not depend on legend wording).

Each line gives the median and worst seconds across sessions, the ratio to
the page shell measured in the same sessions, and the server's resident
memory (now and peak).  Exits by itself; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))

from bench_map import _chromium  # noqa: E402
from benchserver import server as _server  # noqa: E402

#: Small areas of each authority drawn on the map.
AREAS = {"Manchester": 295, "Trafford": 139, "Rutland": 26}
STEPS = ("page shell", "first map", "switch area", "control change")

#: Count of the drawn area paths and a fingerprint of their fills, in the map's frame.
_MAP_STATE_JS = """() => {
    const paths = document.querySelectorAll('path.leaflet-interactive');
    let h = 0;
    for (const p of paths) {
        const s = (p.getAttribute('fill') || '') + ';';
        for (let i = 0; i < s.length; i++) { h = (h * 31 + s.charCodeAt(i)) | 0; }
    }
    return [paths.length, h];
}"""


@dataclass(frozen=True)
class Mode:
    """What the server reads and what a session does."""

    name: str
    first_area: str
    switch_to: str | None
    env: dict[str, str]


def _rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process (MB)."""
    now = peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return now, peak


def _map_state(page) -> tuple[int, int, object] | None:
    """(paths drawn, fill fingerprint, frame) of the frame with the most area paths."""
    best = None
    for frame in page.frames:
        with contextlib.suppress(Exception):
            count, fills = frame.evaluate(_MAP_STATE_JS)
            if count and (best is None or count > best[0]):
                best = (count, fills, frame)
    return best


def _wait_for(page, done, what: str, timeout: float) -> tuple[int, int, object]:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        state = _map_state(page)
        if state is not None and done(state):
            return state
        time.sleep(0.03)
    raise TimeoutError(f"{what} not seen after {timeout:.0f} s")


def one_session(browser, url: str, mode: Mode, timings: dict, errors: list[str]) -> None:
    """Open the app, switch area (when the mode has one), switch the layer; time each step."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        expected = AREAS[mode.first_area]
        start = time.perf_counter()
        page.goto(url, wait_until="load", timeout=600_000)  # ten browsers at once are slow
        timings["page shell"].append(time.perf_counter() - start)
        _wait_for(page, lambda s: s[0] == expected, f"{mode.first_area}'s map", 600)
        timings["first map"].append(time.perf_counter() - start)

        if mode.switch_to is not None:
            box = page.get_by_role("combobox", name="Local authority")
            start = time.perf_counter()
            box.click()
            box.fill(mode.switch_to)
            page.get_by_role("option", name=mode.switch_to).first.click()
            wanted = AREAS[mode.switch_to]
            _wait_for(page, lambda s: s[0] == wanted, f"{mode.switch_to}'s map", 600)
            timings["switch area"].append(time.perf_counter() - start)

        time.sleep(0.5)  # let the map settle before fingerprinting its fills
        count, before, _ = _map_state(page) or (0, 0, None)
        start = time.perf_counter()
        page.get_by_text("Gaps: risk × access", exact=True).click()
        _wait_for(page, lambda s: s[0] == count and s[1] != before, "the new layer", 120)
        timings["control change"].append(time.perf_counter() - start)
        if page.get_by_text("This app has encountered an error").count():
            errors.append("an error page was shown")
    except Exception as exc:  # reported, the other sessions go on
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        context.close()


def _in_browser(url: str, mode: Mode, timings: dict, errors: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            one_session(browser, url, mode, timings, errors)
        finally:
            browser.close()


def _sessions(url: str, mode: Mode, n: int) -> tuple[dict[str, list[float]], list[str]]:
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    errors: list[str] = []
    # each thread drives its own browser: Playwright's sync API is per thread
    threads = [
        threading.Thread(target=_in_browser, args=(url, mode, timings, errors)) for _ in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors


def _report(timings: dict[str, list[float]]) -> None:
    shell = statistics.median(timings["page shell"]) if timings["page shell"] else float("nan")
    for step, values in timings.items():
        if not values:
            continue
        median = statistics.median(values)
        ratio = "baseline" if step == "page shell" else f"{median / shell:6.1f}× page shell"
        print(f"  {step:15s} median {median:6.2f} s, worst {max(values):6.2f} s  ({ratio})")


def _mode(args: argparse.Namespace) -> Mode:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env["ATLAS_TILES"] = "none"
    if args.demo:
        return Mode("built-in demo", "Rutland", None, {**env, "ATLAS_DEMO": "1"})
    if args.make_run:
        # the Makefile's default: the mirror when ../shared/data is beside the checkout
        return Mode("make run, clean clone", "Rutland", None, env)
    sources = os.environ.get("ATLAS_SOURCES", "data/sources.shared.toml")
    keep = {k: os.environ[k] for k in ("ATLAS_SHARED_DATA", "ATLAS_CACHE_DIR") if k in os.environ}
    return Mode("mirror", "Manchester", "Trafford", {**env, **keep, "ATLAS_SOURCES": sources})


@contextlib.contextmanager
def _checkout(clean: bool) -> Iterator[Path]:
    if not clean:
        yield PROJECT
        return
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "atlas"
        subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(target)], check=True)
        yield target


def run(sessions: list[int], mode: Mode, clean: bool) -> None:
    with _checkout(clean) as cwd, _server(cwd, mode.env) as (url, process, up):
        base_rss = _rss_mb(process.pid)[0]
        print(f"{mode.name}: server up in {up:.2f} s at {url}; memory {base_rss:,.0f} MB")
        for run_no, n in enumerate(sessions):
            timings, errors = _sessions(url, mode, n)
            rss, peak = _rss_mb(process.pid)
            state = "server cold" if run_no == 0 else "server warm"
            print(f"\n{n} concurrent session(s), {state}: {len(errors)} error(s)")
            for e in errors[:5]:
                print(f"  error: {e}")
            _report(timings)
            print(f"  server memory now {rss:,.0f} MB, peak {peak:,.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sessions", default="1,1,10", help="comma-separated session counts")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", help="the built-in demo, no sources file")
    group.add_argument(
        "--make-run", action="store_true", help="a clean clone started as `make run` does"
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.sessions.split(",") if n.strip()]
    run(counts, _mode(args), clean=args.make_run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
