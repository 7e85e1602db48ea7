"""Stage 2: check the annotations against the schema, each other and the sources.

Every problem is collected with its file and line; a document with errors does
not stop the others from being checked. When all is well the result is the
immutable :class:`~reportgen.model.Briefing`.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import quotes, schema, spec
from .errors import Problem, ReportgenError, counted, display_path
from .load import Loaded, file_kind, paused_gc
from .project import NOT_SOURCES, SOURCE_SUFFIXES
from .model import (Assertion, Briefing, Claim, Document, Equivalence, Finding, Origin,
                    Paragraph, QuoteCheck, Theme, Verdict, label_documents)
from .segment import Segment, anchor_matches, split_paragraphs, suggest_quote
from .values import checked_date, display_value, normalise_value, value_key
from .yamlio import YamlFile


def validate(loaded: Loaded) -> tuple[Briefing, list[Problem]]:
    """The checked briefing and its warnings, or ReportgenError listing every error.

    Each file is checked entry by entry: a broken entry is reported and skipped,
    the others are still checked, and references into what could not be read
    are not reported again (only true cascades are suppressed).
    """
    with paused_gc(freeze=loaded.first_in_process):  # see load.paused_gc: millions of small
        # objects, no cycles
        return _validate(loaded)


def _validate(loaded: Loaded) -> tuple[Briefing, list[Problem]]:
    problems = list(loaded.problems)
    briefing = _parse(loaded.briefing, schema.BriefingFile, problems)
    findings = _parse(loaded.findings, schema.FindingsFile, problems)
    themes, claims, theme_ids, claim_ids, claim_types = _declared(loaded, problems)
    claim_list = _claim_list(claims)
    for index, claim in enumerate(claims.claims or [] if claims else []):
        if claim is not None:
            _known(claim.theme, theme_ids, "theme", loaded.claims, ("claims", index, "theme"),
                   problems)

    checked = _check_documents(loaded, theme_ids, claim_ids, claim_types, problems)
    finding_list = _check_findings(loaded.findings, findings, theme_ids, checked, problems)
    # equivalent values are valid and asserted, verdicts have a finding to go on
    all_read = not loaded.unreadable and len(checked.documents) == len(loaded.documents)
    _check_claim_overrides(loaded.claims, claims.claims or [] if claims else [], checked.paragraphs,
                        all_read, problems)
    finding_list = check_quotations(loaded, findings, finding_list, claims, checked, all_read,
                                    problems)

    if any(p.severity == "error" for p in problems):
        raise ReportgenError(problems)
    return Briefing(
        title=briefing.title,
        subtitle=briefing.subtitle,
        columns=briefing.columns,
        themes=tuple(Theme(t.id, t.label, t.description, i) for i, t in enumerate(themes.themes)),
        claims=tuple(_claim(c) for c in claim_list),  # verdicts, equivalences
        # labels are resolved once, over all documents (fallbacks told apart)
        documents=label_documents(sorted(checked.documents, key=lambda d: (d.published, d.id))),
        findings=tuple(finding_list),
        paragraphs=checked.paragraphs,
    ), [p for p in problems if p.severity == "warning"]


def check_each_document(loaded: Loaded, then=None) -> None:
    """Check each document of ``loaded`` on its own and put what is found in its
    cache: what a helper process does for its share of a large corpus
    (reportgen.warm). What lies between documents (duplicate ids, citations,
    sources without a file) is left to :func:`validate`, which finds these checks
    in the cache; a quotation not found among these documents' paragraphs is
    looked for again there, among all of them. ``then()`` is called between the
    checks and the quotations."""
    with paused_gc():
        problems: list[Problem] = []
        _, claims, theme_ids, claim_ids, claim_types = _declared(loaded, problems)
        checked = _check_documents(loaded, theme_ids, claim_ids, claim_types, problems)
        if then is not None:
            then()
        quoting = _quoting(checked, False, problems)
        _check_quotes_of_documents(loaded, quoting, checked, claims)


def check_document_schema(file: YamlFile) -> None:
    """A document file checked against its schema now (kept with the file, where
    :func:`validate` finds it done): what reportgen.warm's helper does as it parses."""
    _parse(file, schema.DocumentFile, [])


def _declared(loaded: Loaded, problems: list[Problem]):
    """The themes and claims files as parsed, and the ids and claim types they declare
    (None: unreadable, reported; references to them are not reported again)."""
    themes = _parse(loaded.themes, schema.ThemesFile, problems)
    claims = _parse(loaded.claims, schema.ClaimsFile, problems)
    theme_ids = _known_ids(loaded.themes, themes, "themes", problems) if themes else None
    claim_ids = _known_ids(loaded.claims, claims, "claims", problems) if claims else (
        None if (loaded.project.annotations / "claims.yaml").exists() else set())
    claim_types = {c.id: c.type for c in _claim_list(claims)
                   if c.id is not None and c.type is not None}
    return themes, claims, theme_ids, claim_ids, claim_types


def _claim_list(claims) -> list:
    """The readable claims of claims.yaml as parsed (None: unreadable, reported)."""
    return [c for c in (claims.claims or []) if c is not None] if claims else []


# -- schema ------------------------------------------------------------------

