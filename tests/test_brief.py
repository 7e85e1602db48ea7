"""The brief (brief.pdf) read with poppler, as a reader would: short, every theme and
claim in the picture, the key findings, short quotations that are the sources' own
words, and no paragraph printed in full. Expectations come from report.json and
the checked briefing, not from the brief's HTML."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from reportgen.brief import QUOTE_WORDS, brief_context
from reportgen.build import build, check
from reportgen.print_view import excerpt, plain_text, short_label
from reportgen.project import Project
from reportgen.render import KIND_LABELS
from test_pdf import normalise

MAX_PAGES = 16  # what a reader gets through in fifteen minutes


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def brief(bundled_build) -> Path:
    return bundled_build / "brief.pdf"


@pytest.fixture(scope="module")
def report(bundled_build) -> dict:
    return json.loads((bundled_build / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(brief) -> list[str]:
    return run("pdftotext", "-raw", str(brief), "-").split("\f")[:-1]


@pytest.fixture(scope="module")
def text(pages) -> str:
    return normalise(" ".join(pages))


@pytest.fixture(scope="module")
def comparison():
    return check(Project.at())[0]


def test_the_brief_is_short_with_page_numbers_and_metadata(brief, pages, report):
    assert 4 <= len(pages) <= MAX_PAGES, f"{len(pages)} pages"
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in page
    info = run("pdfinfo", str(brief))
    assert re.search(rf"^Title:\s+{re.escape(report['title'])}$", info, flags=re.M)
    assert "reportgen" in info


def test_the_brief_is_laid_out_in_chapters_and_reads_as_laid_out_whole(
        comparison, pages, tmp_path, monkeypatch):
    """Its cover, front matter and themes are laid out side by side, on both cores
    (reportgen.pdf); merged, they read page for page as the brief laid out whole."""
    from reportgen import pdf
    from reportgen.render import render_brief_html

    html = render_brief_html(comparison, Project.at().templates)
    assert len(html) >= pdf.ONE_PIECE and len(pdf.Book.of(html).chapters) == 3
    assert 'class="front chapter"' in html  # the themes start a page: a chapter's first
    monkeypatch.setattr(pdf, "ONE_PIECE", len(html) + 1)
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(pdf.pdf_bytes(html))
    assert run("pdftotext", "-raw", str(whole), "-").split("\f")[:-1] == pages


def test_a_short_brief_is_laid_out_whole_its_themes_not_forced_onto_a_page(tmp_path):
    """A brief too short to be cut into chapters keeps its pages full: the themes follow
    the picture on the same page instead of starting one (a near-empty page before)."""
    from conftest import write_project
    from reportgen import pdf
    from reportgen.render import render_brief_html

    project = write_project(tmp_path)
    html = render_brief_html(check(project)[0], project.templates)
    assert len(html) < pdf.ONE_PIECE
    assert pdf.CHAPTER_BREAK not in html and 'class="front chapter"' not in html
    assert 'id="themes"' in html


def test_the_cover_gives_the_scope_and_the_counts(pages, report):
    cover = normalise(pages[0])
    assert report["title"] in cover
    assert f"{len(report['documents'])} accounts published" in cover
    assert f"{len(report['themes'])} themes" in cover
    key = sum(f["key"] for f in report["findings"])
    assert f"{key} key findings" in cover
    for document in report["documents"]:
        assert normalise(document["label"]) in cover


def test_key_findings_come_first_with_quotations(pages, report):
    key = [f for f in report["findings"] if f["key"]]
    front = normalise(" ".join(pages[1:4]))
    for finding in key:
        assert normalise(finding["title"]) in front, finding["title"]
    assert front.count('"') >= 2 * len(key), "key findings carry short quotations"


def test_the_picture_shows_every_theme_and_claim_with_its_verdict(text, report):
    picture = text[text.index("Who says what"):text.index("Theme by theme")]
    for theme in report["themes"]:
        assert normalise(theme["label"]) in picture, theme["label"]
    computed = [f for f in report["findings"] if f["origin"] == "computed"]
    for finding in computed:
        assert normalise(finding["title"]) in picture, finding["title"]
    verdicts = sum(picture.count(label) for label in KIND_LABELS.values())
    assert verdicts >= len(computed)


def test_every_theme_has_its_part_and_the_bookmarks_name_them(brief, text, report):
    part = text[text.index("Theme by theme"):]
    for theme in report["themes"]:
        assert normalise(theme["label"]) in part, theme["label"]
    outline = run("pdftohtml", "-xml", "-i", "-q", "-stdout", str(brief))
    for heading in ("Key findings", "Who says what", "Theme by theme"):
        assert f">{heading}</item>" in outline


def test_no_paragraph_is_printed_in_full(text, comparison):
    documents = {d.id: d for d in comparison.briefing.documents}
    for paragraph in comparison.briefing.paragraphs.values():
        words = plain_text(paragraph, documents[paragraph.document]).split()
        if paragraph.compared and len(words) > QUOTE_WORDS + 5:
            assert normalise(" ".join(words)) not in text, paragraph.id


def test_quotations_are_the_sources_own_words_and_short(comparison):
    """Every quotation is an exact run of the words of the paragraph it names."""
    context = brief_context(comparison)
    found = [q for t in context["brief_themes"] for bf in (*t.findings, *t.agreements)
             for q in bf.quotes] + [q for bf in context["key_findings"] for q in bf.quotes]
    assert len(found) > 20
    documents = {d.id: d for d in comparison.briefing.documents}
    for quote in found:
        source = plain_text(quote.paragraph, documents[quote.paragraph.document])
        assert quote.text.strip(" …") in source, (quote.reference, quote.text)
        assert len(quote.text.split()) <= QUOTE_WORDS + 2


def test_an_excerpt_prefers_the_sentence_about_its_subject():
    text = ("The talks began in Moscow. Opium production doubled in 2017, the report says. "
            "Nobody expected that.")
    assert excerpt(text, "opium production") == "… Opium production doubled in 2017, the report says. …"
    assert excerpt(text) == "The talks began in Moscow. …"
    assert excerpt("one two three four five", limit=3) == "one two three …"


def test_a_long_label_is_cut_at_a_word_for_headers():
    label = "Relations " * 100
    assert short_label(label) == ("Relations " * 6).strip() + "…"
    assert short_label("Short") == "Short"


# -- a corpus ten times the bundled one stays a brief --------------------------

def test_a_large_corpus_gives_a_brief_of_the_same_size(tmp_path):
    """Three copies of every source and finding: every list is capped, little grows."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from corpus import make_corpus

    project = Project.at(make_corpus(3, tmp_path / "corpus"), output=tmp_path / "out")
    build(project, ("brief",))
    pages = run("pdftotext", "-raw", str(tmp_path / "out" / "brief.pdf"), "-").split("\f")[:-1]
    assert len(pages) <= MAX_PAGES + 4, f"{len(pages)} pages for three times the corpus"
    assert re.search(r"And \d+ more findings? on this theme in the full report",
                     normalise(" ".join(pages)))
    assert all(re.search(r"Page \d+ of \d+", p) for p in pages[1:])


def test_counts_of_one_are_in_the_singular(tiny):
    """A small corpus of one's own: one column, one claim, one source."""
    from reportgen.render import render_brief_html, render_html, render_print_html

    beta = tiny.annotations / "documents" / "beta.yaml"
    text = beta.read_text(encoding="utf-8")
    beta.write_text(re.sub(r"published: \S+", "published: 2016-06", text, count=1),
                    encoding="utf-8")  # both accounts in one column
    comparison = check(tiny)[0]
    assert len(comparison.columns) == 1 and len(comparison.briefing.claims) == 1
    page = render_html(comparison, tiny.templates)
    assert "2 accounts published" in page and ", in 1 column, across 2 themes" in page
    brief_page = render_brief_html(comparison, tiny.templates)
    assert "compared in 1 chronological column (" in brief_page
    assert "annotated, 1 claim compared." in brief_page
    assert "in 1 chronological column (" in render_print_html(comparison, tiny.templates)
    for html in (page, brief_page):
        assert not re.search(r"\b1 (columns|claims|themes|accounts|sources)\b", html)
