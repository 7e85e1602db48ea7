"""`reportgen import PATH.qdpx`: a REFI-QDA project's sources and coding, into this project.

What maps where (docs/formats.md has the details):

- each text source -> a seed (its plain text, as stored) and an annotation file
  in annotations/documents/ with every paragraph; a PDF source's text
  representation is used when it has one;
- codes -> themes (appended to themes.yaml; a code whose name is already a
  theme's label or id is that theme); codes under "Paragraph kinds" named like
  a paragraph kind -> that kind (reportgen's own export writes them);
- coded selections -> the themes of the paragraphs they touch. A selection
  covering part of a paragraph gives the whole paragraph its codes, and one
  across several paragraphs gives each of them its codes: both are listed;
- variables on a source (author, outlet, published or date, year, account,
  title, label, document id, format) -> the document's metadata; a case holding
  a source -> its account when no variable names one;
- notes on selections or codings (and selections' descriptions) -> the
  paragraph's note; code descriptions -> theme descriptions.

Everything else (pictures, audio, video, PDF regions, notes on whole sources or
the project, sets, links, graphs, unknown variables, codes applied to a whole
source) is listed with the reason it was not imported. Files from other tools
differ: source paths are ``internal://``, relative or absolute; positions count
code points or UTF-16 units, with CRLF as one or two characters; the reading
that puts the most selection boundaries on word boundaries wins, and is said.

Nothing existing is overwritten: every target is checked before anything is
written, and themes.yaml and briefing.yaml are edited with the safe writer.
"""

from __future__ import annotations

import bisect
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote, urlparse

from lxml import etree

from .editor import SCHEMA_FOLDER, modeline, write_schema_files
from .errors import Problem, ReportgenError, counted, display_path
from .files import rewrite_text
from .load import MAX_SOURCE_BYTES
from .positions import paragraph_spans
from .qdpx import KIND_CODES
from .schema import ID_PATTERN, PARAGRAPH_KINDS, PARTIAL_DATE
from .segment import MODES, Segment, split_paragraphs, suggest_quote
from .sources import looks_like_markdown
from .starter import MODELINES, STARTER_FILES
from .yamlio import edited_text, load_yaml

MAX_QDE_BYTES = 256 * 1024 * 1024
NOT_TEXT = {"PictureSource": "a picture", "AudioSource": "an audio recording",
            "VideoSource": "a video", "PDFSource": "a PDF without a text representation"}
# Variable names (lowercase, spaces and punctuation dropped) -> document field.
VARIABLE_FIELDS = {
    "documentid": "id", "id": "id", "title": "title", "name": "title",
    "author": "author", "authors": "author", "creator": "author", "writer": "author",
    "outlet": "outlet", "publisher": "outlet", "publication": "outlet", "journal": "outlet",
    "published": "published", "date": "published", "publicationdate": "published",
    "publisheddate": "published", "year": "year", "account": "account", "label": "label",
    "format": "format",
}


@dataclass
class ImportResult:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # mapped, but worth knowing how
    unmapped: list[str] = field(default_factory=list)  # not imported, each with the reason
    summary: str = ""


@dataclass
class _Code:
    guid: str
    name: str
    path: tuple[str, ...]  # the names of the codes it sits under
    description: str
    codable: bool


@dataclass
class _Selection:
    guid: str
    name: str
    start: int
    end: int
    codes: list[str]  # code guids
    notes: list[str]  # note texts


