"""Stage 5: lay the print HTML out as a PDF with WeasyPrint.

WeasyPrint is imported here, only when a PDF is made: importing it costs about
a quarter of a second, which HTML-only rebuilds should not pay.

A long document is laid out in chapters, in parallel on the machine's cores,
and the chapters' PDFs are merged (pypdf). Page numbers are ours, not
WeasyPrint's ``target-counter`` (which re-lays out every page holding a
reference, twice): the print HTML marks each page reference with
:func:`page_marker` and each chapter boundary with :data:`CHAPTER_BREAK`.

1. Every chapter is laid out with a placeholder for each number: this gives
   its page count and the page of each anchor in it. Each worker process keeps
   the layouts it made (:mod:`reportgen.pool`).
2. Every chapter is drawn from its kept layout, its first page number, the total
   and each reference's page written into the placeholders (:mod:`reportgen.stamp`).
   Where that cannot be done (a placeholder not found where expected, a number
   wider than it, a WeasyPrint version it was not verified with), the chapter is
   laid out again with its numbers written in the HTML; a reference whose width
   changed that layout is caught (the chapter's anchors moved) and the chapters
   it affects redone.
3. The chapters' PDFs are merged: bookmarks, metadata and named destinations
   kept, links between chapters pointed at their targets.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape

from . import forked, stamp
from .errors import Problem, ReportgenError

# Variants worth offering (``reportgen build --pdf-variant``): tagged, accessible
# PDF/UA, and archival PDF/A. pdf/ua-1 costs about 10 % more layout time and 20 %
# more bytes on the bundled brief. A variant's document is laid out in one piece:
# the structure tree of a tagged PDF cannot be merged from parts.
PDF_VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u")

CHAPTER_BREAK = "<!-- reportgen:chapter -->"  # between two parts laid out separately
# A smaller document is laid out in one piece: starting processes and merging
# would cost as much as they save (the tests' tiny brief, 24,000 characters and 3
# pages, took 0.22 s either way; the bundled brief, 128,000 characters and 15 pages,
# 2.1 s in one piece and 1.3 s in its three chapters).
ONE_PIECE = 50_000  # characters of HTML
_MARK = re.compile("\ue000([^\ue001]*)\ue001")  # a page reference: the anchor it points to
# The first layout writes "88" (or "888"...) for each page number: as many digits as the
# document will have pages, about one per this many characters of print HTML, so the
# second layout, with the real numbers, is nearly always the same (DejaVu's digits are
# all as wide as each other).
_CHARACTERS_PER_PAGE = 7000
# Layouts of a chapter at most: its numbers rarely change its layout even once; should
# they keep doing so, the last one is kept (a reference may then be a page out).
_PASSES = 4
# The page numbers in the margin: chapter n starts at its page, and the total is known.
_NUMBERING = '@page:first {{ counter-reset: page {first} }} ' \
             '@page {{ @bottom-right {{ content: "%s" counter(page) "%s{total}" }} }}' \
             % stamp.FOOTER


def page_marker(anchor: str):
    """Where the number of the page holding ``#anchor`` goes (filled in by :func:`pdf_bytes`)."""
    from markupsafe import Markup  # not for a build that makes no PDF

    return Markup(f"\ue000{anchor}\ue001")


def pdf_bytes(html: str, variant: str | None = None, *, progress=None,
              workers: int | None = None, layouts: dict | None = None) -> bytes:
    """The PDF of ``html``. Nothing is fetched: the CSS is inline and there are no assets.

    ``variant``: one of :data:`PDF_VARIANTS` (e.g. "pdf/ua-1" for a tagged PDF), or None.
    ``progress``: called with a short description of each step (e.g. a status line).
    ``workers``: processes laying chapters out at once (default: the cores available).
    ``layouts``: what an earlier build learnt of each chapter (page count, anchors), by
    a digest of the chapter; updated in place. A chapter found there skips the first
    layout: a rebuild lays out once what did not change (and the second layout checks it).
    """
    if variant is not None and variant not in PDF_VARIANTS:
        raise ReportgenError([Problem("--pdf-variant", None, f"unknown PDF variant {variant!r}",
                                      f"use one of: {', '.join(PDF_VARIANTS)}")])
    import weasyprint  # noqa: F401  (imported before the workers fork: they need not import it)

    book = Book.of(html, merged=variant is not None or len(html) < ONE_PIECE)
    if not book.marked:
        return _render((html, variant, True, False))[2]
    return book.paginate(variant, progress or (lambda message: None),
                         workers or forked.cores(), {} if layouts is None else layouts)


