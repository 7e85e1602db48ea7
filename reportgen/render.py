"""Stage 4: render the comparison with Jinja2 — HTML page, print HTML, JSON.

Templates only lay out what :mod:`reportgen.compare` computed. Everything that
comes from annotations is data, so autoescaping is on and only markdown-it
output (raw HTML disabled) is marked safe.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from markdown_it import MarkdownIt

from . import __version__
from .compare import Comparison, account_name
from .model import Document, Finding, Paragraph

_markdown = MarkdownIt("js-default")  # CommonMark with raw HTML off
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUP_TAG = re.compile(r"<sup>(\d+)</sup>")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")

KIND_LABELS = {
    "agreement": "Agreement", "discrepancy": "Discrepancy", "shift": "Shift over time",
    "gap": "Gap", "single-source": "Single source",
}


def markdown_block(text: str) -> Markup:
    return Markup(_markdown.render(text or ""))


def markdown_inline(text: str) -> Markup:
    return Markup(_markdown.renderInline(text or ""))


def source_html(paragraph: Paragraph, document: Document) -> Markup:
    """A source paragraph as shown: plain text escaped, or converted markdown rendered."""
    text = paragraph.full_text
    if document.format == "markdown":
        # Footnote markers survive PDF conversion as <sup>n</sup>; raw HTML stays off.
        text = _SUP_TAG.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), text)
        lines = [_HEADING_MARK.sub("", line) for line in text.split("\n")]
        return Markup("<br>".join(_markdown.renderInline(line) for line in lines))
    return Markup("<br>".join(escape(line) for line in text.split("\n")))


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
        autoescape=True,  # select_autoescape() would miss the .j2 names
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=markdown_block, md_inline=markdown_inline)
    env.globals.update(
        source_html=source_html, kind_labels=KIND_LABELS, account_name=account_name,
        version=__version__,
    )
    return env


def _context(comparison: Comparison) -> dict:
    briefing = comparison.briefing
    findings = {f.id: f for f in briefing.findings}
    return {
        "b": briefing,
        "c": comparison,
        "generated": generated_date().isoformat(),
        "documents": {d.id: d for d in briefing.documents},
        "paragraphs": briefing.paragraphs,
        "findings_by_id": findings,
        "cited_by": _cited_by(briefing.findings + comparison.computed),
        "authors": sorted({p.author for p in briefing.paragraphs.values() if p.compared}),
    }


def _cited_by(findings: tuple[Finding, ...]) -> dict[str, list[Finding]]:
    result: dict[str, list[Finding]] = {}
    for finding in findings:
        for cite in finding.cites:
            result.setdefault(cite, []).append(finding)
    return result


def render_html(comparison: Comparison, templates: Path) -> str:
    """The shareable, self-contained HTML report."""
    return environment(templates).get_template("report.html.j2").render(_context(comparison))


def render_print_html(comparison: Comparison, templates: Path) -> str:
    """The HTML WeasyPrint lays out as the PDF brief."""
    return environment(templates).get_template("brief.html.j2").render(_context(comparison))


def render_json(comparison: Comparison) -> str:
    """The same content, machine-readable."""
    briefing = comparison.briefing
    data = {
        "title": briefing.title,
        "subtitle": briefing.subtitle,
        "generated": generated_date().isoformat(),
        "generator": f"reportgen {__version__}",
        "columns": briefing.columns,
        "accounts": [{"id": c.id, "label": c.label, "documents": [d.id for d in c.documents]}
                     for c in comparison.columns],
        "themes": [{"id": t.id, "label": t.label, "description": t.description}
                   for t in briefing.themes],
        "claims": [{"id": c.id, "label": c.label, "theme": c.theme, "type": c.type}
                   for c in briefing.claims],
        "documents": [_document_json(d) for d in briefing.documents],
        "paragraphs": [_paragraph_json(p, comparison) for d in briefing.documents
                       for p in d.paragraphs],
        "findings": [_finding_json(f) for f in briefing.findings + comparison.computed],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _document_json(d: Document) -> dict:
    return {
        "id": d.id, "source": d.source, "title": d.title, "author": d.author,
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
    if f.claim:
        result["claim"] = f.claim
        result["values"] = [{"value": v, "cites": list(ids)} for v, ids in f.values]
    return result