@dataclass
class _Source:
    name: str
    text: str
    selections: list[_Selection]
    metadata: dict[str, str]
    stored_as: str  # where its text was found, for messages


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _child_text(element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


class _Unreadable(Exception):
    """A file named in the project that cannot be read, with the reason."""


class _Reader:
    """The content of one .qdpx, read tolerantly: what is unusable goes to ``unmapped``."""

    def __init__(self, path: Path):
        self.path = path
        self.unmapped: list[str] = []
        self.notes: list[str] = []
        try:
            self.archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ReportgenError([Problem(display_path(path), None,
                                          f"cannot be read as a .qdpx (a zip file): {exc}",
                                          "export the project from your QDA tool as REFI-QDA "
                                          "(.qdpx)")]) from None
        self.names = {name.lower(): name for name in self.archive.namelist()}
        self.root = self._project_xml()
        self.note_texts = self._note_texts()

    def _project_xml(self):
        name = next((n for low, n in self.names.items() if low.endswith(".qde")), None)
        shown = display_path(self.path)
        if name is None:
            raise ReportgenError([Problem(shown, None, "holds no project.qde",
                                          "is this a REFI-QDA project export (.qdpx)?")])
        if self.archive.getinfo(name).file_size > MAX_QDE_BYTES:
            raise ReportgenError([Problem(shown, None, f"its {name} is too large to read",
                                          "split the project")])
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(self.archive.read(name), parser)
        except etree.XMLSyntaxError as exc:
            raise ReportgenError([Problem(shown, None, f"{name} is not well-formed XML: {exc}",
                                          "export the project again")]) from None
        if _local(root) != "Project":
            raise ReportgenError([Problem(shown, None, f"{name} is not a REFI-QDA project "
                                          f"(its root is <{_local(root)}>)", "")])
        return root

    def _note_texts(self) -> dict[str, tuple[str, str]]:
        """Every note: guid -> (name, text)."""
        notes = {}
        for block in _children(self.root, "Notes"):
            for note in _children(block, "Note"):
                text = _child_text(note, "PlainTextContent")
                if not text and note.get("plainTextPath"):
                    try:
                        data = self.file_bytes(note.get("plainTextPath"))
                    except _Unreadable:
                        data = None
                    text = (_decode(data) or "").strip() if data else ""
                notes[note.get("guid", "")] = (note.get("name") or "note", text)
        return notes

    def note(self, guid: str) -> str:
        """A note's text (its name when it has none), as a paragraph's note takes it."""
        name, text = self.note_texts.get(guid, ("", ""))
        return text or name

    def note_name(self, guid: str) -> str:
        return self.note_texts.get(guid, ("a missing note", ""))[0]

    # -- files inside (or beside) the zip --------------------------------------

    def file_bytes(self, reference: str) -> bytes | None:
        """A source or note file named by a path attribute, wherever the tool put it."""
        for candidate in self._candidates(reference):
            name = self.names.get(candidate.lower())
            if name is not None and self.archive.getinfo(name).file_size > MAX_SOURCE_BYTES:
                raise _Unreadable(f"larger than the {MAX_SOURCE_BYTES // 2**20} MiB reportgen "
                                  "reads")
            if name is not None:
                return self.archive.read(name)
        outside = self._outside(reference)
        if outside is not None and outside.is_file() and outside.stat().st_size <= MAX_SOURCE_BYTES:
            self.notes.append(f"{reference}: read from {display_path(outside)}, outside the .qdpx")
            return outside.read_bytes()
        return None

    def _candidates(self, reference: str) -> list[str]:
        """Names inside the zip a path attribute may mean: internal://x -> sources/x,
        a relative path under sources/ or the root, an absolute one by its file name."""
        _, path = _bare(reference)
        windows = PureWindowsPath(path)
        posix = PurePosixPath(path.replace("\\", "/"))
        relative = posix.as_posix().lstrip("/")
        base = windows.name if windows.drive else posix.name
        return [f"sources/{relative}", relative, f"sources/{base}", base]

    def _outside(self, reference: str) -> Path | None:
        """A file outside the zip, for tools that link rather than embed: absolute, or
        relative (relative://) to the project's basePath, else to the .qdpx's folder."""
        scheme, path = _bare(reference)
        if scheme == "internal":
            return None
        if Path(path).is_absolute():
            return Path(path)
        base = self.root.get("basePath")
        return (Path(_bare(base)[1]) if base else self.path.parent) / path


def _bare(reference: str) -> tuple[str, str]:
    """(scheme, path) of a REFI path: internal://x, relative://x, file:///x or a plain path."""
    reference = unquote(reference.strip())
    for scheme in ("internal", "relative"):
        if reference.lower().startswith(f"{scheme}://"):
            return scheme, reference[len(scheme) + 3:]
    if reference.lower().startswith("file:"):
        return "file", urlparse(reference).path
    return "", reference


def _decode(data: bytes) -> str | None:
    """Text as the standard stores it (UTF-8), or UTF-16 with a byte order mark; else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


# -- reading the project ---------------------------------------------------------

def _codes(reader: _Reader) -> dict[str, _Code]:
    codes: dict[str, _Code] = {}

    def walk(element, path: tuple[str, ...]) -> None:
        for code in _children(element, "Code"):
            name = (code.get("name") or "").strip() or "unnamed code"
            codes[code.get("guid", "")] = _Code(
                code.get("guid", ""), name, path, _child_text(code, "Description"),
                code.get("isCodable", "true").strip().lower() in ("true", "1"))
            for ref in _children(code, "NoteRef"):
                reader.unmapped.append(f"note '{reader.note_name(ref.get('targetGUID', ''))}' "
                                       f"on code '{name}': reportgen keeps notes on paragraphs")
            walk(code, path + (name,))

    for book in _children(reader.root, "CodeBook"):
        for block in _children(book, "Codes"):
            walk(block, ())
    return codes


def _variables(reader: _Reader) -> dict[str, str]:
    return {v.get("guid", ""): (v.get("name") or "").strip()
            for block in _children(reader.root, "Variables")
            for v in _children(block, "Variable")}


def _variable_values(element, variables: dict[str, str]) -> list[tuple[str, str]]:
    values = []
    for value in _children(element, "VariableValue"):
        ref = _children(value, "VariableRef")
        name = variables.get(ref[0].get("targetGUID", "") if ref else "", "")
        given = [child for child in value if _local(child).endswith("Value")]
        values.append((name, (given[0].text or "").strip() if given else ""))
    return values


def _cases(reader: _Reader) -> dict[str, list[str]]:
    """Source guid -> names of the cases holding it."""
    holding: dict[str, list[str]] = {}
    for block in _children(reader.root, "Cases"):
        for case in _children(block, "Case"):
            name = (case.get("name") or "").strip()
            for ref in _children(case, "SourceRef"):
                holding.setdefault(ref.get("targetGUID", ""), []).append(name)
            if _children(case, "SelectionRef") or _children(case, "CodeRef"):
                reader.unmapped.append(f"case '{name}': its selections and codes are not "
                                       "imported (reportgen groups whole sources into accounts)")
    return holding


def _sources(reader: _Reader, codes, variables, cases) -> list[_Source]:
    sources = []
    for block in _children(reader.root, "Sources"):
        for element in block:
            kind = _local(element)
            name = (element.get("name") or "").strip()
            if kind == "TextSource":
                text_element = element
            elif kind == "PDFSource" and _children(element, "Representation"):
                text_element = _children(element, "Representation")[0]
                if _children(element, "PDFSelection"):
                    reader.unmapped.append(f"{name}: its {len(_children(element, 'PDFSelection'))}"
                                           " PDF region codings (reportgen codes text, not page "
                                           "regions)")
            elif kind:
                reader.unmapped.append(f"{name or kind}: {NOT_TEXT.get(kind, kind)} (reportgen "
                                       "compares texts; save it as plain text and add it with "
                                       "`reportgen add`)")
                continue
            else:
                continue
            source = _text_source(reader, element, text_element, name, codes, variables, cases)
            if source is not None:
                sources.append(source)
    return sources


def _text_source(reader, element, text_element, name, codes, variables, cases) -> _Source | None:
    path = text_element.get("plainTextPath") or element.get("plainTextPath") or ""
    name = name or PurePosixPath(path.replace("\\", "/")).stem or "source"
    inline = _children(text_element, "PlainTextContent")
    if inline:
        text, stored_as = inline[0].text or "", "its PlainTextContent"
    elif path:
        try:
            data = reader.file_bytes(path)
        except _Unreadable as exc:
            reader.unmapped.append(f"{name}: its text {path} is {exc}")
            return None
        if data is None:
            reader.unmapped.append(f"{name}: its text {path} is neither in the .qdpx nor on "
                                   "this machine")
            return None
        text, stored_as = _decode(data), path
        if text is None:
            reader.unmapped.append(f"{name}: its text {path} is not UTF-8 or UTF-16 text")
            return None
    else:
        rich = text_element.get("richTextPath") or "no text at all"
        reader.unmapped.append(f"{name}: only a rich-text copy ({rich}), no plain text; "
                               "save it as plain text and add it with `reportgen add`")
        return None
    selections = []
    for selection in _children(text_element, "PlainTextSelection"):
        notes = [reader.note(r.get("targetGUID", "")) for r in _children(selection, "NoteRef")]
        notes += [reader.note(r.get("targetGUID", "")) for c in _children(selection, "Coding")
                  for r in _children(c, "NoteRef")]
        description = _child_text(selection, "Description")
        try:
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        except (TypeError, ValueError):
            reader.unmapped.append(f"{name}: selection '{selection.get('name', '')}' has no "
                                   "usable start and end position")
            continue
        selections.append(_Selection(
            selection.get("guid", ""), selection.get("name") or f"{start}-{end}",
            min(start, end), max(start, end),
            [ref.get("targetGUID", "") for c in _children(selection, "Coding")
             for ref in _children(c, "CodeRef")],
            [n for n in ([description] if description else []) + notes if n]))
    for coding in _children(text_element, "Coding"):
        for ref in _children(coding, "CodeRef"):
            code = codes.get(ref.get("targetGUID", ""))
            reader.unmapped.append(f"{name}: code '{code.name if code else '?'}' applied to the "
                                   "whole source (reportgen gives themes to paragraphs)")
    for ref in _children(element, "NoteRef") + (_children(text_element, "NoteRef")
                                                if text_element is not element else []):
        reader.unmapped.append(f"{name}: note '{reader.note_name(ref.get('targetGUID', ''))}' "
                               "on the whole source (reportgen keeps notes on paragraphs)")
    description = _child_text(element, "Description")
    metadata = {"title": description} if description and len(description) < 300 else {}
    if description and "title" not in metadata:
        reader.unmapped.append(f"{name}: its description (too long for a title)")
    for variable, value in _variable_values(element, variables):
        key = VARIABLE_FIELDS.get(re.sub(r"[^a-z]", "", variable.lower()))
        if key and value:
            metadata[key] = value
        elif value:
            reader.unmapped.append(f"{name}: variable '{variable}' = '{value}' (documents have "
                                   "no such field)")
    held = cases.get(element.get("guid", ""), [])
    if held and "account" not in metadata:
        metadata["account"] = held[0]
        if len(held) > 1:
            reader.notes.append(f"{name}: in cases {', '.join(held)}; its account is the first")
    return _Source(name, text, selections, metadata, stored_as)


# -- positions: which unit did the producer count in? ----------------------------

UNITS = {  # name -> (UTF-16 code units?, CRLF counted once?)
    "code points": (False, False),
    "UTF-16 code units": (True, False),
    "code points, CRLF as one": (False, True),
    "UTF-16 code units, CRLF as one": (True, True),
}


def _unit_offsets(text: str, utf16: bool, crlf_once: bool) -> list[int]:
    """For each code point index k (and len(text)), the position a producer counting so gives it."""
    offsets, position = [], 0
    for index, char in enumerate(text):
        offsets.append(position)
        if crlf_once and char == "\r" and text[index + 1:index + 2] == "\n":
            continue  # the pair counts once, by its \n
        position += 2 if utf16 and ord(char) > 0xFFFF else 1
    offsets.append(position)
    return offsets


def _to_code_points(text: str, selections: list[_Selection]) \
        -> tuple[list[_Selection], list[_Selection], str]:
    """The selections with code point positions, those past the end of the text, and the
    unit chosen ("" when the text reads the same in every unit)."""
    astral, crlf = any(ord(c) > 0xFFFF for c in text), "\r\n" in text
    readings = {}
    for unit, (utf16, crlf_once) in UNITS.items():
        if (utf16 and not astral) or (crlf_once and not crlf):
            continue  # the same reading as one before: this text cannot tell them apart
        offsets = _unit_offsets(text, utf16, crlf_once)
        converted = [_Selection(s.guid, s.name, bisect.bisect_left(offsets, s.start),
                                bisect.bisect_left(offsets, s.end), s.codes, s.notes)
                     for s in selections if s.end <= offsets[-1]]
        readings[unit] = (offsets, converted, [s for s in selections if s.end > offsets[-1]])
    score = {unit: (len(converted), _boundary_score(text, converted))
             for unit, (_, converted, _) in readings.items()}
    best = max(readings, key=lambda unit: score[unit])  # ties: the first, code points
    _, converted, past = readings[best]
    return converted, past, best if len(readings) > 1 else ""


def _boundary_score(text: str, selections: list[_Selection]) -> int:
    """How many selection ends fall on a word boundary: a wrong unit cuts words."""
    def boundary(position: int) -> bool:
        before = text[position - 1:position]
        after = text[position:position + 1]
        return not (before.isalnum() and after.isalnum())
    return sum(boundary(s.start) + boundary(s.end) for s in selections)


# -- selections to paragraphs --------------------------------------------------

@dataclass
class _Mapping:
    segments: list[Segment]
    spans: list[tuple[int, int]]
    touched: dict[int, list[int]]  # selection index -> paragraph indexes it touches
    partial: dict[int, list[int]]  # selection index -> paragraphs it covers only in part


def _map(text: str, selections: list[_Selection], mode: str) -> _Mapping:
    segments = split_paragraphs(text, mode)
    spans = paragraph_spans(text, segments)
    starts = [start for start, _ in spans]
    touched, partial = {}, {}
    for index, selection in enumerate(selections):
        chosen = text[selection.start:selection.end]
        start = selection.start + len(chosen) - len(chosen.lstrip())
        end = selection.end - (len(chosen) - len(chosen.rstrip()))
        first = max(bisect.bisect_right(starts, start) - 1, 0)
        hits = []
        for i in range(first, len(spans) if end > start else 0):  # nothing but blanks: none
            if spans[i][0] >= end:
                break
            if spans[i][1] > start:
                hits.append(i)
        touched[index] = hits
        cut = [i for i in hits if start > spans[i][0] or end < spans[i][1]]
        if cut:
            partial[index] = cut
    return _Mapping(segments, spans, touched, partial)


def _best_mapping(text: str, selections: list[_Selection], mode: str) -> tuple[_Mapping, str]:
    """The paragraphs in ``mode``, or (``fit``) in the mode whose paragraphs the selections
    cut least, preferring auto, then blocks, then lines."""
    if mode != "fit":
        return _map(text, selections, mode), mode
    tried = {m: _map(text, selections, m) for m in MODES}
    best = min(MODES, key=lambda m: (len(tried[m].partial) + sum(
        len(h) > 1 for h in tried[m].touched.values()) if selections else 0, MODES.index(m)))
    return tried[best], best


# -- the files to write -----------------------------------------------------------

def slug(text: str, fallback: str, longest: int = 40) -> str:
    """An id from a name: lowercase words joined by hyphens, cut at a word if long."""
    made = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    while len(made) > longest and "-" in made:
        made = made.rsplit("-", 1)[0]
    return made if re.fullmatch(ID_PATTERN, made or "-") else fallback


def _unique(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _quoted(value) -> str:
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML one


def _published(metadata: dict[str, str]) -> str:
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD" from a published/date or year variable, or ""."""
    for key in ("published", "year"):
        value = metadata.get(key, "")
        match = re.match(r"\d{4}(-\d{2}(-\d{2})?)?", value)
        if match and PARTIAL_DATE.fullmatch(match.group()):
            return match.group()
    return ""


@dataclass
class _Plan:
    """Everything an import will write, worked out before anything is."""

    new_files: dict[Path, str | bytes] = field(default_factory=dict)
    edits: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path -> (was, now)
    documents: int = 0
    paragraphs: int = 0
    coded: int = 0


def _document_text(origin: str, doc_id: str, seed_name: str, source: _Source, mapping: _Mapping,
                   mode: str, kinds: dict[int, str], themes: dict[int, list[str]],
                   notes: dict[int, list[str]]) -> str:
    meta = source.metadata
    published = _published(meta)
    lines = [modeline("document", in_documents=True),
             f"# Imported by `reportgen import` from {origin}, source {_quoted(source.name)}.",
             "# Paragraphs no coded selection touched have `themes: []` to fill in, or another",
             "# kind; `reportgen check` lists what is left.",
             f"id: {doc_id}",
             f"source: {_quoted(seed_name)}",
             f"title: {_quoted(meta.get('title') or source.name)}",
             f"author: {_quoted(meta.get('author', ''))}",
             f"outlet: {_quoted(meta.get('outlet', ''))}",
             f"published: {_quoted(published)}"
             + ("" if published else '          # "YYYY", "YYYY-MM" or "YYYY-MM-DD"')]
    for key in ("account", "label"):
        if meta.get(key):
            lines.append(f"{key}: {_quoted(meta[key])}")
    if meta.get("format") == "markdown" or (meta.get("format") != "text"
                                            and looks_like_markdown(seed_name, source.text)):
        lines.append("format: markdown")
    if mode != "auto":
        lines.append(f"segmentation: {mode}")
    lines.append("paragraphs:")
    for index, segment in enumerate(mapping.segments):
        lines += [f"  - para: {segment.number}",
                  f"    quote: {_quoted(suggest_quote(segment.text))}"]
        if index in kinds:
            lines.append(f"    kind: {kinds[index]}")
        if themes.get(index) or index not in kinds:
            lines.append(f"    themes: [{', '.join(themes.get(index, []))}]")
        if notes.get(index):
            lines.append(f"    note: {_quoted(chr(10).join(notes[index]))}")
    return "\n".join(lines) + "\n"


def import_qdpx(project, path: Path, segmentation: str = "fit") -> ImportResult:
    """Import the .qdpx at ``path`` into ``project``; nothing existing is overwritten."""
    reader = _Reader(path)
    result = ImportResult()
    codes = _codes(reader)
    sources = _sources(reader, codes, _variables(reader), _cases(reader))
    for section in ("Links", "Sets", "Graphs"):
        for block in _children(reader.root, section):
            reader.unmapped.append(f"{len(block)} {section.lower()[:-1]}(s): reportgen has no "
                                   f"{section.lower()}")
    for ref in _children(reader.root, "NoteRef"):
        reader.unmapped.append(f"note '{reader.note_name(ref.get('targetGUID', ''))}' on the "
                               "whole project (reportgen keeps notes on paragraphs)")
    if _children(reader.root, "Users"):
        reader.notes.append("coders (REFI users) are not recorded: reportgen keeps no coder")

    plan = _Plan()
    theme_ids, themes_text = _plan_themes(project, codes, plan)
    _plan_documents(project, sources, codes, theme_ids, segmentation, plan, reader)
    if themes_text is not None:
        plan.edits[project.annotations / "themes.yaml"] = themes_text
    _plan_title(project, reader.root.get("name", ""), plan)
    _write(project, plan, result)
    result.notes, result.unmapped = reader.notes, reader.unmapped
    left = len(reader.unmapped)
    result.summary = (f"imported {counted(plan.documents, 'source')}, "
                      f"{counted(plan.paragraphs, 'paragraph')} ({plan.coded} coded), "
                      f"{counted(len(theme_ids), 'code')} as themes; "
                      f"{counted(left, 'thing')} not imported"
                      + (" (listed above)" if left else "")
                      + f"; next: `{project.command('check')}`")
    return result


def _existing_themes(project) -> tuple[str | None, list[dict]]:
    path = project.annotations / "themes.yaml"
    if not path.exists():
        return None, []
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text, display_path(path)).data
    themes = data.get("themes") if isinstance(data, dict) else None
    return text, [t for t in themes or [] if isinstance(t, dict)]


