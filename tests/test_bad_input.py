"""Every bad input gets a located error, all of them at once, and never a traceback."""

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from conftest import TINY_ANNOTATIONS, write_project
from reportgen import load
from reportgen.build import check
from reportgen.errors import ReportgenError


def errors(tmp_path, annotations=None, sources=None) -> list[str]:
    project = write_project(tmp_path, annotations, sources)
    with pytest.raises(ReportgenError) as caught:
        check(project)
    return [p.format().replace(str(tmp_path) + "/", "") for p in caught.value.problems]


def first_lines(found: list[str]) -> list[str]:
    return [problem.split("\n")[0] for problem in found]


# -- all at once ---------------------------------------------------------------

FINDINGS = """\
    findings:
      - id: one
        kind: agreemnt
        theme: war
        title: T
        summary: S
        cites: [alpha:2]
      - id: two
        kind: agreement
        theme: warr
        title: T
        summary: S
        cites: [alpha:2]
      - id: three
        kind: gap
        theme: war
        title: T
        summary: S
        cites: [alpha:9]
    """


def test_one_broken_finding_hides_nothing_in_the_others(tmp_path):
    found = errors(tmp_path, {"findings.yaml": FINDINGS})
    assert found == [
        "annotations/findings.yaml:3: error: 'kind' should be 'agreement', 'discrepancy', "
        "'shift' or 'gap', but received 'agreemnt'\n    hint: did you mean 'agreement'?",
        "annotations/findings.yaml:10: error: unknown theme 'warr'\n    hint: did you mean 'war'?",
        "annotations/findings.yaml:19: error: citation 'alpha:9' names no annotated paragraph\n"
        "    hint: alpha has paragraphs 1 to 3",
    ]


def test_a_duplicate_key_in_a_document_hides_no_bad_citation(tmp_path):
    alpha = textwrap.dedent(TINY_ANNOTATIONS["documents/alpha.yaml"]).replace(
        "title: First account\n", "title: First account\ntitle: Again\n")
    findings = textwrap.dedent(TINY_ANNOTATIONS["findings.yaml"]).replace("alpha:2", "alpha:7")
    assert first_lines(errors(tmp_path, {"documents/alpha.yaml": alpha,
                                         "findings.yaml": findings})) == [
        "annotations/documents/alpha.yaml:4: error: duplicate key 'title' (first given on line 3)",
        "annotations/findings.yaml:8: error: citation 'alpha:7' names no annotated paragraph",
    ]


def test_a_document_that_does_not_parse_is_not_also_called_missing(tmp_path):
    alpha = textwrap.dedent(TINY_ANNOTATIONS["documents/alpha.yaml"]).replace(
        "title: First account", "title: First: account")
    found = errors(tmp_path, {"documents/alpha.yaml": alpha})
    assert first_lines(found) == [
        "annotations/documents/alpha.yaml:3: error: invalid YAML: mapping values are not "
        "allowed in this context",
    ]  # no "source has no annotation file", and its citations are not called unknown


def test_a_wrong_paragraph_entry_hides_nothing_in_the_other_entries(tmp_path):
    alpha = textwrap.dedent(TINY_ANNOTATIONS["documents/alpha.yaml"])
    alpha = alpha.replace("kind: heading", "kind: headng").replace("themes: [drugs]",
                                                                   "themes: [drugz]")
    assert errors(tmp_path, {"documents/alpha.yaml": alpha}) == [
        "annotations/documents/alpha.yaml:9: error: 'kind' should be 'body', 'heading', "
        "'byline', 'caption', 'pull-quote', 'boilerplate', 'footnote' or 'front-matter', "
        "but received 'headng'\n    hint: did you mean 'heading'?",
        "annotations/documents/alpha.yaml:17: error: unknown theme 'drugz'\n"
        "    hint: did you mean 'drugs'?",
    ]


def test_a_tab_is_called_a_tab(tmp_path):
    found = errors(tmp_path, {"briefing.yaml": "title: T\n\tsubtitle: S\n"})
    assert found == ["annotations/briefing.yaml:2: error: invalid YAML: a tab character where "
                     "YAML allows only spaces\n    hint: indent with spaces, not tabs"]


def test_hints_are_commands_you_can_paste(tmp_path):
    found = errors(tmp_path, sources={"d 2006 – x.txt": "A text.\n"})
    assert found == ["seeds/d 2006 – x.txt: error: source has no annotation file\n"
                     "    hint: run: reportgen add 'seeds/d 2006 – x.txt'  "
                     "(writes a skeleton to annotate)"]


# -- values that used to give tracebacks -----------------------------------------

@pytest.mark.parametrize("value, message", [
    ("2016-02-30", "'2016-02-30' is not a valid date (day is out of range for month)"),
    ("9" * 5000, "is too large a number"),
])
def test_impossible_values_are_located(tmp_path, value, message):
    beta = textwrap.dedent(TINY_ANNOTATIONS["documents/beta.yaml"]).replace(
        "published: 2018", f"published: {value}")
    found = errors(tmp_path, {"documents/beta.yaml": beta})
    assert len(found) == 1 and found[0].startswith("annotations/documents/beta.yaml:5: error: ")
    assert message in found[0]


