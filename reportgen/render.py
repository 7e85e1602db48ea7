"""Stage 4: render the comparison with Jinja2 — HTML page, print HTML, JSON.

Templates only lay out what :mod:`reportgen.compare` computed. Everything that
comes from annotations is data, so autoescaping is on and only markdown
rendered by :mod:`reportgen.markup` (raw HTML off, nothing fetched) is marked safe.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import orjson
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import __version__
from .compare import Comparison, DatedEvent, DatedMark, timeline, voices
from .errors import counted
from .load import paused_gc
from .markup import content_security_policy, markdown_block, markdown_inline, source_html
from .model import Assertion, Document, Finding, Paragraph

KIND_LABELS = {
    "agreement": "Agreement", "discrepancy": "Discrepancy", "shift": "Shift over time",
    "gap": "Gap", "single-source": "Single source",
}
KIND_PHRASES = {  # (one, several)
    "agreement": ("agreement", "agreements"), "discrepancy": ("discrepancy", "discrepancies"),
    "shift": ("shift over time", "shifts over time"), "gap": ("gap", "gaps"),
    "single-source": ("single-source claim", "single-source claims"),
}


def kind_phrase(kind: str, count: int) -> str:
    """ "3 discrepancies", "1 shift over time". """
    return f"{count} {KIND_PHRASES[kind][count != 1]}"


def generated_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


@lru_cache(maxsize=4)
def environment(templates: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        # Compiled templates are cached (keyed by their source's checksum): a fresh
        # process skips recompiling them.
        bytecode_cache=_bytecode_cache(),
        autoescape=True,  # select_autoescape() would miss the .j2 names
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=markdown_block, md_inline=markdown_inline, csp=content_security_policy)
    env.globals.update(
        source_html=source_html, kind_labels=KIND_LABELS, kind_phrase=kind_phrase, counted=counted,
        source_line=source_line, unattributed=UNATTRIBUTED,
        version=__version__,
    )
    return env


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates in the user's own cache folder (~/.cache/reportgen/jinja).

    Not in a shared temporary folder, and not in a project's build folder: a
    cached template is code that rendering runs, so it must come from no one
    else, not even from a project folder someone sent. None (no caching) when
    the folder cannot be made.
    """
    from .files import user_cache_folder

    folder = user_cache_folder("jinja")
    return FileSystemBytecodeCache(str(folder)) if folder else None


def _context(comparison: Comparison, medium: str) -> dict:
    briefing = comparison.briefing
    all_findings = briefing.findings + comparison.computed
    cited_voices = voices(comparison)
    return {
        "b": briefing,
        "c": comparison,
        "medium": medium,  # screen (the HTML report) or print (the PDF brief)
        "generated": generated_date().isoformat(),
        "documents": {d.id: d for d in briefing.documents},
        "body_paragraphs": {d.id: sum(p.kind == "body" for p in d.paragraphs)
                            for d in briefing.documents},
        "paragraphs": briefing.paragraphs,
        "claims_by_id": {c.id: c for c in briefing.claims},
        "theme_labels": {t.id: t.label for t in briefing.themes},
        "cited_by": _cited_by(all_findings),
        "authors": sorted({p.author or UNATTRIBUTED
                           for p in briefing.paragraphs.values() if p.compared}),
        "document_authors": list(dict.fromkeys(d.author.strip() for d in briefing.documents
                                               if d.author.strip())),
        "kind_counts": {k: sum(f.kind == k for f in all_findings) for k in KIND_LABELS
                        if any(f.kind == k for f in all_findings)},
        "column_labels": {col.id: col.label for col in comparison.columns},
        "bylines": {col.id: col.bylines for col in comparison.columns},  # worked out once
        "colors": {col.id: ACCOUNT_COLORS[i % len(ACCOUNT_COLORS)]
                   for i, col in enumerate(comparison.columns)},
        "heat": {(s.theme.id, cell.column.id): heat_colors(cell.words, comparison.max_cell_words)
                 for s in comparison.sections for cell in s.cells},
        "timeline": timeline_view(comparison),
        "voices": cited_voices,
        "voice_counts": {col.id: sum(bool(v.cited_in[i]) for v in cited_voices)
                         for i, col in enumerate(comparison.columns)},
        "card": card,
        "claim_cells": {f.id: values_by_column(f, comparison) for f in comparison.computed},
        "short_ref": _short_refs(comparison),
        "period": _period(briefing.documents),
    }


