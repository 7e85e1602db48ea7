"""The command line: exit codes, exact messages, help for every command."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT, TINY_ANNOTATIONS, write_project
from reportgen.cli import COMMANDS, main, parser


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_check_passes_on_the_bundled_corpus():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"ok: 5 sources, \d+ paragraphs annotated, \d+ themes, \d+ findings, "
                        r"\d+ compared claims\n", result.stdout)


def test_bad_input_exits_1_with_located_errors_and_no_traceback(tmp_path):
    themes = "themes:\n  - id: war\n    label: W\n    label: X\n  - id: drugs\n    label: D\n"
    write_project(tmp_path, {"themes.yaml": themes})
    result = run("check", "--project", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "annotations/themes.yaml:4: error: duplicate key 'label' (first given on line 3)\n"
        "    hint: remove one of them; YAML would silently keep only the last\n"
        "1 error; nothing was written.\n"
    )
    assert "Traceback" not in result.stderr


def test_build_with_no_command_builds_and_a_second_build_writes_nothing(tmp_path):
    write_project(tmp_path)
    first = run("--project", str(tmp_path), "--format", "html,json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "wrote build/report.html\nwrote build/report.json\n" in first.stdout
    second = run("build", "--project", str(tmp_path), "--format", "html,json", cwd=tmp_path)
    assert second.stdout.startswith("nothing changed; nothing written")


def test_wrong_format_is_a_usage_error(tmp_path, capsys):
    assert main(["build", "--format", "docx"]) == 2
    assert capsys.readouterr().err == (
        "reportgen: --format expects some of html, json, pdf, but received: 'docx'\n")


def test_missing_annotations_folder(tmp_path):
    result = run("check", "--project", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("annotations: error: annotations folder not found\n")


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    commands = parser()._subparsers._group_actions[0].choices
    assert set(commands) == set(COMMANDS)
    for name, command in commands.items():
        assert command.format_help().strip(), name
        assert f"reportgen {name}" in readme, f"{name} is not documented in README.md"


def test_schema_is_json_schema_for_each_file(capsys):
    import json

    assert main(["schema"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert set(schemas) == {"briefing", "themes", "claims", "document", "findings"}
    assert "paragraphs" in schemas["document"]["properties"]


TINY_FINDINGS = TINY_ANNOTATIONS["findings.yaml"]


def test_strict_turns_warnings_into_errors_before_anything_is_written(tmp_path):
    findings = TINY_FINDINGS.replace("cites: [alpha:2, beta:1]", "cites: [alpha:1, beta:1]")
    write_project(tmp_path, {"findings.yaml": findings})
    relaxed = run("check", "--project", str(tmp_path), cwd=tmp_path)
    assert relaxed.returncode == 0
    assert "warning: 'alpha:1' is a heading paragraph" in relaxed.stderr
    for command in ("check", "build"):
        strict = run(command, "--strict", "--project", str(tmp_path), cwd=tmp_path)
        assert strict.returncode == 1
        assert strict.stderr.count("'alpha:1' is a heading paragraph") == 1
        assert "error: 'alpha:1' is a heading paragraph" in strict.stderr
    assert not (tmp_path / "build").exists()
