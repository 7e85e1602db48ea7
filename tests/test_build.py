"""End to end on the bundled corpus: the HTML and JSON hold what the annotations say."""

import html
import json
import re

import pytest

from reportgen.build import check
from reportgen.load import Project


@pytest.fixture(scope="module")
def comparison():
    return check(Project.at())[0]


@pytest.fixture(scope="module")
def report(bundled_build):
    return (bundled_build / "report.html").read_text(encoding="utf-8")


def plain(text: str) -> str:
    """Visible text: tags dropped, entities decoded, markdown markers removed, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text)
    return " ".join(text.split())


def source_plain(text: str) -> str:
    text = re.sub(r"<sup>\d+</sup>", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(^|\n)#{1,6} ", r"\1", text)
    return " ".join(text.replace("*", "").split())


def theme_sections(report: str) -> dict[str, str]:
    parts = re.split(r'<section class="theme" id="theme-([a-z0-9-]+)"', report)
    return {parts[i]: parts[i + 1].split("</section>")[0] for i in range(1, len(parts), 2)}


def test_bundled_corpus_checks_clean(comparison):
    briefing = comparison.briefing
    assert [d.account for d in briefing.documents] == ["2016", "2017", "2018", "2021", "2021"]
    assert 8 <= len(briefing.themes) <= 14
    kinds = {f.kind for f in briefing.findings}
    assert {"agreement", "discrepancy", "shift"} <= kinds
    assert {t.id for t in briefing.themes} == {f.theme for f in briefing.findings}, \
        "every theme has at least one analyst finding"


def test_every_body_paragraph_is_in_each_of_its_theme_sections(comparison, report):
    sections = {k: plain(v).replace("¹", "").replace("²", "") for k, v in theme_sections(report).items()}
    assert list(sections) == [t.id for t in comparison.briefing.themes]
    checked = 0
    for paragraph in comparison.briefing.paragraphs.values():
        if not paragraph.compared:
            continue
        for theme in paragraph.themes:
            assert source_plain(paragraph.full_text) in sections[theme], (paragraph.id, theme)
            checked += 1
    assert checked > 100


def test_columns_are_chronological_in_every_section(report):
    for theme, body in theme_sections(report).items():
        header = body.split("</thead>")[0]
        labels = re.findall(r'<span class="col-label">([^<]+)</span>', header)
        assert labels == ["2016", "2017", "2018", "2021"], theme


def test_both_2021_accounts_share_a_column_and_are_labelled_by_author(report):
    diplomacy = theme_sections(report)["diplomacy"]
    cell_2021 = diplomacy.split('<td data-account="2021"')[1].split("</td>")[0]
    assert "Samuel Ramani" in cell_2021 and "Mehmet Akif Koç" in cell_2021


def test_findings_link_to_the_paragraphs_they_cite(comparison, report):
    ids = set(re.findall(r'id="([^"]+)"', report))
    for finding in comparison.briefing.findings + comparison.computed:
        assert finding.anchor in ids
        for cite in finding.cites:
            paragraph = comparison.briefing.paragraphs[cite]
            # a cited caption or footnote is not compared: it is in the annotated source
            anchor = ("" if paragraph.compared else "src-") + paragraph.anchor
            assert anchor in ids, (finding.id, cite)


def test_silent_accounts_are_said_to_be_silent(report):
    economy = theme_sections(report)["economy"]
    assert "The 2016 account does not address this theme." in economy


def test_report_is_self_contained(report):
    assert not re.search(r'<(link|img|script)[^>]+(href|src)=', report)
    assert "@import" not in report and "url(" not in report


def test_json_holds_every_paragraph_and_finding(bundled_build, comparison):
    data = json.loads((bundled_build / "report.json").read_text(encoding="utf-8"))
    briefing = comparison.briefing
    assert [a["label"] for a in data["accounts"]] == ["2016", "2017", "2018", "2021"]
    assert len(data["paragraphs"]) == len(briefing.paragraphs)
    first = data["paragraphs"][0]
    assert set(first) >= {"id", "document", "account", "kind", "themes", "author", "text"}
    ids = {p["id"] for p in data["paragraphs"]}
    for finding in data["findings"]:
        assert set(finding) >= {"kind", "theme", "summary", "cites"}
        assert set(finding["cites"]) <= ids
    origins = {f["origin"] for f in data["findings"]}
    assert origins == {"analyst", "computed"}
    assert len(data["findings"]) == len(briefing.findings) + len(comparison.computed)


def test_annotated_text_is_escaped_not_trusted(tmp_path):
    from conftest import write_project
    from reportgen.build import build

    project = write_project(tmp_path, sources={"a.txt": "Alpha heading\n\nThe first account says "
                                               "<script>alert(1)</script>\n\nIt also mentions drugs.\n"})
    note = "    note: \"<img src=x onerror=alert(1)> and [link](javascript:alert(1))\"\n"
    alpha = tmp_path / "annotations" / "documents" / "alpha.yaml"
    alpha.write_text(alpha.read_text().replace("    themes: [war]\n", "    themes: [war]\n" + note, 1))
    build(project, ("html",))
    page = (tmp_path / "build" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page


def test_a_broken_template_is_a_located_error_not_a_traceback(tmp_path):
    import shutil
    import subprocess
    import sys

    from conftest import ROOT, write_project

    write_project(tmp_path)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    page = tmp_path / "templates" / "report.html.j2"
    lines = page.read_text(encoding="utf-8").split("\n")
    lines[4] += "{% if %}"
    page.write_text("\n".join(lines), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reportgen", "build", "--format", "html"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "templates/report.html.j2:5: error: template error: " in done.stderr
    assert not (tmp_path / "build" / "report.html").exists()


def test_a_report_without_key_findings_says_so(tiny):
    """An empty "Key findings" section reads like a broken report: it says why it is empty,
    and the note on inferred metadata appears only where something was inferred."""
    from reportgen.render import render_html, render_print_html

    findings = tiny.annotations / "findings.yaml"
    findings.write_text(re.sub(r"(?m)^ *key: true\n", "", findings.read_text(encoding="utf-8")),
                        encoding="utf-8")
    comparison, _ = check(tiny)
    for page in (render_html(comparison, tiny.templates),
                 render_print_html(comparison, tiny.templates)):
        assert "No finding is marked as key." in page
        assert "inferred from evidence outside the text" not in page
