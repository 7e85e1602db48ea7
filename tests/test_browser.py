"""The HTML report in a real browser: Debian's Chromium driven by Playwright.

What a reader meets: columns side by side at 1280 px and stacked at 390 px,
filters that hide and show the right sections, links from findings that land on
the cited paragraphs, no console errors, no network requests beyond the file
itself, and nothing serious or critical for axe-core. Expectations come from
report.json (the same content, machine-readable), not from the HTML under test.
"""

from __future__ import annotations

import json

import pytest
from browser_support import AXE, DESKTOP, PHONE


@pytest.fixture(scope="module")
def report(bundled_build) -> dict:
    return json.loads((bundled_build / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def url(bundled_build) -> str:
    return (bundled_build / "report.html").resolve().as_uri()


class Visit:
    """A page opened on the report, recording console messages, errors and requests."""

    def __init__(self, browser, url: str, viewport: dict, scripts: bool = True, suffix: str = ""):
        self.context = browser.new_context(viewport=viewport, java_script_enabled=scripts)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url + suffix)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, url):
    opened = []

    def open_(viewport=DESKTOP, scripts=True, suffix=""):
        v = Visit(browser, url, viewport, scripts, suffix)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


def shown(page, selector: str, key: str | None = None):
    """How many elements matching ``selector`` are displayed, or their distinct ``data-KEY``s."""
    return page.eval_on_selector_all(selector, """(els, key) => {
        const on = els.filter(e => e.offsetParent !== null);
        return key ? [...new Set(on.map(e => e.dataset[key]))] : on.length; }""", key)


def visible_sections(page) -> list[str]:
    return shown(page, "section.theme", "theme")


def compared(report):
    return [p for p in report["paragraphs"] if p["kind"] == "body" and p["continues"] is None]


def themes_of(paragraphs) -> list[str]:
    return sorted({t for p in paragraphs for t in p["themes"]})


# -- layout ------------------------------------------------------------------