def _parse(file: YamlFile | None, model: type, problems: list[Problem]):
    """The file's data as ``model``, wrong parts None (each reported at its line)."""
    if file is None:
        return None
    if model not in file.checked:  # the same file (unchanged, see load._parsed): known
        parsed, errors = spec.parse_partial(model, file.data if file.data is not None else {})
        file.checked[model] = parsed, [
            Problem(file.path, file.line_of(*error.loc), error.message, error.hint)
            for error in errors
            if not file.is_broken(*error.loc[:-1]) and not file.is_broken(*error.loc)]
    parsed, found = file.checked[model]
    problems.extend(found)
    return parsed


def _known_ids(file: YamlFile, parsed, key: str, problems: list[Problem]) -> set[str] | None:
    """The ids declared in a list of entries; None when one could not be read (unknown)."""
    entries = getattr(parsed, key, None)
    if entries is None:
        return None
    first: dict[str, int] = {}
    unreadable = False
    for index, entry in enumerate(entries):
        if entry is None or entry.id is None:
            unreadable = True
            continue
        if entry.id in first:
            problems.append(Problem(
                file.path, file.line_of(key, index, "id"),
                f"duplicate id '{entry.id}' (first used on line "
                f"{file.line_of(key, first[entry.id], 'id')})",
                "ids must be unique; rename one",
            ))
        else:
            first[entry.id] = index
    return None if unreadable else set(first)


def _known(value, known: set[str] | None, what: str, file: YamlFile, loc: tuple,
           problems) -> bool:
    if value is None or known is None or value in known:  # None: unreadable, reported already
        return True
    close = spec.did_you_mean(value, sorted(known))
    hint = close or f"known {what}s: {', '.join(sorted(known)) or 'none yet'}"
    problems.append(Problem(file.path, file.line_of(*loc), f"unknown {what} '{value}'", hint))
    return False


# -- documents ---------------------------------------------------------------

@dataclass
class _Checked:
    """What the documents' check learned, for the findings' citations and the briefing."""

    documents: list[Document] = field(default_factory=list)  # the documents without errors
    paragraphs: dict[str, Paragraph] = field(default_factory=dict)  # theirs, by id
    kinds: dict[str, str | None] = field(default_factory=dict)  # every entry's kind, by id
    uncertain: set[str] | None = field(default_factory=set)  # ids whose entries are unreadable,
    # document ids (a whole file unreadable), or None when some document's id is unknown
    # each document file's own check, by path, with its cache stamp (see _DocumentCheck)
    records: dict[str, tuple[_DocumentCheck, bytes | None]] = field(default_factory=dict)
    stamps: dict[str, bytes | None] = field(default_factory=dict)  # the documents', by id

    def citable(self, cite: str) -> bool | None:
        """True: an annotated paragraph; False: none; None: cannot tell (reported elsewhere)."""
        if cite in self.kinds:
            return True
        if self.uncertain is None or cite in self.uncertain or \
                cite.split(":")[0] in self.uncertain:
            return None
        return False


_ID_LINE = re.compile(r"^id:\s*[\"']?([a-z0-9][a-z0-9-]*)", re.MULTILINE)
_SOURCE_LINE = re.compile(r"^source:\s*[\"']?([^\"'#\n]+?)[\"']?\s*(#.*)?$", re.MULTILINE)


@dataclass
class _DocumentCheck:
    """What checking one document file found, apart from its source's own problems.

    It depends on the file, its source text, the themes' and claims' ids and the
    claims' types (and on where reportgen runs, for the hints' commands): so it
    is kept in the check cache (reportgen.checkcache) under a stamp of those.
    """

    problems: list[Problem]
    kinds: dict[str, str | None]  # every entry's kind, by paragraph id
    uncertain: set[str]  # paragraph ids whose entries are unreadable
    unknown_id: bool  # the document's own id is unreadable
    # the document, unless it has errors of its own or depends on what could not be read
    document: Document | None


def _check_documents(loaded: Loaded, theme_ids, claim_ids, claim_types, problems) -> _Checked:
    checked = _Checked()
    depends_on = _check_context(loaded, theme_ids, claim_ids, claim_types)
    ids: dict[str, str] = {}
    claimed: dict[str, str] | None = {}  # source -> document file; None: some source unknown
    labels: dict[str, str] = {}  # a document label names one document
    for shown, text in loaded.unreadable.items():  # what can be told of files that did not parse
        document_id, source = _ID_LINE.search(text), _SOURCE_LINE.search(text)
        if document_id is None:
            checked.uncertain = None
        elif checked.uncertain is not None:
            checked.uncertain.add(document_id.group(1))
        if source is None:
            claimed = None
        elif claimed is not None:
            claimed.setdefault(source.group(1).strip(), shown)
    for file in loaded.documents:
        parsed = _parse(file, schema.DocumentFile, problems)
        if parsed is None:  # not even a mapping
            checked.uncertain = None
            claimed = None
            continue
        for value, seen, what in ((parsed.id, ids, "id"), (parsed.source, claimed, "source"),
                                  (parsed.label, labels, "label")):
            if not value or seen is None:  # unreadable, or (a label) not given
                continue
            if value in seen:
                problems.append(Problem(file.path, file.line_of(what),
                                        f"document {what} '{value}' is also used by {seen[value]}",
                                        f"each document needs its own {what}"))
            seen[value] = file.path
        if claimed is not None and parsed.source is None:
            raw = file.data.get("source") if isinstance(file.data, dict) else None
            if isinstance(raw, str):
                claimed.setdefault(raw, file.path)
            else:
                claimed = None
        source = _source_of(file, parsed, loaded, problems)
        record, stamp = _document_check(file, parsed, source, loaded, depends_on, theme_ids,
                                        claim_ids, claim_types)
        checked.records[file.path] = record, stamp
        _take(record, stamp, file, checked, problems)
    if claimed is not None:
        for name, source in loaded.sources.items():
            if name not in claimed:
                problems.append(Problem(
                    display_path(source.path), None, "source has no annotation file",
                    f"run: {loaded.project.command('add', source.path)}  "
                    "(writes a skeleton to annotate)",
                ))
    return checked


