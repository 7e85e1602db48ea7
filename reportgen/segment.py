"""Split a source text into numbered paragraphs.

A paragraph is a run of non-blank lines between blank lines ("blocks"). Some
sources have no blank lines at all and put one paragraph on each line; for
those ("lines") every non-blank line is a paragraph. "auto" picks "lines" when
no blank line separates any two non-blank lines, and "blocks" otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MODES = ("auto", "blocks", "lines")


@dataclass(frozen=True, slots=True)
class Segment:
    """One paragraph of a source, as it stands in the file."""

    number: int  # 1-based position among the source's paragraphs
    text: str  # the paragraph's lines, trailing spaces removed, joined by "\n"
    line_start: int  # 1-based line of the source where it starts
    line_end: int  # 1-based line where it ends


def split_paragraphs(text: str, mode: str = "auto") -> list[Segment]:
    """Return the paragraphs of ``text`` in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = _blocks(lines)
    if mode == "lines" or (mode == "auto" and len(blocks) == 1):
        blocks = [[item] for block in blocks for item in block]
    return [
        Segment(n, "\n".join(line for _, line in block), block[0][0], block[-1][0])
        for n, block in enumerate(blocks, start=1)
    ]


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip()
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Text as anchors compare it: Unicode NFC, straight quotes, single spaces."""
    if not text.isascii():  # ASCII is its own NFC form, with no curly quotes
        text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return " ".join(text.split())  # str.split's whitespace is the regex \s


def anchor_matches(quote: str, paragraph_text: str) -> bool:
    """True when the paragraph starts with the quote (ignoring spacing and quote style)."""
    wanted = normalise(quote)
    if not wanted:
        return False
    # Only the paragraph's start can match: normalise just enough of it, cut before
    # a space (no character composes across one, so that is the whole text's start).
    cut = _SPACE.search(paragraph_text, 2 * len(quote) + 32)
    start = normalise(paragraph_text[:cut.start()]) if cut else ""
    if len(start) < len(wanted):
        start = normalise(paragraph_text)
    return start.startswith(wanted)


_SPACE = re.compile(r"\s")


def suggest_quote(paragraph_text: str, words: int = 8) -> str:
    """A short anchor for a paragraph: its first few words."""
    return " ".join(normalise(paragraph_text).split(" ")[:words])
