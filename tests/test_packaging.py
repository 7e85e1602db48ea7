"""reportgen as a user installs it: a wheel in a fresh virtual environment, run
from a temporary folder that has nothing to do with the checkout.

The wheel (and its virtual environment) is made once per session by the
``wheel_reportgen`` fixture in conftest.py; tests/test_new_user.py uses it too.
"""

import json
import re
import subprocess
from pathlib import Path

from conftest import ROOT, run_ok, without_checkout_env


def test_the_wheel_reads_its_templates_and_example_from_inside_the_package(wheel_reportgen,
                                                                           tmp_path):
    venv = wheel_reportgen.parent.parent
    shown = run_ok(venv / "bin" / "python", "-c",
                   "import reportgen, reportgen.project as p\n"
                   "print(reportgen.__file__)\n"
                   "for name in ('templates', 'seeds', 'annotations'): print(p.bundled(name))",
                   cwd=tmp_path, env=without_checkout_env()).stdout.split()
    assert all(Path(path).is_relative_to(venv) for path in shown), shown
    for name, folder in zip(("templates", "seeds", "annotations"), shown[1:]):
        packaged = sorted(p.relative_to(folder) for p in Path(folder).rglob("*") if p.is_file())
        ours = sorted(p.relative_to(ROOT / name) for p in (ROOT / name).rglob("*") if p.is_file())
        assert packaged == ours, name


def test_init_example_writes_the_bundled_corpus_and_it_builds_from_the_wheel(wheel_reportgen,
                                                                               tmp_path):
    env = without_checkout_env()
    made = run_ok(wheel_reportgen, "init", "--example", "example", cwd=tmp_path, env=env)
    assert "next: `cd example && reportgen build`" in made.stdout
    project = tmp_path / "example"
    for name in ("seeds", "annotations"):
        for original in (ROOT / name).rglob("*"):
            if original.is_file():
                copy = project / name / original.relative_to(ROOT / name)
                assert copy.read_bytes() == original.read_bytes(), copy

    built = run_ok(wheel_reportgen, "build", cwd=project, env=env)  # HTML, JSON and PDF
    assert built.stderr.splitlines()[0] == f"project: {project.resolve()}"
    assert "wrote build/report.html\nwrote build/report.json\nwrote build/report.pdf\n" \
        in built.stdout
    report = json.loads((project / "build" / "report.json").read_text())
    assert len(report["documents"]) == 5 and report["title"] == "Russia and the Taliban"
    assert "Russia and the Taliban" in (project / "build" / "report.html").read_text()
    text = subprocess.run(["pdftotext", "-l", "1", str(project / "build" / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Russia and the Taliban" in text


def test_an_empty_project_from_the_wheel_checks_and_says_what_to_do_next(wheel_reportgen,
                                                                          tmp_path):
    env = without_checkout_env()
    run_ok(wheel_reportgen, "init", cwd=tmp_path, env=env)
    checked = run_ok(wheel_reportgen, "check", cwd=tmp_path, env=env)
    assert checked.stdout.startswith("ok: 0 sources")
    assert checked.stderr == (f"project: {tmp_path.resolve()}\n"
                              "no sources yet: add each one with `reportgen add FILE`\n")


def test_ci_runs_the_readme_commands_scripts_exactly():
    """The quick start's two commands exist, and CI runs the test command as written."""
    readme = (ROOT / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start"):readme.index("## Your own briefing")]
    build_command, test_command = re.findall(r"```sh\n(.+)\n```", quick_start)
    assert build_command == "bash scripts/setup.sh && .venv/bin/reportgen"
    assert test_command == "bash tests/install-test-deps.sh && .venv/bin/python -m pytest"
    assert (ROOT / ".ci" / "run").read_text().splitlines()[-1] == test_command
    for script in ("scripts/setup.sh", "tests/install-test-deps.sh"):
        assert (ROOT / script).is_file()
