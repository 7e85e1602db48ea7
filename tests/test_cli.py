"""The command line: exit codes, exact messages, help for every command."""

import re
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, TINY_ANNOTATIONS, TINY_SOURCES, write_project
from reportgen.cli import BROKEN_PIPE, COMMANDS, main, parser
from reportgen.project import WITHOUT_LOCATIONS


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_check_passes_on_the_bundled_corpus():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"ok: 5 sources, \d+ paragraphs annotated, \d+ themes, \d+ findings, "
                        r"\d+ compared claims\n", result.stdout)
    assert result.stderr.startswith(f"project: {ROOT}\n")


def test_commands_work_on_the_project_around_the_current_folder(tmp_path):
    write_project(tmp_path)
    (tmp_path / "seeds" / "sub").mkdir()
    for cwd in (tmp_path, tmp_path / "seeds" / "sub"):
        result = run("check", cwd=cwd)
        assert result.returncode == 0, result.stderr
        assert result.stderr == f"project: {tmp_path.resolve()}\n"  # one line, on stderr
        assert result.stdout.startswith("ok: 2 sources")


def test_outside_any_project_commands_say_how_to_make_one(tmp_path):
    for command in ("check", "build", "add", "reanchor"):
        args = [command, "x.txt"] if command == "add" else [command]
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr == (
            f"{tmp_path.resolve()}: error: not inside a reportgen project: no annotations/ "
            "folder here or in any parent folder\n"
            "    hint: make one here with `reportgen init` (or try `reportgen init --example "
            "DIR`), or name one with --project DIR\n"
            "1 error; nothing was written.\n")


def test_init_then_add_then_hints_to_paste(tmp_path):
    made = run("init", "new project", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stderr == f"project: {tmp_path.resolve() / 'new project'}\n"
    assert "next: `cd 'new project' && reportgen add FILE` for each source text" in made.stdout
    again = run("init", "new project", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines()[1:] == [
        "new project/annotations: error: already exists; not overwritten",
        "    hint: init makes a new project: choose a new folder, or move this out of the way",
        "1 error; nothing was written."]
    source = tmp_path / "d 2006 – x.txt"
    source.write_text("One paragraph.\n\nAnother.\n")
    added = run("add", source.name, "--project", "new project", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        "copied d 2006 – x.txt to new project/seeds/d 2006 – x.txt\n"
        "wrote new project/annotations/documents/d-2006-x.yaml with 2 paragraphs to annotate; "
        "`reportgen check --project 'new project'` lists what is left\n")
    in_seeds = tmp_path / "new project" / "seeds" / "e 2007.txt"  # put there by hand
    in_seeds.write_text("A text already in place.\n")
    added = run("add", str(in_seeds.relative_to(tmp_path)), "--project", "new project",
                cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == (  # nothing was copied, so nothing is said to be
        "wrote new project/annotations/documents/e-2007.yaml with 1 paragraph to annotate; "
        "`reportgen check --project 'new project'` lists what is left\n")


def test_add_takes_several_sources_and_one_refused_leaves_the_others_added(tmp_path):
    project = write_project(tmp_path / "p")
    for name in ("f-2010.txt", "g-2011.txt"):
        (tmp_path / name).write_text(f"The text of {name}.\n\nIts second paragraph.\n")
    (tmp_path / "h-2012.txt").write_bytes(b"\xff\xfe not UTF-8\n")
    added = run("add", "f-2010.txt", "h-2012.txt", "g-2011.txt", "--project", "p", cwd=tmp_path)
    assert added.returncode == 1
    assert [line.split(" with ")[0] for line in added.stdout.splitlines()
            if line.startswith("wrote")] == ["wrote p/annotations/documents/f-2010.yaml",
                                             "wrote p/annotations/documents/g-2011.yaml"]
    assert "h-2012.txt" in added.stderr and "error" in added.stderr
    assert added.stderr.splitlines()[-1] == "added 2 of 3 sources; the others were not"
    assert not (project.annotations / "documents" / "h-2012.yaml").exists()
    refused = run("add", "h-2012.txt", "--project", "p", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1].endswith("nothing was written.")


def test_reanchor_hint_repeats_the_location_options(tmp_path):
    write_project(tmp_path / "p")
    (tmp_path / "p" / "seeds" / "b.txt").write_text(
        "A new first line.\n" + textwrap.dedent(TINY_SOURCES_B))
    result = run("reanchor", "--project", "p", cwd=tmp_path)
    assert result.stdout.endswith(
        "nothing was changed; `reportgen reanchor --write --project p` updates the anchors "
        "in place\n")


def test_bad_input_exits_1_with_located_errors_and_no_traceback(tmp_path):
    themes = "themes:\n  - id: war\n    label: W\n    label: X\n  - id: drugs\n    label: D\n"
    write_project(tmp_path, {"themes.yaml": themes})
    result = run("check", "--project", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"project: {tmp_path.resolve()}\n"
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
        "reportgen: --format expects some of html, json, pdf, brief, but received: 'docx'\n")


def test_a_project_option_naming_a_folder_without_annotations(tmp_path):
    result = run("check", "--project", "elsewhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "elsewhere: error: not a reportgen project: it has no annotations/ folder\n"
        "    hint: make one with `reportgen init elsewhere`")


def test_an_annotations_option_naming_a_missing_folder(tmp_path):
    write_project(tmp_path)
    result = run("check", "--annotations", "missing", cwd=tmp_path)
    assert result.returncode == 1
    assert "missing: error: annotations folder not found\n" in result.stderr


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    commands = parser()._subparsers._group_actions[0].choices
    assert set(commands) == set(COMMANDS)
    for name, command in commands.items():
        assert command.format_help().strip(), name
        assert f"reportgen {name}" in readme, f"{name} is not documented in README.md"


def test_location_options_are_taken_by_every_command_but_a_known_few():
    """Project.command repeats the user's location options only where they are accepted."""
    for name, command in parser()._subparsers._group_actions[0].choices.items():
        takes = any("--project" in action.option_strings for action in command._actions)
        assert takes == (name not in WITHOUT_LOCATIONS), name


def test_schema_is_json_schema_for_each_file(capsys):
    import json

    assert main(["schema"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert set(schemas) == {"briefing", "themes", "claims", "document", "findings"}
    assert "paragraphs" in schemas["document"]["properties"]


TINY_FINDINGS = TINY_ANNOTATIONS["findings.yaml"]
TINY_SOURCES_B = TINY_SOURCES["b.txt"]


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


# -- a reader that stops early -------------------------------------------------

def test_schema_into_a_closed_pipe_ends_quietly():
    """`reportgen schema | true`: the reader is gone before anything is written."""
    process = subprocess.Popen([sys.executable, "-m", "reportgen", "schema"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reading end of a real pipe, closed before the first write
    stderr = process.stderr.read().decode()
    assert process.wait() == BROKEN_PIPE
    assert stderr == ""


def test_paragraphs_into_head_ends_quietly(tmp_path):
    long = tmp_path / "long source.txt"  # far more than a pipe holds (64 KiB)
    long.write_text("\n\n".join(f"Paragraph {n} of a long text." for n in range(20000)))
    shell = (f"{sys.executable} -m reportgen paragraphs '{long}' 2>err | head -1; "
             "echo \"${PIPESTATUS[0]}\" >status")
    result = subprocess.run(["bash", "-c", shell], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout == "   1  lines 1-1  Paragraph 0 of a long text.\n"
    assert (tmp_path / "err").read_text() == ""
    assert (tmp_path / "status").read_text() == f"{BROKEN_PIPE}\n"
