"""The annotation files' schema, declared once.

These pydantic models are the single source of truth for what an annotation
file may contain: validation messages, the JSON Schema for editors
(``reportgen schema``) and the field docs all come from here. They describe the
files as written; :mod:`reportgen.model` holds the joined, checked result.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _date_to_text(value: object) -> object:
    """YAML reads 2016-12-08 as a date and 2016 as a number; keep both as text."""
    if isinstance(value, (dt.date, int)) and not isinstance(value, bool):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


PartialDate = Annotated[
    str,
    BeforeValidator(_date_to_text),
    StringConstraints(pattern=PARTIAL_DATE.pattern),
]
Citation = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*:\d+$")]

PARAGRAPH_KINDS = (
    "body", "heading", "byline", "caption", "pull-quote", "boilerplate", "footnote", "front-matter",
)
FINDING_KINDS = ("agreement", "discrepancy", "shift", "gap")
CLAIM_TYPES = ("year", "date", "number", "stance", "text")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class BriefingFile(_Strict):
    """annotations/briefing.yaml: the briefing as a whole."""

    title: str = Field(description="Title on the cover and in the PDF metadata.")
    subtitle: str = Field("", description="One line under the title.")
    columns: Literal["year", "document"] = Field(
        "year", description="year: one column per account label; document: one per source."
    )


class ThemeEntry(_Strict):
    id: Id = Field(description="Short id used in paragraphs, claims and findings.")
    label: str = Field(description="Heading of the theme's section.")
    description: str = Field("", description="What the theme covers (markdown).")


class ThemesFile(_Strict):
    """annotations/themes.yaml: the theme taxonomy, in report order."""

    themes: list[ThemeEntry] = Field(min_length=1)


class ClaimEntry(_Strict):
    id: Id
    label: str = Field(description="The claim as a short statement or question.")
    theme: Id = Field(description="Theme section the claim is reported under.")
    type: Literal[CLAIM_TYPES] = Field(description="Kind of value the claim takes.")
    description: str = ""


class ClaimsFile(_Strict):
    """annotations/claims.yaml: the claims catalogue."""

    claims: list[ClaimEntry] = []


ClaimValue = Union[bool, int, float, str]


def _date_only_to_text(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


class ClaimAssertion(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True)  # keep numbers as numbers

    claim: Id = Field(description="A claim id from claims.yaml.")
    value: Annotated[ClaimValue, BeforeValidator(_date_only_to_text)] = Field(
        description="The value this paragraph asserts, of the claim's type."
    )
    note: str = Field("", description="Qualification of the value (markdown).")


class ParagraphEntry(_Strict):
    para: int = Field(ge=1, description="The paragraph's number in the source.")
    quote: str = Field(min_length=1, description="Text the paragraph starts with (anchor).")
    kind: Literal[PARAGRAPH_KINDS] = "body"
    themes: list[Id] = Field([], description="Theme ids, main theme first; required for body.")
    author: str | None = Field(None, description="Defaults to the document's author.")
    voices: list[str] = Field([], description="People or organisations the paragraph cites.")
    claims: list[ClaimAssertion] = []
    continues: int | None = Field(
        None, ge=1, description="Number of an earlier paragraph this one continues."
    )
    note: str = Field("", description="Analyst's note (markdown).")


class DocumentFile(_Strict):
    """annotations/documents/*.yaml: one source and all its paragraphs."""

    id: Id = Field(description="Short id used in citations (ID:PARA).")
    source: str = Field(description="File name of the source under seeds/.")
    title: str
    author: str
    outlet: str = ""
    published: PartialDate = Field(description='"YYYY", "YYYY-MM" or "YYYY-MM-DD".')
    account: str | None = Field(None, description="Column label; defaults to the year.")
    inferred: list[Literal["title", "author", "outlet", "published", "account"]] = Field(
        [], description="Metadata fields not printed in the text but inferred."
    )
    evidence: str = Field("", description="How inferred fields were established (markdown).")
    format: Literal["text", "markdown"] = "text"
    segmentation: Literal["auto", "blocks", "lines"] = "auto"
    paragraphs: list[ParagraphEntry] = []


class FindingEntry(_Strict):
    id: Id
    kind: Literal[FINDING_KINDS]
    theme: Id
    title: str = Field(description="A short headline.")
    key: bool = Field(False, description="Also list among the report's key findings.")
    summary: str = Field(description="The finding (markdown).")
    cites: list[Citation] = Field(min_length=1, description="DOCUMENT-ID:PARA references.")


class FindingsFile(_Strict):
    """annotations/findings.yaml: the analysts' findings."""

    findings: list[FindingEntry] = []


def json_schemas() -> dict[str, dict]:
    """JSON Schema of each annotation file, for editors' YAML support."""
    return {
        "briefing": BriefingFile.model_json_schema(),
        "themes": ThemesFile.model_json_schema(),
        "claims": ClaimsFile.model_json_schema(),
        "document": DocumentFile.model_json_schema(),
        "findings": FindingsFile.model_json_schema(),
    }
