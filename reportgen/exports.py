"""`reportgen export FORMAT`: the checked briefing in the formats other tools read.

- ``csv``: a folder of CSV files for spreadsheets (UTF-8 with a byte order mark,
  so Excel reads the accents; cells that a spreadsheet would run as a formula
  start with an apostrophe);
- ``json``: the report's JSON, as ``build/report.json``;
- ``w3c``: every paragraph annotation as a W3C Web Annotation (JSON-LD), its
  target named by quote and by character position in the source;
- ``qdpx``: a REFI-QDA project for QDA tools (:mod:`reportgen.qdpx`).

docs/formats.md documents every file and column. An export is made from the
same checked briefing as the report: a project with errors exports nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import __version__
from .errors import Problem, ReportgenError, display_path
from .files import write_atomic

if TYPE_CHECKING:  # the CLI imports this module for its format names: keep that light
    from .compare import Comparison
    from .model import Document, Paragraph

EXPORT_FORMATS = ("csv", "json", "w3c", "qdpx")
# Where each export goes without -o, inside the project's output folder.
DEFAULT_TARGETS = {"csv": "export/csv", "json": "export/report.json",
                   "w3c": "export/annotations.jsonld", "qdpx": "export/briefing.qdpx"}
LIST_SEPARATOR = "; "  # several values in one CSV cell: themes, voices, citations
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets may run as a formula
QUOTE_CONTEXT = 32  # characters of prefix and suffix in a TextQuoteSelector
ID_NAMESPACE = uuid.UUID("5f1c2a0e-8d8b-4c59-9b1e-2b6f0c3a7d41")  # reportgen's export ids


def export(comparison: Comparison, project, fmt: str, target: Path) -> list[Path]:
    """Write ``comparison`` as ``fmt`` to ``target`` (a folder for csv); what was written."""
    if fmt == "csv":
        return write_csv_folder(comparison, target)
    if fmt == "json":
        from .render import render_json

        data = render_json(comparison).encode("utf-8")
    elif fmt == "w3c":
        data = web_annotations(comparison, source_texts(comparison, project), project.seeds,
                               target.parent)
    else:
        from .qdpx import qdpx_bytes

        data = qdpx_bytes(comparison, source_texts(comparison, project))
    _refuse_folder(target)
    write_atomic(target, data)
    return [target]


def _refuse_folder(target: Path) -> None:
    if target.is_dir():
        raise ReportgenError([Problem(display_path(target), None, "is a folder",
                                      "give -o the name of the file to write")])


def source_texts(comparison: Comparison, project) -> dict[str, str]:
    """Each document's source text, by document id, exactly as the checker read it."""
    from .load import read_source

    problems: list[Problem] = []
    texts = {}
    for document in comparison.briefing.documents:
        source = read_source(project.seeds / document.source, problems)
        if source is not None and source.sha256 != document.sha256:
            problems.append(Problem(display_path(source.path), None,
                                    "changed while it was being exported", "export again"))
        elif source is not None:
            texts[document.id] = source.text
    if problems:
        raise ReportgenError(problems)
    return texts


# -- CSV -------------------------------------------------------------------------

def csv_cell(value) -> str:
    """A value as a CSV cell a spreadsheet shows as text and never runs as a formula."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: list[str], rows: Iterable[list]) -> bytes:
    """RFC 4180 CSV (CRLF, quotes where needed) in UTF-8 with a byte order mark."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def csv_tables(comparison: Comparison) -> dict[str, tuple[list[str], list[list]]]:
    """Every CSV file of the export: name -> (header, rows)."""
    briefing = comparison.briefing
    account = {c.id: c.label for c in comparison.columns}
    account_of = {d: account[c] for d, c in comparison.column_of.items()}
    accounts = [c.label for c in comparison.columns]
    paragraphs = [p for d in briefing.documents for p in d.paragraphs]
    findings = briefing.findings + comparison.computed
    return {
        "documents.csv": (
            ["document", "label", "account", "title", "author", "outlet", "published", "source",
             "paragraphs", "body_paragraphs", "words"],
            [[d.id, d.label, account_of[d.id], d.title, d.author, d.outlet, d.published, d.source,
              len(d.paragraphs), sum(p.kind == "body" for p in d.paragraphs), d.words]
             for d in briefing.documents]),
        "paragraphs.csv": (
            ["paragraph", "document", "account", "number", "kind", "themes", "author", "voices",
             "claims", "continues", "note", "text"],
            [[p.id, p.document, account_of[p.document], p.number, p.kind, _joined(p.themes),
              p.author, _joined(p.voices), _joined(f"{a.claim} = {a.display}" for a in p.claims),
              p.continues, p.note, p.text] for p in paragraphs]),
        "claims.csv": (
            ["claim", "label", "theme", "type", "verdict", *accounts],
            [_claim_row(claim, comparison, account_of, accounts) for claim in briefing.claims]),
        "assertions.csv": (
            ["claim", "value", "note", "paragraph", "document", "account"],
            [[a.claim, a.display, a.note, a.paragraph, p.document, account_of[p.document]]
             for p in paragraphs for a in p.claims]),
        "findings.csv": (
            ["finding", "origin", "kind", "theme", "title", "summary", "key", "claim", "cites"],
            [[f.id, f.origin, f.kind, f.theme, f.title, f.summary, f.key, f.claim, _joined(f.cites)]
             for f in findings]),
        "citations.csv": (
            ["finding", "paragraph", "document", "account", "text"],
            [[f.id, cite, briefing.paragraphs[cite].document,
              account_of[briefing.paragraphs[cite].document], briefing.paragraphs[cite].text]
             for f in findings for cite in f.cites if cite in briefing.paragraphs]),
        "matrix.csv": (
            ["theme", "label", *accounts],
            [[s.theme.id, s.theme.label, *(len(cell.paragraphs) for cell in s.cells)]
             for s in comparison.sections]),
    }