def _plan_themes(project, codes: dict[str, _Code], plan: _Plan):
    """Code guid -> theme id, and (was, now) for themes.yaml (None: unchanged)."""
    text, existing = _existing_themes(project)
    starter = text == STARTER_FILES["annotations/themes.yaml"]
    if starter:
        existing = []  # the untouched starter's placeholder gives way to the real themes
    known = {str(t.get(k, "")).casefold(): str(t.get("id")) for t in existing
             for k in ("id", "label")}
    taken = {str(t.get("id")) for t in existing}
    mapping, new = {}, []
    for code in codes.values():
        if not code.codable or (code.path[:1] == (KIND_CODES,) and code.name in PARAGRAPH_KINDS):
            continue
        theme = known.get(code.name.casefold())
        if theme is None:
            theme = _unique(slug(code.name, "theme"), taken)
            known[code.name.casefold()] = theme
            description = code.description
            if code.path:
                description = (description + "\n\n" if description else "") + \
                    f"Under: {' › '.join(code.path)}."
            new.append((theme, code.name, description))
        mapping[code.guid] = theme
    if not new:
        return mapping, None
    entries = "".join(f"  - id: {i}\n    label: {_quoted(label)}\n"
                      + (f"    description: {_quoted(d)}\n" if d else "") for i, label, d in new)
    fresh = (MODELINES["themes"] + "# The themes, in the order of the report's sections: the codes "
             "of an imported\n# REFI-QDA project, in codebook order.\nthemes:\n" + entries)
    if text is None:
        plan.new_files[project.annotations / "themes.yaml"] = fresh
        return mapping, None
    if starter:
        return mapping, (text, fresh)
    return mapping, (text, _appended(project, text, entries, existing, new))


