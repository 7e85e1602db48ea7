"""`reanchor --write` never destroys an annotation file: exact spans, atomic, re-checked, inside.

And re-anchoring aligns the old and new paragraph sequences, so repeated
paragraphs keep their order and an orphan is never attached to a look-alike.
"""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import bundled_copy, fill, write_project
from reportgen import files
from reportgen.build import check
from reportgen.errors import ReportgenError
from reportgen.sources import align, reanchor
from reportgen.segment import split_paragraphs
from reportgen.yamlio import load_yaml

INSERTED = "Alpha heading\n\nInserted first.\n\nThe first account says the war began in 1999.\n\n" \
           "It also mentions drugs.\n"

FLOW_STYLE = """\
# Written by hand, in every style YAML allows.
id: alpha
source: a.txt
title: First account
author: Ann Author
published: "2016-05"
paragraphs:
  - {para: 1, quote: Alpha heading, kind: heading}   # flow style
  - para: 2
    quote: >-
      The first account
      says
    themes: [war]
    claims:
      - {claim: war-began, value: 1999}
  - para: 3
    quote: 'It also
      mentions'
    themes:
      - drugs
    note: |
      A literal note
      on two lines.
"""


def test_write_changes_only_the_numbers_in_any_yaml_style(tmp_path):
    project = write_project(tmp_path, {"documents/alpha.yaml": FLOW_STYLE},
                            sources={"a.txt": INSERTED})
    alpha = project.annotations / "documents" / "alpha.yaml"
    lines, orphans = reanchor(project, write=True)
    assert orphans == 0
    text = alpha.read_text()
    assert text == FLOW_STYLE.replace("  - para: 2\n", "  - para: 3\n", 1).replace(
        "  - para: 3\n    quote: 'It", "  - para: 4\n    quote: 'It", 1)
    data = load_yaml(text, "alpha.yaml").data
    assert [p["para"] for p in data["paragraphs"]] == [1, 3, 4]
    assert data["paragraphs"][0]["kind"] == "heading" and data["paragraphs"][2]["themes"] == ["drugs"]
    # the finding citing alpha:2 now cites alpha:3, and nothing else in findings.yaml moved
    findings = (project.annotations / "findings.yaml").read_text()
    assert "cites: [alpha:3, beta:1]" in findings


def test_a_flow_style_entry_is_renumbered_in_place(tmp_path):
    document = FLOW_STYLE.replace("  - {para: 1, quote: Alpha heading, kind: heading}",
                                  "  - {para: 1, quote: \"Alpha heading\", kind: heading}")
    project = write_project(tmp_path, {"documents/alpha.yaml": document},
                            sources={"a.txt": "New top.\n\n" + INSERTED.replace(
                                "Inserted first.\n\n", "")})
    reanchor(project, write=True)
    text = (project.annotations / "documents" / "alpha.yaml").read_text()
    assert '  - {para: 2, quote: "Alpha heading", kind: heading}   # flow style\n' in text
    data = load_yaml(text, "alpha.yaml").data
    assert [p["para"] for p in data["paragraphs"]] == [2, 3, 4]


def test_a_paragraph_inserted_at_the_top_moves_every_entry_by_one(tmp_path):
    """The bundled 2016 source prints its title three times: all three repeats follow."""
    project = bundled_copy(tmp_path)
    source = project.seeds / "000_0da1fdc4b930b6b4.txt"
    document = project.annotations / "documents" / "ramani-2016.yaml"
    before = load_yaml(document.read_text(), "d").data["paragraphs"]
    source.write_text("A new first paragraph.\n\n" + source.read_text())
    lines, orphans = reanchor(project, write=True)
    assert orphans == 0
    after = load_yaml(document.read_text(), "d").data["paragraphs"]
    assert [p["para"] for p in after] == [p["para"] + 1 for p in before]
    assert [p["quote"] for p in after] == [p["quote"] for p in before]
    # Give the new paragraph its entry: everything checks again, findings included.
    text = document.read_text().replace(
        "paragraphs:\n", "paragraphs:\n  - para: 1\n    quote: A new first paragraph.\n"
        "    kind: boilerplate\n", 1)
    document.write_text(text)
    check(project)


def test_a_deleted_repeat_is_an_orphan_not_reattached_to_a_look_alike(tmp_path):
    project = bundled_copy(tmp_path)
    source = project.seeds / "000_0da1fdc4b930b6b4.txt"
    text = source.read_text()
    title = "Russia and the Taliban: A Closer Look"
    first, second = text.index(title), text.index(title, text.index(title) + 1)
    source.write_text(text[:second] + text[second + len(title) + 2:])  # delete the 2nd repeat
    lines, orphans = reanchor(project)
    assert orphans == 1
    assert any("orphan: para 5 " in line for line in lines), lines
    assert first < second