def _check_context(loaded: Loaded, theme_ids, claim_ids, claim_types) -> tuple[str, ...]:
    """What a document's check depends on beyond its file and source text (cache stamps)."""
    project = loaded.project
    return (repr(sorted(theme_ids) if theme_ids is not None else None),
            repr(sorted(claim_ids) if claim_ids is not None else None),
            repr(sorted(claim_types.items())),
            os.getcwd(), str(project.root), str(project.seeds), repr(project.options))


def _document_check(file, doc, source, loaded: Loaded, depends_on, theme_ids, claim_ids,
                    claim_types) -> tuple[_DocumentCheck, bytes | None]:
    """The file's own check and its cache stamp: from the cache while nothing it depends
    on changed, else made (and put in the cache)."""
    cache = loaded.cache
    if cache is None:
        return _check_document(file, doc, source, loaded.project, theme_ids, claim_ids,
                               claim_types), None
    stamp = cache.stamp("check", file.path, file.text, source.sha256 if source else "",
                        *depends_on)
    record = cache.get("check", file.path, stamp)
    if not isinstance(record, _DocumentCheck):
        record = _check_document(file, doc, source, loaded.project, theme_ids, claim_ids,
                                 claim_types)
        cache.put("check", file.path, stamp, record)
    return record, stamp


def _take(record: _DocumentCheck, stamp: bytes | None, file, checked: _Checked,
          problems) -> None:
    """Add one document's check to what the documents' check learned."""
    problems.extend(record.problems)
    if record.unknown_id:
        checked.uncertain = None
    checked.kinds.update(record.kinds)
    if checked.uncertain is not None:
        checked.uncertain.update(record.uncertain)
    document = record.document
    if document is None or any(p.path == file.path and p.severity == "error" for p in problems):
        return  # reported (in this file, perhaps by another, a duplicate id): its paragraphs
        # stay citable as far as they could be read
    checked.paragraphs.update((p.id, p) for p in document.paragraphs)
    checked.documents.append(document)
    checked.stamps[document.id] = stamp


def _check_document(file, doc, source, project, theme_ids, claim_ids,
                    claim_types) -> _DocumentCheck:
    problems: list[Problem] = []
    entries = doc.paragraphs or []
    record = _DocumentCheck(problems, {}, set(), doc.id is None, None)
    numbers = _numbers(file, entries)
    for index, entry in enumerate(entries):
        if doc.id is not None and numbers[index] is not None:
            pid = f"{doc.id}:{numbers[index]}"
            record.kinds[pid] = entry.kind if entry else None
            if entry is None or entry.para is None or entry.kind is None:
                record.uncertain.add(pid)
    segments = split_paragraphs(source.text, doc.segmentation) if source and doc.segmentation \
        else None
    paired = _check_coverage(file, doc, numbers, segments, project, problems)
    _check_themes_given(file, entries, problems)
    if doc.published is not None:  # the pattern lets "2019-13" through: the calendar does not
        try:
            checked_date(doc.published, doc.published)
        except ValueError as exc:
            problems.append(Problem(file.path, file.line_of("published"), str(exc),
                                    'write "YYYY", "YYYY-MM" or "YYYY-MM-DD"'))
    continued_by: dict[int, list[int]] = {}
    for index, entry in enumerate(entries):
        if entry is None:
            continue
        _check_paragraph(file, index, entry, paired.get(index), segments, theme_ids, claim_ids,
                         claim_types, project, problems)
        if entry.continues is not None and entry.para is not None:
            continued_by.setdefault(entry.continues, []).append(entry.para)
    untyped = any(a is not None and a.claim not in claim_types
                  for e in entries if e is not None for a in e.claims or [])
    own_errors = any(p.severity == "error" for found in (
        file.problems, file.checked[schema.DocumentFile][1], problems) for p in found)
    if source is None or claim_ids is None or untyped or own_errors:
        return record  # reported (in this file, or in claims.yaml, which leaves a claim's
        # type unknown)
    pairs = [(entry, paired[index]) for index, entry in enumerate(entries)]
    paragraphs = _build_paragraphs(file, doc, pairs, continued_by, claim_types)
    record.document = Document(
        id=doc.id, source=doc.source, title=doc.title, author=doc.author, outlet=doc.outlet,
        published=doc.published, account=doc.account or doc.published[:4],
        inferred=tuple(doc.inferred), evidence=doc.evidence, format=doc.format,
        paragraphs=paragraphs, characters=len(source.text), words=len(source.text.split()),
        sha256=source.sha256, label=doc.label or "",  # "" = a fallback label
    )
    return record