def _appended(project, text: str, entries: str, existing: list[dict], new) -> str:
    """themes.yaml with ``entries`` added to its list, checked by reading it back."""
    shown = display_path(project.annotations / "themes.yaml")
    file = load_yaml(text, shown)
    start, end = file.spans.get(("themes",), (len(text), len(text)))
    indent = "  "
    if existing:
        first_line = text.splitlines()[file.lines[("themes", 0)] - 1]
        indent = first_line[:len(first_line) - len(first_line.lstrip())]
    block = entries.replace("\n  ", "\n" + indent).replace("  - ", indent + "- ", 1) \
        if indent != "  " else entries
    if text[start:end].strip() in ("[]", ""):  # an empty flow list, or nothing: a block list
        now = text[:start] + "\n" + block + text[end:].lstrip("\n")
    else:
        head = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
        now = head + block + text[end:].lstrip("\n") if end < len(text) else head + block
    again = load_yaml(now, shown)
    wanted = [t["id"] for t in existing] + [i for i, _, _ in new]
    if again.problems or [t.get("id") for t in (again.data or {}).get("themes", [])] != wanted:
        raise ReportgenError([Problem(shown, None, "the imported themes cannot be added to it "
                                      "without changing what it says; nothing was written",
                                      "add them by hand: " + ", ".join(i for i, _, _ in new))])
    return now


