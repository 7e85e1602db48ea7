"""The checked briefing: immutable, typed, each part knowing where it came from.

:mod:`reportgen.validate` builds these from the annotation files and the
sources; every later stage only reads them.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .schema import UNNAMED


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an annotation was written: file and line, for messages."""

    path: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    label: str
    description: str
    order: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The analyst's verdict on a claim, replacing the computed one."""

    kind: str  # one of schema.FINDING_KINDS
    reason: str  # markdown


@dataclass(frozen=True, slots=True)
class Equivalence:
    """Values of a claim the analyst declares the same (different wording, one fact)."""

    values: tuple[object, ...]  # normalised, as the claim's assertions (reportgen.values)
    reason: str  # markdown


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    label: str
    theme: str
    type: str  # year | date | number | stance | text
    description: str = ""
    verdict: Verdict | None = None
    equivalent: tuple[Equivalence, ...] = ()


@dataclass(frozen=True, slots=True)
class Assertion:
    """A paragraph asserting a value for a claim."""

    claim: str
    value: object  # normalised for comparison (reportgen.values): DateValue, Number, bool or str
    display: str  # the value as a reader should see it
    paragraph: str  # id of the asserting paragraph
    note: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    id: str  # "DOCUMENT-ID:NUMBER", also its citation
    document: str
    number: int
    kind: str
    text: str  # the paragraph as in the source
    themes: tuple[str, ...]
    author: str
    voices: tuple[str, ...] = ()
    claims: tuple[Assertion, ...] = ()
    note: str = ""
    continues: int | None = None  # number of the paragraph this one continues
    continued_by: tuple[int, ...] = ()  # numbers of paragraphs continuing this one
    full_text: str = ""  # text with its continuations joined: what the report shows
    line_start: int = 0  # lines of the source file
    line_end: int = 0
    origin: Origin | None = None

    @property
    def anchor(self) -> str:
        """HTML id of the paragraph."""
        return "p-" + self.id.replace(":", "-")

    @property
    def shown_with(self) -> str:
        """Id of the paragraph this one is shown as part of: the one it continues, or itself."""
        return f"{self.document}:{self.continues}" if self.continues else self.id

    @property
    def compared(self) -> bool:
        """Body paragraphs enter the comparison; continuations show with their head."""
        return self.kind == "body" and self.continues is None


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    source: str  # file name under seeds/
    title: str
    author: str
    outlet: str
    published: str  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    account: str
    inferred: tuple[str, ...]
    evidence: str
    format: str  # text | markdown
    paragraphs: tuple[Paragraph, ...]
    characters: int  # size of the source text
    words: int
    sha256: str
    label: str = ""  # short name in citations and column headers, unique in the briefing

    def paragraph(self, number: int) -> Paragraph:
        return self.paragraphs[number - 1]

    @property
    def byline(self) -> str:
        """Who the document is by, as column headers say: its author, else outlet, else label."""
        return next((name for name in (self.author, self.outlet) if is_named(name)), self.label)

    @property
    def body_words(self) -> int:
        return sum(len(p.text.split()) for p in self.paragraphs if p.kind == "body")


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """A quotation in a finding, looked up in the paragraphs the finding cites."""

    text: str  # as written between its quotation marks
    verified: bool  # a cited paragraph holds it (reportgen.quotes says how they are matched)
    elsewhere: tuple[str, ...] = ()  # if not verified: the other paragraphs that hold it


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    kind: str  # agreement | discrepancy | shift | gap | single-source
    theme: str
    title: str
    summary: str  # markdown
    cites: tuple[str, ...]  # paragraph ids
    key: bool = False
    origin: str = "analyst"  # analyst | computed
    claim: str | None = None  # computed findings: the claim compared
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()  # computed: value -> paragraph ids
    computed_kind: str = ""  # computed, with an analyst's verdict: what the computation said
    verdict_reason: str = ""  # why the analyst's verdict replaced it (markdown)
    # computed: values treated as the same, as displayed, and why (markdown)
    equivalent: tuple[tuple[tuple[str, ...], str], ...] = ()
    quotations: tuple[QuoteCheck, ...] = ()  # analyst findings: its quotations, checked

    @property
    def anchor(self) -> str:
        return ("f-" if self.origin == "analyst" else "c-") + self.id

    @property
    def verified_quotations(self) -> tuple[QuoteCheck, ...]:
        return tuple(q for q in self.quotations if q.verified)

    @property
    def unverified_quotations(self) -> tuple[QuoteCheck, ...]:
        return tuple(q for q in self.quotations if not q.verified)


