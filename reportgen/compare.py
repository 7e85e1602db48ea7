"""Stage 3: the comparison — theme × account grid, claim findings, coverage.

Pure functions of the Briefing: nothing here reads files or knows about HTML.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .model import Assertion, Briefing, Claim, Document, Finding, Paragraph, Theme


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the side-by-side view: an account (or a single document)."""

    id: str
    label: str
    documents: tuple[Document, ...]

    @property
    def authors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.author for d in self.documents))


@dataclass(frozen=True, slots=True)
class Cell:
    column: Column
    paragraphs: tuple[Paragraph, ...]
    words: int


@dataclass(frozen=True, slots=True)
class ThemeSection:
    theme: Theme
    cells: tuple[Cell, ...]  # one per column, in column order
    findings: tuple[Finding, ...]  # analyst findings on this theme
    computed: tuple[Finding, ...]  # agreements, discrepancies, single-source claims

    @property
    def paragraph_count(self) -> int:
        return sum(len(c.paragraphs) for c in self.cells)


@dataclass(frozen=True, slots=True)
class Comparison:
    briefing: Briefing
    columns: tuple[Column, ...]
    sections: tuple[ThemeSection, ...]
    computed: tuple[Finding, ...]  # every computed finding, by theme order
    key_findings: tuple[Finding, ...]
    column_of: dict[str, str]  # document id -> column id
    max_cell_words: int

    def findings_citing(self, paragraph_id: str) -> list[Finding]:
        return [f for f in self.briefing.findings + self.computed if paragraph_id in f.cites]


def compare(briefing: Briefing) -> Comparison:
    columns = make_columns(briefing.documents, briefing.columns)
    column_of = {d.id: c.id for c in columns for d in c.documents}
    computed = tuple(sorted(
        (f for claim in briefing.claims if (f := compare_claim(claim, briefing)) is not None),
        key=lambda f: (briefing.theme(f.theme).order, _KIND_ORDER[f.kind], f.title),
    ))
    sections = tuple(_section(theme, columns, briefing, computed) for theme in briefing.themes)
    key = tuple(f for f in briefing.findings if f.key)
    return Comparison(
        briefing, columns, sections, computed, key, column_of,
        max((c.words for s in sections for c in s.cells), default=0),
    )


def make_columns(documents: tuple[Document, ...], mode: str) -> tuple[Column, ...]:
    """Columns in chronological order: by account label, or one per document."""
    if mode == "document":
        return tuple(Column(d.id, f"{d.account} · {_surname(d.author)}", (d,)) for d in documents)
    groups: dict[str, list[Document]] = defaultdict(list)
    for document in documents:  # already sorted by publication date
        groups[document.account].append(document)
    return tuple(Column(_slug(label), label, tuple(docs)) for label, docs in groups.items())


def _section(theme: Theme, columns, briefing: Briefing, computed) -> ThemeSection:
    cells = []
    for column in columns:
        paragraphs = tuple(
            p for d in column.documents for p in d.paragraphs
            if p.compared and theme.id in p.themes
        )
        cells.append(Cell(column, paragraphs, sum(len(p.full_text.split()) for p in paragraphs)))
    return ThemeSection(
        theme, tuple(cells),
        tuple(f for f in briefing.findings if f.theme == theme.id),
        tuple(f for f in computed if f.theme == theme.id),
    )


# -- claims ------------------------------------------------------------------

_KIND_ORDER = {"discrepancy": 0, "agreement": 1, "single-source": 2}


def compare_claim(claim: Claim, briefing: Briefing) -> Finding | None:
    """Agreement, discrepancy or single-source finding for one claim, if asserted."""
    assertions = [a for p in briefing.paragraphs.values() if p.kind == "body"
                  for a in p.claims if a.claim == claim.id]
    if not assertions:
        return None
    documents = {briefing.paragraphs[a.paragraph].document for a in assertions}
    conflicting = any(not compatible(a.value, b.value, claim.type)
                      for a in assertions for b in assertions)
    if conflicting:
        kind = "discrepancy"
    elif len(documents) > 1:
        kind = "agreement"
    else:
        kind = "single-source"
    order = {d.id: i for i, d in enumerate(briefing.documents)}
    assertions.sort(key=lambda a: (order[briefing.paragraphs[a.paragraph].document],
                                   briefing.paragraphs[a.paragraph].number))
    values = _group_values(assertions, claim.type)
    return Finding(
        id=claim.id, kind=kind, theme=claim.theme, title=claim.label,
        summary=_summary(kind, values, briefing),
        cites=tuple(dict.fromkeys(a.paragraph for a in assertions)),
        origin="computed", claim=claim.id, values=values,
    )


def compatible(a: object, b: object, claim_type: str) -> bool:
    """Same value; for dates, one may be a coarser form of the other (2018-11 ⊇ 2018-11-09)."""
    if claim_type == "date":
        return str(a).startswith(str(b)) or str(b).startswith(str(a))
    if claim_type == "text":
        return str(a).casefold() == str(b).casefold()
    return a == b