def _cited_by(findings: tuple[Finding, ...]) -> dict[str, list[Finding]]:
    result: dict[str, list[Finding]] = {}
    for finding in findings:
        for cite in finding.cites:
            result.setdefault(cite, []).append(finding)
    return result


# Past this many paragraph cards in the theme sections (a paragraph counts once
# for each of its themes; the bundled corpus has 176) the HTML report draws its
# theme sections and annotated sources from data embedded in the page, as they
# come into view and a page at a time: the page opens and filters as fast at any
# size. Measured in headless Chromium on a loaded 2-core machine, a filter drawn
# whole took a median of 86 ms (at most 391) at 176 cards and 233 ms (at most
# 1,030) at 880; drawn on demand, 14-19 ms (at most 57) at either, 27 ms (at
# most 191) at 25,000 (README, "Large reports").
DRAW_ON_DEMAND_FROM = 600


def draws_on_demand(comparison: Comparison) -> bool:
    """Whether the HTML report of ``comparison`` draws its bulk on demand (see above)."""
    return sum(s.paragraph_count for s in comparison.sections) >= DRAW_ON_DEMAND_FROM


def render_html(comparison: Comparison, templates: Path, suggestions=None) -> str:
    """The shareable, self-contained HTML report; ``suggestions``: the machine suggestions
    section (reportgen.decisions.report_section), or None for none."""
    return html_bytes(comparison, templates, suggestions).decode("utf-8")


# Where a large report's embedded data goes in the rendered page (see html_bytes).
_DATA_HERE = Markup("\x00reportgen-on-demand-data\x00")


def html_bytes(comparison: Comparison, templates: Path, suggestions=None) -> bytes:
    """render_html's page in UTF-8 (see write_html)."""
    out = io.BytesIO()
    write_html(out, comparison, templates, suggestions)
    return out.getvalue()


def write_html(out, comparison: Comparison, templates: Path, suggestions=None,
               data=None) -> None:
    """Write render_html's page in UTF-8 to the binary stream ``out``. A large report's
    embedded data (most of its size) is encoded a part at a time straight into ``out``:
    neither it nor the page is ever one big string (a str holding one “ takes 2 bytes a
    character) or one big bytes object. ``data(out)``: writes that data as made by
    another process (write_embedded_data there), or returns False: then made here."""
    env = environment(templates)
    template = env.get_template("report.html.j2")
    with paused_gc():
        context = _context(comparison, "screen")
        on_demand = draws_on_demand(comparison)
        context["on_demand"] = _DATA_HERE if on_demand else None
        with _fragments.kept(env.get_template("_macros.html.j2"), context) as kept:
            page = template.render(context, suggestions=suggestions, **kept).encode("utf-8")
        if not on_demand:
            out.write(page)
            return
        at = page.find(_DATA_HERE_BYTES)  # a template without the place: after the page
        at, after = (at, at + len(_DATA_HERE_BYTES)) if at >= 0 else (len(page), len(page))
        with memoryview(page) as parts:  # the page around the data, not copied
            out.write(parts[:at])
            if data is None or not data(out):
                write_embedded_data(out, comparison, context["cited_by"])
            out.write(parts[after:])


def write_embedded_data(out, comparison: Comparison, cited_by=None) -> None:
    """The data a large report's page embeds (on_demand_data), as write_html writes it."""
    if cited_by is None:
        cited_by = _cited_by(comparison.briefing.findings + comparison.computed)
    write_json(out, on_demand_data(comparison, cited_by), _script_safe)


_DATA_HERE_BYTES = _DATA_HERE.encode("utf-8")


