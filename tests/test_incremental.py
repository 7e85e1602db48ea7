"""Regenerating after edits: content-hash rebuilds, atomic writes, what changed."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, bundled_copy, write_project
from reportgen import build as building
from reportgen.build import build
from reportgen.errors import ReportgenError
from reportgen.project import Project


@pytest.fixture
def project(tmp_path) -> Project:
    """The tiny corpus with its own copy of the templates, so tests can edit them."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return write_project(tmp_path)


def outputs(project: Project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(project.output.glob("report.*"))}


def rebuilt(project: Project, **kwargs) -> list[str]:
    """The formats the build wrote (report.pdf is "pdf", brief.pdf "brief")."""
    formats = {name: fmt for fmt, name in building.OUTPUT_NAMES.items()}
    return sorted(formats[p.name] for p in build(project, **kwargs).written)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_build_with_nothing_changed_writes_nothing(project):
    assert rebuilt(project) == ["brief", "html", "json", "pdf"]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in project.output.rglob("*")
              if p.is_file()}
    result = build(project)
    assert result.written == [] and result.skipped == ["html", "json", "pdf", "brief"]
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in project.output.rglob("*")
             if p.is_file()}
    assert after == before


@pytest.mark.parametrize("path, old, new, expected", [
    ("annotations/findings.yaml", "differently", "apart", ["brief", "html", "json", "pdf"]),
    ("seeds/b.txt", "began in 2001.", "began in 2001, or so.", ["brief", "html", "json", "pdf"]),
    ("templates/report.css", "--ink: #1d232b", "--ink: #000000", ["html"]),
    ("templates/report.js", '"use strict";', '"use strict"; // edited', ["html"]),
    ("templates/print.css", "size: A4;", "size: A4; /* edited */", ["brief", "pdf"]),
    ("templates/brief.css", ".brief {", ".brief { color: #000;", ["brief"]),
    ("templates/report-print.html.j2", "Key findings", "Main findings", ["pdf"]),
    ("templates/_macros.html.j2", "Cites:", "Cited:", ["brief", "html", "pdf"]),
])
def test_each_input_rebuilds_exactly_the_outputs_made_from_it(project, path, old, new, expected):
    build(project)
    edit(project.annotations.parent / path, old, new)
    assert rebuilt(project) == expected
    assert rebuilt(project) == []


@pytest.mark.parametrize("saved", ["before", "after"])
def test_a_first_build_stamps_the_files_as_its_check_read_them(project, monkeypatch, saved):
    """A file saved while the first build runs: saved before the check reads it, the
    report holds the edit and the next build has nothing to do; saved after, the next
    build makes the report again, with the edit."""
    from reportgen import load as loading

    findings = project.annotations / "findings.yaml"
    real = loading.load

    def load(*args, **kwargs):
        if saved == "before":
            edit(findings, "differently", "apart")
        loaded = real(*args, **kwargs)
        if saved == "after":
            edit(findings, "differently", "apart")
        return loaded
    monkeypatch.setattr(loading, "load", load)
    build(project, ("html", "json"))
    monkeypatch.setattr(loading, "load", real)
    said = json.loads((project.output / "report.json").read_text(encoding="utf-8"))
    held = any("apart" in f["title"] for f in said["findings"])
    assert held == (saved == "before")
    assert rebuilt(project, formats=("html", "json")) == ([] if saved == "before"
                                                          else ["html", "json"])


def test_a_change_to_reportgen_itself_rebuilds_everything(project, monkeypatch):
    build(project, formats=("html", "json"))
    monkeypatch.setattr(building, "code_digest", lambda: "render.py edited")
    assert rebuilt(project, formats=("html", "json")) == ["html", "json"]
    assert rebuilt(project, formats=("html", "json")) == []


def test_a_library_upgrade_rebuilds_everything(project, monkeypatch):
    build(project, formats=("html", "json"))
    versions = building._installed_versions()
    assert set(versions) == {"Jinja2", "WeasyPrint", "markdown-it-py", "PyYAML", "orjson"}
    assert "not installed" not in versions.values()
    # a package was installed somewhere on the import path: versions are looked up again
    monkeypatch.setattr(building, "_import_folders", lambda: [["/site-packages", 2]])
    monkeypatch.setattr(building, "_installed_versions", lambda: versions)
    assert rebuilt(project, formats=("html", "json")) == []  # the same versions: nothing to do
    monkeypatch.setattr(building, "_import_folders", lambda: [["/site-packages", 3]])
    monkeypatch.setattr(building, "_installed_versions",
                        lambda: dict(versions, WeasyPrint="999.0"))
    assert rebuilt(project, formats=("html", "json")) == ["html", "json"]
    assert rebuilt(project, formats=("html", "json")) == []


