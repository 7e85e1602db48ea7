"""Adding sources and following their edits: skeletons and re-anchoring.

``add`` copies a new text into seeds/ and writes a skeleton annotation file
listing every paragraph with its anchor. ``reanchor`` re-finds each annotated
paragraph by its quote after the source was edited; it reports what moved and
what can no longer be found, and only with ``write=True`` changes the file —
value by value (only the characters of each changed number or quote), atomically,
and only if the file still holds what was read, so comments, layout and
everything else stay as the analyst wrote them.
"""

from __future__ import annotations

import bisect
import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .editor import SCHEMA_FOLDER, modeline, write_schema_files
from .errors import Problem, ReportgenError, display_path
from .files import rewrite_text
from .load import read_source
from .project import Project
from .segment import Segment, normalise, split_paragraphs, suggest_quote
from .yamlio import edited_text

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
        handle.write(skeleton_text(slug, path.name, segments,
                                   looks_like_markdown(path.name, source.text)))
    if seed.resolve() != path.resolve():
        with open(path, "rb") as src, open(seed, "xb") as dst:
            shutil.copyfileobj(src, dst)
    write_schema_files(project.annotations / SCHEMA_FOLDER, missing_only=True)  # its first line
    return seed, skeleton, len(segments)


_MD_HEADING = re.compile(r"#{1,6}\s+\S")
_MD_SIGNS = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>\s)|\*\*\S|__\S|\[[^\]]+\]\([^)]+\)",
                       re.MULTILINE)


def looks_like_markdown(name: str, text: str) -> bool:
    """A .md file, or a text with markdown headings and some other markdown sign."""
    if name.lower().endswith((".md", ".markdown")):
        return True
    headings = sum(1 for line in text.splitlines() if _MD_HEADING.match(line))
    return headings > 0 and len(_MD_SIGNS.findall(text)) > headings


def skeleton_text(doc_id: str, source: str, segments: list[Segment], markdown: bool = False) -> str:
    lines = [
        modeline("document", in_documents=True),
        "# Written by `reportgen add`. Fill in the metadata, then give every body",
        "# paragraph its themes, or another kind (heading, caption, boilerplate, ...).",
        "# `reportgen check` lists what is left to do.",
        f"id: {doc_id}",
        f"source: {_quoted(source)}",
        f"title: {_quoted(_title(segments, markdown))}",
        'author: ""',
        'outlet: ""',
        'published: ""          # "YYYY", "YYYY-MM" or "YYYY-MM-DD"',
    ]
    if markdown:
        lines.append("format: markdown       # headings, emphasis and lists are rendered")
    lines.append("paragraphs:")
    for segment in segments:
        lines += [f"  - para: {segment.number}",
                  f"    quote: {_quoted(suggest_quote(segment.text))}"]
        heading = markdown and _MD_HEADING.match(segment.text)
        lines.append("    kind: heading" if heading else "    themes: []")
    return "\n".join(lines) + "\n"


def _title(segments: list[Segment], markdown: bool) -> str:
    if not segments:
        return ""
    # its first line: a title set above its byline with no blank line between them
    # is one paragraph, of which only the title is the title
    first = segments[0].text.strip().split("\n", 1)[0]
    if markdown and _MD_HEADING.match(first):
        first = first.lstrip("#").strip()
    return suggest_quote(first, 12)


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
    old: int | None
    new: int | None  # None: orphan, not found
    fuzzy: bool = False  # found by a close, not exact, match of its quote
    new_quote: str = ""