def test_accounts_side_by_side_in_chronological_order_at_desktop_width(visit, report):
    page = visit(DESKTOP).page
    accounts = [a["label"] for a in report["accounts"]]
    first_published = {a["label"]: min(d["published"] for d in report["documents"]
                                       if d["id"] in a["documents"]) for a in report["accounts"]}
    assert accounts == sorted(accounts, key=first_published.get), "accounts not chronological"
    for theme in report["themes"]:
        section = page.locator(f"#theme-{theme['id']}")
        section.scroll_into_view_if_needed()
        headers = section.locator("table.grid thead th")
        assert [t.split("\n")[0] for t in headers.all_inner_texts()] == accounts
        cells = [c.bounding_box() for c in section.locator("table.grid tbody td").all()]
        assert len(cells) == len(accounts)
        assert len({round(c["y"]) for c in cells}) == 1, f"{theme['id']}: cells not in one row"
        xs = [c["x"] for c in cells]
        assert xs == sorted(xs) and len(set(xs)) == len(xs), f"{theme['id']}: columns out of order"
        assert all(c["width"] > 180 for c in cells), f"{theme['id']}: columns too narrow"
        assert cells[-1]["x"] + cells[-1]["width"] <= DESKTOP["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_accounts_stack_and_stay_readable_on_a_phone(visit, report):
    page = visit(PHONE).page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], \
        "the page scrolls sideways on a phone"
    accounts = [a["label"] for a in report["accounts"]]
    for theme in report["themes"]:
        cells = page.locator(f"#theme-{theme['id']} table.grid tbody td")
        boxes = [c.bounding_box() for c in cells.all()]
        ys = [b["y"] for b in boxes]
        assert ys == sorted(ys) and len(set(ys)) == len(ys), f"{theme['id']}: not stacked"
        assert all(b["width"] >= 0.85 * PHONE["width"] - 40 for b in boxes)
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in boxes)
        # with the column headers hidden, each stacked cell names its account
        labels = cells.evaluate_all(
            "tds => tds.map(td => getComputedStyle(td, '::before').content)")
        assert [label.strip('"').split(" — ")[0] for label in labels] == accounts
    size = page.eval_on_selector(".para-text", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 14, "paragraph text too small to read on a phone"


def test_column_headers_stay_in_view_while_a_section_scrolls(visit):
    page = visit(DESKTOP).page
    section = page.locator("#theme-origins")
    box = section.bounding_box()
    assert box["height"] > 2 * DESKTOP["height"], "need a long section to scroll through"
    page.evaluate(f"window.scrollTo(0, {box['y'] + box['height'] / 2})")
    header = section.locator("table.grid thead th").first.bounding_box()
    assert abs(header["y"]) <= 2, f"column header not stuck to the top: y={header['y']}"


def test_empty_cell_says_the_account_is_silent(visit, report):
    page = visit(DESKTOP).page
    spoken = {(p["account"], t) for p in compared(report) for t in p["themes"]}
    silent = [(a["id"], t["id"]) for t in report["themes"] for a in report["accounts"]
              if (a["id"], t["id"]) not in spoken]
    assert silent, "the bundled corpus has silent accounts"
    for account, theme in silent:
        cell = page.locator(f"#theme-{theme} table.grid td[data-account='{account}']")
        assert "does not address this theme" in cell.inner_text()
        assert cell.locator(".para").count() == 0


def test_each_paragraph_shows_author_account_reference_and_voices(visit, report):
    page = visit(DESKTOP).page
    for p in compared(report):
        card = page.locator(f"#p-{p['id'].replace(':', '-')}")
        assert card.count() == 1, p["id"]
        meta = card.locator(".para-meta").inner_text()
        assert f"¶{p['number']}" in meta and (p["author"] or "Unattributed") in meta
        assert card.get_attribute("data-document") == p["document"]
        assert card.locator(".ref").get_attribute("href") == f"#p-{p['id'].replace(':', '-')}"
        for voice in p["voices"]:
            assert voice in card.locator(".voices").inner_text()


# -- navigation --------------------------------------------------------------

def test_every_internal_link_has_a_target_and_ids_are_unique(visit):
    page = visit(DESKTOP).page
    ids = page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    targets = page.eval_on_selector_all(
        "a[href^='#']", "els => els.map(e => e.getAttribute('href').slice(1))")
    assert targets
    missing = sorted({t for t in targets if t not in set(ids)})
    assert not missing, missing


def test_a_findings_links_land_on_its_cited_paragraphs_and_back(visit, report):
    v = visit(DESKTOP)
    page = v.page
    compared_ids = {p["id"] for p in compared(report)}
    for finding in report["findings"]:
        anchor = ("f-" if finding["origin"] == "analyst" else "c-") + finding["id"]
        hrefs = page.locator(f"#{anchor} a.cite").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))")
        # a cited caption or footnote is not compared: the link goes to the annotated source
        targets = {c: ("#p-" if c in compared_ids else "#src-p-") + c.replace(":", "-")
                   for c in finding["cites"]}
        assert sorted(set(hrefs)) == sorted(set(targets.values()))
        for cite, target in targets.items():  # and each cited paragraph links back
            back = page.locator(f"{target} .cited-by a[href='#{anchor}']")
            assert back.count() == 1, f"{cite} does not link back to {anchor}"
    # follow one link for real: the paragraph is scrolled into view and highlighted
    finding = next(f for f in report["findings"] if f["key"])
    link = page.locator(f"#key-f-{finding['id']} a.cite").last
    target = link.get_attribute("href")
    link.click()
    page.wait_for_function(f"() => location.hash === '{target}'")
    box = page.locator(target).bounding_box()
    assert 0 <= box["y"] < DESKTOP["height"] / 2, box
    assert page.evaluate(f"document.querySelector('{target}').matches(':target')")
    assert not v.errors