def test_an_edited_copy_of_reportgen_rebuilds_what_it_made(tmp_path):
    """The real thing: a copy of the package (laid out as in the checkout), edited between
    two builds run as new processes."""
    tool = tmp_path / "tool"
    shutil.copytree(ROOT / "reportgen", tool / "reportgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", tool / "templates")
    write_project(tmp_path / "project")
    env = dict(os.environ, PYTHONPATH=str(tool))

    def run(*args: str) -> str:
        return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, check=True,
                              capture_output=True, text=True).stdout

    assert run("-c", "import reportgen; print(reportgen.__file__)").startswith(str(tool))
    command = ("-m", "reportgen", "build", "--format", "html,json",
               "--project", str(tmp_path / "project"))
    assert "wrote" in run(*command)
    assert "nothing changed" in run(*command)
    render = tool / "reportgen" / "render.py"
    render.write_text(render.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    rewritten = run(*command)
    assert "report.html" in rewritten and "report.json" in rewritten
    assert "nothing changed" in run(*command)


def test_a_build_with_nothing_to_do_loads_no_library(tmp_path):
    """A no-op build stays fast (an interpreter start and a few hashes): it imports none
    of the libraries, nor importlib.metadata (the versions are cached with the stamps)."""
    write_project(tmp_path)
    script = ("import sys; from reportgen.cli import main; main(sys.argv[1:]); "
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'yaml', 'jinja2', "
              "'markdown_it', 'markupsafe', 'weasyprint'}), 'importlib.metadata' in sys.modules)")
    command = [sys.executable, "-c", script, "build", "--format", "html,json",
               "--project", str(tmp_path)]

    def loaded() -> str:
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
        return run.stdout.splitlines()[-1]

    assert loaded() != "[] False"  # a real build needs them
    assert loaded() == "[] False"


def test_force_rebuilds_everything(project):
    build(project)
    assert rebuilt(project, force=True) == ["brief", "html", "json", "pdf"]


def test_an_output_deleted_by_hand_is_rebuilt(project):
    build(project, formats=("html", "json"))
    (project.output / "report.json").unlink()
    assert rebuilt(project, formats=("html", "json")) == ["json"]


@pytest.mark.parametrize("damage", ["{not json", "[]", '{"version": "0.0", "outputs": {}}',
                                    '{"version": "0.1.0", "outputs": [], "libraries": 3}'])
def test_a_damaged_cache_is_discarded_with_a_warning(project, damage):
    build(project, formats=("html",))
    (project.output / ".reportgen" / "stamps.json").write_text(damage)
    result = build(project, formats=("html",))
    assert [p.suffix for p in result.written] == [".html"]
    assert result.warnings and result.warnings[0].severity == "warning"
    assert "discarded" in result.warnings[0].message or "damaged" in result.warnings[0].message


def test_a_bad_edit_leaves_the_last_good_report_untouched(project):
    build(project, formats=("html", "json"))
    before = outputs(project)
    edit(project.annotations / "themes.yaml", "label: Drugs", "label: Drugs\n    label: Twice")
    with pytest.raises(ReportgenError):
        build(project, formats=("html", "json"))
    assert outputs(project) == before
    assert not list(project.output.glob(".*.tmp"))


def test_changes_since_the_last_build_are_reported_and_kept(project):
    build(project, formats=("html", "json"))
    alpha = project.annotations / "documents" / "alpha.yaml"
    edit(alpha, "themes: [drugs]", "themes: [drugs, war]")
    edit(alpha, "value: 1999", "value: 2001")
    edit(project.annotations / "findings.yaml", "kind: discrepancy", "kind: shift")
    result = build(project, formats=("html", "json"))
    assert result.changes == [
        "finding changed: start-date [shift, analyst] “The accounts date the war differently” (kind)",
        "finding changed: war-began [agreement, claim] “Year the war began” (kind, summary)",
        "paragraph alpha:2 claims: war-began=1999 -> war-began=2001",
        "paragraph alpha:3 re-themed: drugs -> drugs, war",
    ]
    assert (project.output / "changes.txt").read_text().splitlines() == result.changes


def test_a_build_killed_while_making_the_pdf_leaves_the_previous_outputs(tmp_path, bundled_build):
    bundled_copy(tmp_path)
    out = tmp_path / "build"
    out.mkdir()
    for name in ("report.html", "report.json", "report.pdf"):
        shutil.copy(bundled_build / name, out / name)
    previous = {p.name: p.read_bytes() for p in out.iterdir()}
    process = subprocess.Popen([sys.executable, "-m", "reportgen", "build", "--project",
                                str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(2.5)  # the PDF takes several seconds: this lands in the middle of it
    assert process.poll() is None, "the build finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == previous


def test_two_builds_at_once_never_leave_a_torn_file(tmp_path):
    write_project(tmp_path)
    command = [sys.executable, "-m", "reportgen", "build", "--force", "--format", "html,json",
               "--project", str(tmp_path)]
    for _ in range(3):
        runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL) for _ in range(2)]
        assert [run.wait() for run in runs] == [0, 0]
        report = json.loads((tmp_path / "build" / "report.json").read_text(encoding="utf-8"))
        assert report["title"] == "Tiny briefing"
        assert (tmp_path / "build" / "report.html").read_text().rstrip().endswith("</html>")
        assert not list((tmp_path / "build").rglob("*.tmp"))