def align(quotes: list[str], segments: list[Segment]) -> tuple[dict[int, int], set[int]]:
    """Which paragraph each quote now starts: {entry index: paragraph number}, and the fuzzy ones.

    The entries and the paragraphs are both in reading order, so they are aligned
    as two sequences (the longest chain of exact matches in order, as a diff
    does), not each quote on its own: repeated openings (a title printed three
    times) keep their order. A quote edited slightly is then matched only inside
    the gap its neighbours leave, and only if exactly one paragraph there is close.
    """
    wanted = [normalise(q) for q in quotes]
    texts = [normalise(s.text) for s in segments]
    by_first_word: dict[str, list[int]] = {}
    for j, text in enumerate(texts):
        by_first_word.setdefault(text.split(" ", 1)[0], []).append(j)
    pairs = [(i, j) for i, quote in enumerate(wanted) if quote
             for j in reversed(by_first_word.get(quote.split(" ", 1)[0], []))
             if texts[j].startswith(quote)]
    found = {i: j for i, j in _longest_chain(pairs)}
    fuzzy: set[int] = set()
    taken = set(found.values())
    ordered = sorted(found.items())
    for i, quote in enumerate(wanted):
        if i in found or not quote:
            continue
        low = max((j for k, j in ordered if k < i), default=-1)
        high = min((j for k, j in ordered if k > i), default=len(texts))
        close = [j for j in range(low + 1, high) if j not in taken and
                 difflib.SequenceMatcher(None, quote, texts[j][: len(quote)]).ratio() >= FUZZY_CUTOFF]
        if len(close) == 1:  # never guess between look-alikes
            found[i] = close[0]
            taken.add(close[0])
            fuzzy.add(i)
            ordered = sorted(found.items())
    return {i: j + 1 for i, j in found.items()}, fuzzy