def _group_values(assertions: list[Assertion], claim_type: str):
    groups: dict[str, list[str]] = {}
    for assertion in assertions:  # chronological: values appear in the order accounts gave them
        key = assertion.display.casefold() if claim_type == "text" else assertion.display
        groups.setdefault(key, [])
        if assertion.paragraph not in groups[key]:
            groups[key].append(assertion.paragraph)
    shown = {(a.display.casefold() if claim_type == "text" else a.display): a.display
             for a in assertions}
    return tuple((shown[k], tuple(v)) for k, v in groups.items())


def _summary(kind: str, values, briefing: Briefing) -> str:
    def who(ids):
        documents = dict.fromkeys(briefing.paragraphs[i].document for i in ids)
        return ", ".join(account_name(briefing.document(d)) for d in documents)

    parts = "; ".join(f"**{value}** ({who(ids)})" for value, ids in values)
    if kind == "discrepancy":
        return f"The accounts disagree: {parts}."
    if kind == "agreement":
        return f"The accounts agree: {parts}."
    return f"Only one account asserts this: {parts}."


def account_name(document: Document) -> str:
    return f"{_surname(document.author)} {document.account}"


def _surname(author: str) -> str:
    words = author.split()  # blank (only spaces or line breaks) is unattributed too
    if not words or author.startswith(("Unattributed", "Unknown", "Anonymous")):
        return "Unattributed"
    return words[-1]


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-") or "column"


# -- pictures: dated events and cited voices ---------------------------------

@dataclass(frozen=True, slots=True)
class DatedMark:
    """One account's dating of an event: the value it gives, the span it covers, where."""

    column: str  # column id
    value: str  # as the annotation gives it: "2015", "2015-12" or "2015-12-08"
    start: float  # the span the value covers, in fractional years: 2015-12 is 2015.917-2016.0
    end: float
    paragraphs: tuple[str, ...]  # ids of the paragraphs giving this value


@dataclass(frozen=True, slots=True)
class DatedEvent:
    """A claim of type date or year as the accounts date it: one row of the timeline."""

    claim: Claim
    finding: Finding  # the computed agreement, discrepancy or single-source finding
    marks: tuple[DatedMark, ...]  # in column order, then by date

    @property
    def conflict(self) -> bool:
        return self.finding.kind == "discrepancy"

    @property
    def start(self) -> float:
        return min(m.start for m in self.marks)

    @property
    def end(self) -> float:
        return max(m.end for m in self.marks)


def timeline(comparison: Comparison) -> tuple[DatedEvent, ...]:
    """The dated events the accounts mention (claims of type date or year), earliest first."""
    briefing = comparison.briefing
    claims = {c.id: c for c in briefing.claims}
    order = {c.id: i for i, c in enumerate(comparison.columns)}
    events = []
    for finding in comparison.computed:
        claim = claims[finding.claim]
        if claim.type not in ("date", "year"):
            continue
        marks = {}
        for value, ids in finding.values:
            for pid in ids:
                column = comparison.column_of[briefing.paragraphs[pid].document]
                marks.setdefault((column, value), []).append(pid)
        events.append(DatedEvent(claim, finding, tuple(sorted(
            (DatedMark(column, value, *date_span(value), tuple(ids))
             for (column, value), ids in marks.items()),
            key=lambda m: (order[m.column], m.start),
        ))))
    return tuple(sorted(events, key=lambda e: (e.start, e.end, e.claim.label)))


def date_span(value: str) -> tuple[float, float]:
    """The span of a partial date in fractional years: "2016" is a whole year, "2016-12" a month."""
    parts = [int(p) for p in str(value).split("-")]
    year = parts[0]
    if len(parts) == 1:
        return float(year), float(year + 1)
    month_start = year + (parts[1] - 1) / 12
    if len(parts) == 2:
        return month_start, month_start + 1 / 12
    day = month_start + (parts[2] - 1) / 12 / 31  # near enough for drawing
    return day, day + 1 / 12 / 31


@dataclass(frozen=True, slots=True)
class Voice:
    """A person or organisation the accounts cite, and where each account cites it."""

    name: str
    cited_in: tuple[tuple[str, ...], ...]  # per column, in column order: citing paragraph ids

    @property
    def accounts(self) -> int:
        return sum(bool(ids) for ids in self.cited_in)

    @property
    def citations(self) -> int:
        return sum(len(ids) for ids in self.cited_in)


def voices(comparison: Comparison) -> tuple[Voice, ...]:
    """Who is cited by which account: voices cited by most accounts first, then chronologically."""
    briefing = comparison.briefing
    index = {c.id: i for i, c in enumerate(comparison.columns)}
    cited: dict[str, list[list[str]]] = {}
    for document in briefing.documents:
        column = index[comparison.column_of[document.id]]
        for paragraph in document.paragraphs:
            if paragraph.kind != "body":
                continue
            for name in paragraph.voices:
                ids = cited.setdefault(name, [[] for _ in comparison.columns])[column]
                if paragraph.shown_with not in ids:
                    ids.append(paragraph.shown_with)
    result = [Voice(name, tuple(tuple(ids) for ids in columns)) for name, columns in cited.items()]
    first = {v.name: next(i for i, ids in enumerate(v.cited_in) if ids) for v in result}
    return tuple(sorted(result, key=lambda v: (-v.accounts, first[v.name], -v.citations,
                                               v.name.casefold())))