def _source_of(file, doc, loaded: Loaded, problems):
    """The document's source text, or None with the reason reported (never silently)."""
    if doc.source is None:
        return None  # its own error was reported
    problem = source_problem(loaded.project, doc.source)
    source = loaded.sources.get(doc.source)
    if source is not None and problem is None:
        return source
    if problem is None and doc.source in loaded.refused_sources:
        return None  # reading it failed, and that was reported at the source itself
    message, hint = problem or ("source could not be read", "check the file under seeds/")
    problems.append(Problem(file.path, file.line_of("source"), message, hint))
    return None


def source_problem(project, name: str) -> tuple[str, str] | None:
    """Why ``name`` is not a readable source under seeds/: (message, hint), or None."""
    seeds = project.seeds
    if name.strip() and name not in (".", "..") and not any(c in name for c in "/\\") \
            and not name.startswith("~"):
        try:  # the usual case, a plain file, costs one system call
            info = (seeds / name).lstat()
        except (OSError, ValueError):  # ValueError: a NUL character (said below)
            info = None
        if info is not None and stat.S_ISREG(info.st_mode) and \
                Path(name).suffix in SOURCE_SUFFIXES and name not in NOT_SOURCES:
            return None
    return _source_problem(seeds, name)


def _source_problem(seeds: Path, name: str) -> tuple[str, str] | None:
    shown = display_path(seeds)
    hint = f"give the file name of a text under {shown}/"
    if not name.strip():
        return "source: is empty", hint
    if name in (".", "..") or "/" in name or "\\" in name or name.startswith("~"):
        return f"source '{name}' is a path, not the name of a file in {shown}", hint
    path = seeds / name
    try:
        path.lstat()
    except (OSError, ValueError):  # ValueError: a NUL character, which no file name has
        return f"source file '{name}' not found in {shown}", hint
    try:
        inside = path.resolve().is_relative_to(seeds.resolve())
        mode = path.stat().st_mode
    except OSError:
        return f"source '{name}' is a broken link", "replace the link with the file itself"
    if not inside:
        return (f"source '{name}' links outside the project (to {path.resolve()})",
                f"copy the text into {shown}/ instead of linking to it")
    if not stat.S_ISREG(mode):
        return f"source '{name}' is {file_kind(mode)}, not a text file", hint
    if path.suffix not in SOURCE_SUFFIXES or name in NOT_SOURCES:
        return (f"source '{name}' is not a .txt or .md file",
                "convert it to plain text (.txt) or markdown (.md) first")
    return None


def _numbers(file, entries) -> list[int | None]:
    """Each entry's para number as written; an unreadable one counts as the expected number."""
    numbers, expected = [], 1
    for index, entry in enumerate(entries):
        number = entry.para if entry is not None and entry.para is not None else None
        if number is None:
            raw = _raw(file, "paragraphs", index, "para")
            number = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 \
                else expected
        numbers.append(number)
        expected = max(expected, number) + 1
    return numbers


def _raw(file, *path):
    data = file.data
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _check_coverage(file, doc, numbers, segments, project, problems) -> dict[int, Segment]:
    """Pair each entry with its paragraph; every paragraph must have exactly one entry."""
    pairs: dict[int, Segment] = {}
    expected = 1
    for index, number in enumerate(numbers):
        if number != expected:
            missing = f"paragraph {expected} has" if number == expected + 1 else \
                f"paragraphs {expected}-{number - 1} have"
            hint = (f"{missing} no entry; list every paragraph in order "
                    f"({_listing(project, doc)} shows the numbering)"
                    if number > expected else "list every paragraph once, in order")
            problems.append(Problem(file.path, file.line_of("paragraphs", index, "para"),
                                    f"expected paragraph {expected} here, found para: {number}",
                                    hint))
            expected = max(expected, number)
        if segments is not None:
            if number > len(segments):
                problems.append(Problem(file.path, file.line_of("paragraphs", index, "para"),
                                        f"para: {number} is past the end of {doc.source}, which "
                                        f"has {counted(len(segments), 'paragraph')}",
                                        "remove the entry, or check the source file name"))
            else:
                pairs[index] = segments[number - 1]
        expected += 1
    if segments is not None and len(segments) >= expected:
        missing = f"{expected}" if expected == len(segments) else f"{expected}-{len(segments)}"
        problems.append(Problem(
            file.path, file.line_of("paragraphs"),
            f"paragraphs {missing} of {doc.source} are not annotated "
            f"({len(segments) - expected + 1} of {len(segments)} left)",
            f"add an entry for each, starting with: para: {expected}, "
            f"quote: \"{suggest_quote(segments[expected - 1].text)}\"",
        ))
    return pairs


def _listing(project, doc) -> str:
    source = project.seeds / doc.source if doc.source is not None else "SOURCE"  # unreadable
    return project.command("paragraphs", source)


def _check_themes_given(file, entries, problems) -> None:
    """Body paragraphs need themes; a fresh skeleton gets one summary, not one error each."""
    missing = [(file.line_of("paragraphs", i), entry) for i, entry in enumerate(entries)
               if entry is not None and entry.kind == "body" and entry.themes == []
               and entry.continues is None]
    hint = "add themes: [...], or set kind: if it is not body text"
    body = sum(1 for e in entries if e is not None and e.kind == "body" and e.continues is None)
    if len(missing) > 3 or 1 < len(missing) == body:  # many, or a fresh skeleton
        problems.append(Problem(file.path, missing[0][0], f"{len(missing)} of {len(entries)} "
                                "paragraphs are left to annotate: body paragraphs with no themes",
                                hint))
        return
    for line, entry in missing:
        problems.append(Problem(file.path, line,
                                f"para {entry.para}: body paragraph has no themes", hint))


