"""Reports for several areas in one run: failures recorded, reruns resume, an index."""

from __future__ import annotations

import io
import json

import pytest

from geo.cli import main
from geo.config import Settings
from geo.params import Parameters
from geo.report import batch, batch_areas, run_batch
from tests.tiny_mirror import write_mirror


@pytest.fixture()
def tiny(tmp_path):
    sources = write_mirror(tmp_path / "mirror")
    return Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "cache")


def test_area_text_splits_into_reports(tiny):
    assert batch_areas("Testham, E09999902", settings=tiny) == ["Testham", "E09999902"]
    assert batch_areas("Testham+Otherby,Testham", settings=tiny) == [
        "Testham,Otherby",
        "Testham",
    ]
    assert sorted(batch_areas("all", settings=tiny)) == ["E09999901", "E09999902"]


def test_batch_records_a_failure_goes_on_and_resumes(tiny, tmp_path):
    out = tmp_path / "reports"
    areas = batch_areas("Testham,E09999999,Testham+Otherby", settings=tiny)
    first = run_batch(
        areas,
        settings=tiny,
        out_dir=out,
        formats=["html", "csv"],
        analysis=Parameters(permutations=99),
        progress=False,
    )
    assert [o.status for o in first.outcomes] == ["done", "failed", "done"]
    assert not first.ok
    failure = first.failed[0]
    assert failure.area == "E09999999"
    assert "not a local authority code" in failure.reason
    for folder in ("E09999901", "E09999901+E09999902"):
        marker = json.loads((out / folder / "done.json").read_text())
        assert marker["formats"] == ["html", "csv"]
        for name in marker["files"]:
            assert (out / folder / name).is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "E09999901/belonging-atlas-E09999901-testham.html" in index
    assert "Testham and Otherby" in index
    assert "E09999999" in index and "not a local authority code" in index
    listed = json.loads((out / "index.json").read_text())
    assert [r["key"] for r in listed["reports"]] == ["E09999901", "E09999901+E09999902"]
    assert [f["key"] for f in listed["failures"]] == ["E09999999"]
    assert "E09999999" in (out / "failures.csv").read_text(encoding="utf-8-sig")

    # a rerun skips the finished areas and tries the failed one again
    again = run_batch(areas, settings=tiny, out_dir=out, formats=["html"], progress=False)
    assert [o.status for o in again.outcomes] == ["skipped", "failed", "skipped"]
    # asking for a format not yet written redoes the area
    more = run_batch(["Testham"], settings=tiny, out_dir=out, formats=["xlsx"], progress=False)
    assert [o.status for o in more.outcomes] == ["done"]
    assert (out / "E09999901" / "belonging-atlas-E09999901-testham.xlsx").is_file()
    # the index still lists both reports and the failure
    listed = json.loads((out / "index.json").read_text())
    assert len(listed["reports"]) == 2 and len(listed["failures"]) == 1


def test_an_interrupted_area_has_no_marker_and_is_redone(tiny, tmp_path, monkeypatch):
    out = tmp_path / "reports"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(batch, "export_files", broken)
    result = run_batch(["Testham"], settings=tiny, out_dir=out, formats=["html"], progress=False)
    assert result.failed and "OSError: disk full" in result.failed[0].reason
    assert not (out / "E09999901" / "done.json").exists()
    monkeypatch.undo()
    result = run_batch(["Testham"], settings=tiny, out_dir=out, formats=["html"], progress=False)
    assert [o.status for o in result.outcomes] == ["done"]
    assert json.loads((out / "failures.json").read_text()) == {}


def test_cli_report_exit_status_and_summary(tiny, tmp_path):
    out = tmp_path / "reports"
    common = ["--sources", str(tiny.sources_file), "--offline", "--cache-dir", str(tiny.cache_dir),
              "--out", str(out), "--formats", "html", "--permutations", "99", "-q"]  # fmt: skip
    text = io.StringIO()
    code = main(["report", "--area", "Testham,Nowhereshire", *common], out=text)
    assert code == 1
    printed = text.getvalue()
    assert "wrote Testham (E09999901)" in printed
    assert "FAILED Nowhereshire: No local authority is called 'Nowhereshire'" in printed
    assert "1 written, 0 skipped, 1 failed" in printed and "Exit status 1" in printed
    assert (out / "index.html").is_file()

    text = io.StringIO()
    assert main(["report", "--area", "Testham", *common], out=text) == 0
    assert "skipped Testham (E09999901): already done" in text.getvalue()

    text = io.StringIO()
    assert main(["report", "--area", "Testham", "--force", *common], out=text) == 0
    assert "wrote Testham" in text.getvalue()


def test_cli_report_rejects_an_unknown_format(tiny, tmp_path, capsys):
    code = main(["report", "--area", "Testham", "--sources", str(tiny.sources_file), "--offline",
                 "--out", str(tmp_path), "--formats", "pdf,odt", "-q"])  # fmt: skip
    assert code == 1
    assert "Unknown report format(s): odt" in capsys.readouterr().err