def _plan_documents(project, sources: list[_Source], codes, theme_ids, segmentation,
                    plan: _Plan, reader: _Reader) -> None:
    taken_ids = {p.stem for p in project.document_files()}
    for path in project.document_files():
        match = re.search(r"^id:\s*[\"']?([a-z0-9][a-z0-9-]*)", path.read_text("utf-8", "replace"),
                          re.MULTILINE)
        if match:
            taken_ids.add(match.group(1))
    seeds = sorted(project.seeds.iterdir()) if project.seeds.is_dir() else []
    taken_seeds = {p.name.lower() for p in seeds}
    present = {_text_of(p): p for p in seeds if p.is_file()}
    for source in sources:
        if source.text in present:  # imported before, or added by hand: not twice
            reader.unmapped.append(f"{source.name}: its text is already in the project, as "
                                   f"{display_path(present[source.text])}")
            continue
        selections, past, unit = _to_code_points(source.text, source.selections)
        if unit:
            reader.notes.append(f"{source.name}: positions read as {unit} (most selection ends "
                                "then fall between words)")
        for lost in past:
            reader.unmapped.append(f"{source.name}: selection '{lost.name}' ends at {lost.end}, "
                                   f"past the end of the text ({len(source.text)} characters)")
        mapping, mode = _best_mapping(source.text, selections, segmentation)
        kinds, themes, notes = _paragraph_annotations(source, selections, mapping, codes,
                                                      theme_ids, reader)
        doc_id = _unique(slug(source.metadata.get("id") or source.name, "source"), taken_ids)
        seed_name = _seed_name(source, doc_id, taken_seeds)
        plan.new_files[project.seeds / seed_name] = source.text.encode("utf-8")
        plan.new_files[project.annotations / "documents" / f"{doc_id}.yaml"] = _document_text(
            reader.path.name, doc_id, seed_name, source, mapping, mode, kinds, themes, notes)
        plan.documents += 1
        plan.paragraphs += len(mapping.segments)
        plan.coded += len(set(themes) | set(kinds))
        if mode != "auto" and segmentation == "fit":
            reader.notes.append(f"{source.name}: split into paragraphs by {mode}, which its "
                                "selections fit best (--segmentation chooses)")