@dataclass(frozen=True, slots=True)
class Briefing:
    title: str
    subtitle: str
    columns: str  # year | document
    themes: tuple[Theme, ...]
    claims: tuple[Claim, ...]
    documents: tuple[Document, ...]  # in chronological order
    findings: tuple[Finding, ...]  # analyst findings, in file order
    paragraphs: dict[str, Paragraph] = field(default_factory=dict)  # by id

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)

    def document(self, document_id: str) -> Document:
        return next(d for d in self.documents if d.id == document_id)


# -- document labels ---------------------------------------------------------

def label_documents(documents: Iterable[Document]) -> tuple[Document, ...]:
    """The documents, in the order given, each with a label no other document has.

    A label the analyst gave is kept. Otherwise, author-date style: the author's
    surname and the year ("Ramani 2016"); with no author named, the outlet and the
    year; with neither, the document id. Where such labels would name two documents
    alike, each gets a letter in the order given (chronological), as author-date
    references do: "Geopolitical Monitor 2017a", "Geopolitical Monitor 2017b".
    """
    documents = tuple(documents)
    wanted = {d.id: d.label or fallback_label(d) for d in documents}
    shared = Counter(wanted[d.id] for d in documents if not d.label)
    taken = {d.label for d in documents if d.label}
    labelled = []
    for document in documents:
        label = wanted[document.id]
        if not document.label and (shared[label] > 1 or label in taken):
            label = next(c for c in _suffixed(label, document.id) if c not in taken)
        taken.add(label)
        labelled.append(dataclasses.replace(document, label=label))
    return tuple(labelled)


def fallback_label(document: Document) -> str:
    """The label of a document the analyst did not label (before telling alike ones apart)."""
    year = document.published[:4]
    if is_named(document.author) and _personal(document.author):
        return f"{_surnames(document.author)} {year}"
    for name in (document.outlet, document.author):  # "Gazette staff": its outlet, else all of it
        if is_named(name):
            return f"{' '.join(name.split())} {year}"
    return document.id


def is_named(author: str) -> bool:
    """Whether an author (or outlet) field names someone: not empty, not "Unattributed" ..."""
    bare = re.sub(r"\(.*?\)", "", author).strip(string.punctuation + string.whitespace)
    return bool(bare) and bare.casefold() not in UNNAMED


def _personal(author: str) -> bool:
    """Whether a byline names people, whose surnames are capitalised ("Samuel Ramani"),
    not a desk or a role ("City desk", "Gazette staff", "A resident")."""
    return all(surname[:1].isupper() for surname in _surnames(author).split(" and "))


def _surnames(author: str) -> str:
    """ "Samuel Ramani" -> "Ramani"; "A. Smith and B. Jones" -> "Smith and Jones"; 3+: "Smith et al." """
    names = [n for n in re.split(r"\s+(?:and|&)\s+|;", author) if n.strip()]
    surnames = [n.split(",")[0].strip() if "," in n else n.split()[-1] for n in names]
    if len(surnames) > 2:
        return f"{surnames[0]} et al."
    return " and ".join(surnames)


def _suffixed(label: str, document_id: str):
    """Candidates for telling ``label`` apart: a, b, ... z, then the document id."""
    yield from (label + letter for letter in string.ascii_lowercase)
    yield f"{label} ({document_id})"
    yield from (f"{label} ({document_id}, {n})" for n in itertools.count(2))