class _Fragments:
    """Theme grids, finding cards, annotated sources and the claims table as the last
    render made them, by everything they show.

    In a long-running ``serve``, an edit usually touches a paragraph or two: the
    sections and findings it does not show in are not rendered again (they are
    most of the page's rendering time). A fragment is reused only when every
    value it draws is equal (the keys below follow _macros.html.j2's theme_grid,
    paragraph_card, finding_card, source_appendix and claims_table) and the macros
    are the same template; only the last render's fragments are kept.
    """

    def __init__(self):
        self.macros, self.made = None, {}

    @contextmanager
    def kept(self, macros, context: dict):
        """``grid(section, theme_grid)``, ``cards(findings, finding_card, level, copy)``,
        ``source(document, source_appendix)`` and ``claims(claims_table)``."""
        if macros is not self.macros:  # a template changed: nothing made with the old one
            self.macros, self.made = macros, {}
        made = {}

        def reuse(key, render) -> Markup:
            made[key] = self.made.get(key) or Markup(render())
            return made[key]

        def grid(section, theme_grid) -> Markup:
            return reuse(_grid_key(section, context), lambda: theme_grid(section))

        def cards(findings, finding_card, level: int, copy: bool = False) -> Markup:
            return Markup("").join(
                reuse(_card_key(f, level, copy, context), lambda: finding_card(f, level, copy))
                for f in findings)

        def source(document, source_appendix) -> Markup:
            return reuse(_source_key(document, context), lambda: source_appendix(document))

        def claims(claims_table) -> Markup:
            return reuse(_claims_key(context), claims_table)
        yield {"grid": grid, "cards": cards, "source": source, "claims": claims}
        self.made = made


_fragments = _Fragments()


def _card_key(f: Finding, level: int, copy: bool, context: dict) -> tuple:
    """Everything finding_card(f, level, copy) draws (see _Fragments)."""
    paragraphs, documents = context["paragraphs"], context["documents"]
    cited = [pid for _, ids in f.values for pid in ids] + list(f.cites) + \
        [pid for q in f.quotations for pid in q.elsewhere[:1]]
    return ("card", context["medium"], f, level, copy,
            tuple((documents[paragraphs[pid].document].label, paragraphs[pid].compared)
                  for pid in cited),
            context["theme_labels"][f.theme] if copy else "")


def _grid_key(section, context: dict) -> tuple:
    """Everything theme_grid(section) draws (see _Fragments)."""
    documents, labels = context["documents"], context["theme_labels"]

    def card(p: Paragraph) -> tuple:
        d = documents[p.document]
        parts = (p, *(d.paragraph(n) for n in p.continued_by))
        return (parts, d.label, d.title, d.format, tuple(labels[t] for t in p.themes),
                tuple(context["claims_by_id"][a.claim].label for q in parts for a in q.claims),
                tuple((f.anchor, f.title) for f in context["cited_by"].get(p.id, ())))
    return ("grid", context["medium"], section.theme, len(context["c"].columns),
            tuple((cell.column.id, cell.column.label, context["bylines"][cell.column.id],
                   len(cell.column.documents), tuple(card(p) for p in cell.paragraphs))
                  for cell in section.cells))


def _source_key(document: Document, context: dict) -> tuple:
    """Everything source_appendix(document) draws (see _Fragments)."""
    cited_by = context["cited_by"]
    return ("source", context["medium"], document,
            tuple((p.id, tuple((f.anchor, f.title) for f in cited_by[p.id]))
                  for p in document.paragraphs if not p.compared and p.id in cited_by))


def _claims_key(context: dict) -> tuple:
    """Everything claims_table() draws (see _Fragments)."""
    comparison, short = context["c"], context["short_ref"]

    def cells(f: Finding) -> tuple:
        return tuple(tuple((value, tuple((p.anchor, short(p)) for p in ps)) for value, ps in cell)
                     for cell in context["claim_cells"][f.id])
    return ("claims", context["medium"], tuple((col.id, col.label) for col in comparison.columns),
            tuple((s.theme.id, s.theme.label, tuple((f, cells(f)) for f in s.computed))
                  for s in comparison.sections if s.computed))


def render_print_html(comparison: Comparison, templates: Path) -> str:
    """The HTML WeasyPrint lays out as the full report, report.pdf."""
    from .print_view import print_context

    template = environment(templates).get_template("report-print.html.j2")
    return template.render(_context(comparison, "print") | print_context(comparison))


