"""Stage 1: read the sources and the annotation files, keeping line numbers.

Nothing here judges the content; a file that cannot be read or parsed becomes
a Problem and the other files are still read, so one run reports everything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, ReportgenError, display_path
from .project import CHECKOUT as PACKAGE_ROOT  # noqa: F401  (Project lived here: still importable)
from .project import NOT_SOURCES, SOURCE_SUFFIXES, Project  # noqa: F401
from .yamlio import YamlFile, load_yaml


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    sha256: str


@dataclass
class Loaded:
    """Everything read from disk; files that failed to load are absent."""

    project: Project
    briefing: YamlFile | None = None
    themes: YamlFile | None = None
    claims: YamlFile | None = None
    findings: YamlFile | None = None
    documents: list[YamlFile] = field(default_factory=list)
    sources: dict[str, SourceText] = field(default_factory=dict)  # by file name
    problems: list[Problem] = field(default_factory=list)


REQUIRED_FILES = ("briefing", "themes")
OPTIONAL_FILES = ("claims", "findings")


def load(project: Project) -> Loaded:
    """Read every input of ``project``; unreadable files become problems."""
    loaded = Loaded(project)
    if not project.annotations.is_dir():
        raise ReportgenError([Problem(
            display_path(project.annotations), None, "annotations folder not found",
            "pass --annotations DIR, or run reportgen in a folder that has annotations/",
        )])
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        path = project.annotations / f"{name}.yaml"
        if path.exists():
            setattr(loaded, name, _read_yaml(path, loaded.problems))
        elif name in REQUIRED_FILES:
            loaded.problems.append(Problem(display_path(path), None, "file not found",
                                           f"create {name}.yaml; see annotations/README.md"))
    for path in project.document_files():
        document = _read_yaml(path, loaded.problems)
        if document is not None:
            loaded.documents.append(document)
    for path in project.source_files():
        source = read_source(path, loaded.problems)
        if source is not None:
            loaded.sources[path.name] = source
    return loaded


def _read_yaml(path: Path, problems: list[Problem]) -> YamlFile | None:
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(shown, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                "save the file as UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(shown, None, f"cannot read file: {exc.strerror}"))
        return None
    cached = _parsed.get(shown)
    if cached is not None and cached[0] == text:
        return cached[1]  # unchanged since the last build in this process (serve, watch)
    try:
        result = load_yaml(text, shown)
    except ReportgenError as exc:
        problems.extend(exc.problems)
        return None
    _parsed[shown] = (text, result)
    return result


# The last parse of each file, by path: long-running serve/watch re-read only
# what an edit changed. Callers treat YamlFile as read-only.
_parsed: dict[str, tuple[str, YamlFile]] = {}


def read_source(path: Path, problems: list[Problem]) -> SourceText | None:
    """A source text, or a problem if it is missing or not UTF-8 text."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(shown, None, f"cannot read source: {exc.strerror}",
                                "check the file name under seeds/"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(shown, line, f"source is not UTF-8 text (byte {exc.start})",
                                "convert it to UTF-8, e.g. iconv -f latin1 -t utf-8"))
        return None
    if "\x00" in text:
        problems.append(Problem(shown, None, "source is binary, not text",
                                "convert it to plain text first"))
        return None
    return SourceText(path, text.removeprefix("\ufeff"), hashlib.sha256(data).hexdigest())
