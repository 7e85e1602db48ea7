"""A large report in real Chromium: its bulk is drawn on demand, and it reads the same.

Past reportgen.render.DRAW_ON_DEMAND_FROM paragraph cards the HTML report
carries its theme sections' paragraphs and findings and its annotated sources
as data, and report-lazy.js draws them as they come into view, a page at a
time, and only what passes the filters. Here the bundled corpus 20 times over
(2,800 paragraphs, benchmarks/corpus.py) is built and opened: the page starts
light, filters give what report.json says they should, permalinks and links
land on paragraphs and findings that were not drawn yet, and nothing is
requested or run that should not be. The bundled corpus drawn on demand must
give the same markup as the same corpus drawn by the templates; a hostile
corpus drawn on demand stays inert.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from browser_support import AXE, DESKTOP
from conftest import ROOT
from test_hostile import (ELEMENTS_THAT_LOAD, FIND_UNSAFE, beacon,  # noqa: F401 - fixture
                          hostile_project, open_report)

from reportgen import render
from reportgen.build import build
from reportgen.project import Project

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import make_corpus  # noqa: E402

PAGE = 25  # report-lazy.js: paragraphs per account, and findings, drawn at a time


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """The bundled corpus 20 times over, built to HTML and JSON: drawn on demand."""
    root = make_corpus(20, tmp_path_factory.mktemp("large") / "corpus")
    build(Project.at(root), ("html", "json"))
    return root / "build"


@pytest.fixture(scope="module")
def report(large) -> dict:
    return json.loads((large / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def visit(browser, large):
    """Open the large report (with ``suffix``: a query, a fragment); errors are recorded."""
    opened = []

    def open_(suffix: str = "", url: str | None = None):
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.errors.append(f"{m.type}: {m.text}"))
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto((url or (large / "report.html").resolve().as_uri()) + suffix)
        opened.append(context)
        return page

    yield open_
    for context in opened:
        context.close()


def compared(report):
    return [p for p in report["paragraphs"] if p["kind"] == "body" and p["continues"] is None]


def anchor(pid: str) -> str:
    return "p-" + pid.replace(":", "-")


def in_view(page, element_id: str) -> bool:
    box = page.locator(f"#{element_id}").bounding_box()
    return box is not None and 0 <= box["y"] < DESKTOP["height"] / 2


def drawn_sections(page, selector: str, key: str) -> list[str]:
    """The distinct data-KEY values of the displayed elements matching ``selector``."""
    return page.eval_on_selector_all(selector, """(els, key) => [...new Set(
        els.filter(e => e.offsetParent !== null).map(e => e.dataset[key]))]""", key)


# -- size --------------------------------------------------------------------

def test_a_large_report_is_drawn_on_demand_and_opens_light(visit, large, report):
    html = (large / "report.html").read_text(encoding="utf-8")
    assert '<script type="application/json" id="report-data">' in html
    page = visit()
    assert page.locator("#filters").is_visible()  # the script ran (its CSP hash holds)
    elements = page.evaluate("document.getElementsByTagName('*').length")
    assert elements < 15_000, f"{elements} elements: the bulk was drawn at once"
    assert len(report["paragraphs"]) == 2800
    assert page.locator(".para").count() <= PAGE * len(report["accounts"])
    assert page.locator("ol.source-paras li").count() == 0
    assert page.errors == [] and page.requests == [page.url]


def test_a_section_is_drawn_when_it_comes_into_view_a_page_at_a_time(visit, report):
    page = visit()
    theme = report["themes"][0]["id"]
    section = page.locator(f"#theme-{theme}")
    section.scroll_into_view_if_needed()
    page.wait_for_function("id => document.querySelector(`#theme-${id} .para`) !== null", arg=theme)
    in_theme = [p for p in compared(report) if theme in p["themes"]]
    per_account = {a["id"]: sum(p["account"] == a["id"] for p in in_theme) for a in report["accounts"]}
    counts = {a: section.locator(f"td[data-account='{a}'] .para").count() for a in per_account}
    assert counts == {a: min(n, PAGE) for a, n in per_account.items()}
    more = section.locator(".draw-more button").first
    assert f"({sum(per_account.values()) - sum(counts.values())} more)" in more.inner_text()
    more.click()
    assert section.locator(".para").count() == sum(min(n, 2 * PAGE) for n in per_account.values())
    box = section.bounding_box()  # drawn on demand, the column headers still stay in view
    page.evaluate(f"window.scrollBy(0, {box['y'] + box['height'] / 2})")
    assert abs(section.locator("table.grid thead th").first.bounding_box()["y"]) <= 2
    assert page.errors == []


# -- filters -----------------------------------------------------------------

def test_author_filter_shows_the_sections_and_paragraphs_report_json_gives(visit, report):
    page = visit()
    author = "Mehmet Akif Koç"
    page.select_option("#filter-author", author)
    expected = sorted({t for p in compared(report) if p["author"] == author for t in p["themes"]})
    assert sorted(drawn_sections(page, "section.theme", "theme")) == expected
    for theme in expected[:3]:
        page.locator(f"#theme-{theme}").scroll_into_view_if_needed()
        page.wait_for_function("id => document.querySelector(`#theme-${id} .para`)", arg=theme)
        authors = page.locator(f"#theme-{theme} .para").evaluate_all(
            "els => [...new Set(els.map(e => e.dataset.author))]")
        assert authors == [author]
    assert "?author=" in page.url
    page.click("#filter-reset")
    page.wait_for_function("n => document.querySelectorAll('section.theme:not(.filtered-out)')"
                           ".length === n", arg=len(report["themes"]))
    assert page.errors == []


def test_account_and_kind_filters_follow_the_data(visit, report):
    page = visit()
    account = report["accounts"][2]["id"]  # 2018: silent on several themes
    page.select_option("#filter-account", account)
    expected = sorted({t for p in compared(report) if p["account"] == account for t in p["themes"]})
    assert sorted(drawn_sections(page, "section.theme", "theme")) == expected
    page.locator(f"#theme-{expected[0]}").scroll_into_view_if_needed()
    page.wait_for_function("id => document.querySelector(`#theme-${id} .para`)", arg=expected[0])
    assert drawn_sections(page, f"#theme-{expected[0]} td", "account") == [account]
    page.select_option("#filter-account", "")
    kind = "shift"
    page.select_option("#filter-kind", kind)
    with_kind = sorted({f["theme"] for f in report["findings"] if f["kind"] == kind})
    assert sorted(drawn_sections(page, "section.theme", "theme")) == with_kind
    page.locator(f"#theme-{with_kind[0]}").scroll_into_view_if_needed()
    page.wait_for_function("id => document.querySelector(`#theme-${id} .finding`)", arg=with_kind[0])
    assert drawn_sections(page, f"#theme-{with_kind[0]} .finding", "kind") == [kind]
    assert page.errors == []


# -- links and permalinks ------------------------------------------------------

def deepest(report) -> dict:
    """The compared paragraph furthest down its main theme's column."""
    column: dict[tuple, list] = {}
    for p in compared(report):
        for theme in p["themes"]:
            column.setdefault((theme, p["account"]), []).append(p["id"])
    return max(compared(report),
               key=lambda p: column[p["themes"][0], p["account"]].index(p["id"]))


