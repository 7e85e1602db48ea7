"""Accounts that stay distinguishable, as a reader meets them in the real outputs.

A project whose documents leave author, outlet and title empty or "Unattributed",
two of them from one outlet in one year, is built into HTML (read in Chromium) and
PDF (read with poppler): every document keeps its own name in column headers and
references, and no empty field leaves a stray comma, dash, quote or parenthesis.
Its one claim carries an analyst's verdict, which the PDF shows beside the computation.
"""

from __future__ import annotations

import re
import subprocess
import textwrap

import pytest
from browser_support import DESKTOP

from conftest import TINY_ANNOTATIONS, write_project
from reportgen.build import build

# What an empty field must never leave behind, in text with spacing collapsed.
ARTEFACTS = {
    "empty parentheses": r"\(\s*\)",
    "empty quotation marks": r"“\s*”",
    "a dash before a comma": r"[—–]\s*,",
    "two commas": r",\s*,",
    "a comma before a closing parenthesis": r",\s*\)",
    "a dangling middle dot": r"·\s*(·|\)|$)",
}


def documents() -> dict[str, str]:
    alpha = textwrap.dedent(TINY_ANNOTATIONS["documents/alpha.yaml"])
    alpha = alpha.replace("title: First account", 'title: ""').replace(
        "author: Ann Author", 'author: ""\noutlet: ""')
    beta = textwrap.dedent(TINY_ANNOTATIONS["documents/beta.yaml"])
    beta = beta.replace("author: Bob Writer", 'author: ""\noutlet: Daily Planet')
    gamma = ('id: gamma\nsource: c.txt\ntitle: Third account\nauthor: Unattributed\n'
             'outlet: Daily Planet\npublished: "2018-06"\nparagraphs:\n'
             '  - para: 1\n    quote: The third account\n    themes: [war]\n')
    claims = textwrap.dedent(TINY_ANNOTATIONS["claims.yaml"]) + (
        "    verdict: {kind: agreement, reason: \"compatible: different counting bases\"}\n")
    return {"documents/alpha.yaml": alpha, "documents/beta.yaml": beta,
            "documents/gamma.yaml": gamma, "claims.yaml": claims}


@pytest.fixture(scope="module", params=["document", "year"])
def built(request, tmp_path_factory):
    """The project built (HTML, JSON, PDF) with one column per document, or per year."""
    root = tmp_path_factory.mktemp(f"empty-fields-{request.param}")
    project = write_project(root, {**documents(),
                                   "briefing.yaml": f"title: T\ncolumns: {request.param}\n"},
                            {"c.txt": "The third account says the war began in 2001.\n"})
    build(project, ("html", "json", "pdf"))
    return request.param, root / "build"


LABELS = ("alpha", "Daily Planet 2018a", "Daily Planet 2018b")
REFERENCES = ("alpha ¶2", "Daily Planet 2018a ¶1", "Daily Planet 2018b ¶1")  # on the war


def artefacts(text: str) -> list[tuple[str, str]]:
    flat = " ".join(text.split())
    return [(name, flat[max(0, m.start() - 40):m.end() + 40])
            for name, pattern in ARTEFACTS.items() for m in re.finditer(pattern, flat)]


def test_the_pdf_has_no_artefacts_of_empty_fields_and_names_every_document(built):
    mode, out = built
    pdf = str(out / "report.pdf")
    text = subprocess.run(["pdftotext", pdf, "-"], check=True, capture_output=True,
                          text=True).stdout
    assert artefacts(text) == []
    for reference in REFERENCES:
        assert reference in text, reference
    assert ("Computed: Discrepancy · Analyst: Agreement — compatible: different counting bases"
            in " ".join(text.split()))
    cover = text.split("\f")[0]
    assert "alpha — 2016-05" in cover  # no author, title or outlet: just the date
    assert "Daily Planet 2018a — Second account" not in cover
    assert "Daily Planet 2018a — “Second account”, Daily Planet (2018)" in " ".join(cover.split())
    info = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
    authors = [line.split(":", 1)[1].strip() for line in info.splitlines()
               if line.startswith("Author:")]
    assert authors == ["Unattributed"]  # gamma's, as written; the empty ones leave no ", "


def test_the_html_has_no_artefacts_of_empty_fields_and_unique_headers(built, new_page):
    mode, out = built
    page = new_page(viewport=DESKTOP)
    page.goto((out / "report.html").resolve().as_uri())
    text = page.inner_text("body")
    headers = page.locator("#theme-war table.grid thead th").all_inner_texts()
    options = page.locator("#filter-account option").all_inner_texts()
    refs = page.locator("#theme-war .para .ref").all_inner_texts()
    assert artefacts(text) == []
    assert artefacts(" | ".join(options)) == []
    assert refs == list(REFERENCES)
    if mode == "document":
        assert [h.split("\n")[0] for h in headers] == list(LABELS)
    else:
        assert [h.split("\n")[0] for h in headers] == ["2016", "2018"]
        assert headers[1].split("\n")[1:] == ["Daily Planet"]  # the outlet, once
