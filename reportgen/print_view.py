"""What the PDFs lay out, computed here: excerpts, and the full report's theme grid.

The full report (report.pdf) prints each paragraph's text once in the theme
sections, under its main theme (its first); under its other themes it is an
excerpt pointing to that page. A column that runs on far past the others would
leave most of a landscape page empty, so each grid is balanced: side by side,
every column prints as much as the second longest, and what the longest column
holds beyond that follows the grid, flowing across the whole page width. An
account silent on a theme gets no column (it is named instead), and a theme only
one account addresses flows across the page width at once.

Excerpts are quotations: an exact run of the source's words (markup removed),
the sentence that shares most words with what the excerpt illustrates, cut at
a word limit with an ellipsis.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markupsafe import Markup

from .compare import Column, Comparison, ThemeSection
from .markup import source_html
from .model import Document, Paragraph

EXCERPT_WORDS = 20  # an excerpt is a line or two of a column, never a paragraph
# A column runs on into the continuation only past this many words (a few cards):
# shorter ones are not worth a second header.
RUN_ON_WORDS = 150
CARD_WORDS = 10  # a card's reference line and spacing, counted as words
CHAPTER_WORDS = 8000  # theme sections laid out together (a dozen landscape pages or so)
LABEL_CHARACTERS = 60  # running headers and column headers: longer labels are cut

_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[^\W_]+")
# Words too common to tell one sentence from another.
_COMMON = frozenset("""a an and are as at be been but by for from had has have he her his in is it
its of on or that the their there they this to was were which who will with not than more also
into over after its about would could should may said""".split())


def plain_text(paragraph: Paragraph, document: Document) -> str:
    """A paragraph's text as the reader sees it (continuations joined), without markup."""
    markup = str(source_html(paragraph, document)).replace("<br>", " ")
    return " ".join(html.unescape(_TAG.sub("", markup)).split())


def first_word(paragraph: Paragraph, document: Document) -> tuple[Markup, Markup]:
    """A paragraph's shown text as its first word and the rest: the first word is kept on
    one line with the reference before it, so a reference never ends a page alone."""
    shown = str(source_html(paragraph, document))
    match = re.match(r"([^\s<]+)\s+(.*)", shown, flags=re.S)
    return (Markup(match[1]), Markup(match[2])) if match else (Markup(""), Markup(shown))


def words_of(text: str) -> set[str]:
    """The distinctive words of ``text``, lower case."""
    return {w for w in _WORD.findall(text.casefold()) if w not in _COMMON and len(w) > 2}


def excerpt(text: str, about: str = "", limit: int = EXCERPT_WORDS) -> str:
    """The sentence of ``text`` sharing most words with ``about`` (else the first),
    cut to ``limit`` words; "…" marks what was left out at either end."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()] or [text]
    wanted = words_of(about)
    best = max(range(len(sentences)),
               key=lambda i: (len(words_of(sentences[i]) & wanted), -i)) if wanted else 0
    words = sentences[best].split()
    shown = " ".join(words[:limit]).rstrip(",;:–—-")
    if len(words) > limit or best < len(sentences) - 1:
        shown += " …"
    return "… " + shown if best > 0 else shown


def short_label(label: str, limit: int = LABEL_CHARACTERS) -> str:
    """A label for a running header or a column header: cut at a word, "…" added."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    cut = label[:limit].rsplit(" ", 1)[0] if " " in label[:limit] else label[:limit]
    return cut.rstrip(",;:–—-") + "…"


# -- the full report's theme grid -------------------------------------------------

@dataclass(frozen=True, slots=True)
class Entry:
    """A paragraph in a theme's grid: in full (its main theme) or as an excerpt."""

    paragraph: Paragraph
    full: bool
    excerpt: str  # for an excerpt entry; "" for a full one
    weight: int  # about how many words it prints: to balance the columns