def test_permalinks_to_what_is_not_drawn_yet_open_at_it(visit, report):
    paragraph = deepest(report)
    by_theme: dict[str, list] = {}
    for f in report["findings"]:
        by_theme.setdefault(f["theme"], []).append(f)
    finding = max(by_theme.values(), key=len)[-1]  # the last of the longest list
    last_document = report["documents"][-1]["id"]
    for element_id in (anchor(paragraph["id"]),
                       ("f-" if finding["origin"] == "analyst" else "c-") + finding["id"],
                       f"src-{anchor(last_document + ':3')}"):
        page = visit(suffix=f"#{element_id}")
        page.wait_for_function("id => document.getElementById(id) !== null", arg=element_id)
        assert in_view(page, element_id), element_id
        assert page.evaluate("id => document.getElementById(id).matches(':target')", element_id)
        assert page.errors == [], page.errors


def test_a_link_lands_on_its_paragraph_even_when_the_filters_hide_it(visit, report):
    paragraph = deepest(report)
    other = next(a for a in sorted({p["author"] for p in compared(report)})
                 if a != paragraph["author"])
    page = visit(suffix=f"?author={other}")
    assert page.locator("#filter-author").input_value() == other
    link = page.locator(f"#claims a[href='#{anchor(paragraph['id'])}']")
    if link.count():  # a claims-table link to it, else follow the permalink by hand
        link.first.click()
    else:
        page.evaluate("id => { location.hash = id; }", anchor(paragraph["id"]))
    page.wait_for_function("id => document.getElementById(id) !== null", arg=anchor(paragraph["id"]))
    assert in_view(page, anchor(paragraph["id"]))
    assert page.locator("#filter-author").input_value() == "", "the filters were not cleared"
    assert page.errors == []


