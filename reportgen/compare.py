"""Stage 3: the comparison — theme × account grid, claim findings, coverage.

Pure functions of the Briefing: nothing here reads files or knows about HTML.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from .model import Assertion, Briefing, Claim, Document, Finding, Paragraph, Theme
from .schema import FINDING_KINDS, SINGLE_SOURCE
from .values import DateValue, compatible, display_value, value_key


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the side-by-side view: an account (or a single document)."""

    id: str
    label: str
    documents: tuple[Document, ...]

    @property
    def bylines(self) -> tuple[str, ...]:
        """Who the column's documents are by (authors, else outlets), its label left out."""
        return tuple(n for n in dict.fromkeys(d.byline for d in self.documents) if n != self.label)


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
    notes: tuple[str, ...] = ()  # worth knowing, not a problem: e.g. documents sharing a column

    def findings_citing(self, paragraph_id: str) -> list[Finding]:
        return [f for f in self.briefing.findings + self.computed if paragraph_id in f.cites]


def compare(briefing: Briefing) -> Comparison:
    columns = make_columns(briefing.documents, briefing.columns)
    column_of = {d.id: c.id for c in columns for d in c.documents}
    asserted = assertions_by_claim(briefing)
    order = {t.id: t.order for t in briefing.themes}
    computed = tuple(sorted(
        (f for claim in briefing.claims
         if (f := compare_claim(claim, asserted.get(claim.id, []), briefing)) is not None),
        key=lambda f: (order[f.theme], _KIND_ORDER[f.kind], f.title),
    ))
    sections = _sections(briefing, columns, computed)
    key = tuple(f for f in briefing.findings if f.key)
    return Comparison(
        briefing, columns, sections, computed, key, column_of,
        max((c.words for s in sections for c in s.cells), default=0),
        column_notes(columns),
    )


def make_columns(documents: tuple[Document, ...], mode: str) -> tuple[Column, ...]:
    """Columns in chronological order: by account label, or one per document."""
    if mode == "document":
        return tuple(Column(d.id, d.label, (d,)) for d in documents)
    groups: dict[str, list[Document]] = defaultdict(list)
    for document in documents:  # already sorted by publication date
        groups[document.account].append(document)
    return tuple(Column(_slug(label), label, tuple(docs)) for label, docs in groups.items())


def column_notes(columns: tuple[Column, ...]) -> tuple[str, ...]:
    """One note naming the columns that hold several documents, and how to split them."""
    shared = [f"the {c.label} column holds {len(c.documents)} documents "
              f"({_some(d.id for d in c.documents)})"
              for c in columns if len(c.documents) > 1]
    if not shared:
        return ()
    return (", ".join(shared) + "; set columns: document in briefing.yaml for one column each",)


def _some(names, shown: int = 3) -> str:
    """ "a, b, c" or "a, b, c and 97 more": a note stays one readable line at any size."""
    names = list(names)
    more = f" and {len(names) - shown} more" if len(names) > shown + 1 else ""
    return ", ".join(names if not more else names[:shown]) + more


def _sections(briefing: Briefing, columns, computed) -> tuple[ThemeSection, ...]:
    """One section per theme: its paragraphs in each column, its findings (one pass each)."""
    placed: dict[tuple[str, str], list[Paragraph]] = defaultdict(list)  # (theme, column)
    for column in columns:
        for document in column.documents:
            for paragraph in document.paragraphs:
                if paragraph.compared:
                    for theme in dict.fromkeys(paragraph.themes):
                        placed[theme, column.id].append(paragraph)
    analyst, claims = defaultdict(list), defaultdict(list)
    for finding in briefing.findings:
        analyst[finding.theme].append(finding)
    for finding in computed:
        claims[finding.theme].append(finding)
    words: dict[str, int] = {}  # by paragraph: most are under two or three themes

    def counted(paragraph: Paragraph) -> int:
        if paragraph.id not in words:
            words[paragraph.id] = len(paragraph.full_text.split())
        return words[paragraph.id]

    sections = []
    for theme in briefing.themes:
        cells = []
        for column in columns:
            paragraphs = tuple(placed.get((theme.id, column.id), ()))
            cells.append(Cell(column, paragraphs, sum(map(counted, paragraphs))))
        sections.append(ThemeSection(theme, tuple(cells), tuple(analyst[theme.id]),
                                     tuple(claims[theme.id])))
    return tuple(sections)


# -- claims ------------------------------------------------------------------

# computed findings within a theme: discrepancies first, then agreements, the rest after
_KIND_ORDER = {k: i for i, k in enumerate(dict.fromkeys(
    ("discrepancy", "agreement", *FINDING_KINDS, SINGLE_SOURCE)))}


def assertions_by_claim(briefing: Briefing) -> dict[str, list[Assertion]]:
    """Every body paragraph's assertions by claim id, in document order, then by paragraph."""
    result: dict[str, list[Assertion]] = defaultdict(list)
    for document in briefing.documents:
        for paragraph in document.paragraphs:
            if paragraph.kind == "body":
                for assertion in paragraph.claims:
                    result[assertion.claim].append(assertion)
    order = {d.id: i for i, d in enumerate(briefing.documents)}

    def position(assertion: Assertion) -> tuple[int, int]:
        paragraph = briefing.paragraphs[assertion.paragraph]  # a continuation's: its head
        return order[paragraph.document], paragraph.number

    for assertions in result.values():
        assertions.sort(key=position)
    return result


