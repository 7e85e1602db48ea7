"""The annotation files' schema, declared once.

These dataclasses are the single source of truth for what an annotation file
may contain: :func:`reportgen.spec.parse` checks files against them (its
messages name the fields declared here), ``reportgen schema`` prints their JSON
Schema for editors, and annotations/README.md documents the same fields. They
describe the files as written; :mod:`reportgen.model` holds the joined,
checked result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal, Union

from .spec import Ge, MinLen, Pattern, doc, json_schema

ID_PATTERN = r"[a-z0-9][a-z0-9-]*"
PARTIAL_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")  # and the
# calendar checked in validate: "2019-02-30" matches

Id = Annotated[str, Pattern(ID_PATTERN, "an id",
                            "ids use lowercase letters, digits and hyphens, e.g. narcotics",
                            numbers=(0, None))]
PartialDate = Annotated[str, Pattern(PARTIAL_DATE.pattern, "a date",
                                     'write "YYYY", "YYYY-MM" or "YYYY-MM-DD"',
                                     numbers=(1000, 9999))]  # published: 2018
Citation = Annotated[str, Pattern(ID_PATTERN + r":\d+", "a citation",
                                  "cite as DOCUMENT-ID:PARA, e.g. ramani-2016:12")]
Text = Annotated[str, MinLen(1)]

PARAGRAPH_KINDS = (
    "body", "heading", "byline", "caption", "pull-quote", "boilerplate", "footnote", "front-matter",
)
# What a finding may cite: the body, and the account's own notes on its evidence (a caption
# says what a picture shows, a footnote where a statement comes from). Only body is compared.
CITABLE_KINDS = ("body", "caption", "footnote")
FINDING_KINDS = ("agreement", "discrepancy", "shift", "gap")
SINGLE_SOURCE = "single-source"  # the computed kind for a claim only one account asserts
# An author (or outlet) written as one of these, in any case and with or without a
# parenthesis after it ("Unattributed (Geopolitical Monitor)"), names nobody.
UNNAMED = ("unattributed", "unknown", "anonymous")
CLAIM_TYPES = ("year", "date", "number", "stance", "text")
ClaimValue = Union[bool, int, float, str]  # checked against the claim's type by validate


@dataclass(frozen=True, kw_only=True)
class BriefingFile:
    """annotations/briefing.yaml: the briefing as a whole."""

    title: str = doc("Title on the cover and in the PDF metadata.")
    subtitle: str = doc("One line under the title.", "")
    columns: Literal["year", "document"] = doc(
        "year: one column per account label; document: one per source.", "year")


@dataclass(frozen=True, kw_only=True)
class ThemeEntry:
    id: Id = doc("Short id used in paragraphs, claims and findings.")
    label: str = doc("Heading of the theme's section.")
    description: str = doc("What the theme covers (markdown).", "")


@dataclass(frozen=True, kw_only=True)
class ThemesFile:
    """annotations/themes.yaml: the theme taxonomy, in report order."""

    themes: Annotated[list[ThemeEntry], MinLen(1)] = doc("The themes, in report order.")


@dataclass(frozen=True, kw_only=True)
class VerdictEntry:
    kind: Literal[FINDING_KINDS] = doc("The analyst's verdict, shown instead of the computed one.")
    reason: Text = doc("Why (markdown); the report shows it beside the computed verdict.")


@dataclass(frozen=True, kw_only=True)
class EquivalenceEntry:
    values: Annotated[list[ClaimValue], MinLen(2)] = doc(
        "Values of the claim, as the paragraphs give them, that state the same thing.")
    reason: Text = doc("Why they are the same (markdown); the report shows it.")


@dataclass(frozen=True, kw_only=True)
class ClaimEntry:
    id: Id = doc("Short id used in paragraphs' claims.")
    label: str = doc("The claim as a short statement or question.")
    theme: Id = doc("Theme section the claim is reported under.")
    type: Literal[CLAIM_TYPES] = doc("Kind of value the claim takes.")
    description: str = doc("More about the claim (markdown).", "")
    # Declared without "| None" so that a mistake inside it is reported field by field.
    verdict: VerdictEntry = doc(
        "The analyst's verdict replacing the computed one, with the reason.", None)
    equivalent: list[EquivalenceEntry] = doc(
        "Groups of differently worded values that count as one value.", [])


@dataclass(frozen=True, kw_only=True)
class ClaimsFile:
    """annotations/claims.yaml: the claims catalogue."""

    claims: list[ClaimEntry] = doc("The claims.", [])


@dataclass(frozen=True, kw_only=True)
class ClaimAssertion:
    claim: Id = doc("A claim id from claims.yaml.")
    value: ClaimValue = doc("The value this paragraph asserts, of the claim's type.")
    note: str = doc("Qualification of the value (markdown).", "")


@dataclass(frozen=True, kw_only=True)
class ParagraphEntry:
    para: Annotated[int, Ge(1)] = doc("The paragraph's number in the source.")
    quote: Text = doc("Text the paragraph starts with (its anchor).")
    kind: Literal[PARAGRAPH_KINDS] = doc("Only body paragraphs enter the comparison.", "body")
    themes: list[Id] = doc("Theme ids, main theme first; required for body.", [])
    author: str | None = doc("Defaults to the document's author.", None)
    voices: list[str] = doc("People or organisations the paragraph cites.", [])
    claims: list[ClaimAssertion] = doc("Claims the paragraph asserts.", [])
    continues: Annotated[int, Ge(1)] | None = doc(
        "Number of an earlier paragraph this one continues.", None)
    note: str = doc("Analyst's note (markdown).", "")


@dataclass(frozen=True, kw_only=True)
class DocumentFile:
    """annotations/documents/*.yaml: one source and all its paragraphs."""

    id: Id = doc("Short id used in citations (ID:PARA).")
    source: str = doc("File name of the source under seeds/.")
    title: str = doc("The source's title.")
    author: str = doc('The source\'s author; "" or "Unattributed" when the text names nobody.')
    label: str | None = doc("Short name in citations and column headers, e.g. TORCH; "
                            "default: the author's surname and the year.", None)
    outlet: str = doc("Where it was published.", "")
    published: PartialDate = doc('"YYYY", "YYYY-MM" or "YYYY-MM-DD".')
    account: str | None = doc("Column label; defaults to the year.", None)
    inferred: list[Literal["title", "author", "outlet", "published", "account"]] = doc(
        "Metadata fields not printed in the text but inferred.", [])
    evidence: str = doc("How inferred fields were established (markdown).", "")
    format: Literal["text", "markdown"] = doc("markdown for sources converted from PDF.", "text")
    segmentation: Literal["auto", "blocks", "lines"] = doc("How paragraphs are split.", "auto")
    paragraphs: list[ParagraphEntry] = doc("Every paragraph of the source, in order.", [])


@dataclass(frozen=True, kw_only=True)
class FindingEntry:
    id: Id = doc("Short id, also the finding's permalink.")
    kind: Literal[FINDING_KINDS] = doc("What the finding notes.")
    theme: Id = doc("The theme section it belongs to.")
    title: str = doc("A short headline.")
    summary: str = doc("The finding (markdown).")
    cites: Annotated[list[Citation], MinLen(1)] = doc("DOCUMENT-ID:PARA references.")
    key: bool = doc("Also list among the report's key findings.", False)


@dataclass(frozen=True, kw_only=True)
class FindingsFile:
    """annotations/findings.yaml: the analysts' findings."""

    findings: list[FindingEntry] = doc("The findings.", [])


FILES = {
    "briefing": BriefingFile, "themes": ThemesFile, "claims": ClaimsFile,
    "document": DocumentFile, "findings": FindingsFile,
}


def json_schemas() -> dict[str, dict]:
    """JSON Schema of each annotation file, for editors' YAML support."""
    return {name: json_schema(cls) for name, cls in FILES.items()}
