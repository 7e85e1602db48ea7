"""Quotations in the analysts' prose, looked up in the texts they quote.

Pure functions of text, used by :mod:`reportgen.validate`:
:func:`quotations` finds the quotations in a piece of markdown, and a
:class:`Corpus` (every paragraph's text, made searchable once per check) says
whether a quotation is in given paragraphs and, if not, where else it is.

What counts as a quotation: text between double quotation marks, straight
(``"``) or curly (``“ ”``), and each paragraph of a markdown blockquote
(``> ...``). Single quotation marks are not checked: they double as apostrophes.
Text in code spans (`` `...` ``) is not prose and is skipped.

How a quotation matches a paragraph (its ``full_text``: continuations joined):

- both sides are compared as :func:`searchable` makes them: Unicode NFKC, one
  style of quotation marks and apostrophes, one of dashes, single spaces; a
  markdown source loses its markup first (emphasis, heading marks, footnote
  markers, link targets);
- the case of the first letter does not count ("Establish ..." quotes "... to
  establish ..."), nor does punctuation before the closing mark ("limited."
  quotes "limited and aimed");
- an elision, ``…``, ``...``, ``[...]`` or ``[…]`` (and any other ``[insertion]``
  an editor makes), stands for any text: the parts around it must occur in
  that order within one paragraph;
- a quotation starts and ends on word boundaries: "war" does not quote "toward".
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_TYPOGRAPHY = tuple({  # (character, replacement): one style of each
    **dict.fromkeys("‘’‚‛`´", "'"), **dict.fromkeys("“”„‟«»", '"'),
    **dict.fromkeys("‐‑‒–—−", "-"), "\u00a0": " ",
}.items())
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_QUOTED = re.compile(r'["“]((?:[^"“”\n]|\n(?![ \t]*\n))*)["”]')  # not across a blank line
_BLOCKQUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_NOT_LINE_END = re.compile(r"[^\r\n]")
_ELISION = re.compile(r"\[[^\[\]]*\]|…|\.{3,}")
_END_PUNCTUATION = ".,;: "
# markdown markup that a reader never sees as text, each with the characters it needs
# (a pattern is tried only on a text that has one: most paragraphs have little markup)
_MARKUP = [(needs, re.compile(p, re.MULTILINE), r) for needs, p, r in (
    ("<", r"<sup>[^<]*</sup>", ""),  # footnote markers kept from a PDF conversion
    ("<", r"<[^>\n]+>", ""),  # other inline tags, autolinks' brackets
    ("]", r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1"),  # [text](target) -> text
    ("#", r"^ {0,3}#{1,6}\s+", ""),  # heading marks
    ("*_", r"\*+|(?<!\w)_+|_+(?!\w)", ""),  # emphasis
    ("\\", r"\\([\\`*_{}\[\]()#+\-.!])", r"\1"),  # backslash escapes
)]


@dataclass(frozen=True, slots=True)
class Quotation:
    """One quotation in a text: as written, where it stands, and what is looked up."""

    text: str  # between its quotation marks, as written
    start: int  # index in the text of its opening mark (of a blockquote: of its first line)
    parts: tuple[str, ...]  # searchable pieces between elisions, in order; "" at an end:
    # the quotation starts (or ends) with an elision


def searchable(text: str, markdown: bool = False) -> str:
    """``text`` as quotations are looked up in it (see the module docstring)."""
    if markdown:
        for needs, pattern, replacement in _MARKUP:
            if any(character in text for character in needs):
                text = pattern.sub(replacement, text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        for character, replacement in _TYPOGRAPHY:  # faster than str.translate here
            if character in text:
                text = text.replace(character, replacement)
    return " ".join(text.split())


@functools.lru_cache(maxsize=16384)  # the same notes are checked again on every rebuild
def quotations(markdown: str) -> tuple[Quotation, ...]:
    """The quotations in a piece of markdown, in order."""
    if "`" in markdown:
        markdown = _CODE_SPAN.sub(lambda m: " " * len(m.group()), markdown)  # offsets kept
    found: list[Quotation] = []
    prose = markdown
    if ">" in markdown:
        prose = "".join(_blockquotes(markdown, found))
    for match in _QUOTED.finditer(prose):
        _add(found, match.group(1), match.start())
    return tuple(sorted(found, key=lambda q: q.start))


def _blockquotes(text: str, found: list[Quotation]):
    """Each paragraph of a blockquote as one quotation (added to ``found``); yields the
    text's lines with the blockquotes blanked out, quotation marks in them included."""
    offset, block, block_start = 0, [], 0
    for line in text.splitlines(keepends=True):
        quoted = _BLOCKQUOTE.match(line.rstrip("\r\n"))
        if quoted and quoted.group(1).strip():
            if not block:
                block_start = offset + quoted.start(1)
            block.append(quoted.group(1))
        else:
            _add(found, " ".join(block), block_start)
            block = []
        yield _NOT_LINE_END.sub(" ", line) if quoted else line
        offset += len(line)
    _add(found, " ".join(block), block_start)


def whole(text: str) -> Quotation | None:
    """All of ``text`` as one quotation (a ``text`` claim value), marks around it dropped."""
    return _quotation(text.strip().strip('"“”').strip(), 0)


def _add(found: list[Quotation], text: str, start: int) -> None:
    quotation = _quotation(text, start)
    if quotation is not None:
        found.append(quotation)


