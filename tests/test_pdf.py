"""The PDF brief read with real PDF tools (poppler: pdfinfo, pdffonts, pdftotext,
pdftohtml, pdftoppm), as a reader's viewer would: text present, bookmarks,
metadata, fonts, page numbers, headers, nothing off the page.

The PDF is the one the session fixture ``bundled_build`` made; it is not built
again here. Expectations come from report.json, not from the PDF's own HTML.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from conftest import TINY_ANNOTATIONS
from reportgen.build import build, check
from reportgen.load import Project
from reportgen.render import source_html

MM = 72 / 25.4  # points per millimetre


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdf(bundled_build) -> Path:
    return bundled_build / "report.pdf"


@pytest.fixture(scope="module")
def report(bundled_build) -> dict:
    return json.loads((bundled_build / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def info(pdf) -> dict[str, str]:
    lines = run("pdfinfo", "-f", "1", "-l", "100000", str(pdf)).splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line) | {
        "_lines": lines}


@pytest.fixture(scope="module")
def page_sizes(info) -> list[tuple[float, float]]:
    sizes = [re.search(r"size:\s+([\d.]+) x ([\d.]+)", line) for line in info["_lines"]
             if re.match(r"Page\s+\d+ size:", line)]
    return [(float(m[1]), float(m[2])) for m in sizes]


@pytest.fixture(scope="module")
def words(pdf) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words with their boxes (pdftotext -bbox)."""
    pages = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", run("pdftotext", "-bbox", str(pdf), "-"),
                           flags=re.S):
        found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">(.*?)</word>', page)
        pages.append([(float(a), float(b), float(c), float(d), html.unescape(w))
                      for a, b, c, d, w in found])
    return pages


@pytest.fixture(scope="module")
def page_texts(pdf, info) -> list[str]:
    """Each page's text in content-stream order (pdftotext -raw): a cell's text stays together."""
    return run("pdftotext", "-raw", str(pdf), "-").split("\f")[:int(info["Pages"])]


def landscape(page_sizes) -> list[int]:
    return [i for i, (w, h) in enumerate(page_sizes) if w > h]


def grid_pages(page_texts, page_sizes) -> list[int]:
    """Landscape pages showing side-by-side paragraphs (a paragraph's reference, then its text;
    a page holding only the end of a section's findings has none)."""
    return [i for i in landscape(page_sizes)
            if re.search(r"¶\d+(?:–\d+)? (?!\(p\.)\S", page_texts[i])]


