"""Stage 2: check the annotations against the schema, each other and the sources.

Every problem is collected with its file and line; a document with errors does
not stop the others from being checked. When all is well the result is the
immutable :class:`~reportgen.model.Briefing`.
"""

from __future__ import annotations

import re
from collections import Counter

from . import schema, spec
from .errors import Problem, ReportgenError, display_path
from .load import Loaded
from .model import Assertion, Briefing, Claim, Document, Finding, Origin, Paragraph, Theme
from .segment import Segment, anchor_matches, split_paragraphs, suggest_quote
from .yamlio import YamlFile


def validate(loaded: Loaded) -> tuple[Briefing, list[Problem]]:
    """The checked briefing and its warnings, or ReportgenError listing every error."""
    problems = list(loaded.problems)
    briefing = _parse(loaded.briefing, schema.BriefingFile, problems)
    themes = _parse(loaded.themes, schema.ThemesFile, problems)
    claims = _parse(loaded.claims, schema.ClaimsFile, problems) if loaded.claims else None
    findings = _parse(loaded.findings, schema.FindingsFile, problems) if loaded.findings else None

    # A file that failed to parse leaves its ids unknown (None): references to
    # them are not checked, so one mistake is not reported again everywhere.
    theme_ids = _unique_ids(loaded.themes, themes.themes, "themes", problems) if themes else None
    claim_list = claims.claims if claims else []
    _unique_ids(loaded.claims, claim_list, "claims", problems)
    for index, claim in enumerate(claim_list):
        _known(claim.theme, theme_ids, "theme", loaded.claims, ("claims", index, "theme"), problems)
    claim_types = {c.id: c.type for c in claim_list}
    if loaded.claims and claims is None:
        claim_types = None

    documents, incomplete = _check_documents(loaded, theme_ids, claim_types, problems)
    paragraphs = {p.id: p for d in documents for p in d.paragraphs}
    finding_list = _check_findings(loaded.findings, findings, theme_ids, paragraphs,
                                   incomplete, problems)

    if any(p.severity == "error" for p in problems) or briefing is None or themes is None:
        raise ReportgenError(problems)
    return Briefing(
        title=briefing.title,
        subtitle=briefing.subtitle,
        columns=briefing.columns,
        themes=tuple(Theme(t.id, t.label, t.description, i) for i, t in enumerate(themes.themes)),
        claims=tuple(Claim(c.id, c.label, c.theme, c.type, c.description) for c in claim_list),
        documents=tuple(sorted(documents, key=lambda d: (d.published, d.id))),
        findings=tuple(finding_list),
        paragraphs=paragraphs,
    ), [p for p in problems if p.severity == "warning"]


# -- schema ------------------------------------------------------------------

def _parse(file: YamlFile | None, model: type, problems: list[Problem]):
    """The file's data as ``model``, or None with its problems recorded at their lines."""
    if file is None:
        return None
    parsed, errors = spec.parse(model, file.data if file.data is not None else {})
    for error in errors:
        problems.append(Problem(file.path, file.line_of(*error.loc), error.message, error.hint))
    return parsed


def _unique_ids(file, entries, key: str, problems: list[Problem]) -> set[str]:
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.id in first:
            problems.append(Problem(
                file.path, file.line_of(key, index, "id"),
                f"duplicate id '{entry.id}' (first used on line {file.line_of(key, first[entry.id], 'id')})",
                "ids must be unique; rename one",
            ))
        else:
            first[entry.id] = index
    return set(first)


def _known(value, known: set[str] | None, what: str, file: YamlFile, loc: tuple,
           problems) -> bool:
    if known is None or value in known:  # None: the ids could not be read
        return True
    close = _closest(value, known)
    hint = f"did you mean '{close}'?" if close else f"known {what}s: {', '.join(sorted(known))}"
    problems.append(Problem(file.path, file.line_of(*loc), f"unknown {what} '{value}'", hint))
    return False


def _closest(value: str, known: set[str]) -> str | None:
    import difflib  # only on the error path

    matches = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


# -- documents ---------------------------------------------------------------

