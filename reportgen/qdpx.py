"""REFI-QDA projects (.qdpx), the exchange format of QDA tools: the export.

A .qdpx is a zip holding ``project.qde`` (XML, namespace urn:QDA-XML:project:1.0)
and the sources' texts under ``sources/``. The export maps a briefing so:

- each document -> a TextSource whose plain text (UTF-8, exactly the seed's
  text) is ``sources/<guid>.txt``, named ``internal://<guid>.txt``;
- each theme -> a Code (name: the theme's label; description: its description);
  paragraph kinds other than body -> Codes under a non-codable "Paragraph kinds";
- each paragraph with themes or a kind -> a PlainTextSelection over the
  paragraph, coded with its themes (and kind). Positions count Unicode code
  points of the source text, zero-based, end exclusive (CRLF is two), as the
  standard's "character" positions and as other tools (qc) write them;
- document id, title, author, outlet, published, year, account, label and
  format -> Variables with values on each TextSource; each account -> a Case
  holding its sources (REFI users are coders, so none are written);
- paragraph notes, claims, voices and authors, the findings and the claims
  catalogue -> Notes, referenced from the selections they are about (the
  catalogue from the project).

GUIDs are derived from the briefing (uuid5), so exporting twice gives the same
file. :mod:`reportgen.qdpx_import` reads .qdpx files back, from any tool.
"""

from __future__ import annotations

import io
import uuid
import zipfile

from lxml import etree

from . import __version__
from .compare import Comparison
from .model import Document, Paragraph
from .positions import document_spans
from .schema import PARAGRAPH_KINDS

NAMESPACE = "urn:QDA-XML:project:1.0"
KIND_CODES = "Paragraph kinds"  # parent code of the paragraph-kind codes, both ways
GUID_ROOT = uuid.UUID("8a0c6c2e-4b7e-4f0e-9d55-6f3f1f0f2d10")
# Variables written for each document: name -> (type, value of a Document)
VARIABLES = {
    "Document ID": ("Text", lambda d: d.id),
    "Title": ("Text", lambda d: d.title),
    "Author": ("Text", lambda d: d.author),
    "Outlet": ("Text", lambda d: d.outlet),
    "Published": ("Text", lambda d: d.published),  # "YYYY", "YYYY-MM" or a date: text
    "Year": ("Integer", lambda d: d.published[:4]),
    "Account": ("Text", lambda d: d.account),
    "Label": ("Text", lambda d: d.label),
    "Format": ("Text", lambda d: d.format),
}
VALUE_ELEMENTS = {"Text": "TextValue", "Integer": "IntegerValue"}