def _text_of(path: Path) -> str | None:
    """A seed's text as an import would have written it (None if it is no UTF-8 text)."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _seed_name(source: _Source, doc_id: str, taken: set[str]) -> str:
    stem = PurePosixPath(source.stored_as.replace("\\", "/")).stem \
        if source.stored_as.endswith(".txt") and "internal://" not in source.stored_as else doc_id
    stem = re.sub(r"[^\w .-]+", "-", stem).strip(" .-") or doc_id
    name, n = f"{stem}.txt", 2
    while name.lower() in taken:
        name, n = f"{stem}-{n}.txt", n + 1
    taken.add(name.lower())
    return name


def _paragraph_annotations(source, selections, mapping: _Mapping, codes, theme_ids, reader):
    """Each paragraph's kind, themes and notes from the selections touching it."""
    kinds: dict[int, str] = {}
    themes: dict[int, list[str]] = {}
    notes: dict[int, list[str]] = {}
    for index, selection in enumerate(selections):
        hits = mapping.touched[index]
        where = f"{source.name}: selection '{selection.name}' (characters " \
                f"{selection.start}-{selection.end})"
        if not hits:
            reader.unmapped.append(f"{where} holds no paragraph text")
            continue
        numbers = [mapping.segments[i].number for i in hits]
        if len(hits) > 1:
            reader.notes.append(f"{where} spans paragraphs {numbers[0]}-{numbers[-1]}; each "
                                "gets its codes")
        elif index in mapping.partial:
            reader.notes.append(f"{where} covers part of paragraph {numbers[0]}; the paragraph "
                                "gets its codes")
        for guid in selection.codes:
            code = codes.get(guid)
            for paragraph in hits:
                if code is not None and code.path[:1] == (KIND_CODES,) \
                        and code.name in PARAGRAPH_KINDS:
                    kinds[paragraph] = code.name
                elif guid in theme_ids and theme_ids[guid] not in themes.get(paragraph, []):
                    themes.setdefault(paragraph, []).append(theme_ids[guid])
            if code is None:
                reader.unmapped.append(f"{where}: a coding names no code in the codebook")
        for paragraph in hits:
            for note in selection.notes:
                if note not in notes.get(paragraph, []):
                    notes.setdefault(paragraph, []).append(note)
    return kinds, themes, notes