def test_a_failure_is_cleared_when_the_area_later_succeeds(tiny, tmp_path):
    """Recorded under the typed name (the lookup was unreadable), cleared by its code."""
    out = tmp_path / "reports"
    text = tiny.sources_file.read_text(encoding="utf-8")
    broken = tiny.sources_file.with_name("no-lookup.toml")
    broken.write_text(text.replace('[datasets.lsoa21_lookup]\npath = "lookup.csv"\n', ""))
    without_lookup = tiny.replace(sources_file=broken)
    first = run_batch(["testham"], settings=without_lookup, out_dir=out, progress=False)
    assert [o.status for o in first.outcomes] == ["failed"]
    listed = json.loads((out / "index.json").read_text())
    assert [f["key"] for f in listed["failures"]] == ["testham"]

    again = run_batch(["Testham"], settings=tiny, out_dir=out, formats=["csv"], progress=False)
    assert [(o.status, o.key) for o in again.outcomes] == [("done", "E09999901")]
    listed = json.loads((out / "index.json").read_text())
    assert listed["failures"] == []
    assert [r["key"] for r in listed["reports"]] == ["E09999901"]
    assert "testham" not in (out / "failures.csv").read_text(encoding="utf-8-sig")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "E09999901/belonging-atlas-E09999901-testham-areas.csv" in index
    assert index.split("<h2>Failures</h2>")[1].strip().startswith("<p>None.</p>")


def test_batch_keeps_its_index_and_failures_when_output_is_a_closed_pipe(tiny, tmp_path):
    """``belonging-atlas report … | head`` closes the pipe: the record is still written."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "reports"
    command = [sys.executable, "-m", "geo", "report", "--area", "Testham,Nowhereshire",
               "--sources", str(tiny.sources_file), "--offline", "--cache-dir",
               str(tiny.cache_dir), "--out", str(out), "--formats", "html",
               "--permutations", "99"]  # fmt: skip
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before anything is written
    project = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": project}
    try:
        subprocess.run(command, stdout=writer, stderr=writer, env=env, cwd=project,
                       timeout=600, check=False)  # fmt: skip
    finally:
        os.close(writer)
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [f["area"] for f in failures.values()] == ["Nowhereshire"]
    assert (out / "index.html").is_file()
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert "E09999901" in json.dumps(index)
    assert (out / "E09999901").is_dir()


def test_progress_stream_goes_quiet_when_its_reader_has_gone():
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    stream = batch.QuietOnClose(Closed())
    assert stream.write("progress") == len("progress")
    stream.flush()
    assert stream.write("more") == 4


def test_one_and_two_worker_processes_write_the_same_reports(tiny, tmp_path):
    areas = ["Testham,Otherby", "Nowhereshire", "Testham"]
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        result = run_batch(
            areas, settings=tiny, out_dir=out, formats=["html", "csv"], progress=False, jobs=jobs
        )
        listed = json.loads((out / "index.json").read_text(encoding="utf-8"))
        runs[jobs] = (
            [(o.area, o.key, o.status, o.files, o.figures) for o in result.outcomes],
            [r["key"] for r in listed["reports"]],
            [f["area"] for f in listed["failures"]],
        )
    outcomes, reports, failures = runs[2]
    assert [status for _, _, status, _, _ in outcomes] == ["done", "failed", "done"]
    assert reports == ["E09999901", "E09999901+E09999902"] and failures == ["Nowhereshire"]
    assert runs[1] == runs[2]


def _worker_dies(text):
    """A region builder that ends its process, as running out of memory would."""
    import os

    os._exit(3)


def test_a_dead_worker_process_fails_its_area_with_a_reason_and_the_record_is_kept(tiny, tmp_path):
    out = tmp_path / "reports"
    result = run_batch(
        ["Testham", "Otherby"],
        settings=tiny,
        out_dir=out,
        formats=["html"],
        prepare=_worker_dies,
        progress=False,
        jobs=2,
    )
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert all("stopped unexpectedly" in o.reason for o in result.failed)
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert sorted(f["area"] for f in failures.values()) == ["Otherby", "Testham"]
    assert not list(out.glob("*/done.json"))
    assert "stopped unexpectedly" in (out / "index.html").read_text(encoding="utf-8")


def test_cli_report_rejects_a_job_count_below_one(tiny, tmp_path, capsys):
    code = main(["report", "--area", "Testham", "--sources", str(tiny.sources_file), "--offline",
                 "--out", str(tmp_path), "--jobs", "0", "-q"])  # fmt: skip
    assert code == 2
    assert "expected a whole number of at least 1, not '0'" in capsys.readouterr().err


class _CtrlCOnFirstArea(io.StringIO):
    """A progress stream that raises KeyboardInterrupt once, when the first area ends."""

    interrupted = False

    def write(self, text):
        if not self.interrupted and "1/3" in text:
            self.interrupted = True
            raise KeyboardInterrupt
        return super().write(text)


def test_an_interrupted_pool_batch_keeps_complete_areas_and_its_index(tiny, tmp_path):
    out = tmp_path / "reports"
    stream = _CtrlCOnFirstArea()
    with pytest.raises(KeyboardInterrupt):
        run_batch(
            ["Testham", "Testham,Otherby", "Nowhereshire"],
            settings=tiny,
            out_dir=out,
            formats=["html"],
            stream=stream,
            jobs=2,
        )
    assert stream.interrupted
    markers = sorted(m.parent.name for m in out.glob("*/done.json"))
    assert markers  # the area that ended before the interrupt is complete
    listed = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert sorted(r["folder"] for r in listed["reports"]) == markers
    assert (out / "index.html").is_file() and (out / "failures.json").is_file()
    for folder in out.iterdir():
        if folder.is_dir():  # no half-written area: files only with their marker
            assert not list(folder.glob(".partial-*"))
            assert (folder / "done.json").is_file() or not any(folder.iterdir())
