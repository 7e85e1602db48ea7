"""Stage 1: read the sources and the annotation files, keeping line numbers.

Nothing here judges the content; a file that cannot be read or parsed becomes
a Problem and the other files are still read, so one run reports everything.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem, ReportgenError, display_path
from .project import CHECKOUT as PACKAGE_ROOT  # noqa: F401  (Project lived here: still importable)
from .project import NOT_SOURCES, SOURCE_SUFFIXES, Project  # noqa: F401
from .yamlio import YamlFile, load_yaml

if TYPE_CHECKING:  # imported by the build that makes one: `check` needs none of it
    from .checkcache import FileCache

# Sane limits (documented in annotations/README.md): the bundled files are far
# below them; a 50 MB annotation file took 92 s and 2.8 GB before they existed.
MAX_ANNOTATION_BYTES = 8 * 1024 * 1024
MAX_SOURCE_BYTES = 32 * 1024 * 1024


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
    unreadable: dict[str, str] = field(default_factory=dict)  # document files not parsed: text
    sources: dict[str, SourceText] = field(default_factory=dict)  # by file name
    refused_sources: set[str] = field(default_factory=set)  # source files read with problems
    problems: list[Problem] = field(default_factory=list)
    # the process's first load: what is built from it lives to the end (see paused_gc)
    first_in_process: bool = field(default=False, repr=False)
    # what earlier builds made of unchanged files (reportgen.checkcache)
    cache: FileCache | None = field(default=None, repr=False)


REQUIRED_FILES = ("briefing", "themes")
OPTIONAL_FILES = ("claims", "findings")
# What checking a document on its own needs besides its file and source text: the
# themes and claims it may name (reportgen.validate.check_each_document).
DOCUMENT_CONTEXT = ("themes", "claims")


def load(project: Project, cache: FileCache | None = None,
         documents: list[Path] | None = None, each=None,
         hashes: dict[Path, bytes] | None = None) -> Loaded:
    """Read every input of ``project``; unreadable files become problems.

    ``cache``: what earlier runs made of each file (reportgen.checkcache), used
    while the file is unchanged; what this run makes is put there to be saved.
    ``documents``: only these document annotation files, with the themes and claims
    they may name and the sources they name, and ``each(file)`` called as each is
    parsed (reportgen.warm's helper, which sends them on at once). ``hashes``: gets the
    SHA-256 of each file read, by path, of the bytes as read (what a first build stamps
    its outputs with: reportgen.build.input_stamp).
    """
    loaded = Loaded(project)
    if not project.annotations.is_dir():
        raise ReportgenError([Problem(
            display_path(project.annotations), None, "annotations folder not found",
            "pass --annotations DIR, or run reportgen in a folder that has annotations/",
        )])
    shown = Shown()
    loaded.first_in_process = not _parsed
    loaded.cache = cache
    read = functools.partial(_read_yaml, problems=loaded.problems, cache=cache,
                             hashes=hashes)
    with paused_gc(freeze=loaded.first_in_process):
        for name in REQUIRED_FILES + OPTIONAL_FILES if documents is None else DOCUMENT_CONTEXT:
            path = project.annotations / f"{name}.yaml"
            if path.exists():
                setattr(loaded, name, read(path, shown(path)))
            elif name in REQUIRED_FILES:
                loaded.problems.append(Problem(display_path(path), None, "file not found",
                                               f"create {name}.yaml; see annotations/README.md"))
        for path in project.document_files() if documents is None else documents:
            document = read(path, shown(path))
            if document is not None:
                loaded.documents.append(document)
                if each is not None:
                    each(document)
            else:  # remembered so that its source is not also called unannotated
                loaded.unreadable[shown(path)] = _text_or_empty(path)
        sources = project.source_files()
        if documents is not None:
            named = {file.data.get("source") for file in loaded.documents
                     if isinstance(file.data, dict)}
            sources = [path for path in sources if path.name in named]
        for path in sources:
            source = read_source(path, loaded.problems, hashes)
            if source is not None:
                loaded.sources[path.name] = source
            else:
                loaded.refused_sources.add(path.name)
    return loaded


@contextmanager
def paused_gc(freeze: bool = False):
    """Hold off Python's cycle collector while building many small containers.

    Parsing and checking a large corpus creates millions of dicts, lists and
    tuples, none in a cycle (reference counting frees them); the collector
    would traverse the growing heap thousands of times meanwhile: 40 % of the
    load time of a 14,000-paragraph corpus. It runs again afterwards.

    ``freeze``: also leave everything alive now out of later collections
    (``gc.freeze``), which would otherwise traverse these objects again and
    again while the report is rendered (0.4 s at 20,000 paragraphs), finding
    nothing. Only for a process's first build: cyclic garbage alive at this
    moment is then never collected, once, not once per rebuild of ``serve``.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


class Shown:
    """display_path() of many files in few folders, each folder resolved once.

    A file that is itself a link is resolved in full, as display_path does.
    """

    def __init__(self):
        self.folders: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        folder = self.folders.get(path.parent)
        if folder is None:
            folder = self.folders[path.parent] = display_path(path.parent)
        try:
            linked = stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError:
            linked = True
        if linked:
            return display_path(path)
        return path.name if folder == "." else f"{folder}{os.sep}{path.name}"


def _read_yaml(path: Path, shown: str, problems: list[Problem],
               cache: FileCache | None = None, hashes: dict | None = None) -> YamlFile | None:
    """The file parsed (its own problems go to ``problems``), or None if unreadable."""
    text = read_text_file(path, MAX_ANNOTATION_BYTES, problems, hashes)
    if text is None:
        return None
    cached = _parsed.get(shown)
    if cached is None or cached[0] != text:  # else unchanged since the last build (serve, watch)
        try:
            cached = (text, _parse_yaml(text, shown, cache))
        except ReportgenError as exc:
            problems.extend(exc.problems)
            return None
        _parsed[shown] = cached
    elif cache is not None:  # reused in this process: kept, or written if not yet there
        key = cache.stamp("yaml", shown, text)
        if not cache.holds("yaml", shown, key):
            _put(cache, shown, key, cached[1])
    problems.extend(cached[1].problems)
    return cached[1]


def _parse_yaml(text: str, shown: str, cache: FileCache | None) -> YamlFile:
    """load_yaml(text, shown), or what it gave an earlier run (with the checks made of it)."""
    if cache is None:
        return load_yaml(text, shown)
    key = cache.stamp("yaml", shown, text)
    found = cache.get("yaml", shown, key)
    if isinstance(found, YamlFile) and found.path == shown:
        found.text = text  # not stored twice (and data is read from it if asked for)
        return found
    file = load_yaml(text, shown)
    _put(cache, shown, key, file)
    return file


def _put(cache: FileCache, shown: str, key: bytes, file: YamlFile) -> None:
    # kept without its text; ``checked`` is shared, so what validate makes of it is kept too
    cache.put("yaml", shown, key, dataclasses.replace(file, text=""))


def read_text_file(path: Path, limit: int, problems: list[Problem],
                   hashes: dict | None = None) -> str | None:
    """A regular file's UTF-8 text, or None with the reason in ``problems``; the SHA-256
    of what was read goes to ``hashes`` (by path)."""
    data = _read_regular(path, limit, problems)
    if data is None:
        return None
    if hashes is not None:
        hashes[path] = hashlib.sha256(data).digest()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(display_path(path), line,
                                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                "save the file as UTF-8"))
        return None