def render_json(comparison: Comparison) -> str:
    """The same content, machine-readable."""
    return json_bytes(comparison).decode("utf-8")


def json_bytes(comparison: Comparison) -> bytes:
    """render_json's text in UTF-8 (see write_report_json)."""
    out = io.BytesIO()
    write_report_json(out, comparison)
    return out.getvalue()


def write_report_json(out, comparison: Comparison) -> None:
    """Write render_json's text in UTF-8 to the binary stream ``out``, encoded a part at
    a time (see write_json)."""
    with paused_gc():
        write_json(out, _json_entries(comparison))
    out.write(b"\n")


def write_json(out, entries: Iterable[tuple[str, object]], escape=None) -> None:
    """Write the object of ``entries`` ((key, value) pairs: a dict's items(), or made as
    they are asked for) to the binary stream ``out`` as compact UTF-8 JSON, an entry at
    a time (a long list or mapping a slice at a time): the whole text is never one
    string. ``escape``: applied to each piece (bytes) before it is written.

    Encoded by orjson, six times faster than the json module here (at 20,020
    paragraphs, 0.26 s against 0.04 s for report.json), and to the byte what
    json.dumps(..., ensure_ascii=False, separators=(",", ":")) writes, but for floats
    with small exponents (1e-7, not 1e-07) and NaN (null, which is JSON). What orjson
    refuses (an integer past 64 bits, a key that is no text) is written by json.
    """
    def dumps(value) -> bytes:
        try:
            data = orjson.dumps(value)
        except TypeError:
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return escape(data) if escape else data

    out.write(b"{")
    separator = b""
    for key, value in entries:
        out.write(separator + dumps(key) + b":")
        separator = b","
        if not isinstance(value, (list, dict)) or len(value) <= _SLICE:
            out.write(dumps(value))
        else:
            items, kind = (list(value.items()), dict) if isinstance(value, dict) else (value, list)
            for at in range(0, len(items), _SLICE):
                part = dumps(kind(items[at:at + _SLICE]))  # "[...]" or "{...}"
                out.write(part[:-1] if at == 0 else b"," + part[1:-1])
            out.write(part[-1:])
            del items
        del value  # before the next entry is made
    out.write(b"}")


_SLICE = 200  # entries of a long list or mapping encoded at a time (write_json)


def _json_entries(comparison: Comparison) -> Iterator[tuple[str, object]]:
    """report.json's (key, value) entries, each made when write_json asks for it."""
    briefing = comparison.briefing
    yield "title", briefing.title
    yield "subtitle", briefing.subtitle
    yield "generated", generated_date().isoformat()
    yield "generator", f"reportgen {__version__}"
    yield "columns", briefing.columns
    yield "accounts", [{"id": c.id, "label": c.label, "documents": [d.id for d in c.documents]}
                       for c in comparison.columns]
    yield "themes", [{"id": t.id, "label": t.label, "description": t.description}
                     for t in briefing.themes]
    yield "claims", [{"id": c.id, "label": c.label, "theme": c.theme, "type": c.type}
                     for c in briefing.claims]
    yield "documents", [_document_json(d) for d in briefing.documents]
    yield "paragraphs", [_paragraph_json(p, comparison) for d in briefing.documents
                         for p in d.paragraphs]
    yield "findings", [_finding_json(f) for f in briefing.findings + comparison.computed]


def _document_json(d: Document) -> dict:
    return {
        "id": d.id, "label": d.label, "source": d.source, "title": d.title, "author": d.author,
        "outlet": d.outlet, "published": d.published, "account": d.account,
        "inferred": list(d.inferred), "evidence": d.evidence, "format": d.format,
        "characters": d.characters, "words": d.words, "sha256": d.sha256,
        "paragraphs": len(d.paragraphs),
        "body_paragraphs": sum(p.kind == "body" for p in d.paragraphs),
    }


def _paragraph_json(p: Paragraph, comparison: Comparison) -> dict:
    return {
        "id": p.id, "document": p.document, "account": comparison.column_of[p.document],
        "number": p.number, "kind": p.kind, "themes": list(p.themes), "author": p.author,
        "voices": list(p.voices),
        "claims": [{"claim": a.claim, "value": a.display, "note": a.note} for a in p.claims],
        "continues": p.continues, "note": p.note, "text": p.text,
        "lines": [p.line_start, p.line_end],
    }