def test_permalinks_open_at_their_paragraph_or_finding(visit, report):
    paragraph = compared(report)[-1]
    finding = report["findings"][-1]
    for anchor in (f"p-{paragraph['id'].replace(':', '-')}",
                   ("f-" if finding["origin"] == "analyst" else "c-") + finding["id"]):
        page = visit(DESKTOP, suffix=f"#{anchor}").page
        box = page.locator(f"#{anchor}").bounding_box()
        assert 0 <= box["y"] < DESKTOP["height"] / 2, (anchor, box)
        assert page.locator(f"#{anchor} a[href='#{anchor}']").count() >= 1, "no permalink"


def test_contents_lists_every_theme(visit, report):
    page = visit(DESKTOP).page
    links = page.eval_on_selector_all(".toc a", "as => as.map(a => a.getAttribute('href'))")
    themes = [h for h in links if h.startswith("#theme-")]
    assert themes == [f"#theme-{t['id']}" for t in report["themes"]]
    for section in ("#key-findings", "#sources", "#coverage", "#timeline", "#voices", "#claims"):
        assert section in links


# -- filters -----------------------------------------------------------------

def test_theme_filter_shows_only_that_theme(visit, report):
    v = visit(DESKTOP)
    page = v.page
    assert len(visible_sections(page)) == len(report["themes"])
    page.select_option("#filter-theme", "narcotics")
    assert visible_sections(page) == ["narcotics"]
    assert shown(page, ".toc li[data-theme]") == 1
    assert "?theme=narcotics" in page.url, "the filtered view is not shareable"
    page.click("#filter-reset")
    page.wait_for_function("n => document.querySelectorAll('section.theme:not(.filtered-out)')"
                           ".length === n", arg=len(report["themes"]))
    assert not v.errors and not v.console


def test_account_filter_keeps_that_accounts_column_and_sections(visit, report):
    page = visit(DESKTOP).page
    account = report["accounts"][2]["id"]  # 2018: silent on several themes
    page.select_option("#filter-account", account)
    expected = themes_of(p for p in compared(report) if p["account"] == account)
    assert sorted(visible_sections(page)) == expected
    assert len(expected) < len(report["themes"])
    assert shown(page, "table.grid td", "account") == [account]
    cell = page.locator(f"#theme-{expected[0]} table.grid td[data-account='{account}']")
    cell = cell.bounding_box()
    assert cell["width"] > 600, "a lone column should take the section's width"


def test_author_filter_keeps_that_authors_paragraphs(visit, report):
    page = visit(DESKTOP).page
    author = "Mehmet Akif Koç"
    page.select_option("#filter-author", author)
    expected = themes_of(p for p in compared(report) if p["author"] == author)
    assert sorted(visible_sections(page)) == expected
    assert shown(page, ".para", "author") == [author]


def test_finding_kind_filter_keeps_sections_with_such_findings(visit, report):
    page = visit(DESKTOP).page
    page.select_option("#filter-kind", "gap")
    expected = sorted({f["theme"] for f in report["findings"] if f["kind"] == "gap"})
    assert sorted(visible_sections(page)) == expected
    assert shown(page, ".finding", "kind") == ["gap"]
    key_gaps = [f for f in report["findings"] if f["key"] and f["kind"] == "gap"]
    assert shown(page, "#key-findings .finding") == len(key_gaps)


def test_a_shared_filtered_link_opens_filtered(visit, report):
    page = visit(DESKTOP, suffix="?theme=economy&kind=agreement").page
    assert visible_sections(page) == ["economy"]
    assert page.input_value("#filter-theme") == "economy"
    assert page.input_value("#filter-kind") == "agreement"


def test_a_link_to_a_filtered_out_paragraph_shows_everything_again(visit, report):
    page = visit(DESKTOP).page
    themes = {p["id"]: p["themes"][0] for p in compared(report)}
    finding, cite = next((f, c) for f in report["findings"] if f["key"]
                         for c in f["cites"] if themes[c] != f["theme"])
    page.select_option("#filter-theme", finding["theme"])
    target = "#p-" + cite.replace(":", "-")
    assert not page.locator(target).is_visible()
    page.locator(f"#key-f-{finding['id']} a[href='{target}']").first.click()
    page.wait_for_function(f"() => document.querySelector('{target}').offsetParent !== null")
    assert len(visible_sections(page)) == len(report["themes"])
    assert 0 <= page.locator(target).bounding_box()["y"] < DESKTOP["height"] / 2