def standalone(html: str) -> str:
    """``html`` as one document bare WeasyPrint can lay out (what the benchmarks compare
    with): placeholders for the page numbers, no chapters."""
    book = Book.of(html, merged=True)
    return book.document(0, None, None) if book.marked else html


@dataclass
class Book:
    """The print HTML cut into chapters: the head, the <body> tag, each chapter's body."""

    head: str
    body_tag: str
    chapters: list[str]

    @classmethod
    def of(cls, html: str, merged: bool = False) -> Book:
        head, _, rest = html.partition("<body")
        body_tag, _, body = ("<body" + rest).partition(">")
        body = body.rsplit("</body>", 1)[0]
        chapters = [c for c in body.split(CHAPTER_BREAK) if c.strip()] or [body]
        return cls(head, body_tag + ">", ["".join(chapters)] if merged else chapters)

    @property
    def placeholder(self) -> str:
        pages = sum(map(len, self.chapters)) // _CHARACTERS_PER_PAGE
        return "8" * len(str(max(1, pages)))

    @property
    def marked(self) -> bool:
        """Does the document number its pages itself (page references, chapters)?"""
        return len(self.chapters) > 1 or any(_MARK.search(c) for c in self.chapters)

    def document(self, index: int, pages: dict[str, int] | None, numbering: tuple | None,
                 stamped: bool = False) -> str:
        """Chapter ``index`` as a document: each reference's page number (a placeholder
        where ``pages`` has none), its first page and the total (``numbering``).
        ``stamped``: placeholders everywhere, in the elements :mod:`reportgen.stamp` fills in."""
        placeholder = self.placeholder
        if stamped:
            chapter = _MARK.sub(lambda m: f'<span {stamp.PAGE_OF}="{escape(m[1])}">'
                                          f'{placeholder}</span>', self.chapters[index])
            footer = stamp.footer_text(placeholder, placeholder)
            style = f'<style>@page {{ @bottom-right {{ content: "{footer}" }} }}</style>'
            return f"{self.head.replace('</head>', style + '</head>', 1)}{self.body_tag}" \
                   f"{chapter}</body></html>"
        chapter = _MARK.sub(lambda m: str((pages or {}).get(m[1], placeholder)),
                            self.chapters[index])
        style = ""
        if numbering:
            first, total = numbering
            style = "<style>" + _NUMBERING.format(first=first, total=total) + "</style>"
        head = self.head.replace("</head>", style + "</head>", 1) if style else self.head
        return f"{head}{self.body_tag}{chapter}</body></html>"

    def paginate(self, variant, progress, workers: int, known: dict) -> bytes:
        count = len(self.chapters)
        keys = [_digest(self.document(i, None, None), variant) for i in range(count)]
        if stamp.verified():
            layouts, drawn = self.lay_out_once(variant, progress, workers)
        else:
            layouts, drawn = self.first_layouts(variant, progress, workers, known, keys), {}
        self.lay_out_again(layouts, drawn, variant, progress, workers)
        known.clear()  # what this build learnt; chapters no longer in the report forgotten
        known.update({key: [n, anchors] for key, (n, anchors) in zip(keys, layouts)})
        progress("merging the chapters")
        return _merge([drawn[i] for i in range(count)]) if count > 1 else drawn[0]

    def lay_out_once(self, variant, progress, workers: int):
        """Each chapter laid out once, with placeholders, and drawn with the real numbers
        written in (:mod:`reportgen.stamp`): the layouts (page count, anchors) and the
        drawn chapters' PDFs. A chapter whose placeholders were not all found is not
        drawn: the caller lays it out again with its numbers."""
        from . import pool  # multiprocessing: not imported by a build without PDFs

        count = len(self.chapters)
        jobs = [(self.document(i, None, None, stamped=True), variant) for i in range(count)]
        references = [len(_MARK.findall(chapter)) for chapter in self.chapters]
        with pool.Held(jobs, _layout, _facts, workers) as held:
            layouts = held.results(lambda done: progress(f"laying out: {done} of {count} chapters"))
            starts, pages = _numbers(layouts)
            total = sum(n for n, _ in layouts)
            numbers = {i: (self.placeholder, pages, starts[i], total, references[i],
                           layouts[i][1], variant, count > 1) for i in range(count)}
            drawn = held.apply(_stamped_pdf, numbers,
                               lambda done: progress(f"drawing: {done} of {count} chapters"))
        return layouts, {i: data for i, data in drawn.items() if data is not None}


    def first_layouts(self, variant, progress, workers: int, known: dict, keys: list) -> list:
        """Each chapter's page count and anchors, laid out with placeholders, where
        ``known`` (by ``keys``) does not have them."""
        unknown = [i for i in range(len(self.chapters)) if not _usable(known.get(keys[i]))]
        first = _run([(self.document(i, None, None), variant, False, True) for i in unknown],
                     workers, lambda done: progress(f"pass 1: {done} of {len(unknown)} chapters"))
        for i, (page_count, anchors, _) in zip(unknown, first):
            known[keys[i]] = [page_count, anchors]
        return [(known[key][0], dict(known[key][1])) for key in keys]

    def lay_out_again(self, layouts: list, drawn: dict, variant, progress, workers: int):
        """Lay out and draw each chapter not in ``drawn``, with its numbers written in
        (both updated in place). Should that move a chapter's anchors or change its page
        count, the chapters whose numbers changed are laid out again, up to _PASSES."""
        count = len(self.chapters)
        todo = set(range(count)) - set(drawn)
        for number in range(2, _PASSES + 1):
            if not todo:
                return
            starts, pages = _numbers(layouts)
            total = sum(n for n, _ in layouts)
            jobs = {i: (self.document(i, pages, (starts[i], total)), variant, True, count > 1)
                    for i in sorted(todo)}
            results = _run(list(jobs.values()), workers,
                           lambda done: progress(f"pass {number}: {done} of {len(jobs)} chapters"))
            moved = set()
            for i, (page_count, anchors, data) in zip(jobs, results):
                if (page_count, anchors) != layouts[i]:  # a number's width changed the layout
                    moved.add(i)
                layouts[i], drawn[i] = (page_count, anchors), data
            if not moved:
                return
            new_starts, new_pages = _numbers(layouts)
            todo = {i for i in range(count) if i in moved or new_starts[i] != starts[i]
                    or _refers(self.chapters[i], pages, new_pages)}
            if sum(n for n, _ in layouts) != total:
                todo = set(range(count))  # "of N" changed everywhere