def normalise(text: str) -> str:
    """Text as compared: ligatures and superscripts unfolded, quotes plain, one space."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = text.translate(str.maketrans("‘’“”", "''\"\""))
    text = " ".join(text.split())
    return re.sub(r"([-/–—]) ", r"\1", text)  # a line broken after a hyphen, slash or dash


def shown_text(paragraph, document) -> str:
    """A paragraph as the reader sees it: source_html without its markup (koc-2021 is markdown)."""
    markup = str(source_html(paragraph, document)).replace("<br>", "\n")
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def runs(needle: list[str], haystack: str) -> list[int] | None:
    """Split ``needle`` into the fewest runs of words each found in ``haystack``, greedily.

    One run: the text is there as it is. Two or three: it is there but broken by
    a page break (other columns and the next page's headers come between). None:
    a word is missing.
    """
    result, i = [], 0
    while i < len(needle):
        if needle[i] not in haystack:
            return None
        low, high = i + 1, len(needle)  # the longest run from i found in the haystack
        while low < high:
            mid = (low + high + 1) // 2
            if " ".join(needle[i:mid]) in haystack:
                low = mid
            else:
                high = mid - 1
        result.append(low - i)
        i = low
    return result


# -- document properties -----------------------------------------------------

def test_metadata_names_the_briefing(info, report, page_sizes):
    assert info["Title"].strip() == report["title"]
    assert info["Subject"].strip() == report["subtitle"]
    keywords = info["Keywords"]
    assert all(t["label"] in keywords for t in report["themes"])
    authors = {d["author"] for d in report["documents"] if d["author"]}
    assert all(a in info["Author"] for a in authors)
    assert info["Creator"].strip().startswith("reportgen")
    assert page_sizes[0] == (595.276, 841.89)  # A4, portrait cover


def test_page_count_and_page_x_of_y_on_every_page_but_the_cover(info, page_texts, report):
    pages = int(info["Pages"])
    # issue 9: the full report of the bundled corpus in at most 55 pages (it was 102, then 63)
    assert 40 <= pages <= 55, f"{pages} pages for {len(report['paragraphs'])} paragraphs"
    assert len(page_texts) == pages
    assert f"Page 1 of {pages}" not in page_texts[0], "the cover has no page number"
    for number, text in enumerate(page_texts[1:], start=2):
        assert f"Page {number} of {pages}" in text, f"page {number} lacks its number"


def test_fonts_are_embedded(pdf):
    rows = run("pdffonts", str(pdf)).splitlines()[2:]
    assert rows, "no fonts"
    for row in rows:
        name, fields = row.split()[0], row.split()
        assert fields[-5] == "yes", f"font {name} not embedded"
    names = " ".join(row.split()[0] for row in rows)
    assert "DejaVu-Sans" in names and "DejaVu-Serif" in names


def test_tagged_variant_is_available(tmp_path):
    """``pdf_variant`` reaches WeasyPrint: a PDF/UA-1 brief is tagged (checked on a tiny page)."""
    from reportgen.pdf import pdf_bytes

    page = "<html lang='en'><head><title>T</title></head><body><h1>T</h1><p>Text.</p></body></html>"
    for variant, tagged in ((None, "no"), ("pdf/ua-1", "yes")):
        path = tmp_path / "variant.pdf"
        path.write_bytes(pdf_bytes(page, variant))
        assert re.search(rf"^Tagged:\s+{tagged}$", run("pdfinfo", str(path)), flags=re.M), variant


def test_an_unknown_variant_is_a_usage_problem_not_a_traceback():
    from reportgen.errors import ReportgenError
    from reportgen.pdf import pdf_bytes

    with pytest.raises(ReportgenError, match="unknown PDF variant 'pdf/ua-9'"):
        pdf_bytes("<p>x</p>", "pdf/ua-9")


# -- structure ---------------------------------------------------------------

def outline(pdf) -> ET.Element:
    xml = run("pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf))
    start = xml.index("<outline>")
    return ET.fromstring(xml[start:xml.rindex("</outline>") + len("</outline>")])


def test_bookmarks_list_every_theme_and_every_finding(pdf, report):
    root = outline(pdf)
    top = [item.text for item in root.findall("item")]
    for theme in report["themes"]:
        assert theme["label"] in top, f"no top-level bookmark for {theme['label']!r}"
    assert "Key findings" in top
    titles = [item.text for item in root.iter("item")]
    for finding in report["findings"]:
        assert any(t.endswith(finding["title"]) for t in titles), f"no bookmark: {finding['title']}"
    key = next(o for o in root.findall("outline")
               if root[list(root).index(o) - 1].text == "Key findings")
    assert len(key.findall("item")) == sum(f["key"] for f in report["findings"])


def lines(page) -> list[str]:
    """A page's words grouped into lines, top to bottom."""
    rows: dict[int, list] = {}
    for x0, y0, x1, y1, w in page:
        rows.setdefault(round(y1), []).append((x0, w))
    return [" ".join(w for _, w in sorted(row)) for _, row in sorted(rows.items())]


def test_contents_page_numbers_point_at_the_sections(words, page_texts, report):
    contents = lines(words[1])
    assert contents[1] == "Contents"
    for theme in report["themes"]:
        line = next((l for l in contents if l.startswith(theme["label"] + " .")), None)
        assert line, f"{theme['label']} missing from the contents"
        number = int(line.split()[-1])  # sections flow on: the heading, a line of its own
        assert theme["label"] in lines(words[number - 1]), f"{theme['label']}: not p. {number}"
        assert theme["label"] not in lines(words[number - 2]), f"{theme['label']}: p. {number - 1}"


def test_key_findings_come_first(page_texts, report):
    first_key = next(f["title"] for f in report["findings"] if f["key"])
    page = next(i for i, t in enumerate(page_texts) if normalise(first_key) in normalise(t))
    assert page <= 3, "key findings should follow the cover and the contents"
    assert "Scope" in page_texts[0] and report["title"] in page_texts[0]


def test_finding_citations_give_the_page_of_the_paragraph(page_texts, report):
    text = "\n".join(page_texts)
    cites = re.findall(r"(\w+ \d{4}) ¶(\d+) \(p\. (\d+)\)", text)
    assert len(cites) > 50
    paragraphs = {p["id"]: p for p in report["paragraphs"]}
    for account, number, page in cites:
        on_page = page_texts[int(page) - 1]
        document = next(d["id"] for d in report["documents"] if d["label"].endswith(account))
        paragraph = paragraphs[f"{document}:{number}"]
        if paragraph["kind"] == "body":
            assert f"{account} ¶{number}" in on_page, (account, number, page)
        else:  # a cited caption or footnote is not compared: the page of the annotated source
            words = re.findall(r"[A-Za-z]{4,}", paragraph["text"])[:5]
            assert all(w in normalise(on_page) for w in words), (account, number, page)


def test_every_body_paragraph_is_in_the_side_by_side_sections(page_texts, page_sizes):
    """Every compared paragraph's text (continuations joined) is in the landscape pages' text."""
    haystack = " " + normalise(" ".join(page_texts[i] for i in landscape(page_sizes))) + " "
    comparison, _ = check(Project.at())
    briefing = comparison.briefing
    checked = 0
    for document in briefing.documents:
        for paragraph in document.paragraphs:
            if not paragraph.compared:
                continue
            needle = normalise(shown_text(paragraph, document)).split()
            found = runs(needle, haystack)
            assert found is not None, f"{paragraph.id}: words missing from the PDF"
            assert len(found) <= 3, f"{paragraph.id}: text broken into {found} word runs"
            checked += 1
    assert checked == sum(p.compared for p in briefing.paragraphs.values()) > 0


def test_theme_pages_are_landscape_with_running_and_column_headers(words, page_sizes,
                                                                   page_texts, report):
    pages, grids = landscape(page_sizes), grid_pages(page_texts, page_sizes)
    assert len(pages) >= len(report["themes"]) and len(grids) >= 0.7 * len(pages)
    labels = [a["label"] for a in report["accounts"]]
    themes = [t["label"] for t in report["themes"]]
    # an account silent on a theme has no column: the header row lists the others
    account_label = {a["id"]: a["label"] for a in report["accounts"]}
    addressing = {t["label"]: [label for label in labels if any(
        account_label[p["account"]] == label and t["id"] in p["themes"]
        for p in report["paragraphs"] if p["kind"] == "body" and not p["continues"])]
        for t in report["themes"]}
    assert any(len(columns) < len(labels) for columns in addressing.values())
    seen = []
    for index in pages:
        page = words[index]
        top = " ".join(w for x0, y0, x1, y1, w in page if y1 < 16 * MM)  # the top margin
        assert report["title"] in top, f"page {index + 1}: no running title"
        theme = next((t for t in themes if t in top), None)
        assert theme, f"page {index + 1}: the running header names no theme: {top!r}"
        big = [w for w in page if w[3] - w[1] > 14]  # the words of 15pt section headings
        headings = [line for line in lines(big) if line in themes]  # sections starting here
        seen += [theme, *headings]  # a short section may start and end within a page
        if index not in grids:
            continue
        # the column headers, repeated: the label of every account addressing the theme on
        # one line, left to right; or, where one account runs on past the others (or is the
        # only one), its own header ("2021, continued", "2021 — the only account ...")
        rows = {}
        for x0, y0, x1, y1, w in page:
            if w in labels:
                rows.setdefault(round(y0), []).append((x0, w))
        alone = [line for line in lines(page) if any(
            line.startswith((f"{label}, continued", f"{label} — the only account"))
            for label in labels)]
        assert any([w for _, w in sorted(row)] == addressing[t]
                   for row in rows.values() for t in [theme, *headings]) or alone, \
            f"page {index + 1}: no column header row"
    assert list(dict.fromkeys(seen)) == themes, "theme sections out of order"


def test_nothing_runs_off_the_page(words, page_sizes):
    for index, (page, (width, height)) in enumerate(zip(words, page_sizes)):
        for x0, y0, x1, y1, w in page:
            where = f"page {index + 1}: {w!r} at {x0:.0f},{y0:.0f}-{x1:.0f},{y1:.0f}"
            assert x0 >= 8 * MM and x1 <= width - 8 * MM, where
            assert y0 >= 6 * MM and y1 <= height - 6 * MM, where


def test_pictures_are_in_the_brief(page_texts, report):
    pages = [normalise(t) for t in page_texts]
    for heading in ("Who addresses what", "Timeline of dated events", "Who cites whom"):
        assert sum(heading in p for p in pages[2:]) >= 1, f"no {heading!r} after the contents"
    types = {c["id"]: c["type"] for c in report["claims"]}
    dated = [f for f in report["findings"] if f["origin"] == "computed"
             and types[f["claim"]] in ("date", "year")]
    timeline = " ".join(p for p in pages[2:] if "Timeline of dated events" in p)
    for finding in dated:
        assert normalise(finding["title"]) in timeline, finding["title"]
    assert timeline.count("DATES CONFLICT") == sum(f["kind"] == "discrepancy" for f in dated)
    voices = {v for p in report["paragraphs"] if p["kind"] == "body" for v in p["voices"]}
    appendix = " ".join(p for p in pages if "Who cites whom" in p)
    assert all(normalise(v) in appendix for v in voices)


# -- pictures ----------------------------------------------------------------

def test_rendered_pages_are_not_blank_and_theme_pages_show_their_headers(
        pdf, page_sizes, page_texts, tmp_path):
    run("pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "p"))
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(page_sizes)
    grids = grid_pages(page_texts, page_sizes)
    header_blue = (31, 78, 121)
    for index, path in enumerate(images):
        image = Image.open(path).convert("RGB")
        assert (image.width > image.height) == (page_sizes[index][0] > page_sizes[index][1])
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 5, f"page {index + 1} is blank"
        top = image.crop((0, 0, image.width, image.height // 12))  # the running header
        assert min(ImageStat.Stat(top.convert("L")).extrema[0]) < 200 or index == 0, \
            f"page {index + 1}: no running header drawn"
        if index in grids:  # the column headers: a band of the header colour across the page
            data = image.tobytes()
            rows = [sum(all(abs(data[(y * image.width + x) * 3 + k] - header_blue[k]) < 40
                            for k in range(3)) for x in range(image.width))
                    for y in range(image.height)]
            assert sum(r > image.width // 2 for r in rows) >= 2, \
                f"page {index + 1}: no column headers"


# -- layout defects ------------------------------------------------------------

def lowest_text(page, width, height, strips=8) -> list[float]:
    """For each vertical strip of a page, how far down its body text reaches (0 to 1)."""
    top, bottom = 0.09 * height, 0.92 * height
    reach = []
    for s in range(strips):
        ys = [y1 for x0, y0, x1, y1, w in page
              if width * s / strips <= x0 < width * (s + 1) / strips and top < y0 and y1 < bottom]
        reach.append((max(ys) - top) / (bottom - top) if ys else 0.0)
    return reach


def test_no_landscape_page_is_mostly_empty_beside_one_long_column(words, page_sizes):
    """A column running on far past the others continues across the page width, so no
    page shows one column reaching the foot while most of the page is empty."""
    for index in landscape(page_sizes)[:-1]:
        reach = lowest_text(words[index], *page_sizes[index])
        assert not (max(reach) > 0.9 and sum(reach) / len(reach) < 0.3), \
            f"page {index + 1}: one column runs on alone: {[round(r, 1) for r in reach]}"


def test_a_paragraphs_reference_is_never_parted_from_its_text(words, page_sizes, report):
    """The reference runs in at the start of the text: the first word of the text is
    on the reference's line or the next, in the same column, on the same page."""
    comparison, _ = check(Project.at())
    column = max(w for w, h in page_sizes) / len(report["accounts"])
    for paragraph in comparison.briefing.paragraphs.values():
        if not paragraph.compared:
            continue
        document = comparison.briefing.document(paragraph.document)
        first = normalise(shown_text(paragraph, document)).split()[0]
        mark = f"¶{paragraph.number}"
        found = False
        for index in landscape(page_sizes):
            page = words[index]
            for i, (x0, y0, x1, y1, w) in enumerate(page):
                if not (w.startswith(mark) and w[len(mark):] in ("", f"–{paragraph.continued_by[-1]}"
                                                                 if paragraph.continued_by else "")):
                    continue
                if normalise(" ".join(p[4] for p in page[max(0, i - 3):i])).endswith(
                        normalise(document.label).split()[-1]):
                    line = y1 - y0
                    found = found or any(
                        normalise(w2).lstrip('"').startswith(first.lstrip('"')) and
                        x0 - 40 <= a0 <= x0 + column and y0 - 2 <= b0 <= y0 + 2.6 * line
                        for a0, b0, a1, b1, w2 in page)
        assert found, f"{paragraph.id}: its reference is not followed by its text"


def test_each_paragraph_is_printed_in_full_once_and_elsewhere_as_an_excerpt(page_texts,
                                                                             page_sizes):
    """Under its first theme a paragraph is printed in full ("Ramani 2016 ¶14 The ..."),
    under each other theme as a quoted excerpt ("Ramani 2016 ¶14 “The ...")."""
    comparison, _ = check(Project.at())
    text = normalise(" ".join(page_texts[i] for i in landscape(page_sizes)))
    for paragraph in comparison.briefing.paragraphs.values():
        if not paragraph.compared:
            continue
        document = comparison.briefing.document(paragraph.document)
        head = re.escape(normalise(f"{document.label} ¶{paragraph.number}"))
        full = len(re.findall(head + r"(?:–\d+)? (?:[^\s\"(][^\s\"]* ){0,3}?"
                              + re.escape(normalise(shown_text(paragraph, document)).split()[0])
                              + r"(?=\s)", text))
        excerpts = len(re.findall(head + r' (?:\S+ ){0,3}?"', text))
        assert full == 1 and excerpts == len(paragraph.themes) - 1, \
            (paragraph.id, full, excerpts)
    assert len(re.findall(r'" full text p\. \d+', text)) == sum(
        len(p.themes) - 1 for p in comparison.briefing.paragraphs.values() if p.compared)


def test_the_annotated_sources_appendix_keeps_every_paragraph(page_texts):
    """Appendix C (two columns of smaller type) holds every paragraph of every source,
    compared or not, continuations too: nothing printed only as an excerpt is lost."""
    start = min(i for i, t in enumerate(page_texts) if "— Annotated sources\n" in t and i > 1)
    haystack = " " + normalise(" ".join(page_texts[start:])) + " "
    comparison, _ = check(Project.at())
    for document in comparison.briefing.documents:
        for paragraph in document.paragraphs:
            markup = str(source_html(paragraph, document, whole=False)).replace("<br>", "\n")
            needle = normalise(html.unescape(re.sub(r"<[^>]+>", "", markup))).split()
            found = runs(needle, haystack)
            assert found is not None, f"{paragraph.id}: words missing from the appendix"
            assert len(found) <= 3, f"{paragraph.id}: text broken into {found} word runs"


def small_project(tmp_path, **annotations):
    from conftest import write_project

    project = write_project(tmp_path, annotations)
    build(project, ("pdf", "brief"))
    return project


def test_a_small_corpus_has_no_near_empty_page(tmp_path):
    project = small_project(tmp_path)
    pages = run("pdftotext", "-layout", str(project.output / "report.pdf"), "-").split("\f")[:-1]
    assert len(pages) <= 6, f"{len(pages)} pages for two short accounts"
    for number, page in enumerate(pages[2:], start=3):
        body = [line for line in page.splitlines()[2:-2] if line.strip()]
        assert len(body) >= 4, f"page {number} is nearly empty: {body}"


def test_very_long_labels_are_cut_in_running_and_column_headers(tmp_path):
    """A 900-character theme or account label once filled every page with headers."""
    theme, account = "Wartime " + "very " * 180 + "long", "Account " + "ever " * 180 + "longer"
    beta = TINY_ANNOTATIONS["documents/beta.yaml"].replace(
        "published: 2018", f"published: 2018\n        account: {account}")
    themes = TINY_ANNOTATIONS["themes.yaml"].replace("label: The war", f"label: {theme}")
    project = small_project(tmp_path, **{"themes.yaml": themes, "documents/beta.yaml": beta})
    for name, most in (("report.pdf", 10), ("brief.pdf", 6)):
        pdf = project.output / name
        pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf)))[1])
        assert pages <= most, f"{name}: {pages} pages"
        text = normalise(run("pdftotext", "-raw", str(pdf), "-"))
        assert normalise(theme) in text or name == "brief.pdf", "the full label stays in the body"


# -- the chapters engine (reportgen.pdf) ---------------------------------------

def two_chapters() -> str:
    from reportgen.pdf import CHAPTER_BREAK, page_marker

    return ("<html><head><style>@page { size: A6; @bottom-right { content: 'Page ' "
            "counter(page) ' of ' counter(pages) } }</style></head><body>"
            f"<h1>One</h1><p><a href='#there'>to two, p. {page_marker('there')}</a></p>"
            f"<p style='break-before: page' id='here'>here</p>{CHAPTER_BREAK}"
            f"<h1>Two</h1><p style='break-before: page' id='there'>there</p>"
            f"<p><a href='#here'>back, p. {page_marker('here')}</a></p></body></html>")


def test_chapters_are_numbered_linked_and_merged(tmp_path, monkeypatch):
    from pypdf import PdfReader

    from reportgen import pdf
    from reportgen.pdf import pdf_bytes

    monkeypatch.setattr(pdf, "ONE_PIECE", 0)  # chapters however small the document

    path = tmp_path / "two.pdf"
    path.write_bytes(pdf_bytes(two_chapters(), workers=2))
    pages = run("pdftotext", "-layout", str(path), "-").split("\f")[:-1]
    assert len(pages) == 4 and all(f"Page {n} of 4" in p for n, p in enumerate(pages, 1))
    assert "to two, p. 4" in pages[0] and "back, p. 2" in pages[3]
    reader = PdfReader(path)
    names = reader.named_destinations
    assert {"here", "there"} <= set(names)
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots") or []]
    assert sorted(str(a["/Dest"]) for a in links) == ["here", "there"]  # both across chapters
    assert [o.title for o in reader.outline] == ["One", "Two"]
    assert pdf_bytes(two_chapters(), workers=1) == path.read_bytes(), "cores change nothing"


def test_a_rebuild_lays_out_once_what_did_not_change(monkeypatch):
    """Where the numbers cannot be written into a layout (an unverified WeasyPrint), each
    chapter is laid out twice, and a rebuild skips the first layout of what it knows."""
    from reportgen import pdf, stamp
    from reportgen.pdf import pdf_bytes

    monkeypatch.setattr(pdf, "ONE_PIECE", 0)
    monkeypatch.setattr(stamp, "VERIFIED", ())

    layouts, steps = {}, []
    first = pdf_bytes(two_chapters(), layouts=layouts, progress=steps.append)
    assert any(s.startswith("pass 1") for s in steps) and len(layouts) == 2
    steps.clear()
    assert pdf_bytes(two_chapters(), layouts=layouts, progress=steps.append) == first
    assert not any(s.startswith("pass 1") for s in steps)
    for key in layouts:  # a damaged cache is laid out again, and the PDF is the same
        layouts[key] = ["x", None]
    assert pdf_bytes(two_chapters(), layouts=layouts) == first


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return run("pdftotext", "-layout", str(path), "-").split("\f")[:-1]


def test_each_chapter_is_laid_out_once_and_numbered_as_a_second_layout_would(
        tmp_path, monkeypatch):
    from reportgen import pdf, stamp
    from reportgen.pdf import pdf_bytes

    monkeypatch.setattr(pdf, "ONE_PIECE", 0)
    steps = []
    once = pdf_bytes(two_chapters(), workers=2, progress=steps.append)
    assert any(s.startswith("laying out") for s in steps)
    assert not any(s.startswith("pass") for s in steps), "no chapter laid out again"
    monkeypatch.setattr(stamp, "VERIFIED", ())  # the numbers written in by a second layout
    twice = pdf_bytes(two_chapters(), workers=2, progress=steps.append)
    assert any(s.startswith("pass 2") for s in steps)
    assert pdf_pages(once, tmp_path) == pdf_pages(twice, tmp_path)


def test_a_number_wider_than_its_placeholder_gets_a_second_layout(tmp_path, monkeypatch):
    """Twelve pages from a few characters: the placeholders have one digit, "12" does not
    fit in them, so the chapters are laid out again with their numbers."""
    from reportgen import pdf
    from reportgen.pdf import CHAPTER_BREAK, page_marker, pdf_bytes

    monkeypatch.setattr(pdf, "ONE_PIECE", 0)
    def pages(chapter):
        return "".join(f"<p style='break-before: page' id='{chapter}{n}'>{n}</p>"
                       for n in range(6))

    html = ("<html><head><style>@page { size: A7; }</style></head><body>"
            f"<p>last: p. {page_marker('b5')}</p>{pages('a')}{CHAPTER_BREAK}"
            f"{pages('b')}<p>first: p. {page_marker('a0')}</p></body></html>")
    steps = []
    texts = pdf_pages(pdf_bytes(html, workers=2, progress=steps.append), tmp_path)
    assert any(s.startswith("pass 2") for s in steps)
    assert len(texts) == 13 and all(f"Page {n} of 13" in t for n, t in enumerate(texts, 1))
    assert "last: p. 13" in texts[0] and "first: p. 2" in texts[-1]


def test_a_reference_laid_out_twice_gets_a_second_layout(tmp_path, monkeypatch):
    """A reference in a table's header, repeated on each page of the table: its placeholder
    is found more often than written, so the chapter is laid out again."""
    from reportgen import pdf
    from reportgen.pdf import CHAPTER_BREAK, page_marker, pdf_bytes

    monkeypatch.setattr(pdf, "ONE_PIECE", 0)
    rows = "".join(f"<tr><td>row {n}</td></tr>" for n in range(60))
    html = ("<html><head><style>@page { size: A7; }</style></head><body>"
            f"<table><thead><tr><th>see p. {page_marker('end')}</th></tr></thead>{rows}</table>"
            f"{CHAPTER_BREAK}<p style='break-before: page' id='end'>end</p></body></html>")
    steps = []
    texts = pdf_pages(pdf_bytes(html, workers=1, progress=steps.append), tmp_path)
    assert any(s.startswith("pass 2") for s in steps)
    assert len(texts) > 2 and all(f"Page {n} of {len(texts)}" in t
                                  for n, t in enumerate(texts, 1))
    assert all(f"see p. {len(texts)}" in t for t in texts[:-1])


def test_the_footer_is_worded_alike_in_one_piece_and_in_chapters():
    """print.css numbers a PDF laid out in one piece; reportgen.stamp writes the chapters'
    numbers in with the words of stamp.FOOTER: the two must read the same."""
    from conftest import ROOT
    from reportgen import stamp

    css = (ROOT / "templates" / "print.css").read_text(encoding="utf-8")
    before, of = stamp.FOOTER
    assert f'content: "{before}" counter(page) "{of}" counter(pages)' in css
    assert stamp.footer_text(3, 12) == "Page 3 of 12"