def compare_claim(claim: Claim, assertions: list[Assertion], briefing: Briefing) -> Finding | None:
    """Agreement, discrepancy or single-source finding for one claim, if asserted.

    Assertions are grouped by value first, so only distinct values are compared
    with each other; values the analyst declared equivalent count as one.
    """
    if not assertions:
        return None
    groups = _group_values(assertions, claim.type)
    same = _equivalence_classes(claim)
    conflicting = any(same.get(a, a) != same.get(b, b)
                      and not compatible(groups[a][0].value, groups[b][0].value, claim.type)
                      for a, b in combinations(groups, 2))
    documents = {briefing.paragraphs[a.paragraph].document for a in assertions}
    if conflicting:
        kind = "discrepancy"
    elif len(documents) > 1:
        kind = "agreement"
    else:
        kind = SINGLE_SOURCE
    values = tuple((group[0].display, tuple(dict.fromkeys(a.paragraph for a in group)))
                   for group in groups.values())
    equivalent = _equivalences_used(claim, groups, same)
    summary = _summary(kind, values, briefing)
    computed_kind, reason = "", ""
    if claim.verdict:
        computed_kind, kind, reason = kind, claim.verdict.kind, claim.verdict.reason
        summary += f" Analyst's verdict: {kind} — {reason}"
    return Finding(
        id=claim.id, kind=kind, theme=claim.theme, title=claim.label, summary=summary,
        cites=tuple(dict.fromkeys(a.paragraph for a in assertions)),
        origin="computed", claim=claim.id, values=values,
        computed_kind=computed_kind, verdict_reason=reason, equivalent=equivalent,
    )


def _group_values(assertions: list[Assertion], claim_type: str) -> dict[object, list[Assertion]]:
    """Assertions by value (equal after normalisation), in the order accounts first gave them."""
    groups: dict[object, list[Assertion]] = {}
    for assertion in assertions:
        groups.setdefault(value_key(assertion.value, claim_type), []).append(assertion)
    return groups


def _equivalence_classes(claim: Claim) -> dict[object, object]:
    """Value key -> one key standing for all the values declared equivalent with it."""
    same: dict[object, object] = {}
    for group in claim.equivalent:
        keys = [value_key(v, claim.type) for v in group.values]
        merged = {same.get(k, k) for k in keys}  # groups sharing a value merge
        head = same.get(keys[0], keys[0])
        for key, rep in list(same.items()):
            if rep in merged:
                same[key] = head
        for key in keys:
            same[key] = head
    return same


def _equivalences_used(claim: Claim, groups, same) -> tuple[tuple[tuple[str, ...], str], ...]:
    """The declared equivalences that joined values the accounts give, as shown in reports."""
    used = []
    for group in claim.equivalent:
        keys = [value_key(v, claim.type) for v in group.values]
        joined = [k for k in groups if same.get(k, k) == same.get(keys[0], keys[0])]
        if len(joined) > 1 and any(k in groups for k in keys):
            used.append((tuple(display_value(v, claim.type) for v in group.values), group.reason))
    return tuple(used)


def _summary(kind: str, values, briefing: Briefing) -> str:
    labels = {d.id: d.label for d in briefing.documents}

    def who(ids):
        documents = dict.fromkeys(briefing.paragraphs[i].document for i in ids)
        return ", ".join(labels[d] for d in documents)

    parts = "; ".join(f"**{value}** ({who(ids)})" for value, ids in values)
    if kind == "discrepancy":
        return f"The accounts disagree: {parts}."
    if kind == "agreement":
        return f"The accounts agree: {parts}."
    return f"Only one account asserts this: {parts}."


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-") or "column"


# -- pictures: dated events and cited voices ---------------------------------

@dataclass(frozen=True, slots=True)
class DatedMark:
    """One account's dating of an event: the value it gives, the span it covers, where."""

    column: str  # column id
    value: str  # as displayed: "2015", "2015-12", "2015-12-08", "2015-12 to 2016-02"
    date: DateValue  # the value itself: a date or a span between two
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
    asserted = assertions_by_claim(briefing)
    events = []
    for finding in comparison.computed:
        claim = claims[finding.claim]
        if claim.type not in ("date", "year"):
            continue
        dates = {a.display: a.value for a in asserted[claim.id]}
        marks = {}
        for value, ids in finding.values:
            for pid in ids:
                column = comparison.column_of[briefing.paragraphs[pid].document]
                marks.setdefault((column, value), []).append(pid)
        events.append(DatedEvent(claim, finding, tuple(sorted(
            (DatedMark(column, value, dates[value], *dates[value].span(), tuple(ids))
             for (column, value), ids in marks.items()),
            key=lambda m: (order[m.column], m.start),
        ))))
    return tuple(sorted(events, key=lambda e: (e.start, e.end, e.claim.label)))


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
    cited: dict[str, list[dict[str, None]]] = {}  # ids as dict keys: in order, each once
    for document in briefing.documents:
        column = index[comparison.column_of[document.id]]
        for paragraph in document.paragraphs:
            if paragraph.kind != "body":
                continue
            for name in paragraph.voices:
                cited.setdefault(name, [{} for _ in comparison.columns])[column][
                    paragraph.shown_with] = None
    result = [Voice(name, tuple(tuple(ids) for ids in columns)) for name, columns in cited.items()]
    first = {v.name: next(i for i, ids in enumerate(v.cited_in) if ids) for v in result}
    return tuple(sorted(result, key=lambda v: (-v.accounts, first[v.name], -v.citations,
                                               v.name.casefold())))
