"""A hostile corpus: the report stays inert and self-contained.

Every text an analyst or a source supplies carries script tags, event handlers,
``javascript:``/``vbscript:``/``data:``/``file:`` links, remote, local and
``data:`` images, frames and CSS ``url()``s. Built to HTML, JSON and PDF, the
report opened in real headless Chromium must fire no dialog, run nothing but
its own script and request nothing but itself, with its Content-Security-Policy
and, separately, without it (the markup alone is inert). The PDF must carry no
``file:`` URI and WeasyPrint must fetch nothing. A local HTTP server stands
where the beacons point, to catch any request that gets through.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_support import DESKTOP
from conftest import write_project

from reportgen.build import build
from reportgen.markup import markdown_block, markdown_inline
from reportgen.pdf import pdf_bytes


@pytest.fixture(scope="module")
def beacon():
    """A local web server recording every request: where the hostile URLs point."""
    hits: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format, *args):  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The port written with 5 digits: the PDF's layout must not depend on which it is.
    yield f"127.0.0.1:{server.server_address[1]:05d}", hits
    server.shutdown()
    server.server_close()


def html_payload(host: str, tag: str) -> str:
    """Raw HTML that would run, load or redirect if it reached the page unescaped."""
    return (f'{tag} <script>window.__pwned = "{tag}"; document.title = "pwned"</script>'
            f'<img src="http://{host}/img-{tag}" onerror="window.__pwned = 1; alert(1)">'
            f'<svg onload="alert(2)"></svg><iframe src="javascript:alert(3)"></iframe>'
            f'<a href="javascript:alert(4)">click</a><body onload="alert(5)">'
            f'<object data="data:text/html,<script>alert(6)</script>"></object>'
            f'<style>@import "http://{host}/import"; '
            f'p {{ background: url(http://{host}/bg) }}</style>'
            f'<div style="background-image: url(\'http://{host}/style\')">styled</div>'
            f'<meta http-equiv="refresh" content="0; url=http://{host}/refresh">'
            f'<link rel="stylesheet" href="http://{host}/link.css"><base href="http://{host}/">')


def label_payload(host: str, tag: str) -> str:
    """The same threats, shorter: labels head columns and pages, and are short in practice."""
    return (f'{tag} <script>window.__pwned = "{tag}"</script>'
            f'<img src="http://{host}/img-{tag}" onerror="alert(1)">'
            f'<a href="javascript:alert(2)">a</a>')


def markdown_payload(host: str, tag: str) -> str:
    """Markdown on one line (a source paragraph), with every unsafe link and image form."""
    return html_payload(host, tag) + " " + " ".join([
        "[js](javascript:alert(7))", "[mixed case](JaVaScRiPt:alert(8))",
        "[entity](&#106;avascript:alert(9))", "[vb](vbscript:msgbox(10))",
        "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=)",
        "[local](file:///etc/passwd)", "[relative](../secret.txt)",
        f"[protocol-relative](//{host}/protocol-relative)", "<javascript:alert(12)>",
        f"![remote](http://{host}/beacon-{tag}.png)", "![file image](file:///etc/hosts)",
        "![data image](data:image/png;base64,iVBORw0KGgo=)", "![relative image](pixel.png)",
        f"[![nested](http://{host}/nested.png)](https://example.org/nested)",
        "[fine](https://example.org/fine)",
    ])


def block_payload(host: str, tag: str) -> str:
    """Markdown for a note or summary: blocks too, and a reference-style link."""
    return (markdown_payload(host, tag) + "\n\n> " + html_payload(host, tag + "-quote")
            + "\n\n[reference][r]\n\n[r]: javascript:alert(13)\n")


def hostile_project(root, host: str):
    def plain(tag):
        return html_payload(host, tag)

    def label(tag):
        return label_payload(host, tag)

    def md(tag):
        return block_payload(host, tag)

    def yaml(data) -> str:
        return json.dumps(data, indent=1)  # JSON is YAML, and quotes every string safely

    def claims(value, tag):
        return [{"claim": "war-began", "value": value, "note": md(f"claim-note-{tag}")},
                {"claim": "motive", "value": label(f"value-{tag}"), "note": md(f"note2-{tag}")}]

    def paragraph(number, quote, tag, **extra):
        return {"para": number, "quote": quote, "note": md(f"para-note-{tag}"),
                "voices": [label(f"voice-{tag}")], **extra}

    def document(id_, source, tag, paragraphs, **extra):
        return yaml({"id": id_, "source": source, "title": plain(f"title-{tag}"),
                     "author": label(f"author-{tag}"), "outlet": plain(f"outlet-{tag}"),
                     "published": "2016-05" if tag == "a" else "2018",
                     "account": label(f"account-{tag}"), "inferred": ["outlet"],
                     "evidence": md(f"evidence-{tag}"), "paragraphs": paragraphs, **extra})

    annotations = {
        "briefing.yaml": yaml({"title": plain("briefing-title"),
                               "subtitle": plain("briefing-subtitle")}),
        "themes.yaml": yaml({"themes": [
            {"id": "war", "label": label("theme-war"), "description": md("theme-war")},
            {"id": "drugs", "label": label("theme-drugs"), "description": md("theme-drugs")}]}),
        "claims.yaml": yaml({"claims": [
            {"id": "war-began", "label": label("claim-year"), "theme": "war", "type": "year",
             "description": md("claim-year")},
            {"id": "motive", "label": label("claim-text"), "theme": "drugs", "type": "text",
             "description": md("claim-text")}]}),
        "findings.yaml": yaml({"findings": [
            {"id": "start-date", "kind": "discrepancy", "theme": "war", "key": True,
             "title": plain("finding-title"), "summary": md("finding-summary"),
             "cites": ["alpha:2", "beta:1", "gamma:2"]}]}),
        "documents/alpha.yaml": document("alpha", "a.txt", "a", [
            {"para": 1, "quote": "Alpha heading", "kind": "heading"},
            paragraph(2, "The first account says", "a2", themes=["war"],
                      claims=claims(1999, "a")),
            paragraph(3, "It also mentions drugs", "a3", themes=["drugs"],
                      author=label("para-author-a3"))]),
        "documents/beta.yaml": document("beta", "b.txt", "b", [
            paragraph(1, "The second account says", "b1", themes=["war", "drugs"],
                      claims=claims(2001, "b")),
            {"para": 2, "quote": "A closing line.", "kind": "boilerplate"}]),
        "documents/gamma.yaml": document("gamma", "c.md", "c", [
            {"para": 1, "quote": "# Gamma heading", "kind": "heading"},
            paragraph(2, "The third account says", "c2", themes=["war", "drugs"])],
            format="markdown"),
    }
    sources = {
        "a.txt": f"Alpha heading {plain('src-a1')}\n\nThe first account says {plain('src-a2')}"
                 f"\n\nIt also mentions drugs. {plain('src-a3')}\n",
        "b.txt": f"The second account says {plain('src-b1')}\n\nA closing line.\n",
        "c.md": f"# Gamma heading {markdown_payload(host, 'src-c1')}\n\n"
                f"The third account says {markdown_payload(host, 'src-c2')}\n"
                f"with a <sup>1</sup> footnote marker.\n",
    }
    return write_project(root, annotations, sources)


class WeasyPrintLog(logging.Handler):
    """WeasyPrint's log records: a refused fetch is logged there ("Failed to load ...")."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def __enter__(self):
        logging.getLogger("weasyprint").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("weasyprint").removeHandler(self)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, beacon):
    host, _ = beacon
    project = hostile_project(tmp_path_factory.mktemp("hostile"), host)
    with WeasyPrintLog() as log:
        build(project)
    return project, log.messages


