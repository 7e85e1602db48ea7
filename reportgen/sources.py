"""Adding sources and following their edits: skeletons and re-anchoring.

``add`` copies a new text into seeds/ and writes a skeleton annotation file
listing every paragraph with its anchor. ``reanchor`` re-finds each annotated
paragraph by its quote after the source was edited; it reports what moved and
what can no longer be found, and only with ``write=True`` changes the file —
line by line, so comments and everything else stay as the analyst wrote them.
"""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, ReportgenError, display_path
from .load import Project, read_source
from .segment import Segment, normalise, split_paragraphs, suggest_quote

FUZZY_CUTOFF = 0.85  # how alike a re-saved paragraph start must be to count as the same


def add_source(project: Project, path: Path) -> tuple[Path, Path, int]:
    """Copy ``path`` into seeds/ and write its skeleton; never overwrites a file."""
    problems: list[Problem] = []
    source = read_source(path, problems)
    if source is None:
        raise ReportgenError(problems)
    seed = project.seeds / path.name
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "source"
    skeleton = project.annotations / "documents" / f"{slug}.yaml"
    for target in (seed, skeleton):
        if target.exists() and not (target == seed and seed.resolve() == path.resolve()):
            raise ReportgenError([Problem(display_path(target), None, "already exists; not overwritten",
                                          "rename the new source, or remove the old file first")])
    segments = split_paragraphs(source.text)
    skeleton.parent.mkdir(parents=True, exist_ok=True)
    seed.parent.mkdir(parents=True, exist_ok=True)
    with open(skeleton, "x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
        handle.write(skeleton_text(slug, path.name, segments))
    if seed.resolve() != path.resolve():
        with open(path, "rb") as src, open(seed, "xb") as dst:
            shutil.copyfileobj(src, dst)
    return seed, skeleton, len(segments)


def skeleton_text(doc_id: str, source: str, segments: list[Segment]) -> str:
    lines = [
        "# Written by `reportgen add`. Fill in the metadata, then give every body",
        "# paragraph its themes, or another kind (heading, caption, boilerplate, ...).",
        "# `reportgen check` lists what is left to do.",
        f"id: {doc_id}",
        f"source: {_quoted(source)}",
        f"title: {_quoted(suggest_quote(segments[0].text, 12) if segments else '')}",
        'author: ""',
        'outlet: ""',
        'published: ""          # "YYYY", "YYYY-MM" or "YYYY-MM-DD"',
        "paragraphs:",
    ]
    for segment in segments:
        lines += [f"  - para: {segment.number}",
                  f"    quote: {_quoted(suggest_quote(segment.text))}",
                  "    themes: []"]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def paragraph_listing(path: Path, mode: str = "auto") -> str:
    """How a source is split into paragraphs, numbered as annotations refer to them."""
    problems: list[Problem] = []
    source = read_source(path, problems)
    if source is None:
        raise ReportgenError(problems)
    return "\n".join(
        f"{s.number:4}  lines {s.line_start}-{s.line_end}  {suggest_quote(s.text, 12)}"
        for s in split_paragraphs(source.text, mode)
    )


# -- re-anchoring ------------------------------------------------------------

@dataclass(frozen=True)
class Move:
    entry: int  # index of the paragraph entry in the file
    line: int  # line of its `para:` key
    old: int
    new: int | None  # None: orphan, not found
    fuzzy: bool = False  # found by a close, not exact, match of its quote
    quote_line: int | None = None
    new_quote: str = ""


def reanchor_document(file, segments: list[Segment]) -> list[Move]:
    """Where each entry's quote now stands; only entries that moved or are lost."""
    entries = file.data.get("paragraphs") or []
    quotes = [normalise(str(e.get("quote", ""))) if isinstance(e, dict) else "" for e in entries]
    texts = [normalise(s.text) for s in segments]
    found: dict[int, int] = {}
    for index, quote in enumerate(quotes):  # exact: the paragraph starts with the quote
        hits = [n for n, text in enumerate(texts, 1) if quote and text.startswith(quote)]
        if len(hits) == 1:
            found[index] = hits[0]
        elif len(hits) > 1:  # a repeated paragraph: keep the hit nearest the old number
            old = entries[index].get("para", 0)
            found[index] = min(hits, key=lambda n: abs(n - old))
    taken = set(found.values())
    fuzzy: set[int] = set()
    for index, quote in enumerate(quotes):  # close: a small edit inside the quote
        if index in found or not quote:
            continue
        scores = [(difflib.SequenceMatcher(None, quote, text[: len(quote)]).ratio(), n)
                  for n, text in enumerate(texts, 1) if n not in taken]
        good = [n for score, n in scores if score >= FUZZY_CUTOFF]
        if len(good) == 1:  # never guess between look-alikes
            found[index] = good[0]
            taken.add(good[0])
            fuzzy.add(index)
    moves = []
    for index, entry in enumerate(entries):
        old = entry.get("para") if isinstance(entry, dict) else None
        new = found.get(index)
        if new != old or index in fuzzy:
            moves.append(Move(index, file.line_of("paragraphs", index, "para"), old, new,
                              index in fuzzy, file.line_of("paragraphs", index, "quote"),
                              suggest_quote(segments[new - 1].text) if index in fuzzy else ""))
    return moves


def apply_moves(path: Path, moves: list[Move]) -> int:
    """Rewrite `para:` numbers (and fuzzy-found quotes) in place; returns lines changed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    changed = 0
    for move in moves:
        if move.new is None:
            continue  # orphans stay as written, for a person to decide
        number = move.line - 1
        updated = re.sub(r"(para:\s*)\d+", rf"\g<1>{move.new}", lines[number], count=1)
        changed += updated != lines[number]
        lines[number] = updated
        if move.fuzzy and move.quote_line:
            q = move.quote_line - 1
            updated = re.sub(r"(quote:\s*).*?(\s*(#.*)?)$",
                             lambda m: m.group(1) + _quoted(move.new_quote) + m.group(2), lines[q],
                             count=1)
            changed += updated != lines[q]
            lines[q] = updated
    path.write_text("\n".join(lines), encoding="utf-8")
    return changed


def reanchor(project: Project, write: bool = False) -> tuple[list[str], int]:
    """Report (and with ``write`` apply) re-found anchors for every document; (lines, orphans)."""
    from .load import load  # the same reading as check

    loaded = load(project)
    report: list[str] = []
    orphans = 0
    for file in loaded.documents:
        if not isinstance(file.data, dict):
            continue
        source = loaded.sources.get(str(file.data.get("source")))
        if source is None:
            continue
        segments = split_paragraphs(source.text, str(file.data.get("segmentation", "auto")))
        moves = reanchor_document(file, segments)
        for move in moves:
            if move.new is None:
                orphans += 1
                report.append(f"{file.path}:{move.line}: orphan: para {move.old} — its quote is "
                              "no longer in the source; annotate it again or remove it")
            else:
                how = "found by a close match, quote updated" if move.fuzzy else "moved"
                report.append(f"{file.path}:{move.line}: para {move.old} -> {move.new} ({how})")
        covered = {m.new for m in moves if m.new} | {
            e.get("para") for i, e in enumerate(file.data.get("paragraphs") or [])
            if isinstance(e, dict) and i not in {m.entry for m in moves}}
        for segment in segments:
            if segment.number not in covered:
                report.append(f"{file.path}: new paragraph {segment.number} needs an entry: "
                              f"quote: {_quoted(suggest_quote(segment.text))}")
        if write and any(m.new is not None for m in moves):
            apply_moves(Path(project.annotations / "documents" / Path(file.path).name), moves)
    return report, orphans