@pytest.mark.parametrize("fragment, then", [("#%", "%E0%A4%A"), ("#%E0%A4%A", "%")])
def test_a_malformed_fragment_is_not_an_error(visit, fragment, then):
    v = visit(DESKTOP, suffix=fragment)  # on opening, then on a hash change
    v.page.evaluate(f"location.hash = {then!r}")
    v.page.wait_for_timeout(100)
    assert v.page.evaluate("location.hash") == "#" + then
    assert v.errors == []
    assert v.page.locator("#filters").is_visible()


def test_without_scripts_the_whole_report_is_there(visit, report):
    page = visit(DESKTOP, scripts=False).page
    assert len(visible_sections(page)) == len(report["themes"])
    assert page.locator(".para").count() >= len(compared(report))
    assert not page.locator("#filters").is_visible(), "filters that cannot work are shown"


def test_controls_are_reachable_and_usable_by_keyboard(visit, report):
    page = visit(DESKTOP).page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "filter-theme":
            break
    else:
        pytest.fail("the theme filter is not reachable with Tab")
    page.keyboard.press("ArrowDown")  # first theme
    assert visible_sections(page) == [report["themes"][0]["id"]]
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused != "none", "no visible focus"


# -- pictures ----------------------------------------------------------------

def test_timeline_shows_each_dated_event_and_its_conflicts(visit, report):
    page = visit(DESKTOP).page
    types = {c["id"]: c["type"] for c in report["claims"]}
    dated = [f for f in report["findings"]
             if f["origin"] == "computed" and types[f["claim"]] in ("date", "year")]
    assert dated
    rows = page.locator(".tl-events > li")
    assert sorted(rows.evaluate_all("ls => ls.map(l => l.id)")) == \
        sorted(f"tl-{f['id']}" for f in dated)
    conflicts = page.locator(".tl-events > li.tl-conflict").evaluate_all("ls => ls.map(l => l.id)")
    assert sorted(conflicts) == sorted(f"tl-{f['id']}" for f in dated if f["kind"] == "discrepancy")
    for f in dated:
        row = page.locator(f"#tl-{f['id']}")
        marks = row.locator("svg circle, svg rect:not(.tl-band)").count()
        accounts_values = {(p["account"], v["value"]) for v in f["values"] for c in v["cites"]
                           for p in report["paragraphs"] if p["id"] == c}
        assert marks == len(accounts_values), f["id"]
        assert row.locator("svg").bounding_box()["width"] > 400
        assert row.locator(f"a[href='#c-{f['id']}']").count() == 1
    assert page.locator("#timeline svg .tl-band").count() == len(conflicts)


def test_coverage_heatmap_and_voices_match_the_data(visit, report):
    page = visit(DESKTOP).page
    cells = page.locator("table.heatmap tbody td")
    assert cells.count() == len(report["themes"]) * len(report["accounts"])
    spoken = {(p["account"], t) for p in compared(report) for t in p["themes"]}
    silent = page.locator("table.heatmap tbody td.heat-none").count()
    assert silent == len(report["themes"]) * len(report["accounts"]) - len(spoken)
    voices = {v for p in report["paragraphs"] if p["kind"] == "body" for v in p["voices"]}
    names = page.locator(".voices-table tbody th").evaluate_all(
        "ths => ths.map(th => th.firstChild.textContent.trim())")
    assert sorted(names) == sorted(voices)


def test_print_stylesheet_prints_the_report_not_the_controls(visit, report):
    page = visit(DESKTOP).page
    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    assert page.locator(".permalink").first.is_visible() is False
    assert len(visible_sections(page)) == len(report["themes"])
    boxes = [c.bounding_box() for c in page.locator("#theme-origins table.grid tbody td").all()]
    assert len({round(b["y"]) for b in boxes}) == 1, "accounts not side by side in print"
    breaks = page.eval_on_selector_all(
        "section.theme", "ss => ss.map(s => getComputedStyle(s).breakBefore)")
    assert set(breaks) == {"page"}, "each theme should start a page"