def _check_paragraph(file, index, entry, segment: Segment | None, segments, theme_ids,
                     claim_ids, claim_types, project, problems):
    where = ("paragraphs", index)
    if segment is not None and entry.quote is not None \
            and not anchor_matches(entry.quote, segment.text):
        now = [s.number for s in segments if anchor_matches(entry.quote, s.text)]
        reanchor = project.command("reanchor", "--write")
        where_now = (f"its quote now starts paragraph {now[0]}: the source changed; "
                     f"`{reanchor}` renumbers the entries" if len(now) == 1 else
                     "its quote is no longer in the source (orphan)" if not now else
                     f"its quote starts paragraphs {', '.join(map(str, now))}")
        problems.append(Problem(
            file.path, file.line_of(*where, "quote"),
            f"para {entry.para}: quote does not match the start of the paragraph "
            f"({_source_lines(segment)}); {where_now}",
            f"the paragraph starts: \"{suggest_quote(segment.text, 10)}\"; if the source "
            f"changed, run {project.command('reanchor')}",
        ))
    for t, theme in enumerate(entry.themes or []):
        _known(theme, theme_ids, "theme", file, (*where, "themes", t), problems)
    if entry.continues is not None and entry.para is not None and entry.continues >= entry.para:
        problems.append(Problem(file.path, file.line_of(*where, "continues"),
                                f"para {entry.para} cannot continue paragraph {entry.continues}",
                                "continues: names an earlier paragraph"))
    for c, assertion in enumerate(entry.claims or []):
        loc = (*where, "claims", c)
        if assertion is None or assertion.claim is None:
            continue
        if _known(assertion.claim, claim_ids, "claim", file, (*loc, "claim"), problems) \
                and assertion.claim in claim_types and assertion.value is not None:
            try:
                normalise_value(assertion.value, claim_types[assertion.claim])
            except ValueError as exc:
                problems.append(Problem(file.path, file.line_of(*loc, "value"),
                                        f"claim '{assertion.claim}': {exc}",
                                        "see the value types in annotations/README.md"))


def _build_paragraphs(file, doc, entries, continued_by, claim_types) -> tuple[Paragraph, ...]:
    texts = {entry.para: segment.text for entry, segment in entries}
    result = []
    for index, (entry, segment) in enumerate(entries):
        pid = f"{doc.id}:{entry.para}"
        head = f"{doc.id}:{entry.continues}" if entry.continues else pid  # where claims show
        joined = " ".join([segment.text] + [texts[n] for n in continued_by.get(entry.para, [])])
        result.append(Paragraph(
            id=pid, document=doc.id, number=entry.para, kind=entry.kind, text=segment.text,
            themes=tuple(entry.themes), author=entry.author or doc.author,
            voices=tuple(entry.voices),
            claims=tuple(_assertion(a, claim_types[a.claim], head) for a in entry.claims),
            note=entry.note, continues=entry.continues,
            continued_by=tuple(continued_by.get(entry.para, ())), full_text=joined,
            line_start=segment.line_start, line_end=segment.line_end,
            origin=Origin(file.path, file.line_of("paragraphs", index)),
        ))
    return tuple(result)


def _assertion(raw: schema.ClaimAssertion, claim_type: str, paragraph: str) -> Assertion:
    value = normalise_value(raw.value, claim_type)
    return Assertion(raw.claim, value, display_value(value, claim_type), paragraph, raw.note)


# -- claims: verdicts and equivalences (values are parsed by reportgen.values) --

def _claim(entry: schema.ClaimEntry) -> Claim:
    verdict = entry.verdict and Verdict(entry.verdict.kind, entry.verdict.reason)
    equivalent = tuple(Equivalence(tuple(normalise_value(v, entry.type) for v in e.values),
                                   e.reason) for e in entry.equivalent)
    return Claim(entry.id, entry.label, entry.theme, entry.type, entry.description,
                 verdict, equivalent)


def _source_lines(segment: Segment) -> str:
    if segment.line_start == segment.line_end:
        return f"source line {segment.line_start}"
    return f"source lines {segment.line_start}-{segment.line_end}"


def _citation_hint(cite: str, kinds: dict[str, str | None]) -> str:
    """What the citation could have meant: the document's paragraphs, or a near document id
    (on the error path only: it scans every paragraph id)."""
    document = cite.partition(":")[0]
    numbers = sorted(int(pid.rpartition(":")[2]) for pid in kinds
                     if pid.partition(":")[0] == document)
    if numbers:
        return f"{document} has paragraphs {numbers[0]} to {numbers[-1]}"
    documents = sorted({pid.partition(":")[0] for pid in kinds})
    return spec.did_you_mean(document, documents) or (
        f"no document has the id '{document}'; known: {', '.join(documents) or 'none yet'}")