def _quotation(text: str, start: int) -> Quotation | None:
    """A quotation of ``text``; None when nothing in it can be looked up (``""``, ``"…"``)."""
    pieces = [searchable(piece).strip(_END_PUNCTUATION) for piece in _ELISION.split(text)]
    parts = [piece for piece in pieces if piece]
    if not any(ch.isalnum() for part in parts for ch in part):
        return None
    # an elision at either end stays, as "": that end need not be a word boundary
    parts = [""] * (pieces[0] == "") + parts + [""] * (pieces[-1] == "")
    return Quotation(" ".join(text.split()), start, tuple(parts))


# -- looking quotations up ---------------------------------------------------

class Corpus:
    """Every paragraph's text, searchable; built once per check.

    ``texts``: paragraph id -> (text, is it markdown). Each text is made
    searchable when first needed, and the whole corpus is joined into one
    string (with an index of where each paragraph starts) only when a
    quotation has to be looked for everywhere: one ``str.find`` pass over it
    finds the paragraphs that may hold it, whatever the corpus size.
    """

    def __init__(self, texts: dict[str, tuple[str, bool]]):
        self._raw = texts
        self._ids = list(texts)  # corpus order
        self._texts: dict[str, str] = {}
        self._joined: str | None = None
        self._starts: list[int] = []  # where each paragraph starts in the joined text
        self._found: dict[tuple[str, ...], list[str]] = {}  # a quotation quoted again

    def text(self, pid: str) -> str:
        text = self._texts.get(pid)
        if text is None:
            raw, markdown = self._raw[pid]
            text = self._texts[pid] = searchable(raw, markdown)
        return text

    def __contains__(self, pid: str) -> bool:
        return pid in self._raw

    def occurs_in(self, quotation: Quotation, pids: Iterable[str]) -> bool:
        """Whether any of the paragraphs ``pids`` holds the quotation."""
        quick, steps = _plan(quotation.parts)
        texts = self._texts
        for pid in pids:
            text = texts.get(pid)
            if text is None:
                if pid not in self._raw:
                    continue
                text = self.text(pid)
            if _holds(quick, steps, text):
                return True
        return False

    def find(self, quotation: Quotation) -> list[str]:
        """Every paragraph that holds the quotation, in corpus order."""
        if quotation.parts not in self._found:
            self._found[quotation.parts] = self._search(quotation.parts)
        return self._found[quotation.parts]

    def _search(self, parts: tuple[str, ...]) -> list[str]:
        joined = self._index()
        needle = max(parts, key=len)  # the longest part: the fewest candidates
        if len(_first_letter_variants(needle)) > 1 and len(needle) > 3:
            needle = needle[1:]  # one pass, whatever the case of its first letter
        quick, steps = _plan(parts)
        found: list[int] = []
        at = joined.find(needle)
        while at >= 0:
            index = bisect.bisect_right(self._starts, at) - 1
            if _holds(quick, steps, self.text(self._ids[index])):
                found.append(index)
            following = index + 1  # the next paragraph: this one is decided
            at = joined.find(needle, self._starts[following]) \
                if following < len(self._starts) else -1
        return [self._ids[index] for index in found]

    def _index(self) -> str:
        if self._joined is None:
            texts = [self.text(pid) for pid in self._ids]
            self._starts = []
            position = 0
            for text in texts:
                self._starts.append(position)
                position += len(text) + 1
            self._joined = "\n".join(texts)  # searchable texts hold no line breaks
        return self._joined


def matches(parts: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` holds the parts in order, the first and last on word boundaries
    (unless elided: ``""`` at that end).

    Taking each part at its earliest place after the one before is enough: if the
    parts occur in order at all, they also do from the earliest places.
    """
    return _holds(*_plan(parts), text)


def _holds(quick: tuple[str, ...], steps: tuple, text: str) -> bool:
    """:func:`matches`, planned."""
    for word in quick:  # most paragraphs fail here
        if word not in text:
            return False
    at = 0
    for variants, length, first, last in steps:
        at = _find(text, variants, at, first, last)
        if at < 0:
            return False
        at += length
    return True


@functools.lru_cache(maxsize=65536)  # a quotation is looked up in a few paragraphs
def _plan(parts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
    """What :func:`matches` looks for: each word without its first letter (whose case does
    not count), then each word's variants, length and which boundaries it must be on."""
    words = [part for part in parts if part]
    steps = tuple((_first_letter_variants(word), len(word),
                   index == 0 and parts[0] != "", index == len(words) - 1 and parts[-1] != "")
                  for index, word in enumerate(words))
    return tuple(word[1:] for word in words), steps


def _find(text: str, variants: tuple[str, ...], start: int, first: bool, last: bool) -> int:
    best = -1
    for variant in variants:
        at = text.find(variant, start)
        while at >= 0 and not _on_boundaries(text, at, at + len(variant), first, last):
            at = text.find(variant, at + 1)
        if at >= 0 and (best < 0 or at < best):
            best = at
    return best


def _first_letter_variants(part: str) -> tuple[str, ...]:
    """The part, and the part with its first letter's case changed (which does not count)."""
    other = part[:1].swapcase() + part[1:]
    return (part, other) if other != part and len(other) == len(part) else (part,)


def _on_boundaries(text: str, start: int, end: int, first: bool, last: bool) -> bool:
    if first and text[start].isalnum() and start > 0 and text[start - 1].isalnum():
        return False
    return not (last and text[end - 1].isalnum() and end < len(text) and text[end].isalnum())
