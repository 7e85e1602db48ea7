"""Where paragraphs stand in their source text, as character offsets.

Exports (W3C Web Annotations, REFI-QDA) and the REFI-QDA import name text by
character offsets. Here a character is a Unicode code point of the text as
stored (a Python ``str`` index), zero-based, the end exclusive; a CRLF line
break is two characters. A paragraph's span runs from its first to its last
non-blank character, so ``text[start:end]`` is the paragraph as it stands in
the file (its lines joined by the file's own line breaks).
"""

from __future__ import annotations

import re

from .model import Document
from .segment import Segment

_BREAK = re.compile(r"\r\n|\r|\n")  # the line breaks segment.split_paragraphs counts


def line_starts(text: str) -> list[int]:
    """Offset of the start of each line, numbered as segment.py numbers them (line 1 first)."""
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def line_span(text: str, starts: list[int], number: int) -> tuple[int, int]:
    """Offsets of line ``number`` (1-based), without its line break."""
    start = starts[number - 1]
    end = starts[number] if number < len(starts) else len(text)
    line = text[start:end].rstrip("\r\n")
    return start, start + len(line)


def paragraph_span(text: str, starts: list[int], line_start: int, line_end: int) -> tuple[int, int]:
    """Offsets of the paragraph on lines ``line_start`` to ``line_end``: first to last non-blank."""
    first, first_end = line_span(text, starts, line_start)
    last, last_end = line_span(text, starts, line_end)
    line = text[first:first_end]
    return first + len(line) - len(line.lstrip()), last + len(text[last:last_end].rstrip())


def paragraph_spans(text: str, segments: list[Segment]) -> list[tuple[int, int]]:
    """The span of each segment of ``text`` (as split by segment.split_paragraphs)."""
    starts = line_starts(text)
    return [paragraph_span(text, starts, s.line_start, s.line_end) for s in segments]


def document_spans(document: Document, text: str) -> dict[int, tuple[int, int]]:
    """The span of each paragraph of a checked ``document``, by number; ``text``: its source."""
    starts = line_starts(text)
    return {p.number: paragraph_span(text, starts, p.line_start, p.line_end)
            for p in document.paragraphs}