def _check_claim_overrides(file, entries, paragraphs, all_read: bool, problems) -> None:
    """Each value declared equivalent is valid, and (``all_read``) some body paragraph asserts
    it; a verdict is given on a claim that some body paragraph asserts.

    ``entries``: claims.yaml's entries as parsed, None where unreadable (reported).
    """
    types = {c.id: c.type for c in entries if c is not None}
    asserted: dict[str, set] = {}
    for paragraph in paragraphs.values():
        for a in paragraph.claims if paragraph.kind == "body" else ():
            asserted.setdefault(a.claim, set()).add(value_key(a.value, types[a.claim]))
    for c, claim in enumerate(entries):
        if claim is None or claim.type is None:
            continue  # reported
        if all_read and claim.verdict and claim.id not in asserted:
            problems.append(Problem(file.path, file.line_of("claims", c, "verdict"),
                                    f"claim '{claim.id}' has a verdict, but no body paragraph "
                                    "asserts it, so there is nothing to show it on",
                                    "assert the claim in a paragraph, or remove the verdict",
                                    "warning"))
        for g, group in enumerate(claim.equivalent or []):
            for v, value in enumerate((group and group.values) or []):
                if value is None:
                    continue  # reported
                line = file.line_of("claims", c, "equivalent", g, "values", v)
                try:
                    key = value_key(normalise_value(value, claim.type), claim.type)
                except ValueError as exc:
                    problems.append(Problem(file.path, line, f"claim '{claim.id}': {exc}",
                                            "see the value types in annotations/README.md"))
                    continue
                if all_read and key not in asserted.get(claim.id, ()):
                    problems.append(Problem(
                        file.path, line, f"claim '{claim.id}': no paragraph asserts {value!r}",
                        "give the value as a paragraph does (case, spacing, quote styles and "
                        "end punctuation do not count), or remove it", "warning"))


# -- findings ----------------------------------------------------------------

def _check_findings(file, parsed, theme_ids, checked: _Checked, problems) -> list[Finding]:
    if parsed is None or parsed.findings is None:
        return []
    entries = parsed.findings
    _known_ids(file, parsed, "findings", problems)
    findings = []
    for index, entry in enumerate(entries):
        if entry is None:
            continue
        where = ("findings", index)
        _known(entry.theme, theme_ids, "theme", file, (*where, "theme"), problems)
        cites = entry.cites or []
        counts = Counter(cites) if len(set(cites)) < len(cites) else None  # rarely needed
        for c, cite in enumerate(cites):
            if cite is None:
                continue
            citable = checked.citable(cite)
            if citable is False:
                problems.append(Problem(file.path, file.line_of(*where, "cites", c),
                                        f"citation '{cite}' names no annotated paragraph",
                                        _citation_hint(cite, checked.kinds)))
            elif citable and checked.kinds[cite] not in (*schema.CITABLE_KINDS, None):
                problems.append(Problem(file.path, file.line_of(*where, "cites", c),
                                        f"'{cite}' is a {checked.kinds[cite]} paragraph, which is "
                                        "not in the comparison", "cite the body paragraph instead",
                                        "warning"))
            elif counts is not None and counts[cite] > 1:
                problems.append(Problem(file.path, file.line_of(*where, "cites", c),
                                        f"'{cite}' is cited twice", "cite each paragraph once",
                                        "warning"))
        # a continuation is shown with the paragraph it continues: cite that one
        paragraphs = checked.paragraphs
        shown = [paragraphs[c].shown_with if c in paragraphs else c for c in cites]
        findings.append(Finding(entry.id, entry.kind, entry.theme, entry.title, entry.summary,
                                tuple(dict.fromkeys(shown)), entry.key))
    return findings


# -- quotations: each looked up in the texts it quotes (reportgen.quotes) -----

_NAMED_PARAGRAPHS = re.compile(r"\bparas?\.? (\d+(?:\s*(?:[-–,]|and|to)\s*\d+)*)")
_CITATION = re.compile(rf"\b({schema.ID_PATTERN}):(\d+)\b")
_COLON_DIGIT = re.compile(r":\d")
_AS_PRINTED = "quote the words as printed (… or [...] for words left out)"


@dataclass
class _Quoting:
    """What every quotation check needs: the corpus, once, and where to report."""

    corpus: quotes.Corpus
    paragraphs: dict[str, Paragraph]
    complete: bool  # every document was read: "in none of the texts" can be said
    problems: list[Problem]

    def check(self, file: YamlFile, path: tuple, text: str, scope, what: str, where: str,
              cite_hint=None) -> list[QuoteCheck]:
        """Each quotation in ``text`` (the value at ``path``) looked up in the paragraphs
        ``scope``; one warning for each that is not there. ``where``: the scope in words;
        ``cite_hint(pid)``: what to do when only another paragraph has it (None: say nothing)."""
        checks = []
        for quotation in quotes.quotations(text) if text else ():
            checks.append(self.one(file, path, text, quotation, scope, what, where, cite_hint))
        return checks

    def one(self, file, path, text, quotation, scope, what, where, cite_hint) -> QuoteCheck:
        if self.corpus.occurs_in(quotation, scope):
            return QuoteCheck(quotation.text, True)
        line = _quote_line(file, path, text, quotation.start)
        shown = f"\"{_clip(quotation.text)}\""
        elsewhere = self.elsewhere(quotation, scope) if cite_hint else []
        if elsewhere:
            first = elsewhere[0]
            others = f" and {len(elsewhere) - 1} other paragraph" \
                     f"{'s' if len(elsewhere) > 2 else ''}" if len(elsewhere) > 1 else ""
            message = f"{what}: quotation {shown} is not in {where}, but in {first}{others}"
            hint = cite_hint(first)
        elif self.complete and cite_hint:
            message = f"{what}: quotation {shown} is in none of the texts"
            hint = f"{_AS_PRINTED}, or drop the quotation marks from a paraphrase"
        else:
            message = f"{what}: quotation {shown} is not in {where}"
            hint = f"{_AS_PRINTED} in {where}, or drop the quotation marks from a paraphrase"
        self.problems.append(Problem(file.path, line, message, hint, "warning"))
        return QuoteCheck(quotation.text, False, tuple(elsewhere))

    def elsewhere(self, quotation, scope) -> list[str]:
        """The other paragraphs holding the quotation: citable ones first, then those of
        the documents in scope, then in corpus order."""
        documents = {pid.split(":")[0] for pid in scope}
        found = [pid for pid in self.corpus.find(quotation) if pid not in scope]
        return sorted(found, key=lambda pid: (
            self.paragraphs[pid].kind not in schema.CITABLE_KINDS,
            pid.split(":")[0] not in documents))

    def citable(self, pid: str) -> str:
        kind = self.paragraphs[pid].kind
        if kind in schema.CITABLE_KINDS:
            return f"cite {pid}?"
        return (f"{pid} is a {kind} paragraph, which findings do not cite: quote a "
                "paragraph they can cite, or drop the quotation marks")


