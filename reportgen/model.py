"""The checked briefing: immutable, typed, each part knowing where it came from.

:mod:`reportgen.validate` builds these from the annotation files and the
sources; every later stage only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
class Claim:
    id: str
    label: str
    theme: str
    type: str  # year | date | number | stance | text
    description: str = ""


@dataclass(frozen=True, slots=True)
class Assertion:
    """A paragraph asserting a value for a claim."""

    claim: str
    value: object  # normalised for comparison: int, float, bool or str
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

    def paragraph(self, number: int) -> Paragraph:
        return self.paragraphs[number - 1]

    @property
    def body_words(self) -> int:
        return sum(len(p.text.split()) for p in self.paragraphs if p.kind == "body")


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

    @property
    def anchor(self) -> str:
        return ("f-" if self.origin == "analyst" else "c-") + self.id


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