def _finding_json(f: Finding) -> dict:
    result = {
        "id": f.id, "origin": f.origin, "kind": f.kind, "theme": f.theme, "title": f.title,
        "summary": f.summary, "key": f.key, "cites": list(f.cites),
    }
    if f.origin == "analyst":  # each quotation, looked up in the cited paragraphs
        result["quotations"] = [{"text": q.text, "verified": q.verified,
                                 "elsewhere": list(q.elsewhere)} for q in f.quotations]
    if f.claim:
        result["claim"] = f.claim
        result["values"] = [{"value": v, "cites": list(ids)} for v, ids in f.values]
        result["equivalent"] = [{"values": list(values), "reason": reason}
                                for values, reason in f.equivalent]
        if f.computed_kind:
            result["verdict"] = {"computed": f.computed_kind, "analyst": f.kind,
                                 "reason": f.verdict_reason}
    return result


# -- drawn on demand: what templates/report-lazy.js draws ---------------------

def on_demand_data(comparison: Comparison,
                   cited_by: dict[str, list[Finding]]) -> Iterator[tuple[str, object]]:
    """What a large report draws as the reader goes: its theme sections' paragraph
    cards and findings, and the annotated sources, as (key, value) entries of one JSON
    object, each made only when it is asked for (write_json writes it, then drops it).
    Texts that are markup come rendered (inert, by reportgen.markup); everything else
    is plain text."""
    briefing = comparison.briefing
    findings = briefing.findings + comparison.computed
    number = {f.anchor: i for i, f in enumerate(findings)}
    documents = {d.id: d for d in briefing.documents}
    yield "kinds", KIND_LABELS
    yield "columns", [col.id for col in comparison.columns]
    yield "themes", {t.id: t.label for t in briefing.themes}
    yield "claims", {c.id: c.label for c in briefing.claims}
    yield "documents", {d.id: {"label": d.label, "title": d.title} for d in briefing.documents}
    cards = {}
    for section in comparison.sections:
        for cell in section.cells:
            for p in cell.paragraphs:
                if p.id not in cards:
                    cards[p.id] = _card_data(p, documents[p.document], cited_by, number)
    yield "paragraphs", cards
    del cards
    yield "findings", [_finding_data(f, briefing) for f in findings]
    # cited paragraphs outside the comparison: their links go to the annotated sources
    cited = {pid for f in findings for pid in (*f.cites, *(i for _, ids in f.values for i in ids))}
    yield "outside", {pid: 1 for pid in sorted(cited) if not briefing.paragraphs[pid].compared}
    yield "sections", {
        s.theme.id: {"cells": [[p.id for p in cell.paragraphs] for cell in s.cells],
                     "findings": [number[f.anchor] for f in s.findings + s.computed]}
        for s in comparison.sections}
    yield "sources", {
        d.id: [[p.number, p.kind, p.continues or 0, list(p.themes),
                str(source_html(p, d, whole=False)),
                [] if p.compared else [number[f.anchor] for f in cited_by.get(p.id, ())]]
               for p in d.paragraphs]
        for d in briefing.documents}


def _card_data(p: Paragraph, document: Document, cited_by: dict, number: dict) -> dict:
    k = card(p, document)
    return {
        "doc": p.document, "n": p.number, "author": p.author or UNATTRIBUTED,
        "themes": list(p.themes), "last": p.continued_by[-1] if p.continued_by else 0,
        # the text shown; "" when it is the paragraph's own, as the sources show it
        "text": str(source_html(p, document)) if p.continued_by else "",
        "voices": list(k.voices),
        "claims": [[a.claim, a.display, str(markdown_inline(a.note)) if a.note else ""]
                   for a in k.claims],
        "notes": [str(markdown_block(note)) for note in k.notes],
        "citedBy": [number[f.anchor] for f in cited_by.get(p.id, ())],
    }


