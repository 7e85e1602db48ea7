"""The assistant on a project: `suggest` writes build/suggestions.json, `accept` and
`reject` record the analyst's decisions in the annotations.

Nothing changes the annotations until the analyst says so. ``accept ID`` appends
the suggestion to annotations/findings.yaml as a finding (or, for a theme
suggestion, sets the paragraph's themes in its document file), with a comment
saying where it came from; ``reject ID`` adds it to annotations/suggestions.yaml,
the analyst's record of rejected suggestions, so it is not suggested again.
Every write goes through :func:`reportgen.files.rewrite_text` (atomic, refused
if the file changed since it was read), keeps every existing byte of the file
but for what it adds, and is parsed again before it is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from . import __version__
from .errors import Problem, ReportgenError, display_path
from .files import rewrite_text, write_atomic
from .project import Project
from .suggest import (CATEGORIES, Suggestions, matches, recorded_targets, suggest)
from .yamlio import YamlFile, load_yaml

OUTPUT_NAME = "suggestions.json"
DECISIONS_NAME = "suggestions.yaml"  # under annotations/: the rejected suggestions
ACCEPTED = "# accepted from reportgen suggest {id} on {date}"
REPORT_LIMIT = 50  # suggestions shown in the HTML report; the JSON has them all


# -- reading the project -------------------------------------------------------

def checked_for_suggestions(project: Project):
    """The checked comparison, and the body paragraphs that have no themes yet.

    Untagged body paragraphs are what theme suggestions are for, but the
    checker refuses them; here each is checked as if tagged with the first
    theme, and that stand-in is removed again from the result. Every other
    problem stops the command as it stops `reportgen check`.
    """
    from .compare import compare
    from .load import load
    from .validate import validate

    loaded = load(project)
    untagged = _stand_in_themes(loaded)
    briefing, _ = validate(loaded)
    if untagged:
        briefing = _without_themes(briefing, untagged)
    return compare(briefing), frozenset(untagged)


def _stand_in_themes(loaded) -> set[str]:
    themes = loaded.themes.data.get("themes") if loaded.themes and isinstance(
        loaded.themes.data, dict) else None
    first = themes[0].get("id") if themes and isinstance(themes[0], dict) else None
    if not isinstance(first, str):
        return set()
    untagged = set()
    for index, file in enumerate(loaded.documents):
        data = file.data
        if not isinstance(data, dict) or not isinstance(data.get("paragraphs"), list):
            continue
        entries = []
        for entry in data["paragraphs"]:
            if isinstance(entry, dict) and entry.get("kind", "body") == "body" \
                    and not entry.get("continues") and entry.get("themes") in (None, []):
                untagged.add(f"{data.get('id')}:{entry.get('para')}")
                entry = {**entry, "themes": [first]}
            entries.append(entry)
        loaded.documents[index] = dataclasses.replace(file, data={**data, "paragraphs": entries})
    return untagged


def _without_themes(briefing, untagged: set[str]):
    def bare(p):
        return dataclasses.replace(p, themes=()) if p.id in untagged else p

    documents = tuple(dataclasses.replace(d, paragraphs=tuple(bare(p) for p in d.paragraphs))
                      for d in briefing.documents)
    paragraphs = {pid: bare(p) for pid, p in briefing.paragraphs.items()}
    return dataclasses.replace(briefing, documents=documents, paragraphs=paragraphs)


def rejected_ids(project: Project) -> set[str]:
    """The ids in annotations/suggestions.yaml (a problem there is reported at its line)."""
    file = _decisions_file(project)
    if file is None:
        return set()
    entries = file.data.get("rejected") if isinstance(file.data, dict) else None
    if file.problems or (file.data is not None and not isinstance(entries, list)):
        raise ReportgenError(file.problems or [Problem(
            file.path, 1, "expected `rejected:` with a list of suggestions",
            f"see docs/suggestions.md, or remove {file.path} to start again")])
    return {str(e["id"]) for e in entries or [] if isinstance(e, dict) and "id" in e}


def _decisions_file(project: Project) -> YamlFile | None:
    path = project.annotations / DECISIONS_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportgenError([Problem(display_path(path), None, f"cannot read: {exc}")]) from None
    return load_yaml(text, display_path(path))


def _hash_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


# -- suggest -------------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    result: Suggestions
    hidden: dict[str, int]  # rejected | recorded: how many were left out, and why
    path: Path
    briefing: object


def run_suggest(project: Project) -> Outcome:
    """Suggest for the project, leave out what is decided or recorded, write the JSON."""
    comparison, untagged = checked_for_suggestions(project)
    briefing = comparison.briefing
    result = suggest(briefing, untagged)
    rejected = rejected_ids(project)
    targets = recorded_targets(briefing, comparison.computed)
    hidden = {"rejected": 0, "recorded": 0}
    kept = []
    for s in result.suggestions:
        if s.id in rejected:
            hidden["rejected"] += 1
        elif any(matches(s.cites, s.kind, cites, kind, _document) for _, kind, cites in targets):
            hidden["recorded"] += 1
        else:
            kept.append(s)
    hidden["rejected"] += sum(t.id in rejected for t in result.themes)
    result = Suggestions(kept, [t for t in result.themes if t.id not in rejected], result.lineage)
    path = project.output / OUTPUT_NAME
    data = to_json(result, briefing, hidden, _hash_of(project.annotations / "findings.yaml"))
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return Outcome(result, hidden, path, briefing)


def _document(cite: str) -> str:
    return cite.rpartition(":")[0]


def to_json(result: Suggestions, briefing, hidden: dict, findings_sha256: str) -> dict:
    texts = {p.id: p.full_text or p.text for p in briefing.paragraphs.values()}

    def digest(cite):
        return hashlib.sha256(texts[cite].encode("utf-8")).hexdigest()[:16]

    return {
        "generator": f"reportgen {__version__} suggest",
        "note": "machine suggestions: nothing here is an analyst's finding until accepted",
        "findings_sha256": findings_sha256,
        "hidden": hidden,
        "suggestions": [{
            "id": s.id, "kind": s.kind, "category": s.category, "title": s.title,
            "theme": s.theme, "confidence": s.confidence, "independent": s.independent,
            "why": s.why, "values": list(s.values), "cites": list(s.cites),
            "texts": {c: digest(c) for c in s.cites[:2] + tuple(e.cite for e in s.evidence)},
            "evidence": [{
                "cite": e.cite, "document": e.document, "role": e.role, "sentence": e.sentence,
                "offset": e.offset, "also": list(e.also),
                "marks": [{"start": m.start, "end": m.end, "kind": m.kind, "value": m.value}
                          for m in e.marks],
            } for e in s.evidence],
        } for s in result.suggestions],
        "themes": [{"id": t.id, "kind": "theme", "paragraph": t.paragraph,
                    "themes": list(t.themes), "scores": list(t.scores), "why": t.why,
                    "texts": {t.paragraph: digest(t.paragraph)}} for t in result.themes],
        "lineage": [{"claim": item.claim, "label": item.label, "steps": [
            dataclasses.asdict(step) for step in item.steps]} for item in result.lineage],
    }


def summary_lines(outcome: Outcome, project: Project, shown: int = 15) -> list[str]:
    """What `reportgen suggest` prints: the strongest suggestions, then the counts."""
    result, briefing = outcome.result, outcome.briefing
    label = {d.id: d.label for d in briefing.documents}
    lines = []
    for s in result.suggestions[:shown]:
        lines.append(f"{s.id}  {s.kind:11} {s.confidence:.2f}  {s.title}")
        for e in s.evidence:
            also = f" (+{len(e.also)} copies)" if e.also else ""
            ref = f"{label[e.document]} ¶{e.cite.rpartition(':')[2]}{also}"
            lines.append(f"    {ref}: {_clip(e.sentence)}")
    if len(result.suggestions) > shown:
        lines.append(f"... and {len(result.suggestions) - shown} more in "
                     f"{display_path(outcome.path)}")
    for t in result.themes[:shown]:
        lines.append(f"{t.id}  themes      {t.paragraph}: {', '.join(t.themes)}")
    counts = {kind: sum(s.kind == kind for s in result.suggestions)
              for kind in ("discrepancy", "agreement")}
    repeats = sum(not s.independent for s in result.suggestions)
    left_out = ", ".join(f"{n} {why}" for why, n in outcome.hidden.items() if n)
    lines.append(
        f"{counts['discrepancy']} possible discrepancies, {counts['agreement']} agreements "
        f"({repeats} of them near-verbatim repeats), {len(result.themes)} theme suggestions, "
        f"{len(result.lineage)} claim lineages" + (f"; left out: {left_out}" if left_out else ""))
    lines.append(f"wrote {display_path(outcome.path)}; machine suggestions, check each against "
                 f"the texts: `{project.command('accept', 'ID')}` or "
                 f"`{project.command('reject', 'ID')}`")
    return lines


def _clip(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- accept and reject ---------------------------------------------------------

def _load_suggestions(project: Project) -> dict:
    path = project.output / OUTPUT_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("suggestions"), list):
            return data
    except FileNotFoundError:
        raise ReportgenError([Problem(display_path(path), None, "no suggestions yet",
                                      f"run `{project.command('suggest')}` first")]) from None
    except (OSError, ValueError):
        pass
    raise ReportgenError([Problem(display_path(path), None, "is not a suggestions file",
                                  f"run `{project.command('suggest')}` again")])


def find(project: Project, wanted: str) -> tuple[dict, dict]:
    """The suggestion ``wanted`` names (an id or a unique start of one), and the whole file."""
    data = _load_suggestions(project)
    every = data["suggestions"] + data.get("themes", [])
    found = [s for s in every if isinstance(s, dict) and str(s.get("id", "")).startswith(wanted)]
    path = display_path(project.output / OUTPUT_NAME)
    if not wanted or not found:
        raise ReportgenError([Problem(path, None, f"no suggestion {wanted!r}",
                                      f"`{project.command('suggest')}` lists them with their ids")])
    if len(found) > 1:
        raise ReportgenError([Problem(path, None, f"{wanted!r} starts {len(found)} suggestion "
                                      "ids", "give more of the id")])
    return found[0], data


def _current(project: Project, suggestion: dict, data: dict):
    """The checked briefing, provided the suggestion still fits the texts and annotations."""
    comparison, untagged = checked_for_suggestions(project)
    briefing = comparison.briefing
    for cite, digest in suggestion.get("texts", {}).items():
        paragraph = briefing.paragraphs.get(cite)
        text = paragraph and (paragraph.full_text or paragraph.text)
        if not text or hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] != digest:
            raise ReportgenError([Problem(
                display_path(project.output / OUTPUT_NAME), None,
                f"suggestion {suggestion['id']} cites {cite}, which changed since "
                "`reportgen suggest` ran", f"run `{project.command('suggest')}` again")])
    return comparison, untagged


def accept(project: Project, wanted: str) -> str:
    """Record suggestion ``wanted`` in the annotations; what was written, in one line."""
    suggestion, data = find(project, wanted)
    comparison, _ = _current(project, suggestion, data)
    if suggestion.get("kind") == "theme":
        return _accept_themes(project, suggestion, comparison.briefing)
    findings = project.annotations / "findings.yaml"
    if _hash_of(findings) != data.get("findings_sha256"):
        raise ReportgenError([Problem(display_path(findings), None,
                                      "changed since `reportgen suggest` ran; not written",
                                      f"run `{project.command('suggest')}` again (the ids stay "
                                      "the same), then accept")])
    finding_id = _append_finding(project, findings, suggestion, comparison.briefing)
    data["findings_sha256"] = _hash_of(findings)  # the next accept may follow at once
    write_atomic(project.output / OUTPUT_NAME,
                 (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return (f"accepted {suggestion['id']}: finding {finding_id} appended to "
            f"{display_path(findings)}; edit its title and summary as you see fit")


def _finding_lines(suggestion: dict, briefing, finding_id: str, date: str) -> list[str]:
    labels = {d.id: d.label for d in briefing.documents}
    quotes = " ".join(f"{labels[e['document']]} ¶{e['cite'].rpartition(':')[2]}: "
                      f"“{' '.join(e['sentence'].split())}”" for e in suggestion["evidence"])
    category = CATEGORIES.get(suggestion.get("category"), ("", suggestion.get("category")))[1]
    summary = (f"{suggestion['why']} {quotes} *Machine suggestion ({category}, confidence "
               f"{suggestion['confidence']:.2f}), accepted by the analyst.*")
    cites = ", ".join(suggestion["cites"])
    return [ACCEPTED.format(id=suggestion["id"], date=date),
            f"- id: {finding_id}",
            f"  kind: {suggestion['kind']}",
            f"  theme: {suggestion['theme']}",
            f"  title: {json.dumps(suggestion['title'], ensure_ascii=False)}",
            f"  summary: {json.dumps(summary, ensure_ascii=False)}",
            f"  cites: [{cites}]"]


def _append_finding(project: Project, path: Path, suggestion: dict, briefing) -> str:
    from .render import generated_date

    taken = {f.id for f in briefing.findings}
    finding_id = f"suggested-{suggestion['id']}"
    if finding_id in taken:
        raise ReportgenError([Problem(display_path(path), None,
                                      f"already has a finding {finding_id}",
                                      "the suggestion was accepted before")])
    entry = _finding_lines(suggestion, briefing, finding_id, generated_date().isoformat())
    expected = {"id": finding_id, "kind": suggestion["kind"], "theme": suggestion["theme"],
                "title": suggestion["title"], "summary": None, "cites": suggestion["cites"]}
    _append_to_list(project, path, "findings", entry, expected)
    return finding_id


def reject(project: Project, wanted: str) -> str:
    """Record suggestion ``wanted`` as rejected in annotations/suggestions.yaml."""
    from .render import generated_date

    suggestion, _ = find(project, wanted)
    rejected_ids(project)  # a damaged decisions file is reported, not extended
    what = suggestion.get("title") or f"themes for {suggestion.get('paragraph')}"
    entry = [f"- id: {json.dumps(suggestion['id'])}",
             f"  rejected: {json.dumps(generated_date().isoformat())}",
             f"  what: {json.dumps(suggestion.get('kind', '') + ': ' + what, ensure_ascii=False)}"]
    path = project.annotations / DECISIONS_NAME
    if not path.exists():
        header = ("# Suggestions from `reportgen suggest` the analyst rejected: they are not\n"
                  "# suggested again. Delete an entry to see its suggestion again.\n")
        write_atomic(path, (header + "rejected: []\n").encode("utf-8"))
    _append_to_list(project, path, "rejected", entry, {"id": suggestion["id"]})
    return (f"rejected {suggestion['id']}: recorded in {display_path(path)}; "
            "it is not suggested again")


def _append_to_list(project: Project, path: Path, key: str, entry: list[str],
                    expected: dict) -> None:
    """Append ``entry`` (YAML lines of one list item) to the list under ``key`` in ``path``.

    Every existing byte is kept (an empty ``[]`` is the one thing replaced);
    the result must parse to the old list plus one item whose fields include
    ``expected`` (None: any value), or nothing is written.
    """
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    file = load_yaml(text, shown)
    if file.problems:
        raise ReportgenError(file.problems)
    new = _with_item(file, key, entry)
    if new is None:
        raise ReportgenError([Problem(shown, file.line_of(key), f"cannot append to `{key}:` "
                                      "written in this style; not written",
                                      "add this entry by hand:\n" + "\n".join(entry))])
    _verify_append(file, new, key, expected)
    if text:
        rewrite_text(path, text, new, project.annotations)
    else:
        write_atomic(path, new.encode("utf-8"))


def _with_item(file: YamlFile, key: str, entry: list[str]) -> str | None:
    text = file.text
    ending = "" if not text or text.endswith("\n") else "\n"
    if file.data is None:
        return text + ending + f"{key}:\n" + _indented(entry, 2)
    items = file.data.get(key, "absent") if isinstance(file.data, dict) else None
    if items == "absent" or items is None:
        if items is None and key in file.data:
            return None
        return text + ending + f"{key}:\n" + _indented(entry, 2)
    if not isinstance(items, list):
        return None
    start, end = file.spans[(key,)]
    if not items:
        if text[start:end] != "[]":
            return None
        return text[:start].rstrip(" ") + "\n" + _indented(entry, 2).rstrip("\n") + text[end:]
    if text[start] == "[":
        return None  # a flow list: not appended to
    item = file.spans[(key, 0)][0]
    line_start = text.rfind("\n", 0, item) + 1
    dash = text.rfind("-", line_start, item)
    return text + ending + _indented(entry, dash - line_start)


def _indented(lines: list[str], indent: int) -> str:
    return "".join(" " * indent + line + "\n" for line in lines)


def _verify_append(file: YamlFile, new: str, key: str, expected: dict) -> None:
    before = file.data.get(key) if isinstance(file.data, dict) else None
    try:
        again = load_yaml(new, file.path)
    except ReportgenError:
        again = None
    after = again.data.get(key) if again and isinstance(again.data, dict) else None
    old_items = before if isinstance(before, list) else []
    fine = (again is not None and not again.problems and isinstance(after, list)
            and len(after) == len(old_items) + 1 and after[:-1] == old_items
            and isinstance(after[-1], dict)
            and all(v is None or after[-1].get(k) == v for k, v in expected.items())
            and {k: v for k, v in again.data.items() if k != key} ==
            {k: v for k, v in (file.data or {}).items() if k != key})
    if not fine:
        raise ReportgenError([Problem(file.path, None, "appending the entry would change more "
                                      "than it adds; not written", "add it by hand")])


def _accept_themes(project: Project, suggestion: dict, briefing) -> str:
    """Set an untagged paragraph's themes in its document file (its `themes: []` replaced)."""
    from .load import load
    from .render import generated_date

    document, _, number = suggestion["paragraph"].rpartition(":")
    file = next((f for f in load(project).documents
                 if isinstance(f.data, dict) and f.data.get("id") == document), None)
    entries = file.data.get("paragraphs") if file else None
    index = next((i for i, e in enumerate(entries or [])
                  if isinstance(e, dict) and str(e.get("para")) == number), None)
    where = ("paragraphs", index, "themes")
    if index is None or where not in file.spans or \
            file.text[slice(*file.spans[where])] != "[]":
        shown = file.path if file else document
        raise ReportgenError([Problem(shown, file.line_of("paragraphs", index) if file and
                                      index is not None else None,
                                      f"para {number} has no `themes: []` to fill in",
                                      "write themes: [" + ", ".join(suggestion["themes"]) +
                                      "] by hand")])
    start, end = file.spans[where]
    line_end = file.text.find("\n", end)
    rest = file.text[end:line_end if line_end >= 0 else len(file.text)]
    comment = "  " + ACCEPTED.format(id=suggestion["id"], date=generated_date().isoformat()) \
        if not rest.strip() else ""
    new = file.text[:start] + "[" + ", ".join(suggestion["themes"]) + "]" + comment + \
        file.text[end:]
    again = load_yaml(new, file.path)
    expected = json.loads(json.dumps(file.data, default=str))
    expected["paragraphs"][index]["themes"] = list(suggestion["themes"])
    if again.problems or json.loads(json.dumps(again.data, default=str)) != expected:
        raise ReportgenError([Problem(file.path, file.line_of(*where), "setting the themes "
                                      "would change more than they; not written",
                                      "write them by hand")])
    path = Path(file.path) if Path(file.path).is_absolute() else Path.cwd() / file.path
    rewrite_text(path, file.text, new, project.annotations)
    return (f"accepted {suggestion['id']}: para {number} of {file.path} now has themes "
            f"{', '.join(suggestion['themes'])}")