def _usable(entry) -> bool:
    """A remembered layout of the right shape (the build cache is not trusted)."""
    return (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)
            and isinstance(entry[1], dict)
            and all(isinstance(k, str) and isinstance(v, int) for k, v in entry[1].items()))


def _digest(document: str, variant: str | None) -> str:
    import hashlib

    return hashlib.sha256(f"{variant}\n{document}".encode()).hexdigest()


def _numbers(layouts) -> tuple[list[int], dict[str, int]]:
    """Each chapter's first page number, and the page number of every anchor."""
    starts, pages, page = [], {}, 1
    for page_count, anchors in layouts:
        starts.append(page)
        for name, index in anchors.items():
            pages.setdefault(name, page + index)
        page += page_count
    return starts, pages


def _refers(chapter: str, before: dict[str, int], after: dict[str, int]) -> bool:
    """Does ``chapter`` refer to an anchor whose page number changed?"""
    return any(before.get(m[1]) != after.get(m[1]) for m in _MARK.finditer(chapter))


def _run(jobs: list, workers: int, report) -> list:
    """:func:`_render` over ``jobs``, in ``workers`` processes (largest first), in job order."""
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(_render(job))
            report(len(results))
        return results
    import concurrent.futures
    import multiprocessing

    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
    context = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else None)
    results: list = [None] * len(jobs)
    with concurrent.futures.ProcessPoolExecutor(min(workers, len(jobs)), context) as pool:
        futures = {pool.submit(_render, jobs[i]): i for i in order}
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            results[futures[future]] = future.result()
            report(done)
    return results