def _finding_data(f: Finding, briefing) -> dict:
    data = {"anchor": f.anchor, "kind": f.kind, "origin": f.origin, "theme": f.theme,
            "title": f.title}
    if f.quotations:  # [verified, [[quotation, where it was found instead, or ""], ...]]
        data["quotes"] = [len(f.verified_quotations), [
            [q.text, _ref(briefing, q.elsewhere[0]) if q.elsewhere else ""]
            for q in f.unverified_quotations]]
    if f.origin == "computed":
        data.update(values=[[value, list(ids)] for value, ids in f.values],
                    equivalent=[[list(values), str(markdown_inline(reason))]
                                for values, reason in f.equivalent],
                    computed=f.computed_kind, reason=str(markdown_inline(f.verdict_reason)))
    else:
        data.update(summary=str(markdown_block(f.summary)), cites=list(f.cites))
    return data


def _ref(briefing, pid: str) -> str:
    """ "Ramani 2016 ¶14", as _macros.html.j2's ref(pid)."""
    p = briefing.paragraphs[pid]
    return f"{next(d.label for d in briefing.documents if d.id == p.document)} ¶{p.number}"


def _script_safe(data: bytes) -> bytes:
    """JSON to put inside <script type="application/json">: no "<" in it, so nothing
    in the data can end the element (or open a comment)."""
    return data.replace(b"<", b"\\u003c")


# -- view helpers: what the templates draw, computed here --------------------

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
ACCOUNT_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
_HEAT_LOW, _HEAT_HIGH = (0xEE, 0xF3, 0xF8), (0x1F, 0x4E, 0x79)
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True, slots=True)
class Card:
    """A paragraph as one card, with the annotations of the paragraphs continuing it."""

    paragraph: Paragraph
    voices: tuple[str, ...]
    claims: tuple[Assertion, ...]
    notes: tuple[str, ...]


def card(paragraph: Paragraph, document: Document) -> Card:
    parts = (paragraph, *(document.paragraph(n) for n in paragraph.continued_by))
    return Card(
        paragraph,
        tuple(dict.fromkeys(v for p in parts for v in p.voices)),
        tuple(a for p in parts for a in p.claims),
        tuple(p.note for p in parts if p.note),
    )


def values_by_column(finding: Finding, comparison: Comparison):
    """A computed finding's values per column, in column order: ((value, paragraphs), ...)."""
    paragraphs = comparison.briefing.paragraphs
    cells: dict[str, list] = {col.id: [] for col in comparison.columns}
    for value, ids in finding.values:
        here: dict[str, list[Paragraph]] = {}
        for i in ids:
            here.setdefault(comparison.column_of[paragraphs[i].document], []).append(paragraphs[i])
        for column, found in here.items():
            cells[column].append((value, tuple(found)))
    return tuple(tuple(cells[col.id]) for col in comparison.columns)


UNATTRIBUTED = "Unattributed"  # how a paragraph with no author is shown and filtered


def short_ref(paragraph: Paragraph, comparison: Comparison) -> str:
    """ "¶12" within its column, "Koç 2021 ¶12" where the column holds several documents."""
    return _short_refs(comparison)(paragraph)


def _short_refs(comparison: Comparison):
    """short_ref for every paragraph of ``comparison``, the lookups made once."""
    shared = {d.id: d.label for col in comparison.columns if len(col.documents) > 1
              for d in col.documents}

    def short(paragraph: Paragraph) -> str:
        label = shared.get(paragraph.document)
        return f"{label} ¶{paragraph.number}" if label else f"¶{paragraph.number}"
    return short


def source_line(document: Document, *, title: bool = True) -> str:
    """ 'Author, “Title”, Outlet (2016-12)': the parts a document has, nothing for the rest."""
    quoted = f"“{document.title.strip()}”" if title and document.title.strip() else ""
    named = ", ".join(p for p in (document.author.strip(), quoted, document.outlet.strip()) if p)
    return f"{named} ({document.published})" if named else document.published