def _longest_chain(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both members (pairs sorted by i, then j falling)."""
    tails: list[int] = []  # tails[k]: index in pairs of the smallest j ending a chain of k+1
    tail_js: list[int] = []  # the j of each tail, for bisect
    before: list[int | None] = []
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tail_js, j)
        before.append(tails[k - 1] if k else None)
        if k == len(tails):
            tails.append(index)
            tail_js.append(j)
        else:
            tails[k], tail_js[k] = index, j
    chain, at = [], tails[-1] if tails else None
    while at is not None:
        chain.append(pairs[at])
        at = before[at]
    return chain[::-1]


def reanchor_document(file, segments: list[Segment]) -> list[Move]:
    """Where each entry's quote now stands; only entries that moved or are lost."""
    entries = file.data.get("paragraphs") if isinstance(file.data, dict) else None
    entries = entries if isinstance(entries, list) else []
    quotes = [str(e.get("quote") or "") if isinstance(e, dict) else "" for e in entries]
    found, fuzzy = align(quotes, segments)
    moves = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        old, new = entry.get("para"), found.get(index)
        if new != old or index in fuzzy:
            moves.append(Move(index, file.line_of("paragraphs", index, "para"), old, new,
                              index in fuzzy,
                              suggest_quote(segments[new - 1].text) if index in fuzzy else ""))
    return moves


@dataclass
class _Plan:
    """Everything a re-anchoring found: the report, and the edits --write would make."""

    report: list[str] = field(default_factory=list)
    orphans: int = 0
    edits: dict = field(default_factory=dict)  # path shown -> (YamlFile, {path in it: value})


def reanchor(project: Project, write: bool = False) -> tuple[list[str], int]:
    """Report (and with ``write`` apply) re-found anchors for every document; (lines, orphans)."""
    from .load import load  # the same reading as check

    loaded = load(project)
    plan = _Plan()
    renumbered: dict[str, dict[int, int | None]] = {}  # document id -> old number -> new
    for file in loaded.documents:
        source = loaded.sources.get(str(file.data.get("source"))) \
            if isinstance(file.data, dict) else None
        if source is None:
            continue
        segments = split_paragraphs(source.text, str(file.data.get("segmentation") or "auto"))
        moves = reanchor_document(file, segments)
        _plan_document(file, moves, segments, plan)
        if moves and isinstance(file.data.get("id"), str):
            renumbered[file.data["id"]] = {m.old: m.new for m in moves if isinstance(m.old, int)}
    if loaded.findings is not None and renumbered:
        _plan_citations(loaded.findings, renumbered, plan)
    if write and plan.edits:
        _write(project, plan.edits, plan.report)
    return plan.report, plan.orphans


def _plan_document(file, moves: list[Move], segments: list[Segment], plan: _Plan) -> None:
    edits = {}
    new_number = {m.old: m.new for m in moves if isinstance(m.old, int)}
    for move in moves:
        if move.new is None:
            plan.orphans += 1
            plan.report.append(f"{file.path}:{move.line}: orphan: para {move.old} — its quote is "
                               "no longer in the source; annotate it again or remove it")
            continue
        how = "found by a close match, quote updated" if move.fuzzy else "moved"
        plan.report.append(f"{file.path}:{move.line}: para {move.old} -> {move.new} ({how})")
        if move.new != move.old:
            edits[("paragraphs", move.entry, "para")] = move.new
        if move.fuzzy:
            edits[("paragraphs", move.entry, "quote")] = move.new_quote
    for index, entry in enumerate(file.data.get("paragraphs") or []):
        continues = entry.get("continues") if isinstance(entry, dict) else None
        if isinstance(continues, int) and new_number.get(continues, continues) != continues:
            if new_number[continues] is None:
                plan.report.append(f"{file.path}:{file.line_of('paragraphs', index, 'continues')}"
                                   f": continues: {continues} names an orphan; left as it is")
            else:
                edits[("paragraphs", index, "continues")] = new_number[continues]
    found = {m.new for m in moves} | {
        e.get("para") for i, e in enumerate(file.data.get("paragraphs") or [])
        if isinstance(e, dict) and i not in {m.entry for m in moves}}
    for segment in segments:
        if segment.number not in found:
            plan.report.append(f"{file.path}: new paragraph {segment.number} needs an entry: "
                               f"quote: {_quoted(suggest_quote(segment.text))}")
    if edits:
        plan.edits[file.path] = (file, edits)


def _plan_citations(findings, renumbered: dict, plan: _Plan) -> None:
    """Findings follow the paragraphs they cite."""
    edits = {}
    entries = findings.data.get("findings") if isinstance(findings.data, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        cites = entry.get("cites") if isinstance(entry, dict) else None
        for c, cite in enumerate(cites if isinstance(cites, list) else []):
            document, _, number = str(cite).rpartition(":")
            if not number.isdigit() or int(number) not in renumbered.get(document, {}):
                continue
            new = renumbered[document][int(number)]
            line = findings.line_of("findings", index, "cites", c)
            if new is None:
                plan.report.append(f"{findings.path}:{line}: citation {cite} names an orphan; "
                                   "left as it is")
            else:
                edits[("findings", index, "cites", c)] = f"{document}:{new}"
                plan.report.append(f"{findings.path}:{line}: citation {cite} -> {document}:{new}")
    if edits:
        plan.edits[findings.path] = (findings, edits)


def _write(project: Project, edits: dict, report: list[str]) -> None:
    """Every edited file rewritten, or none if any edit cannot be made exactly."""
    texts = {}
    problems = []
    for shown, (file, changes) in edits.items():
        if file.problems:
            problems.append(Problem(shown, None, "has problems of its own; not rewritten",
                                    f"fix what {project.command('check')} reports, then run "
                                    "reanchor again"))
            continue
        try:
            texts[shown] = (file, edited_text(file, changes))
        except ValueError as exc:
            problems.append(Problem(shown, None, f"{exc}; not rewritten",
                                    "make this change by hand"))
    if problems:
        raise ReportgenError(problems)
    for shown, (file, text) in texts.items():
        rewrite_text(_path_of(project, shown), file.text, text, project.annotations)
        report.append(f"{shown}: rewritten ({len(edits[shown][1])} values changed)")


def _path_of(project: Project, shown: str) -> Path:
    """The annotation file a YamlFile was read from (its path as shown is cwd-relative)."""
    path = Path(shown)
    return path if path.is_absolute() else Path.cwd() / path