def _check_documents(loaded: Loaded, theme_ids, claim_types, problems):
    """The valid documents, and the ids of those that failed (None: some id unknown)."""
    documents: list[Document] = []
    ids: dict[str, str] = {}
    sources: dict[str, str] = {}
    failed: set[str] | None = set()
    if len(loaded.documents) < len(loaded.project.document_files()):
        failed = None  # a file did not even parse: its id is unknown
    for file in loaded.documents:
        parsed = _parse(file, schema.DocumentFile, problems)
        if parsed is None:
            if isinstance(file.data, dict):
                sources.setdefault(str(file.data.get("source")), file.path)
                _report_left_to_annotate(file, problems)
            failed = None if not isinstance(file.data, dict) or "id" not in file.data else failed
            if failed is not None:
                failed.add(str(file.data["id"]))
            continue
        for value, seen, what in ((parsed.id, ids, "id"), (parsed.source, sources, "source")):
            if value in seen:
                problems.append(Problem(file.path, file.line_of(what),
                                        f"document {what} '{value}' is also used by {seen[value]}",
                                        f"each document needs its own {what}"))
            seen[value] = file.path
        document = _check_document(file, parsed, loaded, theme_ids, claim_types, problems)
        if document is not None:
            documents.append(document)
        elif failed is not None:
            failed.add(parsed.id)
    for name, source in loaded.sources.items():
        if name not in sources:
            problems.append(Problem(
                display_path(source.path), None, "source has no annotation file",
                f"run: reportgen add {display_path(source.path)}  (writes a skeleton to annotate)",
            ))
    return documents, failed


def _check_document(file, doc, loaded, theme_ids, claim_types, problems) -> Document | None:
    source = loaded.sources.get(doc.source)
    if source is None:
        if not (loaded.project.seeds / doc.source).exists():
            problems.append(Problem(file.path, file.line_of("source"),
                                    f"source file '{doc.source}' not found in "
                                    f"{display_path(loaded.project.seeds)}",
                                    "give the file name of a text under seeds/"))
        return None  # unreadable sources were reported by load
    segments = split_paragraphs(source.text, doc.segmentation)
    count = len(problems)
    entries = _check_coverage(file, doc, segments, problems)
    continued_by: dict[int, list[int]] = {}
    _check_themes_given(file, entries, problems)
    for index, (entry, segment) in enumerate(entries):
        _check_paragraph(file, index, entry, segment, segments, theme_ids, claim_types, problems)
        if entry.continues is not None:
            continued_by.setdefault(entry.continues, []).append(entry.para)
    if len(problems) > count:
        return None
    paragraphs = _build_paragraphs(file, doc, entries, continued_by, claim_types)
    return Document(
        id=doc.id, source=doc.source, title=doc.title, author=doc.author, outlet=doc.outlet,
        published=doc.published, account=doc.account or doc.published[:4],
        inferred=tuple(doc.inferred), evidence=doc.evidence, format=doc.format,
        paragraphs=paragraphs, characters=len(source.text), words=len(source.text.split()),
        sha256=source.sha256,
    )


def _check_coverage(file, doc, segments: list[Segment], problems) -> list[tuple]:
    """Pair each entry with its paragraph; every paragraph must have exactly one entry."""
    pairs = []
    expected = 1
    for index, entry in enumerate(doc.paragraphs):
        line = file.line_of("paragraphs", index, "para")
        if entry.para != expected:
            hint = (f"paragraphs {expected}-{entry.para - 1} have no entry; list every paragraph "
                    f"in order (reportgen paragraphs {doc.source} shows the numbering)"
                    if entry.para > expected else "list every paragraph once, in order")
            problems.append(Problem(file.path, line,
                                    f"expected paragraph {expected} here, found para: {entry.para}",
                                    hint))
            expected = max(expected, entry.para)
        if entry.para > len(segments):
            problems.append(Problem(file.path, line,
                                    f"para: {entry.para} is past the end of {doc.source}, which "
                                    f"has {len(segments)} paragraphs",
                                    "remove the entry, or check the source file name"))
        else:
            pairs.append((index, entry, segments[entry.para - 1]))
        expected += 1
    if len(segments) >= expected:
        missing = f"{expected}" if expected == len(segments) else f"{expected}-{len(segments)}"
        problems.append(Problem(
            file.path, file.line_of("paragraphs"),
            f"paragraphs {missing} of {doc.source} are not annotated "
            f"({len(segments) - expected + 1} of {len(segments)} left)",
            f"add an entry for each, starting with: para: {expected}, "
            f"quote: \"{suggest_quote(segments[expected - 1].text)}\"",
        ))
    return [(entry, segment) for _, entry, segment in pairs]


def _report_left_to_annotate(file, problems) -> None:
    """For a document whose metadata is unfinished (a fresh skeleton): how much is left."""
    entries = file.data.get("paragraphs")
    if not isinstance(entries, list):
        return
    left = sum(1 for e in entries if isinstance(e, dict) and not e.get("themes")
               and e.get("kind", "body") == "body" and e.get("continues") is None)
    if left:
        problems.append(Problem(file.path, file.line_of("paragraphs"),
                                f"{left} of {len(entries)} paragraphs are left to annotate: "
                                "body paragraphs with no themes",
                                "add themes: [...], or set kind: if it is not body text"))