def heat_colors(words: int, most: int) -> tuple[str, str]:
    """Background and text colour of a coverage cell: darker for more words, text always legible."""
    if not words or not most:
        return "", ""
    share = 0.12 + 0.88 * words / most
    rgb = tuple(round(lo + (hi - lo) * share) for lo, hi in zip(_HEAT_LOW, _HEAT_HIGH))
    # white or black, whichever contrasts more: one of them always reaches WCAG AA (4.5)
    text = "#ffffff" if _contrast(rgb, (255, 255, 255)) >= _contrast(rgb, (0, 0, 0)) else "#000000"
    return "#%02x%02x%02x" % rgb, text


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours."""
    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def human_date(value: str) -> str:
    """ "2016-12-08" -> "8 Dec 2016", "2016-12" -> "Dec 2016", "2016" -> "2016". """
    parts = str(value).split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def human_span(mark: DatedMark) -> str:
    """ "Dec 2015", or a span: "Dec 2015 – Feb 2016", "2015–2016"."""
    start, end = human_date(mark.date.start), human_date(mark.date.end)
    if start == end:
        return start
    return f"{start}–{end}" if " " not in start + end else f"{start} – {end}"


@dataclass(frozen=True, slots=True)
class MarkView:
    mark: DatedMark
    x: float  # left edge, % of the track
    width: float  # % of the track
    point: bool  # finer than a year: drawn as a dot at its middle
    label: str  # the date as a reader reads it
    label_x: float  # % of the track
    label_end: bool  # label to the left of the mark (near the right edge)

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True, slots=True)
class EventView:
    event: DatedEvent
    lanes: tuple[tuple[str, tuple[MarkView, ...]], ...]  # (column id, marks) for every column
    span: tuple[float, float]  # % of the track from the earliest to the latest mark
    description: str  # the row in words: "2016 account: Dec 2015; 2017 account: Dec 2017"


@dataclass(frozen=True, slots=True)
class TimelineView:
    ticks: tuple[tuple[int, float], ...]  # (year, % of the track), from first to last
    events: tuple[EventView, ...]
    lane_height: int = 16  # px per account lane


def timeline_view(comparison: Comparison) -> TimelineView | None:
    """The timeline of dated events laid out on a shared axis in % of its width."""
    events = timeline(comparison)
    if not events:
        return None
    start = math.floor(min(e.start for e in events)) - 1
    end = math.ceil(max(e.end for e in events)) + 1
    step = next(s for s in (1, 2, 5, 10, 25, 50, 100) if (end - start) / s <= 12)

    def pct(year: float) -> float:
        return round(100 * (year - start) / (end - start), 3)

    def view(mark: DatedMark) -> MarkView:
        x, right = pct(mark.start), pct(mark.end)
        point = mark.date.point  # a month or a day: a dot; a year or a span: a bar
        near_end = (x + right) / 2 > 78
        edge = (x + right) / 2 if point else (x if near_end else right)
        return MarkView(mark, x, round(right - x, 3), point, human_span(mark),
                        round(edge, 3), near_end)

    labels = {col.id: col.label for col in comparison.columns}
    views = tuple(
        EventView(event, tuple(
            (col.id, tuple(view(m) for m in event.marks if m.column == col.id))
            for col in comparison.columns
        ), (pct(event.start), pct(event.end)), "; ".join(
            f"{labels[m.column]} account: {human_span(m)}" for m in event.marks
        ))
        for event in events
    )
    first_tick = start + (-start) % step
    return TimelineView(tuple((y, pct(y)) for y in range(first_tick, end + 1, step)), views)


def _period(documents: tuple[Document, ...]) -> str:
    """The publication span of the accounts: "Dec 2016 – Nov 2021"."""
    dates = sorted(d.published for d in documents if d.published)
    if not dates:
        return ""
    first, last = human_date(dates[0]), human_date(dates[-1])
    return first if first == last else f"{first} – {last}"


def render_brief_html(comparison: Comparison, templates: Path) -> str:
    """The HTML WeasyPrint lays out as the brief, brief.pdf."""
    from .brief import brief_context

    from .pdf import ONE_PIECE

    template = environment(templates).get_template("brief.html.j2")
    context = _context(comparison, "brief") | brief_context(comparison)
    html = template.render(context)
    if len(html) < ONE_PIECE:  # laid out whole: its themes need not start a page of their own
        html = template.render(context, chapter_break=None)
    return html