def test_on_a_phone_the_panels_fold_and_the_first_finding_is_on_the_first_screen(visit):
    page = visit(PHONE).page
    first = page.locator("#key-findings .finding").first.bounding_box()
    assert first["y"] < PHONE["height"] - 100, f"the first finding starts at {first['y']:.0f} px"
    assert not page.locator("#filter-theme").is_visible()
    assert not page.locator(".toc > ol").is_visible()
    for name, inside in (("Filters", "#filter-theme"), ("Contents", ".toc > ol")):
        button = page.locator(f"button.fold >> text={name}")
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        assert page.locator(inside).is_visible()
    page.select_option("#filter-theme", "narcotics")  # unfolded, the filters work
    assert shown(page, "section.theme") == 1
    wide = visit(DESKTOP).page  # wide enough: both open, no buttons
    assert wide.locator("#filter-theme").is_visible() and wide.locator(".toc > ol").is_visible()
    assert not wide.locator("button.fold").first.is_visible()


def test_timeline_year_labels_never_run_together_on_a_phone(visit):
    page = visit(PHONE).page
    boxes = page.eval_on_selector(
        ".timeline .tl-axis", """axis => [...axis.querySelectorAll('text')]
        .filter(t => getComputedStyle(t).display !== 'none')
        .map(t => { const b = t.getBoundingClientRect(); return [b.left, b.right]; })""")
    assert len(boxes) >= 4
    boxes = sorted(boxes)
    for (left, right), (next_left, _) in zip(boxes, boxes[1:]):
        assert right + 4 <= next_left, f"year labels touch: {boxes}"


def test_the_heatmap_fits_a_phone_with_a_column_per_document(visit, tmp_path_factory, browser):
    from conftest import bundled_copy
    from reportgen.build import build

    root = tmp_path_factory.mktemp("columns-document")
    project = bundled_copy(root)
    briefing = root / "annotations" / "briefing.yaml"
    text = briefing.read_text(encoding="utf-8")
    assert "columns: year" in text
    briefing.write_text(text.replace("columns: year", "columns: document"), encoding="utf-8")
    build(project, ("html",))
    v = Visit(browser, (root / "build" / "report.html").resolve().as_uri(), PHONE)
    try:
        heatmap = v.page.locator("table.heatmap").bounding_box()
        headers = v.page.locator("table.heatmap thead th").count()
        assert headers == 1 + 5, "one column per document"
        assert heatmap["x"] >= 0 and heatmap["x"] + heatmap["width"] <= PHONE["width"]
        assert v.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        v.close()


# -- hygiene -----------------------------------------------------------------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_no_console_errors_and_no_requests_beyond_the_file(visit, url, viewport):
    v = visit(viewport)
    v.page.mouse.wheel(0, 20000)
    if v.page.locator("button.fold").first.is_visible():  # a phone: the filters are folded
        v.page.click("button.fold >> text=Filters")
    v.page.select_option("#filter-theme", "narcotics")
    v.page.select_option("#filter-theme", "")
    v.page.wait_for_timeout(200)
    assert v.errors == []
    assert [m for m in v.console if m.startswith(("error", "warning"))] == []
    assert v.requests == [url], "the report fetched something"
    policy = v.page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    assert policy.startswith("default-src 'none';") and "'unsafe-eval'" not in policy


def test_no_serious_or_critical_accessibility_violations(visit):
    assert AXE.exists(), "axe-core missing: run bash tests/install-test-deps.sh"
    for viewport in (DESKTOP, PHONE):
        v = visit(viewport)
        v.page.evaluate(AXE.read_text(encoding="utf-8"))  # as a tool: the page CSP would block it
        result = v.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(x["id"], x["impact"], len(x["nodes"]), x["nodes"][0]["target"])
               for x in result["violations"] if x["impact"] in ("serious", "critical")]
        assert bad == [], bad