def _plan_title(project, name: str, plan: _Plan) -> None:
    """An untouched starter briefing.yaml takes the project's name as its title."""
    path = project.annotations / "briefing.yaml"
    name = name.strip()
    if not name or not path.exists():
        if name and not path.exists():
            plan.new_files[path] = MODELINES["briefing"] + f"title: {_quoted(name)}\n"
        return
    text = path.read_text(encoding="utf-8")
    if text == STARTER_FILES["annotations/briefing.yaml"]:
        plan.edits[path] = (text, edited_text(load_yaml(text, display_path(path)),
                                              {("title",): name}))


def _write(project, plan: _Plan, result: ImportResult) -> None:
    """Every new file and edit, or nothing if any new file would overwrite one."""
    clashes = [Problem(display_path(p), None, "already exists; not overwritten",
                       "the .qdpx was imported before, or a file has this name: move it away "
                       "and import again") for p in plan.new_files if p.exists()]
    if clashes:
        raise ReportgenError(clashes)
    texts = {p: t for p, t in plan.new_files.items() if p.suffix == ".yaml"}
    texts |= {p: now for p, (_, now) in plan.edits.items()}
    for path, text in texts.items():  # what is written must read back as written
        if load_yaml(text, display_path(path)).problems:
            raise AssertionError(f"import made unreadable YAML for {path}:\n{text}")
    for path, content in plan.new_files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "xb") as handle:  # "x": fail rather than overwrite
            handle.write(data)
        result.written.append(path)
    for path, (was, now) in plan.edits.items():
        rewrite_text(path, was, now, project.annotations)
        result.written.append(path)
    result.written += write_schema_files(project.annotations / SCHEMA_FOLDER, missing_only=True)
