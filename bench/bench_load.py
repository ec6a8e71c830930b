"""Load benchmark of the app: many people at once on one server, each with their own upload.

Run from the project folder (Chromium at /usr/bin/chromium, or ATLAS_CHROMIUM)::

    python bench/bench_load.py                     # 20 sessions at once
    python bench/bench_load.py --sessions 5 --deadline 600 --out artifacts/load

One ``streamlit run`` server is started on a free loopback port for the tiny
test mirror (two authorities, Testham and Otherby; offline, no basemap
tiles) and one headless Chromium drives every session, each in its own
browser context, concurrently (asyncio).  A session:

* **map**: opens the Map explorer on Testham and waits until its nine small
  areas are drawn;
* **switch area**: picks Otherby and waits for its answer (Otherby is one small
  area without deprivation figures, so the app says that no risk score can be
  computed there: its own message, not an error page);
* **upload**: opens the Upload page and adds a one-row places file whose
  place name belongs to that session alone (``Session 7 hall``);
* **isolation**: the page then lists that session's file and no other
  session's file or place name.

Measured in the same run: first one session alone (the baseline), then N
at once.  The baseline uses another risk model, so the concurrent sessions
find none of their analyses already cached: every analysis the server
computes is counted from the app's log (one ``analysis computed`` line per
cache miss) against the distinct analyses asked for, so the count shows
whether analyses with the same parameters ran once.  Also reported: errors
per step, per-step time percentiles and their ratio to the baseline, and the
resident memory of the server's process tree (before, after, peak).

Exits by itself (a global deadline and per-step timeouts); the server is
stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))
sys.path.insert(0, str(PROJECT))

from bench_app import _MAP_STATE_JS  # noqa: E402
from bench_map import _chromium  # noqa: E402
from benchserver import server as _server  # noqa: E402

from tests.tiny_mirror import OTHERBY, SIDE, TESTHAM, X0, Y0, write_mirror  # noqa: E402

STEPS = ("map", "switch area", "upload", "isolation")
#: Small areas drawn for each authority of the tiny mirror.
AREAS = {TESTHAM: 9, OTHERBY: 1}
#: Seconds each step may take (``--step-timeout``).
LIMITS = {"step": 240.0}
_ANALYSED = re.compile(r"analysis computed: (.+)$")


@dataclass
class Phase:
    """What the sessions of one run measured."""

    sessions: int
    timings: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STEPS})
    isolated: list[bool] = field(default_factory=list)
    analyses: list[str] = field(default_factory=list)
    wall: float = 0.0
    unfinished: bool = False


class TreeMemory:
    """Resident memory (MB) of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now(self) -> float:
        total = 0
        for pid in _tree(self.pid):
            with contextlib.suppress(OSError, ValueError, IndexError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        mb = total / 1024
        self.peak = max(self.peak, mb)
        return mb

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.now()

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _tree(pid: int) -> list[int]:
    """``pid`` and every descendant, from /proc's children lists."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return out


def _place_csv(folder: Path, n: int) -> tuple[Path, str]:
    """A one-row places file in the middle of Otherby, named for session ``n``."""
    import geopandas as gpd
    import shapely

    point = gpd.GeoSeries([shapely.Point(X0 + 3.5 * SIDE, Y0 + 0.5 * SIDE)], crs=27700)
    p = point.to_crs(4326).iloc[0]
    name = f"Session {n} hall"
    path = folder / f"session-{n}-hall.csv"
    path.write_text(
        f"name,category,latitude,longitude\n{name},community centre,{p.y:.6f},{p.x:.6f}\n",
        encoding="utf-8",
    )
    return path, name


async def _drawn(page: Any, low: int, high: int) -> None:
    """Wait until a frame of the page holds between ``low`` and ``high`` drawn paths."""
    timeout = LIMITS["step"]
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        for frame in page.frames:
            with contextlib.suppress(Exception):
                count, _ = await frame.evaluate(_MAP_STATE_JS)
                seen.append(count)
                if low <= count <= high:
                    return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"map not drawn after {timeout:.0f} s (paths seen: {sorted(set(seen))})")


async def _upload(page: Any, csv: Path) -> None:
    ms = LIMITS["step"] * 1000
    await page.get_by_role("link", name="Upload data").first.click(timeout=ms)
    await page.get_by_text("What are you adding?").wait_for(timeout=ms)
    await page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(csv), timeout=ms
    )
    await page.get_by_text("Check the columns").first.wait_for(timeout=ms)
    await page.get_by_role("button", name="Apply these columns").click(timeout=ms)
    await page.get_by_text("Places ready to add", exact=True).wait_for(timeout=ms)
    await page.get_by_role("button", name="Add to the analysis").click(timeout=ms)
    await page.get_by_text("Added 1 places").first.wait_for(timeout=ms)


async def _isolated(page: Any, n: int, everyone: list[int]) -> bool:
    """Whether the page lists session ``n``'s upload and no other session's file or place."""
    await page.get_by_text(f"session-{n}-hall.csv").first.wait_for(timeout=LIMITS["step"] * 1000)
    text = await page.locator("body").inner_text()
    shown = {
        m
        for m in everyone
        for word in (f"session-{m}-hall.csv", f"Session {m} hall")
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)
    }
    return shown == {n}


async def _session(ctx: Any, url: str, n: int, folder: Path, names: list[int], phase: Phase):
    page = await ctx.new_page()
    csv, _ = _place_csv(folder, n)
    step = STEPS[0]
    try:
        start = time.perf_counter()
        await page.goto(url, wait_until="load", timeout=LIMITS["step"] * 1000)
        await _drawn(page, AREAS[TESTHAM], AREAS[TESTHAM])
        phase.timings[step].append(time.perf_counter() - start)

        step = "switch area"
        start = time.perf_counter()
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Local authority")
        await picker.click(timeout=LIMITS["step"] * 1000)
        await page.keyboard.type("Otherby")
        await page.keyboard.press("Enter")
        # Otherby is one small area without deprivation figures: the app says that no
        # risk score can be computed there instead of drawing it
        said = page.get_by_text("no risk score can be computed")
        await said.first.wait_for(timeout=LIMITS["step"] * 1000)
        phase.timings[step].append(time.perf_counter() - start)

        step = "upload"
        start = time.perf_counter()
        await _upload(page, csv)
        phase.timings[step].append(time.perf_counter() - start)

        step = "isolation"
        start = time.perf_counter()
        ok = await _isolated(page, n, names)
        phase.timings[step].append(time.perf_counter() - start)
        phase.isolated.append(ok)
        if not ok:
            phase.errors[step].append(f"session {n}: another session's name is shown")
        if await page.get_by_text("This app has encountered an error").count():
            phase.errors[step].append(f"session {n}: an error page was shown")
    except Exception as exc:  # reported against its step; the other sessions go on
        phase.errors[step].append(f"session {n}: {type(exc).__name__}: {exc}"[:300])
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(folder / f"failed-{n}.png"))
    finally:
        await ctx.close()


async def _phase(
    browser: Any, url: str, first: int, count: int, folder: Path, until: float
) -> Phase:
    phase = Phase(count)
    numbers = list(range(first, first + count))
    names = numbers
    contexts = [await browser.new_context(viewport={"width": 1440, "height": 900}) for _ in numbers]
    start = time.perf_counter()
    pairs = zip(contexts, numbers, strict=True)
    runs = (_session(c, url, n, folder, names, phase) for c, n in pairs)
    try:
        await asyncio.wait_for(asyncio.gather(*runs), timeout=max(1.0, until - time.monotonic()))
    except TimeoutError:
        phase.unfinished = True
    phase.wall = time.perf_counter() - start
    return phase


def _analyses(log: Path, offset: int) -> tuple[list[str], int]:
    """The analyses computed since byte ``offset`` of the server log, and the new offset."""
    with log.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    lines = data.decode("utf-8", errors="replace").splitlines()
    found = [m.group(1).strip() for line in lines if (m := _ANALYSED.search(line))]
    return found, offset + len(data)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    q = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    return {"p50": statistics.median(values), "p90": q[17], "max": max(values)}


def _summary(phase: Phase) -> dict[str, Any]:
    return {
        "sessions": phase.sessions,
        "wall_s": round(phase.wall, 2),
        "finished_before_deadline": not phase.unfinished,
        "steps_done": {s: len(v) for s, v in phase.timings.items()},
        "errors": {s: len(e) for s, e in phase.errors.items()},
        "error_text": [e for errs in phase.errors.values() for e in errs],
        "isolated": f"{sum(phase.isolated)} of {phase.sessions}",
        "analyses_computed": len(phase.analyses),
        "analyses_distinct": len(set(phase.analyses)),
        "analyses": phase.analyses,
        "steps": {s: _percentiles(v) for s, v in phase.timings.items()},
    }


def _print(label: str, summary: dict[str, Any], base: dict[str, Any] | None) -> None:
    errors = ", ".join(f"{s} {n}" for s, n in summary["errors"].items())
    print(f"\n{label}: {summary['sessions']} session(s) in {summary['wall_s']:.1f} s")
    if not summary["finished_before_deadline"]:
        print(f"  NOT FINISHED by the deadline; steps done: {summary['steps_done']}")
    print(f"  errors per step: {errors}")
    for e in summary["error_text"][:8]:
        print(f"    {e}")
    print(f"  isolation: {summary['isolated']} sessions saw their own upload and no other")
    print(
        f"  analyses computed {summary['analyses_computed']}, distinct parameters "
        f"{summary['analyses_distinct']} (computed once each: "
        f"{summary['analyses_computed'] == summary['analyses_distinct']})"
    )
    for step, p in summary["steps"].items():
        if not p:
            continue
        ratio = ""
        if base and base["steps"].get(step):
            ratio = f"  ({p['p50'] / base['steps'][step]['p50']:.2f}× the baseline median)"
        print(
            f"  {step:12s} p50 {p['p50']:6.2f} s, p90 {p['p90']:6.2f} s, "
            f"max {p['max']:6.2f} s{ratio}"
        )


async def _run(
    url: str, sessions: int, folder: Path, log: Path, memory: TreeMemory, until: float
) -> dict:
    from playwright.async_api import async_playwright

    out: dict[str, Any] = {"rss_mb_before": round(memory.now(), 1)}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            offset = log.stat().st_size
            alone = f"{url}/?area={TESTHAM}&model=all-ages"  # not cached for the load
            base = await _phase(browser, alone, 0, 1, folder, until)
            base.analyses, offset = _analyses(log, offset)
            out["baseline"] = _summary(base)
            _print("baseline, one session alone", out["baseline"], None)
            load = await _phase(browser, f"{url}/?area={TESTHAM}", 1, sessions, folder, until)
            load.analyses, offset = _analyses(log, offset)
            out["load"] = _summary(load)
            _print("concurrent", out["load"], out["baseline"])
        finally:
            await browser.close()
    out["rss_mb_after"] = round(memory.now(), 1)
    out["rss_mb_peak"] = round(memory.peak, 1)
    return out


def run(sessions: int, deadline: float, out_dir: Path) -> dict[str, Any]:
    """Start the server on the tiny mirror, run the baseline and the load; return the figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        env.update(
            ATLAS_SOURCES=str(write_mirror(root / "mirror")),
            ATLAS_CACHE_DIR=str(root / "cache"),
            ATLAS_OFFLINE="1",
            ATLAS_TILES="none",
        )
        log = out_dir / "server.log"
        with _server(PROJECT, env, log) as (url, process, up):
            try:
                with TreeMemory(process.pid) as memory:
                    print(f"server up in {up:.2f} s at {url}; memory {memory.now():,.0f} MB")
                    until = time.monotonic() + deadline
                    figures = asyncio.run(_run(url, sessions, out_dir, log, memory, until))
            finally:
                if process.poll() is None:
                    for pid in reversed(_tree(process.pid)[1:]):
                        with contextlib.suppress(OSError):
                            os.kill(pid, 15)
    figures["server_up_s"] = round(up, 2)
    print(
        f"\nserver process tree memory: before {figures['rss_mb_before']:,.0f} MB, "
        f"after {figures['rss_mb_after']:,.0f} MB, peak {figures['rss_mb_peak']:,.0f} MB"
    )
    (out_dir / "results.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions")
    parser.add_argument("--deadline", type=float, default=900, help="seconds for the whole run")
    parser.add_argument("--out", type=Path, default=PROJECT / "artifacts" / "load")
    parser.add_argument("--step-timeout", type=float, default=240, help="seconds per step")
    args = parser.parse_args(argv)
    LIMITS["step"] = args.step_timeout
    figures = run(args.sessions, args.deadline, args.out)
    failed = sum(figures["load"]["errors"].values()) + sum(figures["baseline"]["errors"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