def _render(job: tuple[str, str | None, bool, bool]) -> tuple[int, dict[str, int], bytes | None]:
    """Lay one document out: its page count, the page index of each anchor in it, and
    (if ``draw``) its PDF. ``part``: a chapter, whose links to anchors it does not hold
    point into other chapters. Runs in a worker process."""
    html, variant, draw, part = job
    document = _layout((html, variant))
    page_count, anchors = _facts(document)
    if not draw:
        return page_count, anchors, None
    return page_count, anchors, _draw(document, anchors, variant, part)


def _layout(job: tuple[str, str | None]):
    """The weasyprint Document of ``job`` (html, variant), laid out."""
    html, variant = job
    import weasyprint
    from weasyprint.urls import URLFetcher

    class NoNetwork(URLFetcher):
        """Refuse every URL: a brief built from annotations must never reach out."""

        def fetch(self, url, headers=None):
            raise ValueError(f"reportgen does not fetch external resources ({url})")

    options = {"pdf_variant": variant} if variant else {}
    # No base URL: "#..." links stay links inside the PDF and nothing is resolved
    # against a local folder (a shared brief must not carry file:///home/...).
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=NoNetwork()).render(**options)


def _facts(document) -> tuple[int, dict[str, int]]:
    """A laid-out document's page count and the page index of each anchor in it."""
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    return len(document.pages), anchors


def _draw(document, anchors: dict[str, int], variant: str | None, part: bool) -> bytes:
    for page in document.pages:
        kept = (_kept(link, anchors, part) for link in page.links)
        page.links[:] = [link for link in kept if link is not None]
    return document.write_pdf(**({"pdf_variant": variant} if variant else {}))


def _stamped_pdf(document, numbers: tuple) -> bytes | None:
    """A chapter laid out with placeholders, drawn with its numbers; None if a
    placeholder was not where expected (the chapter is then laid out again)."""
    placeholder, pages, first, total, references, anchors, variant, part = numbers
    try:
        stamp.stamp(document, placeholder, pages, first, total, references)
    except stamp.Unstampable:
        return None
    return _draw(document, anchors, variant, part)


_ELSEWHERE = "reportgen-anchor:"  # a link to another chapter, until the chapters are merged


def _kept(link: tuple, anchors: dict[str, int], part: bool) -> tuple | None:
    """A link inside the document, or to the web or mail: any other (a relative path,
    file:) would point at the reader's own disk. In a chapter (``part``), a link to
    an anchor it does not hold is kept as a placeholder that :func:`_merge` points
    at the anchor in another chapter."""
    from .markup import web_or_mail  # markdown-it: not for a build that makes no PDF

    kind, target = link[0], link[1]
    if kind == "internal":
        if target in anchors:
            return link
        return ("external", _ELSEWHERE + target, *link[2:]) if part else None
    return link if kind == "external" and web_or_mail(target) else None


def _merge(parts: list[bytes]) -> bytes:
    """One PDF of the chapters' PDFs, with the first one's metadata."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(part)) for part in parts]
    for reader in readers:
        writer.append(reader, import_outline=True)
    if readers[0].metadata:
        writer.add_metadata(dict(readers[0].metadata))
    names = set(writer.named_destinations)
    for page in writer.pages:
        annotations = page.get("/Annots")
        if not annotations:
            continue
        kept = []
        for reference in annotations:
            annotation = reference.get_object()
            uri = annotation.get("/A", {}).get("/URI", "")
            if isinstance(uri, str) and uri.startswith(_ELSEWHERE):
                name = uri[len(_ELSEWHERE):]
                if name not in names:
                    continue  # nowhere to go: no link rather than a broken one
                del annotation["/A"]
                annotation[NameObject("/Dest")] = TextStringObject(name)
            kept.append(reference)
        annotations[:] = kept
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