def _check_themes_given(file, entries, problems) -> None:
    """Body paragraphs need themes; a fresh skeleton gets one summary, not one error each."""
    missing = [(file.line_of("paragraphs", i), entry) for i, (entry, _) in enumerate(entries)
               if entry.kind == "body" and not entry.themes and entry.continues is None]
    hint = "add themes: [...], or set kind: if it is not body text"
    if len(missing) > 3:
        problems.append(Problem(file.path, missing[0][0], f"{len(missing)} of {len(entries)} "
                                "paragraphs are left to annotate: body paragraphs with no themes",
                                hint))
        return
    for line, entry in missing:
        problems.append(Problem(file.path, line, f"para {entry.para}: body paragraph has no themes",
                                hint))


def _check_paragraph(file, index, entry, segment: Segment, segments, theme_ids, claim_types,
                     problems):
    where = ("paragraphs", index)
    if not anchor_matches(entry.quote, segment.text):
        now = [s.number for s in segments if anchor_matches(entry.quote, s.text)]
        where_now = (f"its quote now starts paragraph {now[0]}: the source changed; "
                     "`reportgen reanchor --write` renumbers the entries" if len(now) == 1 else
                     "its quote is no longer in the source (orphan)" if not now else
                     f"its quote starts paragraphs {', '.join(map(str, now))}")
        problems.append(Problem(
            file.path, file.line_of(*where, "quote"),
            f"para {entry.para}: quote does not match the start of the paragraph "
            f"(source lines {segment.line_start}-{segment.line_end}); {where_now}",
            f"the paragraph starts: \"{suggest_quote(segment.text, 10)}\"; if the source "
            "changed, run reportgen reanchor",
        ))
    for t, theme in enumerate(entry.themes):
        _known(theme, theme_ids, "theme", file, (*where, "themes", t), problems)
    if entry.continues is not None and entry.continues >= entry.para:
        problems.append(Problem(file.path, file.line_of(*where, "continues"),
                                f"para {entry.para} cannot continue paragraph {entry.continues}",
                                "continues: names an earlier paragraph"))
    for c, assertion in enumerate(entry.claims):
        loc = (*where, "claims", c)
        if claim_types is None:
            continue
        if _known(assertion.claim, set(claim_types), "claim", file, (*loc, "claim"), problems):
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


# -- claim values ------------------------------------------------------------

_STANCES = {"yes": True, "no": False, "true": True, "false": False}


def normalise_value(value: object, claim_type: str) -> object:
    """The value in comparable form; ValueError saying what was expected."""
    if claim_type == "stance":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _STANCES:
            return _STANCES[value.lower()]
        raise ValueError(f"expected yes or no, but received {value!r}")
    if claim_type == "year":
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}", value):
            return int(value)
        raise ValueError(f"expected a year such as 2015, but received {value!r}")
    if claim_type == "date":
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str) and schema.PARTIAL_DATE.fullmatch(text):
            return text
        raise ValueError(f'expected a date "YYYY", "YYYY-MM" or "YYYY-MM-DD", but received {value!r}')
    if claim_type == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ValueError(f"expected a number, but received {value!r}")
    if isinstance(value, bool) or not str(value).strip():
        raise ValueError(f"expected some text, but received {value!r}")
    return " ".join(str(value).split())


def display_value(value: object, claim_type: str) -> str:
    if claim_type == "stance":
        return "yes" if value else "no"
    if claim_type == "number":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return str(value)


# -- findings ----------------------------------------------------------------

def _check_findings(file, parsed, theme_ids, paragraphs, failed, problems) -> list[Finding]:
    if parsed is None:
        return []
    _unique_ids(file, parsed.findings, "findings", problems)
    findings = []
    for index, entry in enumerate(parsed.findings):
        where = ("findings", index)
        _known(entry.theme, theme_ids, "theme", file, (*where, "theme"), problems)
        counts = Counter(entry.cites)
        for c, cite in enumerate(entry.cites):
            document = cite.split(":")[0]
            if failed is None or document in failed:
                continue  # that document's own errors were reported
            if cite not in paragraphs:
                problems.append(Problem(file.path, file.line_of(*where, "cites", c),
                                        f"citation '{cite}' names no annotated paragraph",
                                        "cite DOCUMENT-ID:PARA of a paragraph in annotations/documents/"))
            elif paragraphs[cite].kind != "body":
                problems.append(Problem(file.path, file.line_of(*where, "cites", c),
                                        f"'{cite}' is a {paragraphs[cite].kind} paragraph, which is "
                                        "not in the comparison", "cite the body paragraph instead",
                                        "warning"))
            elif counts[cite] > 1:
                problems.append(Problem(file.path, file.line_of(*where, "cites", c),
                                        f"'{cite}' is cited twice", "cite each paragraph once",
                                        "warning"))
        # a continuation is shown with the paragraph it continues: cite that one
        cites = [paragraphs[c].shown_with if c in paragraphs else c for c in entry.cites]
        findings.append(Finding(entry.id, entry.kind, entry.theme, entry.title, entry.summary,
                                tuple(dict.fromkeys(cites)), entry.key))
    return findings