def check_quotations(loaded: Loaded, findings_parsed, findings: list[Finding], claims_parsed,
                     checked: _Checked, all_read: bool, problems) -> list[Finding]:
    """Every quotation in the analysts' prose is looked up in the texts it stands on.

    A finding's title and summary: in the paragraphs it cites. A paragraph's note and
    its claims' notes: in the paragraph itself (continuations joined) and in those the
    note names (``ramani-2016:8``, ``para 8``, ``paras 3-4``). A ``text`` claim's value,
    all of it: in the asserting paragraph. A document's evidence: in its text. A claim's
    description and reasons (claims.yaml): in the paragraphs asserting it. What is not
    there is a warning (an error with --strict). Returns the findings with their
    quotations' checks, which the report shows.
    """
    quoting = _quoting(checked, all_read, problems)
    _check_quotes_of_documents(loaded, quoting, checked, claims_parsed)
    if claims_parsed is not None and loaded.claims is not None:
        _check_claim_quotes(quoting, loaded.claims, claims_parsed.claims or [], checked)
    if findings_parsed is None or not findings_parsed.findings:
        return findings
    indices = [i for i, entry in enumerate(findings_parsed.findings) if entry is not None]
    return [_check_finding_quotes(quoting, loaded.findings, index, finding)
            for index, finding in zip(indices, findings)]


def _quoting(checked: _Checked, complete: bool, problems: list[Problem]) -> _Quoting:
    """Quotations looked for in the checked paragraphs' texts (continuations joined to
    their heads); ``complete``: every document was read."""
    heads = {pid: p for pid, p in checked.paragraphs.items() if p.continues is None}
    markdown = {d.id for d in checked.documents if d.format == "markdown"}
    return _Quoting(quotes.Corpus({pid: (p.full_text, p.document in markdown)
                                   for pid, p in heads.items()}), heads, complete, problems)


def _check_quotes_of_documents(loaded: Loaded, quoting: _Quoting, checked: _Checked,
                               claims_parsed) -> None:
    """The quotations in each document's notes, evidence and text values, unless all were
    found before in paragraphs that are unchanged.

    The cache's "quotes" entry of a document file, under the stamp of its check, says
    that every quotation was found, in its own paragraphs and in those of the other
    documents its notes name: it holds those documents' ids and the stamps of their
    checks. While they are the same, the quotations are still found. It is an entry of
    its own, not part of the check's: a helper process (reportgen.warm) sends its checks
    before it looks for their quotations, the part they are needed first for.
    """
    files = {file.path: file for file in loaded.documents}
    texts = {c.id for c in _claim_list(claims_parsed) if c.type == "text"}
    cache = loaded.cache
    for document in checked.documents:
        if document.paragraphs:
            file = files[document.paragraphs[0].origin.path]
            _, stamp = checked.records[file.path]
            before = cache.get("quotes", file.path, stamp) if cache is not None else None
            if isinstance(before, dict) and all(checked.stamps.get(other) == its_stamp
                                                for other, its_stamp in before.items()):
                continue  # all found before, in the same paragraphs: they still are
            named = _check_document_quotes(quoting, file, document, checked.paragraphs, texts)
            if cache is not None and named is not None:
                cache.put("quotes", file.path, stamp, {d: checked.stamps[d] for d in named})


def _check_finding_quotes(quoting: _Quoting, file, index: int, finding: Finding) -> Finding:
    if not finding.cites or any(c not in quoting.corpus for c in finding.cites):
        return finding  # a citation could not be read: reported already
    checks = []
    for key in ("title", "summary"):
        checks += quoting.check(file, ("findings", index, key), getattr(finding, key),
                                finding.cites, f"finding '{finding.id}'",
                                "the paragraphs it cites", quoting.citable)
    return dataclasses.replace(finding, quotations=tuple(checks))


