"""Adding sources and following edits to them: skeletons, re-anchoring, orphans."""

import pytest

from conftest import write_project
from reportgen.build import check
from reportgen.cli import main
from reportgen.errors import ReportgenError
from reportgen.sources import add_source, reanchor


def test_add_copies_the_source_and_writes_a_skeleton_with_every_anchor(tiny, tmp_path, capsys):
    new = tmp_path / "incoming" / "Field Report.txt"
    new.parent.mkdir()
    new.write_text("Title line\n\nFirst \"quoted\" paragraph here.\n\nSecond one.\n")
    seed, skeleton, count = add_source(tiny, new)
    assert seed.read_bytes() == new.read_bytes()
    assert skeleton.name == "field-report.yaml" and count == 3
    text = skeleton.read_text()
    assert 'quote: "First \\"quoted\\" paragraph here."' in text
    assert text.count("  - para:") == 3
    with pytest.raises(ReportgenError) as caught:
        check(tiny)
    messages = [p.message for p in caught.value.problems]
    assert "3 of 3 paragraphs are left to annotate: body paragraphs with no themes" in messages


def test_the_skeletons_title_is_the_first_line_not_the_byline_under_it(tiny, tmp_path):
    new = tmp_path / "bridge.txt"
    new.write_text("Town Bridge Opens After Delays\nBy Clara Voss, Riverside Gazette, 3 May 2019"
                   "\n\nThe new footbridge opened on Tuesday.\n")
    _, skeleton, count = add_source(tiny, new)
    assert count == 2
    assert 'title: "Town Bridge Opens After Delays"\n' in skeleton.read_text()


def test_add_never_overwrites(tiny, tmp_path):
    new = tmp_path / "a.txt"  # same name as an existing seed
    new.write_text("Different text.\n")
    before = (tiny.seeds / "a.txt").read_bytes()
    with pytest.raises(ReportgenError) as caught:
        add_source(tiny, new)
    assert "already exists; not overwritten" in caught.value.problems[0].format()
    assert (tiny.seeds / "a.txt").read_bytes() == before
    assert not (tiny.annotations / "documents" / "a.yaml").exists()


EDITED = "Alpha heading\n\nA new opening paragraph.\n\nThe first account says the war began in 1999.\n"


def test_check_reports_a_moved_paragraph_and_an_orphan(tiny):
    (tiny.seeds / "a.txt").write_text(EDITED)  # inserted para 2, removed "It also mentions"
    with pytest.raises(ReportgenError) as caught:
        check(tiny)
    text = "\n".join(p.format() for p in caught.value.problems)
    assert "para 2: quote does not match" in text and "its quote now starts paragraph 3" in text
    assert "para 3: quote does not match" in text and "no longer in the source (orphan)" in text


def test_reanchor_reports_moves_and_orphans_and_changes_nothing_unasked(tiny):
    (tiny.seeds / "a.txt").write_text(EDITED)
    alpha = tiny.annotations / "documents" / "alpha.yaml"
    before = alpha.read_bytes()
    lines, orphans = reanchor(tiny)
    assert orphans == 1
    assert [line.split(": ", 1)[1] for line in lines] == [
        "para 2 -> 3 (moved)",
        "orphan: para 3 — its quote is no longer in the source; annotate it again or remove it",
        'new paragraph 2 needs an entry: quote: "A new opening paragraph."',
        "citation alpha:2 -> alpha:3",  # findings follow the paragraphs they cite
    ]
    assert alpha.read_bytes() == before


def test_reanchor_write_renumbers_in_place_keeping_comments(tmp_path):
    project = write_project(tmp_path, sources={"a.txt": "Alpha heading\n\nThe first account says "
                                               "the war began in 1999.\n\nIt also mentions drugs.\n"})
    alpha = project.annotations / "documents" / "alpha.yaml"
    alpha.write_text("# kept comment\n" + alpha.read_text().replace(
        "    quote: It also mentions", "    quote: It also mentions  # the drugs line"))
    (project.seeds / "a.txt").write_text("Alpha heading\n\nInserted first.\n\nThe first account "
                                         "says the war began in 1999.\n\nIt also mentions drugs.\n")
    assert main(["reanchor", "--write", "--project", str(tmp_path)]) == 0
    text = alpha.read_text()
    assert text.startswith("# kept comment\n")
    assert "  - para: 3\n    quote: The first account says" in text
    assert "  - para: 4\n    quote: It also mentions  # the drugs line" in text
    with pytest.raises(ReportgenError) as caught:  # only the new paragraph is left
        check(project)
    assert [p.message for p in caught.value.problems] == [
        "expected paragraph 2 here, found para: 3"]


def test_reanchor_follows_a_small_edit_inside_the_quote(tmp_path):
    project = write_project(tmp_path)
    (project.seeds / "a.txt").write_text("Alpha heading\n\nThe first acount says the war began "
                                         "in 1999 and ended badly.\n\nIt also mentions drugs.\n")
    assert main(["reanchor", "--write", "--project", str(tmp_path)]) == 0
    check(project)  # the quote now matches again


def test_paragraphs_command_prints_the_numbering(tiny, capsys):
    assert main(["paragraphs", str(tiny.seeds / "b.txt")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "   1  lines 1-1  The second account says the war began in 2001.",
        "   2  lines 2-2  A closing line.",
    ]


MARKDOWN = "# A Report on Things\n\nIntro with **bold** text.\n\n## Section one\n\n" \
           "- a list item\n- another\n\nClosing *words*.\n"


@pytest.mark.parametrize("name", ["report.md", "report.txt"])
def test_add_recognises_markdown_headings(tiny, tmp_path, name):
    new = tmp_path / name
    new.write_text(MARKDOWN)
    _, skeleton, count = add_source(tiny, new)
    text = skeleton.read_text()
    assert count == 5
    assert "format: markdown" in text and 'title: "A Report on Things"' in text
    kinds = [line.strip() for line in text.splitlines() if line.startswith("    kind:")
             or line.startswith("    themes:")]
    assert kinds == ["kind: heading", "themes: []", "kind: heading", "themes: []", "themes: []"]


def test_add_keeps_plain_text_plain(tiny, tmp_path):
    new = tmp_path / "plain.txt"
    new.write_text("Title\n\n# not a heading in a plain text? one sign only\n\nBody.\n")
    _, skeleton, _ = add_source(tiny, new)
    assert "format:" not in skeleton.read_text() and "kind: heading" not in skeleton.read_text()