# Every attribute that can hold a URL, and the schemes none of them may carry.
FIND_UNSAFE = """() => {
  const urls = ["href", "src", "action", "formaction", "data", "poster", "background",
                "xlink:href", "srcdoc", "srcset", "ping"];
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase(), value = a.value.trim().toLowerCase();
      if (name.startsWith("on")) bad.push(`${el.tagName} ${name}`);
      if (urls.includes(name) && !/^(#|https?:\\/\\/|mailto:)/.test(value)) {
        bad.push(`${el.tagName} ${name}=${a.value.slice(0, 40)}`);
      }
    }
  }
  return bad;
}"""
ELEMENTS_THAT_LOAD = "img, iframe, frame, object, embed, link, base, audio, video, source, " \
                     "picture, form[action], meta[http-equiv='refresh'], input[type='image']"
RECORD_VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__violations.push(e.violatedDirective + " " + e.blockedURI));"""


def open_report(browser, url: str):
    """Open ``url`` recording dialogs, console messages, page errors, requests, CSP violations."""
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(RECORD_VIOLATIONS)  # runs as a tool: not subject to the page's CSP
    page = context.new_page()
    seen = {"dialogs": [], "console": [], "errors": [], "requests": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(url)
    return context, page, seen


@pytest.mark.parametrize("policy", [True, False], ids=["with-csp", "markup-alone"])
def test_hostile_report_runs_nothing_and_requests_nothing(hostile, browser, beacon, tmp_path,
                                                          policy):
    project, _ = hostile
    host, hits = beacon
    report = project.output / "report.html"
    if not policy:  # the same page without its policy: the markup must be inert by itself
        page_html, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                                     report.read_text(encoding="utf-8"))
        assert removed == 1
        report = tmp_path / "report.html"
        report.write_text(page_html, encoding="utf-8")
    url = report.resolve().as_uri()
    context, page, seen = open_report(browser, url)
    try:
        title = json.loads((project.output / "report.json").read_text(encoding="utf-8"))["title"]
        # The report's own script runs (the filters appear) and works with hostile values.
        assert page.locator("#filters").is_visible()
        author = page.locator("#filter-author option").nth(1).get_attribute("value")
        page.select_option("#filter-author", author)
        page.select_option("#filter-author", "")
        page.mouse.wheel(0, 50000)
        page.wait_for_timeout(300)  # time for any late load or timer to show up

        assert seen["dialogs"] == []
        assert seen["errors"] == []
        assert seen["console"] == []
        assert page.evaluate("window.__pwned") is None
        assert page.title() == f"{title} — comparison briefing"
        assert "<script>window.__pwned" in page.locator("h1").inner_text()  # shown, as text
        assert seen["requests"] == [url], "the report fetched something"
        assert hits == [], "a request reached the beacon server"
        assert page.evaluate("window.__violations") == []  # nothing even tried to load
        assert page.evaluate(FIND_UNSAFE) == []
        assert page.locator(ELEMENTS_THAT_LOAD).count() == 0
        assert page.locator("script").count() == 1 and page.locator("style").count() == 1
        # What the markdown became: safe links kept, unsafe ones plain text, images not loaded.
        assert page.locator("a[href='https://example.org/fine']").count() > 0
        image_links = page.locator("a.md-image")
        assert image_links.count() > 0
        assert set(image_links.evaluate_all("as => as.map(a => a.textContent)")) == {
            "[image: remote]"}
        text = page.locator("main").inner_text()
        for shown in ("[image: file image]", "[image: data image]", "[image: relative image]",
                      "[image: nested]", "mixed case", "data link", "protocol-relative",
                      "javascript:alert(12)", "reference"):
            assert shown in text, shown
    finally:
        context.close()


def test_the_policy_refuses_script_and_loads_the_page_did_not_write(hostile, browser, beacon):
    """The CSP is enforced: a script or image added to the page later is refused."""
    project, _ = hostile
    host, hits = beacon
    context, page, seen = open_report(browser, (project.output / "report.html").resolve().as_uri())
    try:
        page.evaluate(f"""() => {{
            const s = document.createElement("script");
            s.textContent = "window.__pwned = 'late script'";
            document.body.append(s);
            const i = document.createElement("img");
            i.src = "http://{host}/late-image";
            document.body.append(i);
        }}""")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        violations = page.evaluate("window.__violations")
        assert any(v.startswith("script-src") for v in violations), violations
        assert any(v.startswith("img-src") and "late-image" in v for v in violations), violations
        assert hits == []
    finally:
        context.close()


def pdf_links(path) -> tuple[list[str], list[str]]:
    """(URIs, internal link targets) of a PDF, read by poppler as a viewer would."""
    uris = [line.split(None, 2)[2] for line in subprocess.run(
        ["pdfinfo", "-url", str(path)], check=True, capture_output=True, text=True,
    ).stdout.splitlines()[1:]]
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(path)], check=True,
                         capture_output=True, text=True).stdout
    internal = [href for href in re.findall(r'<a href="([^"]*)"', xml)
                if not re.match(r"[a-z][a-z0-9+.-]*:", href)]
    return uris, internal


def test_hostile_pdf_leaks_no_path_and_fetched_nothing(hostile, beacon):
    project, weasyprint_log = hostile
    host, hits = beacon
    uris, internal = pdf_links(project.output / "report.pdf")
    # The only URIs are the web links the markdown wrote, and remote images as links.
    written = re.compile(
        rf"https://example\.org/(fine|nested)|http://{host}/beacon-[a-z0-9-]+\.png")
    assert uris and [u for u in uris if not written.fullmatch(u)] == []
    assert f"http://{host}/beacon-src-c2.png" in uris  # a markdown source's image, as a link
    assert internal, "citations and contents are no longer links inside the PDF"
    assert weasyprint_log == [], "WeasyPrint tried to fetch something"
    assert hits == []


def test_pdf_links_inside_stay_links_and_relative_ones_never_become_local_paths(tmp_path):
    html = ('<p><a href="#there">inside</a> <a href="elsewhere.html">relative</a> '
            '<a href="file:///etc/passwd">local</a> <a href="https://example.org/web">web</a></p>'
            '<p id="there" style="break-before: page">there</p>')
    (tmp_path / "brief.pdf").write_bytes(pdf_bytes(html))
    uris, internal = pdf_links(tmp_path / "brief.pdf")
    assert uris == ["https://example.org/web"]  # neither file:///... nor elsewhere.html
    assert [re.sub(r".*#", "", href) for href in internal] == ["2"]  # to page 2


def test_the_pdf_fetcher_refuses_and_the_refusal_is_seen(beacon):
    """The other side of 'fetched nothing': a brief that asks for something is refused."""
    host, hits = beacon
    with WeasyPrintLog() as log:
        pdf_bytes(f'<link rel="stylesheet" href="http://{host}/s.css">'
                  f'<img src="http://{host}/i.png">'
                  f'<p style="background: url(http://{host}/bg.png)">x</p>')
    assert len([m for m in log.messages if "does not fetch" in m]) == 3, log.messages
    assert hits == []


# -- the markdown policy, case by case ------------------------------------------

@pytest.mark.parametrize("markdown, html", [
    ("[web](https://example.org/a)", '<a href="https://example.org/a">web</a>'),
    ("[mail](mailto:a@example.org)", '<a href="mailto:a@example.org">mail</a>'),
    ("[here](#p-alpha-2)", '<a href="#p-alpha-2">here</a>'),
    ("<https://example.org/b>", '<a href="https://example.org/b">https://example.org/b</a>'),
    ("[js](javascript:alert(1))", "js"),
    ("[js](JAVASCRIPT:alert(1))", "js"),
    ("[js](&#x6A;avascript:alert(1))", "js"),
    ("[js](<java\tscript:alert(1)>)", "js"),
    ("<javascript:alert(1)>", "javascript:alert(1)"),
    ("[vb](vbscript:x)", "vb"),
    ("[data](data:text/html,x)", "data"),
    ("[file](file:///etc/passwd)", "file"),
    ("[relative](notes/x.md)", "relative"),
    ("[host](//example.org/x)", "host"),
    ("*[em](javascript:x)*", "<em>em</em>"),
    ("![a map](https://example.org/map.png)",
     '<a class="md-image" href="https://example.org/map.png">[image: a map]</a>'),
    ("![](http://example.org/t.gif)",
     '<a class="md-image" href="http://example.org/t.gif">[image]</a>'),
    ("![*local*](file:///etc/hosts)", "[image: local]"),
    ("![dot](data:image/png;base64,iVBORw0KGgo=)", "[image: dot]"),
    ("![rel](pic.png)", "[image: rel]"),
    ("[![in a link](https://example.org/i.png)](https://example.org/)",
     '<a href="https://example.org/">[image: in a link]</a>'),
    ("[![in a bad link](https://example.org/i.png)](javascript:x)",
     '<a class="md-image" href="https://example.org/i.png">[image: in a bad link]</a>'),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("www.example.org", "www.example.org"),  # bare URLs stay text (no linkify)
])
def test_markdown_keeps_safe_links_and_loads_no_image(markdown, html):
    assert str(markdown_inline(markdown)) == html
    assert str(markdown_block(markdown)) == f"<p>{html}</p>\n"


def test_a_reference_link_with_an_unsafe_target_is_text():
    assert str(markdown_block("[see][r]\n\n[r]: javascript:alert(1)")) == "<p>see</p>\n"