def _check_document_quotes(quoting: _Quoting, file, document: Document, paragraphs,
                           text_claims: set[str]) -> set[str] | None:
    """Look up the document's quotations. If each was found: the other documents whose
    paragraphs its notes name (the same again, and the same result); else None."""
    reported = len(quoting.problems)
    named: list[str] = []
    if document.evidence:
        quoting.check(file, ("evidence",), document.evidence,
                      [p.id for p in document.paragraphs if p.continues is None], "evidence",
                      "this document's text")
    for index, paragraph in enumerate(document.paragraphs):
        where = ("paragraphs", index)
        head = paragraph.shown_with
        if paragraph.note:
            scope = [head, *_named(paragraph.note, document, paragraphs)]
            named += scope
            quoting.check(file, (*where, "note"), paragraph.note, scope,
                          f"para {paragraph.number} note", _note_scope(scope),
                          lambda pid: f"name {pid} in the note?")
        for c, assertion in enumerate(paragraph.claims):
            what = f"para {paragraph.number}, claim '{assertion.claim}'"
            if assertion.note:
                scope = [head, *_named(assertion.note, document, paragraphs)]
                named += scope
                quoting.check(file, (*where, "claims", c, "note"), assertion.note, scope,
                              f"{what} note", _note_scope(scope),
                              lambda pid: f"name {pid} in the note?")
            if assertion.claim in text_claims:
                _check_text_value(quoting, file, (*where, "claims", c, "value"), assertion,
                                  head, what)
    if len(quoting.problems) > reported:
        return None
    return {pid.partition(":")[0] for pid in named} - {document.id}


def _check_text_value(quoting: _Quoting, file, path, assertion: Assertion, head: str,
                      what: str) -> None:
    """A ``text`` claim's value is the paragraph's own words (elisions allowed)."""
    quotation = quotes.whole(assertion.value)
    if quotation is None or quoting.corpus.occurs_in(quotation, [head]):
        return
    quoting.problems.append(Problem(
        file.path, file.line_of(*path),
        f"{what}: text value \"{_clip(quotation.text)}\" is not in this paragraph",
        "a text value gives the paragraph's own words (… for words left out): write it as "
        "printed; declare two wordings of one fact `equivalent` in claims.yaml", "warning"))


def _check_claim_quotes(quoting: _Quoting, file, entries, checked: _Checked) -> None:
    if not quoting.complete:  # a document not read (its errors reported) may assert a
        return  # claim: the words quoted from it cannot be looked for, only wrongly missed
    asserting: dict[str, list[str]] = {}
    for paragraph in checked.paragraphs.values():
        for assertion in paragraph.claims if paragraph.kind == "body" else ():
            asserting.setdefault(assertion.claim, []).append(assertion.paragraph)
    for c, claim in enumerate(entries):
        if claim is None or claim.id not in asserting:
            continue  # unreadable (reported), or nothing to look in
        scope = list(dict.fromkeys(asserting[claim.id]))
        texts = [(("description",), claim.description)]
        if claim.verdict:
            texts.append((("verdict", "reason"), claim.verdict.reason))
        texts += [(("equivalent", g, "reason"), group.reason)
                  for g, group in enumerate(claim.equivalent or []) if group]
        for path, text in texts:
            field_name = " ".join(part for part in path if isinstance(part, str))
            quoting.check(file, ("claims", c, *path), text, scope,
                          f"claim '{claim.id}' {field_name}", "the paragraphs asserting it")


def _named(note: str, document: Document, paragraphs: dict[str, Paragraph]) -> list[str]:
    """The paragraphs a note names (shown with their heads): ``koc-2021:42``, ``para 8``,
    ``paras 3-4``, ``paras 9, 16``, ``paras 3 and 4`` (the last three in its own document)."""
    cites, mentions = _COLON_DIGIT.search(note), "para" in note  # quicker than the patterns
    if not (cites or mentions):
        return []
    named = [f"{m.group(1)}:{m.group(2)}" for m in _CITATION.finditer(note)] if cites else []
    for match in _NAMED_PARAGRAPHS.finditer(note) if mentions else ():
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        ranges = re.findall(r"(\d+)\s*(?:[-–]|to)\s*(\d+)", match.group(1))
        numbers += [n for a, b in ranges for n in range(int(a), int(b) + 1)]
        named += [f"{document.id}:{n}" for n in numbers]
    return list(dict.fromkeys(paragraphs[pid].shown_with for pid in named if pid in paragraphs))


def _note_scope(scope: list[str]) -> str:
    return "this paragraph" if len(scope) == 1 else "this paragraph or the ones the note names"


def _quote_line(file: YamlFile, path: tuple, text: str, offset: int) -> int | None:
    """The line of the quotation at ``offset`` in ``text``, the value at ``path``: found by
    counting quotation marks in the file (any scalar style); else the value's own line."""
    line = file.line_of(*path)
    if path not in file.spans:
        return line
    start, end = file.spans[path]
    raw = file.text[start:end]
    marks = "\"“”"
    before = sum(text.count(m, 0, offset) for m in marks)
    inner = 1 if raw[:1] in "\"'" else 0  # the scalar's own quotation marks do not count
    positions = [i for i, ch in enumerate(raw) if ch in marks and inner <= i < len(raw) - inner]
    if len(positions) == sum(text.count(m) for m in marks) and before < len(positions):
        return _line_at(file, start + positions[before])
    if raw[:1] == "|":  # a literal block: its lines are the value's lines
        return _line_at(file, start) + 1 + text.count("\n", 0, offset)
    return line


@functools.lru_cache(maxsize=64)
def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _line_at(file: YamlFile, index: int) -> int:
    return bisect.bisect_right(_line_starts(file.text), index)


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