# -- the report's section ------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Piece:
    text: str
    mark: str  # "" | date | number | shared


@dataclasses.dataclass(frozen=True)
class SideView:
    label: str  # "Ramani 2016 ¶23"
    anchor: str  # the paragraph's HTML id
    role: str
    pieces: tuple[Piece, ...]
    copies: int


@dataclasses.dataclass(frozen=True)
class SuggestionView:
    id: str
    kind: str
    category: str  # as a reader is told
    title: str
    confidence: int  # percent
    why: str
    independent: bool
    sides: tuple[SideView, ...]


@dataclasses.dataclass(frozen=True)
class SectionView:
    suggestions: tuple[SuggestionView, ...]
    more: int  # suggestions in the JSON beyond those shown
    source: str  # where they are, for the reader


def report_section(project: Project, comparison) -> SectionView | None:
    """What the HTML report shows of build/suggestions.json: the open agreements and
    discrepancies that still fit the texts (none rejected, accepted or recorded since),
    strongest first. (Theme suggestions are for untagged paragraphs, which a report
    cannot have: they are in the JSON and on the terminal.)"""
    try:
        data = json.loads((project.output / OUTPUT_NAME).read_text(encoding="utf-8"))
        items = list(data["suggestions"])
        rejected = rejected_ids(project)
    except (OSError, ValueError, KeyError, TypeError, ReportgenError):
        return None
    briefing = comparison.briefing
    targets = recorded_targets(briefing, comparison.computed)
    try:
        fresh = [s for s in items if s["id"] not in rejected and _fits(s, briefing)
                 and not any(matches(s["cites"], s["kind"], cites, kind, _document)
                             for _, kind, cites in targets)]
        shown = tuple(_view(s, briefing) for s in fresh[:REPORT_LIMIT])
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # a damaged file shows nothing rather than stopping the build
    if not shown:
        return None
    return SectionView(shown, len(fresh) - len(shown),
                       display_path(project.output / OUTPUT_NAME))


