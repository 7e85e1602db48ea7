"""Builds under faults: killed at any point, a full disk, bad output folders, a damaged cache.

The promise (README, "Command line"): a failed build leaves the previous set
of outputs, or a set whose mismatch the build stamps record, so the next build
rebuilds exactly what does not match. Each test checks that promise the way a
user meets it: the next build succeeds, and report.html, report.json and
report.pdf then show the same, latest, inputs.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, fill, write_project
from reportgen import build as building
from reportgen import cli
from reportgen.build import BuildState, build, input_stamp, temporaries, tool_stamp
from reportgen.errors import display_path
from reportgen.project import Project

PREVIEW = ("html", "json")


def set_title(project: Project, title: str) -> None:
    path = project.annotations / "briefing.yaml"
    text = re.sub(r"(?m)^title: .*$", f"title: {title}", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")


def title_in(project: Project, fmt: str) -> str | None:
    """The briefing title an output shows (None when the output is missing); in the
    PDF, found by its form `Title N`, as the tests below write it."""
    path = project.output / f"report.{fmt}"
    if not path.exists():
        return None
    if fmt == "json":
        return json.loads(path.read_text(encoding="utf-8"))["title"]
    if fmt == "html":
        return re.search(r"<title>(.*?) — ", path.read_text(encoding="utf-8")).group(1)
    text = subprocess.run(["pdftotext", "-l", "1", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return next(line for line in text.splitlines() if re.fullmatch(r"Title \d+", line))


def files(folder: Path) -> dict[str, bytes]:
    """Every file the build made, by relative path (the lock file's content is nothing)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def assert_kept_outputs_are_current(project: Project, title: str, formats) -> list[str]:
    """What the stamps call current really shows ``title``; returns the formats to rebuild.

    This is the consistency promise: an output the next build would keep is
    made from the inputs as they are now. Anything else is rebuilt.
    """
    state = BuildState(project.output)
    tool = tool_stamp(state.libraries)
    stale = []
    for fmt in formats:
        if state.is_current(fmt, input_stamp(project, fmt, tool)):
            assert title_in(project, fmt) == title, f"report.{fmt} is trusted but outdated"
        else:
            stale.append(fmt)
    return stale


def assert_repaired(project: Project, title: str, formats) -> None:
    """The next build succeeds; then every output shows ``title`` and nothing is left over."""
    build(project, formats)
    assert {fmt: title_in(project, fmt) for fmt in formats} == dict.fromkeys(formats, title)
    assert temporaries(project.output) == []
    assert build(project, formats).written == []


def start_build(project: Project, formats) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", "build", "--format", ",".join(formats),
         "--project", str(project.annotations.parent)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def kill_after(process: subprocess.Popen, delay: float) -> bool:
    """SIGKILL ``process`` after ``delay`` seconds; False if it had already finished."""
    try:
        process.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


# --- killed builds -----------------------------------------------------------------

@pytest.mark.parametrize("formats, rounds", [(PREVIEW, 8), (("html", "json", "pdf"), 3)],
                         ids=["html-json", "pdf"])
def test_a_build_killed_at_a_random_point_is_repaired_by_the_next(tmp_path, formats, rounds):
    project = write_project(tmp_path)
    started = time.monotonic()
    assert start_build(project, formats).wait() == 0
    duration = time.monotonic() - started
    chance = random.Random(f"kill-{len(formats)}")  # the same points on every run
    killed = []
    for round_ in range(rounds):
        title = f"Title {round_}"
        set_title(project, title)
        delay = duration * (round_ + chance.random()) / rounds  # one in each slice of it
        if kill_after(start_build(project, formats), delay):
            killed.append(f"{delay / duration:.0%}")
        assert_kept_outputs_are_current(project, title, formats)
        assert_repaired(project, title, formats)
    print(f"killed at {', '.join(killed)} of a build of {duration:.2f} s")
    assert len(killed) >= rounds // 2, "most builds finished before they could be killed"


class Killed(BaseException):
    """Stands for SIGKILL at one exact point."""


def test_the_rename_window_is_covered_by_the_stamps(tmp_path, monkeypatch):
    """Interrupt the build between any two of its renames (the only moment the set is
    mixed): the stamps, renamed last, tell the next build what to redo."""
    project = write_project(tmp_path)
    findings = project.annotations / "findings.yaml"
    for renames in range(5):  # report.html, report.json, changes.txt, snapshot, stamps
        title = f"Title {renames}"
        build(project, PREVIEW)
        set_title(project, title)
        findings.write_text(re.sub(r"title: .*", f"title: Finding {renames}",
                                   findings.read_text(encoding="utf-8"), count=1))
        done: list[str] = []
        real_replace = os.replace

        def replace(source, target):
            if len(done) == renames:
                raise Killed  # as if killed here
            done.append(Path(target).name)
            real_replace(source, target)

        monkeypatch.setattr(building.os, "replace", replace)
        with pytest.raises(Killed):
            build(project, PREVIEW)
        monkeypatch.undo()
        assert done == ["report.html", "report.json", "changes.txt", "snapshot.json"][:renames]
        shown = {fmt: title_in(project, fmt) for fmt in PREVIEW}
        if renames == 1:  # the mixed moment: a new page beside an old JSON
            assert shown == {"html": title, "json": f"Title {renames - 1}"}
        # until the stamps are renamed (last), they describe the previous inputs
        assert assert_kept_outputs_are_current(project, title, PREVIEW) == list(PREVIEW)
        assert_repaired(project, title, PREVIEW)
        assert f"Finding {renames}" in (project.output / "report.html").read_text("utf-8")


def test_temporaries_of_a_killed_build_are_removed_by_the_next(tmp_path):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    state = project.output / ".reportgen"
    left = [project.output / ".report.html.k2j4x9.tmp", project.output / ".report.pdf.a_1.tmp",
            project.output / ".changes.txt.zz.tmp", state / ".stamps.json.q1.tmp"]
    mine = [project.output / ".notes.tmp", project.output / "report.html.tmp",
            project.output / "draft.tmp"]
    for path in left + mine:
        path.write_bytes(b"half a file")
    assert build(project, PREVIEW).written == []  # nothing to rebuild, still tidied
    assert [p for p in left if p.exists()] == []
    assert [p for p in mine if p.exists()] == mine  # not ours: kept
    (project.output / ".report.json.abc.tmp").write_bytes(b"{")
    set_title(project, "Rebuilt")
    build(project, PREVIEW)
    assert temporaries(project.output) == []


# --- a full disk ---------------------------------------------------------------------

def test_a_full_disk_keeps_the_previous_outputs(tmp_path, monkeypatch, capsys):
    """ENOSPC injected while writing the second file: located error, exit 1, nothing changed."""
    project = write_project(tmp_path)
    build(project, PREVIEW)
    before = files(project.output)
    set_title(project, "Never written")
    real_stage = building._stage
    staged: list[Path] = []

    def stage(target, data):
        if staged:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        staged.append(target)
        return real_stage(target, data)

    monkeypatch.setattr(building, "_stage", stage)
    code = cli.main(["build", "--format", "html,json", "--project", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert (f"{display_path(project.output / 'report.json')}: error: cannot write the report: "
            "No space left on device") in err
    assert "hint: free some disk space, then build again; the previous outputs are unchanged" \
        in err
    assert "Traceback" not in err
    assert files(project.output) == before  # the staged report.html was removed too


def test_a_full_disk_for_real(tmp_path, small_disk):
    write_project(tmp_path)
    project = Project.at(tmp_path, output=small_disk / "build")
    command = [sys.executable, "-m", "reportgen", "build", "--format", "html,json",
               "--project", str(tmp_path), "--output", str(project.output)]
    assert subprocess.run(command, cwd=ROOT, capture_output=True).returncode == 0
    before = files(project.output)
    filler = fill(small_disk)
    set_title(project, "After the disk filled up")
    failed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"report\.\w+: error: cannot write the report: No space left on device",
                     failed.stderr), failed.stderr
    assert "Traceback" not in failed.stderr
    assert files(project.output) == before and temporaries(project.output) == []
    filler.unlink()
    assert subprocess.run(command, cwd=ROOT, capture_output=True).returncode == 0
    assert title_in(project, "html") == title_in(project, "json") == "After the disk filled up"


# --- bad output folders ------------------------------------------------------------------

def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["build", "--format", "html,json", *args])
    return code, capsys.readouterr().err


def test_an_output_folder_that_is_a_file_is_refused_before_any_work(tmp_path, capsys):
    write_project(tmp_path)
    taken = tmp_path / "taken"
    taken.write_text("mine")
    code, err = run_cli(capsys, "--project", str(tmp_path), "--output", str(taken))
    assert code == 1 and "Traceback" not in err
    assert f"{display_path(taken)}: error: the output folder is a file" in err
    code, err = run_cli(capsys, "--project", str(tmp_path), "--output", str(taken / "inside"))
    assert code == 1
    assert (f"{display_path(taken / 'inside')}: error: the output folder cannot be made: "
            f"{display_path(taken)} is a file") in err
    assert taken.read_text() == "mine"


def test_an_output_folder_that_cannot_be_made_is_a_located_error(tmp_path, capsys):
    """/proc refuses new folders even to root (chmod would not stop root)."""
    write_project(tmp_path)
    code, err = run_cli(capsys, "--project", str(tmp_path), "--output", "/proc/reportgen-test")
    assert code == 1 and "Traceback" not in err
    assert "/proc/reportgen-test: error: cannot write the report: " in err
    assert "hint: choose another folder with --output" in err


def test_a_folder_in_place_of_an_output_is_a_located_error_and_nothing_changes(tmp_path,
                                                                                 capsys):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    (project.output / "report.json").unlink()
    (project.output / "report.json").mkdir()
    before = files(project.output)
    set_title(project, "Blocked")
    code, err = run_cli(capsys, "--project", str(tmp_path))
    assert code == 1 and "Traceback" not in err
    assert f"{display_path(project.output / 'report.json')}: error: cannot write the report: " \
           "Is a directory" in err
    assert files(project.output) == before  # report.html was not replaced either
    (project.output / "report.json").rmdir()
    assert_repaired(project, "Blocked", PREVIEW)


# --- a damaged build cache ---------------------------------------------------------------

def damage_stamps_folder(state: Path) -> None:
    (state / "stamps.json").unlink()
    (state / "stamps.json").mkdir()
    (state / "stamps.json" / "x").write_text("x")


def damage_state_into_a_file(state: Path) -> None:
    shutil.rmtree(state)  # stamps, snapshot and the check cache (a folder)
    state.write_text("not a folder")


@pytest.mark.parametrize("damage", [damage_stamps_folder, damage_state_into_a_file])
def test_a_cache_of_the_wrong_shape_is_discarded_and_rebuilt(tmp_path, damage):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    damage(project.output / ".reportgen")
    set_title(project, "After the damage")
    result = build(project, PREVIEW)
    assert sorted(p.name for p in result.written) == ["report.html", "report.json"]
    assert [w.message for w in result.warnings] == [
        "build cache is damaged; discarded, rebuilding everything"]
    assert_repaired(project, "After the damage", PREVIEW)


@pytest.mark.parametrize("snapshot", [
    "{not json", "[1, 2]", '{"findings": {"x": 3}, "paragraphs": {}}',
    '{"findings": {}, "paragraphs": {"alpha:2": {"kind": "body"}}}', None,
])
def test_a_damaged_snapshot_is_a_warning_not_a_crash(tmp_path, snapshot):
    project = write_project(tmp_path)
    build(project, PREVIEW)
    path = project.output / ".reportgen" / "snapshot.json"
    if snapshot is None:
        path.unlink()
        path.mkdir()
    else:
        path.write_text(snapshot)
    findings = project.annotations / "findings.yaml"
    findings.write_text(findings.read_text().replace("kind: discrepancy", "kind: shift"))
    result = build(project, PREVIEW)
    assert result.changes == []
    assert [(w.path, w.severity) for w in result.warnings] == [(display_path(path), "warning")]
    assert "damaged" in result.warnings[0].message
    edit = findings.read_text().replace("kind: shift", "kind: agreement")
    findings.write_text(edit)
    result = build(project, PREVIEW)  # the snapshot was replaced: changes are told again
    assert result.warnings == [] and result.changes[0].startswith("finding changed: start-date")