def qdpx_bytes(comparison: Comparison, texts: dict[str, str]) -> bytes:
    """The .qdpx (zip) of ``comparison``; ``texts``: each document's source text by id."""
    exporter = _Exporter(comparison, texts)
    qde = exporter.project()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("project.qde"), etree.tostring(
            qde, xml_declaration=True, encoding="utf-8", pretty_print=True))
        for document in comparison.briefing.documents:
            name = f"sources/{exporter.guid('source', document.id)}.txt"
            archive.writestr(_entry(name), texts[document.id].encode("utf-8"))
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date: the same briefing gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent, element_name: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, _tag(element_name),
                               {k: str(v) for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


class _Exporter:
    def __init__(self, comparison: Comparison, texts: dict[str, str]):
        self.comparison = comparison
        self.texts = texts
        self.briefing = comparison.briefing
        self.namespace = uuid.uuid5(GUID_ROOT, self.briefing.title)
        self.notes: list[tuple[str, str, str]] = []  # (guid, name, text)
        self.kinds = [k for k in PARAGRAPH_KINDS if k != "body" and any(
            p.kind == k for p in self.briefing.paragraphs.values())]
        self.finding_notes = {f.id: self.guid("finding", f.id) for f in self.briefing.findings}

    def guid(self, *parts: str) -> str:
        return str(uuid.uuid5(self.namespace, "\x1f".join(parts)))

    def project(self) -> etree._Element:
        from .render import generated_date

        root = etree.Element(_tag("Project"), nsmap={None: NAMESPACE}, name=self.briefing.title,
                             origin=f"reportgen {__version__}",
                             creationDateTime=f"{generated_date().isoformat()}T00:00:00Z")
        self.codebook(root)
        variables = _add(root, "Variables")
        for name, (kind, _) in VARIABLES.items():
            _add(variables, "Variable", guid=self.guid("variable", name), name=name,
                 typeOfVariable=kind)
        if self.briefing.documents:  # the standard wants no empty lists
            self.cases(root)
            sources = _add(root, "Sources")
            for document in self.briefing.documents:
                self.source(sources, document)
        self.finding_and_claim_notes()
        notes = _add(root, "Notes") if self.notes else None
        for guid, name, text in self.notes:
            note = _add(notes, "Note", guid=guid, name=name)
            _add(note, "PlainTextContent", text)
        if self.briefing.subtitle:
            _add(root, "Description", self.briefing.subtitle)
        for claim in self.briefing.claims:  # the claims catalogue is about the whole project
            _add(root, "NoteRef", targetGUID=self.guid("claim", claim.id))
        return root

    def codebook(self, root) -> None:
        codes = _add(_add(root, "CodeBook"), "Codes")
        for theme in self.briefing.themes:
            code = _add(codes, "Code", guid=self.guid("theme", theme.id), name=theme.label,
                        isCodable="true")
            if theme.description:
                _add(code, "Description", theme.description)
        if self.kinds:
            group = _add(codes, "Code", guid=self.guid("kinds"), name=KIND_CODES,
                         isCodable="false")
            _add(group, "Description", "What kind of text a paragraph is, when not body text "
                                       "(reportgen compares body paragraphs only).")
            for kind in self.kinds:
                _add(group, "Code", guid=self.guid("kind", kind), name=kind, isCodable="true")

    def cases(self, root) -> None:
        cases = _add(root, "Cases")
        for column in self.comparison.columns:
            case = _add(cases, "Case", guid=self.guid("account", column.id), name=column.label)
            _add(case, "Description", f"Account: {column.label}")
            for document in column.documents:
                _add(case, "SourceRef", targetGUID=self.guid("source", document.id))

    def source(self, sources, document: Document) -> None:
        guid = self.guid("source", document.id)
        spans = document_spans(document, self.texts[document.id])
        element = _add(sources, "TextSource", guid=guid, name=document.label,
                       plainTextPath=f"internal://{guid}.txt")
        _add(element, "Description", document.title)
        for paragraph in document.paragraphs:
            codes = [self.guid("theme", t) for t in paragraph.themes]
            if paragraph.kind != "body":
                codes.append(self.guid("kind", paragraph.kind))
            if not codes:
                continue
            start, end = spans[paragraph.number]
            selection = _add(element, "PlainTextSelection", guid=self.guid("para", paragraph.id),
                             name=f"{document.label} ¶{paragraph.number}",
                             startPosition=start, endPosition=end)
            for code in codes:
                coding = _add(selection, "Coding", guid=self.guid("coding", paragraph.id, code))
                _add(coding, "CodeRef", targetGUID=code)
            for note in self.paragraph_notes(paragraph, document):
                _add(selection, "NoteRef", targetGUID=note)
        for name, (kind, value_of) in VARIABLES.items():
            value = value_of(document)
            if value == "" or (kind == "Integer" and not value.isdigit()):
                continue
            variable_value = _add(element, "VariableValue")
            _add(variable_value, "VariableRef", targetGUID=self.guid("variable", name))
            _add(variable_value, VALUE_ELEMENTS[kind], str(int(value)) if kind == "Integer"
                 else value)

    def paragraph_notes(self, paragraph: Paragraph, document: Document) -> list[str]:
        """The notes a paragraph's selection refers to: its annotations beyond themes, and
        the findings citing it."""
        lines = [paragraph.note] if paragraph.note else []
        claims = {c.id: c for c in self.briefing.claims}
        lines += [f"Claim: {claims[a.claim].label}: {a.display}" + (f" ({a.note})" if a.note
                                                                     else "")
                  for a in paragraph.claims]
        if paragraph.voices:
            lines.append(f"Cites: {', '.join(paragraph.voices)}")
        if paragraph.author and paragraph.author != document.author:
            lines.append(f"Author: {paragraph.author}")
        if paragraph.continues:
            lines.append(f"Continues ¶{paragraph.continues}")
        refs = []
        if lines:
            refs.append(self.guid("note", paragraph.id))
            self.notes.append((refs[0], f"{document.label} ¶{paragraph.number}", "\n".join(lines)))
        refs += [self.finding_notes[f.id] for f in self.briefing.findings
                 if paragraph.id in f.cites]
        return refs

    def finding_and_claim_notes(self) -> None:
        for finding in self.briefing.findings:
            theme = self.briefing.theme(finding.theme).label
            text = (f"Finding: {finding.title}\n\n{finding.summary}\n\nKind: {finding.kind}. "
                    f"Theme: {theme}. Cites: {', '.join(finding.cites)}.")
            self.notes.append((self.finding_notes[finding.id], f"Finding: {finding.title}", text))
        for claim in self.briefing.claims:
            text = (f"Claim: {claim.label} ({claim.type}, id {claim.id}), theme "
                    f"{self.briefing.theme(claim.theme).label}.")
            if claim.description:
                text += f"\n\n{claim.description}"
            self.notes.append((self.guid("claim", claim.id), f"Claim: {claim.label}", text))