def test_what_is_drawn_on_demand_has_nothing_serious_for_axe(visit, report):
    """A theme section drawn on demand. The page around it is the small report's, which
    test_browser.py checks whole; the sources are drawn with the same markup (below)."""
    assert AXE.exists(), "axe-core missing: run bash tests/install-test-deps.sh"
    theme = report["themes"][1]["id"]
    page = visit(suffix=f"#theme-{theme}")
    page.wait_for_function("id => document.querySelector(`#theme-${id} .para`)", arg=theme)
    page.evaluate(AXE.read_text(encoding="utf-8"))
    parts = [[f"#theme-{theme} {part}"] for part in  # each kind of thing drawn, once
             ("thead", "td > .para:first-of-type", ".finding", ".draw-more")]
    result = page.evaluate("parts => axe.run({include: parts}, {resultTypes: ['violations']})",
                           parts)
    bad = [(x["id"], x["impact"], len(x["nodes"]), x["nodes"][0]["target"])
           for x in result["violations"] if x["impact"] in ("serious", "critical")]
    assert bad == [], bad


# -- the same report, drawn either way -----------------------------------------

CANONICAL = """(root) => {
  function canon(node) {
    if (node.nodeType === 3) {
      const text = node.textContent.replace(/\\s+/g, " ");
      return text.trim() ? text : null;
    }
    if (node.nodeType !== 1 || node.tagName === "NOSCRIPT") return null;
    const attributes = [...node.attributes].filter(a => a.name !== "data-on-demand")
      .map(a => a.name + "=" + a.value).sort();
    return [node.tagName, attributes, [...node.childNodes].map(canon).filter(c => c !== null)];
  }
  const copy = root.cloneNode(true);
  copy.normalize();  // adjacent text nodes as one, as the parser makes them
  return JSON.stringify(canon(copy));
}"""


# The text as shown, once the element is in view and laid out (a large report lays
# out only what is near the view: content-visibility).
SHOWN_TEXT = """async (element) => {
  element.scrollIntoView();
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return element.innerText;
}"""


def draw_everything(page) -> None:
    """Scroll through the page, then press every "show more" until none is left."""
    y = 0
    while y < page.evaluate("document.body.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(20)
        y += DESKTOP["height"]
    while page.locator(".draw-more button").count():
        page.locator(".draw-more button").first.click()


@pytest.fixture(scope="module")
def drawn_on_demand(tmp_path_factory) -> Path:
    """The bundled corpus, its report drawn on demand."""
    out = tmp_path_factory.mktemp("bundled-on-demand")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "DRAW_ON_DEMAND_FROM", 1)
        build(Project.at(ROOT, output=out), ("html",))
    return out / "report.html"


def test_drawn_on_demand_the_report_has_the_same_markup(new_page, bundled_build, drawn_on_demand):
    pages = []
    for path in (bundled_build / "report.html", drawn_on_demand):
        page = new_page(viewport=DESKTOP)
        page.goto(path.resolve().as_uri())
        pages.append(page)
    static, lazy = pages
    assert static.locator("#report-data").count() == 0 and lazy.locator("#report-data").count() == 1
    draw_everything(lazy)
    parts = static.eval_on_selector_all("section.theme, section.source-text", "s => s.map(x => x.id)")
    assert len(parts) > 10
    for part in parts:
        assert lazy.eval_on_selector(f"#{part}", CANONICAL) == \
            static.eval_on_selector(f"#{part}", CANONICAL), part
        assert lazy.eval_on_selector(f"#{part}", SHOWN_TEXT) == \
            static.eval_on_selector(f"#{part}", "e => e.innerText"), part


def test_a_hostile_report_drawn_on_demand_stays_inert(browser, beacon, tmp_path):  # noqa: F811
    host, hits = beacon
    project = hostile_project(tmp_path, host)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "DRAW_ON_DEMAND_FROM", 1)
        build(project, ("html", "json"))
    url = (project.output / "report.html").resolve().as_uri()
    context, page, seen = open_report(browser, url)
    try:
        draw_everything(page)
        author = page.locator("#filter-author option").nth(1).get_attribute("value")
        page.select_option("#filter-author", author)
        page.select_option("#filter-author", "")
        draw_everything(page)
        page.wait_for_timeout(300)  # time for any late load or timer to show up
        assert page.locator(".para").count() > 0 and page.locator("ol.source-paras li").count() > 0
        assert seen["dialogs"] == [] and seen["errors"] == [] and seen["console"] == []
        assert page.evaluate("window.__pwned") is None
        assert seen["requests"] == [url], "the report fetched something"
        assert hits == [], "a request reached the beacon server"
        assert page.evaluate("window.__violations") == []
        assert page.evaluate(FIND_UNSAFE) == []
        assert page.locator(ELEMENTS_THAT_LOAD).count() == 0
        assert page.locator("a.md-image").count() > 0  # markdown drawn, images not loaded
    finally:
        context.close()