@pytest.mark.parametrize("value, message", [
    ('"2018-13"', "'published' is not a date: received '2018-13'"),  # the pattern: no month 13
    ('"2018-02-30"', "'2018-02-30' is not a real date: months run 01-12 and days as far as "
                     "the month has"),  # the calendar
])
def test_a_published_date_must_be_a_real_one(tmp_path, value, message):
    beta = textwrap.dedent(TINY_ANNOTATIONS["documents/beta.yaml"]).replace(
        "published: 2018", f"published: {value}")
    found = errors(tmp_path, {"documents/beta.yaml": beta})
    assert len(found) == 1 and found[0].startswith("annotations/documents/beta.yaml:5: error: ")
    assert message in found[0] and 'hint: write "YYYY", "YYYY-MM" or "YYYY-MM-DD"' in found[0]


@pytest.mark.parametrize("text", ["title: !!set {a}\n", "title: T\nsubtitle: !x [a]\n",
                                  "title: !!python/tuple [1]\n"])
def test_tags_on_lists_and_maps_are_refused_like_tags_on_values(tmp_path, text):
    found = errors(tmp_path, {"briefing.yaml": text})
    assert len(found) == 1 and "unsupported YAML tag" in found[0]
    assert found[0].startswith("annotations/briefing.yaml:")


def test_absurd_nesting_is_refused_without_crashing(tmp_path):
    """libyaml's composer would crash the interpreter at ~50,000 levels: never reached."""
    project = write_project(tmp_path, {"briefing.yaml": "title: T\nx: " + "[" * 100_000 + "]" *
                                       100_000 + "\n"})
    done = subprocess.run([sys.executable, "-m", "reportgen", "check", "--project",
                           str(project.annotations.parent)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "briefing.yaml:2: error: YAML nested more than 64 levels deep" in done.stderr
    assert "Traceback" not in done.stderr


def test_control_characters_never_reach_the_terminal_raw(tmp_path):
    themes = "themes:\n  - id: war\n    label: War\n  - id: drugs\n    label: D\n" \
             '    "colour\\e[2J": red\n'  # a YAML escape: the key holds a real ESC
    found = errors(tmp_path, {"themes.yaml": themes})
    assert "\x1b" not in "".join(found)
    assert "unknown key 'colour\\x1b[2J'" in found[0]
    raw = errors(tmp_path, {"themes.yaml": "themes:\n  - id: war\x1b\n"})  # not even YAML
    assert raw == ["annotations/themes.yaml:2: error: invalid YAML: character U+001B is not "
                   "allowed in a YAML file\n    hint: remove it; write it as an escape such as "
                   "\\x1b inside double quotes if it is meant"]


def test_files_over_the_size_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "MAX_ANNOTATION_BYTES", 100)
    found = errors(tmp_path)
    assert "annotations/documents/alpha.yaml: error: is 0.0 MiB, more than" in found[0]


# -- sources are what they claim to be ---------------------------------------------

def beta_source(tmp_path, name):
    text = textwrap.dedent(TINY_ANNOTATIONS["documents/beta.yaml"]).replace(
        "source: b.txt", f"source: {name!r}" if name else 'source: ""')
    return errors(tmp_path, {"documents/beta.yaml": text}, {"b.txt": None})


@pytest.mark.parametrize("name, message", [
    ("", "source: is empty"),
    (".", "source '.' is a path, not the name of a file in seeds"),
    ("/etc/passwd", "source '/etc/passwd' is a path, not the name of a file in seeds"),
    ("../a.txt", "source '../a.txt' is a path, not the name of a file in seeds"),
    ("missing.txt", "source file 'missing.txt' not found in seeds"),
])
def test_a_source_must_name_a_file_in_seeds(tmp_path, name, message):
    found = beta_source(tmp_path, name)
    assert found[0].split("\n")[0] == f"annotations/documents/beta.yaml:2: error: {message}"
    assert all("source has no annotation file" not in f for f in found)


def test_a_source_that_is_a_folder_a_fifo_or_a_link_out_is_refused(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "folder.txt").mkdir()
    os.mkfifo(seeds / "pipe.txt")
    (tmp_path / "outside.txt").write_text("Outside.\n")
    (seeds / "link.txt").symlink_to(tmp_path / "outside.txt")
    for name, message in (("folder.txt", "source 'folder.txt' is a folder, not a text file"),
                          ("pipe.txt", "source 'pipe.txt' is a FIFO (named pipe), not a text file"),
                          ("link.txt", "source 'link.txt' links outside the project")):
        found = beta_source(tmp_path, name)  # a FIFO is never opened: no hang
        assert any(f.startswith(f"annotations/documents/beta.yaml:2: error: {message}")
                   for f in found), found


def test_a_document_whose_source_is_refused_is_never_dropped_silently(tmp_path):
    """A finding citing it gets no crash: the build stops with located errors."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    os.mkfifo(seeds / "b.txt")
    project = write_project(tmp_path, sources={"b.txt": None})
    assert stat.S_ISFIFO((seeds / "b.txt").stat().st_mode)
    done = subprocess.run([sys.executable, "-m", "reportgen", "build", "--project",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout
    assert "is a FIFO (named pipe), not a text file" in done.stderr
    assert "Traceback" not in done.stderr and not project.output.exists()