def _joined(values: Iterable) -> str:
    return LIST_SEPARATOR.join(str(v) for v in values)


def _claim_row(claim, comparison: Comparison, account_of, accounts) -> list:
    """A claim, its verdict and each account's values (in paragraph order), one cell each."""
    values: dict[str, list[str]] = {label: [] for label in accounts}
    for paragraph in comparison.briefing.paragraphs.values():
        for assertion in paragraph.claims:
            shown = values[account_of[paragraph.document]]
            if assertion.claim == claim.id and assertion.display not in shown:
                shown.append(assertion.display)
    verdict = next((f.kind for f in comparison.computed if f.claim == claim.id), "")
    return [claim.id, claim.label, claim.theme, claim.type, verdict,
            *(_joined(values[label]) for label in accounts)]


def write_csv_folder(comparison: Comparison, folder: Path) -> list[Path]:
    if folder.exists() and not folder.is_dir():
        raise ReportgenError([Problem(display_path(folder), None, "is a file, not a folder",
                                      "the csv export is a folder of files: give -o a folder")])
    tables = {name: csv_bytes(*table) for name, table in csv_tables(comparison).items()}
    for name, data in tables.items():  # all made: now write
        write_atomic(folder / name, data)
    return [folder / name for name in tables]


# -- W3C Web Annotations -----------------------------------------------------------

def web_annotations(comparison: Comparison, texts: dict[str, str], seeds: Path,
                    base: Path) -> bytes:
    """An AnnotationCollection of every paragraph; the sources (in ``seeds``) named by
    paths relative to ``base``, the folder the collection is written to."""
    from .positions import document_spans

    briefing = comparison.briefing
    labels = {t.id: t.label for t in briefing.themes}
    items = []
    for document in briefing.documents:
        text = texts[document.id]
        source = _relative_uri(seeds / document.source, base)
        offsets = document_spans(document, text)
        for paragraph in document.paragraphs:
            items.append(_annotation(paragraph, document, text, offsets[paragraph.number],
                                     source, labels))
    collection = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, briefing.title)}",
        "type": "AnnotationCollection",
        "label": briefing.title,
        "generator": {"type": "Software", "name": f"reportgen {__version__}"},
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
    return (json.dumps(collection, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _annotation(paragraph: Paragraph, document: Document, text: str, span, source: str,
                labels: dict[str, str]) -> dict:
    start, end = span
    bodies = [_body("classifying", paragraph.kind)]
    bodies += [_body("tagging", labels[theme]) for theme in paragraph.themes]
    if paragraph.author and paragraph.author != document.author:
        bodies.append(_body("describing", f"Author: {paragraph.author}"))
    if paragraph.voices:
        bodies.append(_body("describing", f"Cites: {_joined(paragraph.voices)}"))
    bodies += [_body("describing", f"Claim {a.claim}: {a.display}" + (f" ({a.note})" if a.note
                                                                       else ""))
               for a in paragraph.claims]
    if paragraph.note:
        bodies.append(_body("commenting", paragraph.note))
    return {
        "id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{document.sha256}:{paragraph.number}')}",
        "type": "Annotation",
        "motivation": "classifying",
        "label": paragraph.id,
        "body": bodies,
        "target": {
            "source": source,
            "type": "Text",
            "format": "text/markdown" if document.format == "markdown" else "text/plain",
            "selector": [
                {"type": "TextQuoteSelector", "exact": text[start:end],
                 "prefix": text[max(0, start - QUOTE_CONTEXT):start],
                 "suffix": text[end:end + QUOTE_CONTEXT]},
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def _body(purpose: str, value: str) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def _relative_uri(path: Path, base: Path) -> str:
    """``path`` as a URI reference relative to the folder ``base`` (where the export is)."""
    return quote(Path(os.path.relpath(path.resolve(), base.resolve())).as_posix())