def test_alignment_keeps_repeats_in_order_and_guesses_nothing():
    old = ["Title", "Body one", "Title", "Body two", "Title", "Body three"]
    new = "Title\n\nBody one\n\nTitle\n\nBody two\n\nBody three\n"  # the third title deleted
    found, fuzzy = align(old, split_paragraphs(new))
    assert found == {0: 1, 1: 2, 2: 3, 3: 4, 5: 5} and fuzzy == set()
    # two equally close candidates for an edited quote: neither is taken
    found, fuzzy = align(["Alpha", "The first acount says", "Omega"],
                         split_paragraphs("Alpha\n\nThe first account says\n\n"
                                          "The first account sayz\n\nOmega\n"))
    assert 1 not in found


def test_a_file_changed_between_read_and_write_is_not_overwritten(tmp_path, monkeypatch):
    project = write_project(tmp_path, sources={"a.txt": INSERTED})
    alpha = project.annotations / "documents" / "alpha.yaml"
    real = files.write_atomic

    def editor_saves_meanwhile(target, data, mode=0o644, before_replace=None):
        if target.name == "alpha.yaml":
            alpha.write_text(alpha.read_text() + "# saved by an editor meanwhile\n")
        real(target, data, mode, before_replace)

    monkeypatch.setattr(files, "write_atomic", editor_saves_meanwhile)
    with pytest.raises(ReportgenError) as caught:
        reanchor(project, write=True)
    assert caught.value.problems[0].message == "changed since it was read; not written"
    assert alpha.read_text().endswith("# saved by an editor meanwhile\n")
    assert "  - para: 2\n" in alpha.read_text()  # the renumbering was not written
    assert not list(alpha.parent.glob(".*.tmp"))


def test_a_link_leading_out_of_the_project_is_not_written_through(tmp_path):
    project = write_project(tmp_path / "p", sources={"a.txt": INSERTED})
    alpha = project.annotations / "documents" / "alpha.yaml"
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(alpha.read_text())
    alpha.unlink()
    alpha.symlink_to(outside)
    before = outside.read_bytes()
    with pytest.raises(ReportgenError) as caught:
        reanchor(project, write=True)
    assert "outside" in caught.value.problems[0].message
    assert outside.read_bytes() == before and alpha.is_symlink()


def test_a_link_inside_the_project_stays_a_link(tmp_path):
    project = write_project(tmp_path, sources={"a.txt": INSERTED})
    alpha = project.annotations / "documents" / "alpha.yaml"
    kept = project.annotations / "alpha-original.yml"  # not read as a document (.yml)
    alpha.rename(kept)
    alpha.symlink_to(kept)
    reanchor(project, write=True)
    assert alpha.is_symlink() and "  - para: 3\n" in kept.read_text()


def test_a_full_disk_leaves_the_file_as_it_was(small_disk):
    project = write_project(small_disk, sources={"a.txt": INSERTED})
    alpha = project.annotations / "documents" / "alpha.yaml"
    before = alpha.read_bytes()
    fill(small_disk)
    with pytest.raises(ReportgenError) as caught:
        reanchor(project, write=True)
    assert "could not be written: No space left on device" in caught.value.problems[0].message
    assert alpha.read_bytes() == before
    assert not list(alpha.parent.glob(".*.tmp"))


def test_a_killed_write_leaves_the_old_file_or_the_new_one(tmp_path):
    """SIGKILL at random moments: the file is always whole, before or after, never between."""
    paragraphs = 1500
    text = "".join(f"Paragraph number {n} of a long source.\n\n" for n in range(1, paragraphs + 1))
    document = "id: alpha\nsource: a.txt\ntitle: T\nauthor: A\npublished: 2016\nparagraphs:\n" + \
        "".join(f"  - para: {n}  # comment {n}\n    quote: \"Paragraph number {n} of\"\n"
                f"    kind: boilerplate\n" for n in range(1, paragraphs + 1))
    project = write_project(tmp_path, {"documents/alpha.yaml": document, "findings.yaml": "{}\n"},
                            sources={"a.txt": text})
    alpha = project.annotations / "documents" / "alpha.yaml"
    (project.seeds / "a.txt").write_text("Inserted.\n\n" + text)
    old = alpha.read_bytes()
    reanchor(project, write=True)
    new = alpha.read_bytes()
    assert new != old
    rng = random.Random(8)
    outcomes = set()
    for _ in range(8):
        alpha.write_bytes(old)
        process = subprocess.Popen([sys.executable, "-m", "reportgen", "reanchor", "--write",
                                    "--project", str(tmp_path)], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = alpha.read_bytes()
        assert now in (old, new)
        outcomes.add(now == new)
    for stale in alpha.parent.glob(".*.tmp"):  # a kill may leave a temporary file, never a torn one
        assert stale.read_bytes() in (new, new[: len(stale.read_bytes())])
    assert os.path.exists(alpha)