def _read_regular(path: Path, limit: int, problems: list[Problem]) -> bytes | None:
    """The bytes of a regular file no larger than ``limit``; never blocks on a FIFO or device."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(display_path(path), None, f"is {file_kind(info.st_mode)}, not a text file",
                                    "replace it with a regular text file"))
            return None
        if info.st_size > limit:
            problems.append(Problem(display_path(path), None, f"is {info.st_size / 2**20:.1f} MiB, more than "
                                    f"the {limit // 2**20} MiB reportgen reads",
                                    "split it into smaller files"))
            return None
        with open(path, "rb", opener=no_block) as handle:
            return handle.read()
    except OSError as exc:
        problems.append(Problem(display_path(path), None, f"cannot read file: {exc.strerror}",
                                "check that it exists and is readable"))
        return None


def no_block(path, flags):
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def file_kind(mode: int) -> str:
    """ "a folder", "a FIFO (named pipe)", ...: what a path that is no regular file is."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _text_or_empty(path: Path) -> str:
    data = _read_regular(path, MAX_ANNOTATION_BYTES, [])
    return data.decode("utf-8", "replace") if data is not None else ""


# The last parse of each file, by path: long-running serve/watch re-read only
# what an edit changed. Callers treat YamlFile as read-only.
_parsed: dict[str, tuple[str, YamlFile]] = {}


def read_source(path: Path, problems: list[Problem],
                hashes: dict | None = None) -> SourceText | None:
    """A source text, or a problem if it is missing, not a regular file or not UTF-8 text;
    the SHA-256 of what was read goes to ``hashes`` (by path)."""
    data = _read_regular(path, MAX_SOURCE_BYTES, problems)
    if data is None:
        return None
    digest = hashlib.sha256(data)
    if hashes is not None:
        hashes[path] = digest.digest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(display_path(path), line,
                                f"source is not UTF-8 text (byte {exc.start})",
                                "convert it to UTF-8, e.g. iconv -f latin1 -t utf-8"))
        return None
    if "\x00" in text:
        problems.append(Problem(display_path(path), None, "source is binary, not text",
                                "convert it to plain text first"))
        return None
    return SourceText(path, text.removeprefix("\ufeff"), digest.hexdigest())