def _fits(item: dict, briefing) -> bool:
    for cite, digest in item.get("texts", {}).items():
        paragraph = briefing.paragraphs.get(cite)
        if paragraph is None or hashlib.sha256((paragraph.full_text or paragraph.text).encode(
                "utf-8")).hexdigest()[:16] != digest:
            return False
    return True


def _pieces(sentence: str, marks: list[dict]) -> tuple[Piece, ...]:
    pieces, at = [], 0
    for mark in sorted(marks, key=lambda m: m["start"]):
        start, end = int(mark["start"]), int(mark["end"])
        if start < at or end > len(sentence):
            continue
        if start > at:
            pieces.append(Piece(sentence[at:start], ""))
        pieces.append(Piece(sentence[start:end], str(mark["kind"])))
        at = end
    if at < len(sentence):
        pieces.append(Piece(sentence[at:], ""))
    return tuple(pieces)


def _view(item: dict, briefing) -> SuggestionView:
    sides = []
    for e in item["evidence"]:
        paragraph = briefing.paragraphs[e["cite"]]
        label = f"{briefing.document(paragraph.document).label} ¶{paragraph.number}"
        sides.append(SideView(label, paragraph.anchor, e["role"],
                              _pieces(e["sentence"], e["marks"]), len(e["also"])))
    return SuggestionView(item["id"], item["kind"], CATEGORIES[item["category"]][1],
                          item["title"], round(100 * float(item["confidence"])), item["why"],
                          bool(item["independent"]), tuple(sides))
