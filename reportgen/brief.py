"""The brief (brief.pdf): what a reader with fifteen minutes needs.

A cover with the scope and the counts, the key findings, the theme × account
picture (coverage, and each account's value for each claim with its agreement
or discrepancy), the timeline, then per theme its discrepancies, shifts, gaps
and agreements, each with short quotations and references. No paragraph is
printed in full: the full report (report.pdf) has them.

The brief stays short whatever the size of the corpus: every list is capped,
and what is left out is counted ("and 12 more in the full report").
"""

from __future__ import annotations

from dataclasses import dataclass

from .compare import Comparison, ThemeSection
from .model import Finding, Paragraph
from .print_view import excerpt, plain_text, short_label

KEY_FINDINGS = 12  # in full up front
# Analyst findings and computed discrepancies shown theme by theme, all themes
# together: each theme's most telling first, one theme after another, round and round.
THEME_FINDINGS = 45
AGREEMENTS_PER_THEME = 6  # computed agreements: one line each
QUOTES_PER_FINDING = 2  # short quotations under an analyst finding
QUOTE_WORDS = 18
REFS_PER_VALUE = 3  # references after a claim's value; the rest are counted
# what a theme shows first: analyst findings by kind, then computed discrepancies
_KIND_ORDER = {"discrepancy": 0, "shift": 1, "gap": 2, "agreement": 3, "single-source": 4}


@dataclass(frozen=True, slots=True)
class Quote:
    paragraph: Paragraph
    reference: str  # "Ramani 2016 ¶14"
    text: str  # an excerpt: an exact run of the paragraph's words, "…" where cut


@dataclass(frozen=True, slots=True)
class ValueLine:
    """One value a claim is given, by whom: a quotation from the first paragraph giving it."""

    value: str
    references: tuple[str, ...]  # at most REFS_PER_VALUE
    more: int  # further paragraphs giving it
    quote: Quote | None


@dataclass(frozen=True, slots=True)
class BriefFinding:
    finding: Finding
    quotes: tuple[Quote, ...]  # analyst findings: from the cited paragraphs
    more: int  # cited paragraphs not quoted
    values: tuple[ValueLine, ...]  # computed findings: each value given


@dataclass(frozen=True, slots=True)
class BriefTheme:
    section: ThemeSection
    findings: tuple[BriefFinding, ...]  # analyst findings and computed discrepancies
    left_out: int  # findings not shown for want of room
    agreements: tuple[BriefFinding, ...]  # computed agreements, one line each
    agreements_left_out: int
    key: tuple[Finding, ...]  # the theme's key findings, shown up front
    single_source: int  # claims only one account makes (not listed)

    @property
    def addressed_by(self):
        return [cell.column for cell in self.section.cells if cell.paragraphs]

    @property
    def silent(self):
        return [cell.column for cell in self.section.cells if not cell.paragraphs]


def brief_context(comparison: Comparison) -> dict:
    """What templates/brief.html.j2 needs beyond the HTML report's context."""
    from markupsafe import Markup

    from .pdf import CHAPTER_BREAK

    quoting = _Quoting(comparison)
    key = comparison.key_findings
    return {
        "key_findings": tuple(quoting.finding(f) for f in key[:KEY_FINDINGS]),
        "key_left_out": max(0, len(key) - KEY_FINDINGS),
        "brief_themes": tuple(_theme(s, quoting, shown)
                              for s, shown in zip(comparison.sections, _shares(comparison))),
        "short_label": short_label,
        "caps": {"key": KEY_FINDINGS, "refs": REFS_PER_VALUE},
        "chapter_break": Markup(CHAPTER_BREAK),
    }


def _told(section: ThemeSection) -> list[Finding]:
    """A theme's findings worth telling, most telling first (key findings are up front)."""
    told = sorted((f for f in section.findings if not f.key),
                  key=lambda f: _KIND_ORDER.get(f.kind, 9))
    return told + [f for f in section.computed if f.kind not in ("agreement", "single-source")]


def _shares(comparison: Comparison) -> list[int]:
    """How many findings each theme shows: THEME_FINDINGS in all, dealt round the themes."""
    wanted = [len(_told(s)) for s in comparison.sections]
    shares = [0] * len(wanted)
    left = THEME_FINDINGS
    while left and any(s < w for s, w in zip(shares, wanted)):
        for i, w in enumerate(wanted):
            if left and shares[i] < w:
                shares[i] += 1
                left -= 1
    return shares


def _theme(section: ThemeSection, quoting: _Quoting, shown: int) -> BriefTheme:
    key = tuple(f for f in section.findings if f.key)
    told = _told(section)
    agreements = [f for f in section.computed if f.kind == "agreement"]
    return BriefTheme(
        section,
        tuple(quoting.finding(f) for f in told[:shown]),
        len(told) - shown,
        tuple(quoting.finding(f, quote=False) for f in agreements[:AGREEMENTS_PER_THEME]),
        max(0, len(agreements) - AGREEMENTS_PER_THEME),
        key,
        sum(f.kind == "single-source" for f in section.computed),
    )


class _Quoting:
    """Short quotations from the paragraphs findings cite."""

    def __init__(self, comparison: Comparison):
        self.briefing = comparison.briefing
        self.documents = {d.id: d for d in self.briefing.documents}
        self.claims = {c.id: c for c in self.briefing.claims}

    def reference(self, paragraph: Paragraph) -> str:
        return f"{self.documents[paragraph.document].label} ¶{paragraph.number}"

    def quote(self, paragraph_id: str, about: str) -> Quote:
        paragraph = self.briefing.paragraphs[paragraph_id]
        shown = self.briefing.paragraphs[paragraph.shown_with]  # a continuation: its head
        text = plain_text(shown, self.documents[shown.document])
        return Quote(shown, self.reference(shown), excerpt(text, about, QUOTE_WORDS))

    def finding(self, finding: Finding, quote: bool = True) -> BriefFinding:
        if finding.origin == "computed":
            label = self.claims[finding.claim].label if finding.claim in self.claims else ""
            return BriefFinding(finding, (), 0, tuple(
                self.value(value, ids, f"{label} {value}", quote) for value, ids in finding.values))
        about = f"{finding.title} {finding.summary}"
        cites = list(dict.fromkeys(self.briefing.paragraphs[c].shown_with for c in finding.cites))
        quotes = tuple(self.quote(c, about) for c in cites[:QUOTES_PER_FINDING])
        return BriefFinding(finding, quotes, len(cites) - len(quotes), ())

    def value(self, value: str, ids: tuple[str, ...], about: str, quote: bool) -> ValueLine:
        heads = list(dict.fromkeys(self.briefing.paragraphs[i].shown_with for i in ids))
        references = tuple(self.reference(self.briefing.paragraphs[i])
                           for i in heads[:REFS_PER_VALUE])
        return ValueLine(value, references, len(heads) - len(references),
                         self.quote(heads[0], about) if quote and heads else None)