@dataclass(frozen=True, slots=True)
class PrintSection:
    section: ThemeSection
    # the columns printed side by side, in column order: only those with paragraphs
    side: tuple[tuple[Column, tuple[Entry, ...]], ...]
    rest: tuple[tuple[Column, tuple[Entry, ...]], ...]  # columns running on: what follows
    silent: tuple[Column, ...]  # the accounts that do not address the theme: named, no column

    @property
    def theme(self):
        return self.section.theme

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for _, entries in (*self.side, *self.rest) for e in entries)


def main_theme(paragraph: Paragraph) -> str:
    """The theme under which a paragraph's full text is printed: its first."""
    return paragraph.themes[0]


def print_sections(comparison: Comparison) -> tuple[PrintSection, ...]:
    briefing = comparison.briefing
    documents = {d.id: d for d in briefing.documents}
    return tuple(_print_section(s, comparison, documents) for s in comparison.sections)


def _print_section(section: ThemeSection, comparison: Comparison, documents) -> PrintSection:
    about = _theme_words(section, comparison)
    columns = [(cell.column, tuple(_entry(p, section.theme.id, documents[p.document], about)
                                   for p in cell.paragraphs))
               for cell in section.cells if cell.paragraphs]
    silent = tuple(cell.column for cell in section.cells if not cell.paragraphs)
    if len(columns) < 2:  # nothing to set beside it: the lone column flows across the page
        return PrintSection(section, (), tuple(columns), silent)
    weights = sorted((sum(e.weight for e in entries) for _, entries in columns), reverse=True)
    budget = max(weights[1], RUN_ON_WORDS)
    side, rest = [], []
    for column, entries in columns:
        here, later = _split(entries, budget)
        side.append((column, here))
        if later:
            rest.append((column, later))
    return PrintSection(section, tuple(side), tuple(rest), silent)


def _theme_words(section: ThemeSection, comparison: Comparison) -> str:
    """What a theme is about, in words: its label, description and claims' labels."""
    claims = [c.label for c in comparison.briefing.claims if c.theme == section.theme.id]
    return " ".join([section.theme.label, section.theme.description, *claims])


def _entry(paragraph: Paragraph, theme_id: str, document: Document, about: str) -> Entry:
    if main_theme(paragraph) == theme_id:
        extra = len(paragraph.note.split()) + sum(6 + len(a.note.split()) for a in paragraph.claims)
        return Entry(paragraph, True, "", CARD_WORDS + len(paragraph.full_text.split()) + extra)
    shown = excerpt(plain_text(paragraph, document), about)
    return Entry(paragraph, False, shown, CARD_WORDS + len(shown.split()))


def _split(entries: tuple[Entry, ...], budget: int):
    """The entries that fit ``budget`` words (at least one), and the rest."""
    used = 0
    for index, entry in enumerate(entries):
        if index and used + entry.weight > budget:
            return entries[:index], entries[index:]
        used += entry.weight
    return entries, ()


def chapter_starts(sections: tuple[PrintSection, ...]) -> set[str]:
    """The themes that begin a chapter (reportgen.pdf lays chapters out in parallel):
    the first, then one every CHAPTER_WORDS or so. Fixed sizes, not the machine's
    core count, decide where: the same corpus gives the same pages everywhere."""
    starts, weight = set(), 0
    for ps in sections:
        size = sum(e.weight for e in ps.entries)
        if not starts or weight + size > CHAPTER_WORDS and weight:
            starts.add(ps.theme.id)
            weight = 0
        weight += size + sum(60 for _ in (*ps.section.findings, *ps.section.computed))
    return starts


def print_context(comparison: Comparison) -> dict:
    """What the full report's print template needs beyond the HTML report's context."""
    from .pdf import CHAPTER_BREAK, page_marker

    sections = print_sections(comparison)
    return {"print_sections": sections, "short_label": short_label,
            "first_word": first_word,
            "page_no": page_marker, "chapter_break": Markup(CHAPTER_BREAK),
            "chapter_starts": chapter_starts(sections)}
