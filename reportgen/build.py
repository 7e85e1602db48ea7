"""Orchestration: decide what to rebuild, run the stages, write the outputs as one set.

What to redo is decided from content hashes of every input (sources,
annotation files, the templates each output uses, reportgen's own code and the
versions of the libraries that shape the output), never timestamps.
Everything is gathered and checked before anything is written, and nothing is
replaced until every output is rendered in full, so a bad edit leaves the last
good report intact.

The outputs are replaced as a set (see :func:`publish`): each is written in
full beside its target first (report.html and report.json rendered straight
into that file: at scale they are never whole in memory), then all are renamed
in quick succession, the build stamps last. The stamps record each output's
hash, so a build killed among the renames leaves outputs that do not match
them, and the next build rebuilds exactly those. The stages are imported
lazily: a build with nothing to do needs none of them.
"""

from __future__ import annotations

import errno
import functools
import gc
import hashlib
import json
import os
import re
import sys
import traceback
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows has none: builds there are not serialised
    fcntl = None

from . import __version__
from .errors import Problem, ReportgenError, as_errors, display_path
from .files import content_hash, copy_range, stage, sync_folder, user_cache_folder, write_atomic
from .progress import Progress
from .project import Project

FORMATS = ("html", "json", "pdf", "brief")
STREAMED = ("html", "json")  # rendered straight into the file they are written to
OUTPUT_NAMES = {"html": "report.html", "json": "report.json", "pdf": "report.pdf",
                "brief": "brief.pdf"}
ROOT_TEMPLATES = {"html": "report.html.j2", "pdf": "report-print.html.j2",
                  "brief": "brief.html.j2"}  # json uses none
STATE_DIR = ".reportgen"  # inside the output folder: build stamps and the last snapshot
STATE_FILES = ("snapshot.json", "stamps.json")  # in the order they are replaced: stamps last
LOCK_NAME = "lock"
CHANGES_NAME = "changes.txt"
SUGGESTIONS_NAME = "suggestions.json"  # what `reportgen suggest` writes (reportgen.decisions)
LIBRARIES = ("Jinja2", "WeasyPrint", "markdown-it-py", "PyYAML", "orjson")  # they shape
# the outputs
# what a build writes through a temporary file: `.report.html.k2j4x9.tmp`
_TEMPORARY = re.compile(r"\.(%s)\.[^/]+\.tmp" % "|".join(
    re.escape(name) for name in (*OUTPUT_NAMES.values(), CHANGES_NAME, *STATE_FILES)))
_QUIET = object()  # a stream that is not a terminal: no progress shown


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # formats already up to date
    warnings: list[Problem] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what changed in substance


def check(project: Project, cache=None, hashes: dict | None = None):
    """Load, validate and compare; raises ReportgenError listing every problem.

    ``cache``: a reportgen.checkcache.FileCache, what earlier builds made of unchanged files
    (by default one of this run only). A large new corpus has its later files checked on a
    second core (reportgen.warm): for a cache passed in, the caller starts that helper.
    ``hashes``: gets the content hash of each file read, by path (see input_stamp).
    """
    from .checkcache import FileCache
    from .compare import compare
    from .load import load
    from .validate import validate
    from .warm import warming

    own = cache is None
    if own:
        cache = FileCache.for_this_run()
    try:
        with warming(project, cache) if own else nullcontext():
            briefing, warnings = validate(load(project, cache, hashes=hashes))
    finally:
        if own:
            cache.close()
    return compare(briefing), warnings


def build(project: Project, formats: tuple[str, ...] = FORMATS, *, force: bool = False,
          pdf_variant: str | None = None, strict: bool = False,
          progress: Progress | None = None) -> BuildResult:
    """Rebuild the outputs among ``formats`` whose inputs changed (all with ``force``).

    ``strict``: warnings fail the build like errors, before anything is written.
    ``progress``: where to show which output and stage is under way (a terminal only).
    """
    progress = progress or Progress(_QUIET)
    check_output_folder(project.output)
    state = BuildState(project.output)
    tool = tool_stamp(state.libraries)
    # An output never built is stale whatever its inputs: then the check is certain, a
    # large corpus's helper (reportgen.warm) starts at once, and the inputs are stamped
    # as the check reads them. Otherwise the stamps decide first whether to check at all
    # (a build with nothing to do imports none of the check: it stays quick).
    certain = force or not all(state.built(fmt) for fmt in formats)
    cache = _check_cache(project, tool) if certain else None
    hashes: dict = {}  # each input's content hash, by path: each file read once
    try:
        with ExitStack() as helped:
            if certain:
                helped.enter_context(_warming(project, cache))
            else:
                stamps = {fmt: input_stamp(project, fmt, tool, pdf_variant, hashes)
                          for fmt in formats}
                if all(state.is_current(fmt, stamps[fmt]) for fmt in formats):
                    tidy(project.output)
                    return _result(formats, [], state)
                cache = _check_cache(project, tool)
                helped.enter_context(_warming(project, cache))
            progress.show("checking", "sources and annotations", force=True)
            comparison, warnings = check(project, cache, hashes if certain else None)
        if certain:  # the files as the check read them: one saved meanwhile is built again
            stamps = {fmt: input_stamp(project, fmt, tool, pdf_variant, hashes)
                      for fmt in formats}  # next time
        stale = [fmt for fmt in formats if force or not state.is_current(fmt, stamps[fmt])]
        result = _result(formats, stale, state)
        if strict and warnings:
            raise as_errors(warnings)
        result.warnings += warnings
        with _collector_passes_over(comparison):
            _render_and_publish(project, comparison, stale, stamps, state, result,
                                pdf_variant, progress, cache)
        if cache is not None:  # kept only with a good report: a failed build writes nothing
            cache.save()
    finally:
        if cache is not None:
            cache.close()
    return result


def _result(formats, stale: list[str], state: BuildState) -> BuildResult:
    result = BuildResult(skipped=[fmt for fmt in formats if fmt not in stale])
    if state.warning:
        result.warnings.append(state.problem(state.path, state.warning))
    return result


def _check_cache(project: Project, tool: str):
    from .checkcache import FileCache

    return FileCache.at(project.output / STATE_DIR / "cache", tool)


def _warming(project: Project, cache):
    from .warm import warming

    return warming(project, cache)


def _render_and_publish(project: Project, comparison, stale: list[str], stamps: dict,
                        state: BuildState, result: BuildResult, pdf_variant: str | None,
                        progress: Progress, cache=None) -> None:
    last = aside = None
    try:  # the PDFs first, in memory: WeasyPrint's forked workers must not hold the write lock
        printed = {fmt: render(fmt, comparison, project, pdf_variant, progress, state.layouts)
                   for fmt in stale if fmt not in STREAMED}
        aside = _Aside.start(comparison, stale, cache)
        last = state.last_snapshot()  # opened now: publishing first repairs the state folder
        # what is made aside comes last: this process makes the rest meanwhile
        order = sorted(stale, key=lambda fmt: aside is not None and fmt in aside.parts)
        publish(project.output, _outputs(project, comparison, order, stamps, state, result,
                                         printed, progress, last, aside))
        if aside is not None:
            aside.hand_over_cache()
    finally:
        progress.clear()
        if hasattr(last, "close"):
            last.close()
        if aside is not None:
            aside.child.stop()
    result.written = [project.output / OUTPUT_NAMES[fmt] for fmt in stale]


def _outputs(project: Project, comparison, stale: list[str], stamps: dict, state: BuildState,
             result: BuildResult, printed: dict[str, bytes], progress: Progress, last,
             aside: _Aside | None = None):
    """The files to publish, in order, each made when publish asks for it: the outputs
    (the STREAMED ones rendered straight into their temporary files, hashed as they are
    written, or copied from what ``aside`` made), changes.txt, then the build state."""
    for fmt in stale:
        digest = hashlib.sha256()
        if fmt in printed:
            content = printed.pop(fmt)
            digest.update(content)
        else:
            def content(handle, fmt=fmt, digest=digest):
                out = _Hashing(handle, digest)
                if fmt == "html":  # the page made here, the data it embeds perhaps aside
                    made_aside = functools.partial(aside.copied, fmt) if aside else None
                    render(fmt, comparison, project, progress=progress, out=out,
                           made_aside=made_aside)
                elif not (aside is not None and aside.copied(fmt, out)):
                    render(fmt, comparison, project, progress=progress, out=out)
        yield project.output / OUTPUT_NAMES[fmt], content
        del content  # before the next output is made
        state.record(fmt, stamps[fmt], digest.hexdigest())
    progress.clear()
    before = state.read_snapshot(last)  # before this build's is made: not both at their largest
    snapshot = _snapshot(comparison)
    result.changes = state.changes_since(before, snapshot, result.warnings)
    del before
    if result.changes:
        yield project.output / CHANGES_NAME, ("\n".join(result.changes) + "\n").encode()
    yield from state.files(snapshot)


class _Aside:
    """Part of a large report's HTML or JSON, made by a forked process
    (reportgen.forked) while this one makes the rest: the data the HTML page embeds
    (see reportgen.render.write_html), or else report.json. That process then
    pickles the check cache's new entries too."""

    PARAGRAPHS = 5_000  # below this many, a fork costs more than it saves

    def __init__(self, child, cache, parts: list[str]):
        self.child, self.cache, self.parts = child, cache, parts

    @classmethod
    def start(cls, comparison, stale: list[str], cache) -> _Aside | None:
        from . import forked
        from .render import draws_on_demand

        # The HTML's embedded data if it has some (it takes longer than the JSON, which
        # is then made here while that is made aside), else the JSON.
        parts = ["html"] if "html" in stale and draws_on_demand(comparison) else \
            ["json"] if "json" in stale else []
        if not parts or len(comparison.briefing.paragraphs) < cls.PARAGRAPHS \
                or not forked.possible():
            return None
        try:
            aside = cls(forked.Forked(_made_aside, comparison, cache, parts), cache, parts)
        except OSError:  # no temporary file, or no process to be had: all made here
            return None
        if cache is not None:
            cache.pending.clear()  # the other process has them, and pickles them
        return aside

    def copied(self, fmt: str, out) -> bool:
        """Whether ``fmt``'s part (the HTML's embedded data, or the JSON) was made aside,
        and is now copied to ``out``; False: make it here."""
        if fmt not in self.parts:
            return False
        message = self.child.receive()
        if message is None or message[0] != fmt:
            return False  # it failed: made here
        _, offset, length = message
        copy_range(self.child.fd, offset, length, out)
        return True

    def hand_over_cache(self) -> None:
        """The cache's new entries, as the other process pickled them (lost if it failed)."""
        message = self.child.receive()
        if message is not None and self.cache is not None:
            self.cache.adopt(self.child.fd, message[1])
            self.cache.keep_open(self.child.file)


def _made_aside(out, send, comparison, cache, parts: list[str]) -> None:
    """In the other process: ``parts`` into ``out``, then the cache's new entries."""
    from .render import write_embedded_data, write_report_json

    for fmt in parts:
        start = out.tell()
        if fmt == "html":
            write_embedded_data(out, comparison)
        else:
            write_report_json(out, comparison)
        out.flush()
        send((fmt, start, out.tell() - start))
    if cache is not None:
        send(("cache", cache.write_pending(out)))


@dataclass
class _Hashing:
    """A binary file that also feeds what is written to it to ``digest``."""

    handle: BinaryIO
    digest: object  # a hashlib hash

    def write(self, data) -> int:
        self.digest.update(data)
        return self.handle.write(data)


@contextmanager
def _collector_passes_over(comparison):
    """Leave what exists now (``comparison``: the checked corpus, large, alive to the
    end of the build and free of cycles) out of the cycle collector's passes until the
    block ends. Otherwise each full pass triggered by what rendering makes walks the
    whole corpus again (at 20,000 paragraphs, ~0.3 s a pass). New garbage is still
    collected (WeasyPrint's layout makes cycles). Nothing to do when objects are frozen
    already (by whoever froze them, who also decides when they thaw)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def render(fmt: str, comparison, project: Project, pdf_variant: str | None = None,
           progress: Progress | None = None, layouts: dict | None = None,
           out: BinaryIO | None = None, made_aside=None) -> bytes | None:
    """Output ``fmt`` as bytes, or (a STREAMED format) written to the binary file ``out``;
    a broken template is a located problem, not a traceback. ``made_aside``: the HTML's
    embedded data, made by another process (see write_html's ``data``)."""
    from jinja2 import TemplateError

    progress = progress or Progress(_QUIET)
    name = OUTPUT_NAMES[fmt]
    progress.show(name, "rendering", force=True)
    try:
        with progress.weasyprint(name):
            return _render(fmt, comparison, project, pdf_variant, progress, layouts, out,
                           made_aside)
    except TemplateError as exc:
        raise template_problem(exc, project.templates) from None


def template_problem(exc, templates: Path) -> ReportgenError:
    """The template file and line a Jinja error arose at (from the error, or its traceback)."""
    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not name:
        frames = traceback.extract_tb(exc.__traceback__)
        inside = [f for f in frames if f.filename.endswith((".j2", ".html", ".css", ".js"))]
        name, line = (inside[-1].filename, inside[-1].lineno) if inside else (None, None)
    where = display_path(Path(name)) if name else display_path(templates)
    message = getattr(exc, "message", None) or str(exc)
    return ReportgenError([Problem(where, line, f"template error: {message}",
                                   "fix the template, or remove the project's templates/ "
                                   "folder to use the bundled ones")])


def _render(fmt: str, comparison, project: Project, pdf_variant: str | None,
            progress: Progress, layouts: dict | None = None,
            out: BinaryIO | None = None, made_aside=None) -> bytes | None:
    from .render import render_brief_html, render_print_html, write_html, write_report_json

    if fmt == "html":
        return write_html(out, comparison, project.templates,
                          _suggestions_section(project, comparison), made_aside)
    if fmt == "json":
        return write_report_json(out, comparison)
    from .pdf import pdf_bytes  # WeasyPrint only when a PDF is wanted

    name = OUTPUT_NAMES[fmt]
    if fmt == "brief":
        return pdf_bytes(render_brief_html(comparison, project.templates), pdf_variant)
    return pdf_bytes(render_print_html(comparison, project.templates), pdf_variant,
                     progress=lambda step: progress.show(name, step), layouts=layouts)


def _suggestions_section(project: Project, comparison):
    """The HTML report's suggestions section, from build/suggestions.json if `suggest` ran
    (the module that reads it is imported only then: a build without it is quicker)."""
    if not (project.output / SUGGESTIONS_NAME).exists():
        return None
    from .decisions import report_section

    return report_section(project, comparison)


# -- what changed in the inputs ----------------------------------------------

def input_stamp(project: Project, fmt: str, tool: str, pdf_variant: str | None = None,
                hashes: dict | None = None) -> str:
    """A hash of everything output ``fmt`` is made from; ``tool`` is :func:`tool_stamp`.
    ``hashes``: each file's content hash by path, shared by the stamps of one build
    (the outputs are made from mostly the same files: each is read once)."""
    hashes = {} if hashes is None else hashes
    digest = hashlib.sha256(f"reportgen {__version__} {tool} {fmt} {pdf_variant}\n".encode())
    files = [*sorted(project.annotations.rglob("*.yaml")), *project.source_files()]
    if fmt in ROOT_TEMPLATES:
        files += template_files(project.templates, ROOT_TEMPLATES[fmt])
    if fmt == "html":  # its Suggestions section shows what `reportgen suggest` wrote
        files.append(project.output / SUGGESTIONS_NAME)
    for path in files:
        digest.update(f"{path}\n".encode())
        if path not in hashes:
            hashes[path] = content_hash(path)  # a FIFO among the inputs must not hang the build
        digest.update(hashes[path])
    return digest.hexdigest()


def template_files(folder: Path, root: str) -> list[Path]:
    """``root`` and every template it includes, imports or extends (found by name)."""
    pattern = re.compile(r"""{%-?\s*(?:include|import|from|extends)\s+["']([^"']+)["']""")
    seen: list[str] = []
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.append(name)
        try:
            pending += pattern.findall((folder / name).read_text(encoding="utf-8"))
        except OSError:
            pass  # a missing template is reported by the render stage
    return [folder / name for name in sorted(seen)]


def tool_stamp(cache: dict) -> str:
    """reportgen's own code and the versions of the libraries that shape its outputs."""
    versions = library_versions(cache)
    return hashlib.sha256(f"{code_digest()} {sorted(versions.items())}".encode()).hexdigest()


@functools.cache  # the code that runs is the code loaded at start, whatever happens on disk
def code_digest() -> str:
    """A hash of every reportgen/*.py: editing the tool rebuilds what it made."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(f"{path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def library_versions(cache: dict) -> dict[str, str]:
    """The installed versions of LIBRARIES, as importlib.metadata says.

    Importing importlib.metadata costs a no-op build a fifth of its time, so
    ``cache`` (kept with the build stamps) remembers the answer along with the
    modification times of the folders on the import path: installing, removing
    or upgrading a package changes its folder's time, and then they are looked up again.
    """
    folders = _import_folders()
    if not _versions_fit(cache, folders):
        cache.clear()
        cache.update(folders=folders, versions=_remembered_versions(folders))
    return cache["versions"]


def _versions_fit(cache, folders: list[list]) -> bool:
    return (isinstance(cache, dict) and cache.get("folders") == folders
            and isinstance(cache.get("versions"), dict)
            and set(cache["versions"]) == set(LIBRARIES))  # remembered by another reportgen


def _remembered_versions(folders: list[list]) -> dict[str, str]:
    """The versions as the user's cache remembers them for these folders (a first build
    into a new output folder need not look them up), else looked up and remembered."""
    folder = user_cache_folder()
    path = folder / "libraries.json" if folder else None
    try:
        remembered = json.loads(path.read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        remembered = None
    if _versions_fit(remembered, folders):
        return remembered["versions"]
    versions = _installed_versions()
    if path:
        try:
            write_atomic(path, json.dumps({"folders": folders, "versions": versions}).encode())
        except OSError:
            pass  # not remembered: looked up again next time
    return versions


def _import_folders() -> list[list]:
    """Each sys.path entry with its modification time (None when it does not exist).

    The working folder (on the path under `python -m`) is left out: packages are
    not installed there, and its time changes whenever a file is made in it.
    """
    folders = []
    try:
        here = os.getcwd()
    except OSError:  # the working folder was deleted
        here = None
    for entry in sys.path:
        if os.path.abspath(entry or ".") == here:
            continue
        try:
            folders.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            folders.append([entry, None])
    return folders


@functools.cache
def _installed_versions() -> dict[str, str]:
    from importlib import metadata  # not imported when the cache answers

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class BuildState:
    """Stamps of the last good build, kept in the output folder; never trusted if damaged.

    stamps.json is the manifest of the output set: for each output, the hash of
    its inputs and the hash of the file written. It is replaced last, so an
    output that does not match it was written by an interrupted build.
    """

    def __init__(self, output: Path):
        self.folder = output / STATE_DIR
        self.path = self.folder / "stamps.json"
        self.output = output
        self.data = {"version": __version__, "outputs": {}}
        self.warning: str | None = None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") == __version__ and isinstance(data.get("outputs"), dict):
                self.data = data
            else:
                self.warning = "build cache from another version discarded"
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError):
            self.warning = "build cache is damaged; discarded, rebuilding everything"
        if not isinstance(self.data.get("libraries"), dict):
            self.data["libraries"] = {}
        self.libraries: dict = self.data["libraries"]
        if not isinstance(self.data.get("layouts"), dict):
            self.data["layouts"] = {}
        self.layouts: dict = self.data["layouts"]  # report.pdf's chapters (reportgen.pdf)

    @staticmethod
    def problem(path: Path, message: str) -> Problem:
        return Problem(display_path(path), None, message, severity="warning")

    def built(self, fmt: str) -> bool:
        """Whether output ``fmt`` was recorded as built (current or not)."""
        return isinstance(self.data["outputs"].get(fmt), dict)

    def is_current(self, fmt: str, stamp: str) -> bool:
        entry = self.data["outputs"].get(fmt)
        if not isinstance(entry, dict) or entry.get("inputs") != stamp:
            return False
        target = self.output / OUTPUT_NAMES[fmt]
        try:  # an output edited or deleted by hand is rebuilt
            return hashlib.sha256(target.read_bytes()).hexdigest() == entry.get("output")
        except OSError:
            return False

    def record(self, fmt: str, stamp: str, output: str) -> None:
        """Output ``fmt`` made from inputs ``stamp`` is the file of SHA-256 ``output`` (hex)."""
        self.data["outputs"][fmt] = {"inputs": stamp, "output": output}

    def last_snapshot(self):
        """The last build's snapshot.json, opened; None for a first build, "damaged" if
        it cannot be opened."""
        try:
            return open(self.folder / "snapshot.json", "rb")
        except FileNotFoundError:
            return None
        except OSError:
            return "damaged"

    @staticmethod
    def read_snapshot(last):
        """The last build's snapshot from ``last`` (what last_snapshot gave; closed here):
        None for a first build, "damaged" if it cannot be read or is not JSON."""
        import orjson  # as render.write_json wrote it

        from .load import paused_gc  # as in _snapshot

        if last is None:
            return None
        try:
            with paused_gc():
                return orjson.loads(last.read())
        except (AttributeError, OSError, ValueError):
            return "damaged"
        finally:
            if hasattr(last, "close"):
                last.close()

    def changes_since(self, before, snapshot: dict, warnings: list[Problem]) -> list[str]:
        """What changed in substance since the last build (``before``: read_snapshot's);
        a damaged snapshot is a warning."""
        try:  # the shape of the old snapshot is not trusted either
            return describe_changes(before, snapshot)
        except (LookupError, TypeError, AttributeError, ValueError):
            if not self.warning:  # the stamps were damaged too: said once
                path = self.folder / "snapshot.json"
                warnings.append(self.problem(path, "build cache is damaged; discarded, cannot "
                                                   "say what changed since the last build"))
            return []

    def files(self, snapshot: dict):
        """The state files to publish, stamps.json last (made when it is asked for: after
        every output is recorded)."""
        from .render import write_json  # a part at a time: at scale the snapshot is large

        yield self.folder / "snapshot.json", lambda handle: write_json(handle, snapshot.items())
        yield self.path, json.dumps(self.data, indent=1).encode()


# -- what changed in substance -----------------------------------------------

def _snapshot(comparison) -> dict:
    """The substance worth comparing between builds: findings, paragraph themes, claims."""
    from .load import paused_gc  # many small dicts and no cycles: no collector passes

    briefing = comparison.briefing
    with paused_gc():
        return {
            "findings": {
                f"{f.origin}:{f.id}": {"kind": f.kind, "theme": f.theme, "title": f.title,
                                       "summary": f.summary, "cites": list(f.cites)}
                for f in briefing.findings + comparison.computed
            },
            "paragraphs": {
                p.id: {"kind": p.kind, "themes": list(p.themes),
                       "claims": sorted(f"{a.claim}={a.display}" for a in p.claims)}
                for p in briefing.paragraphs.values()
            },
        }


def describe_changes(before: dict | None, after: dict) -> list[str]:
    """Human-readable differences between two snapshots (none for a first build)."""
    if before is None:
        return []
    if not isinstance(before, dict):
        raise TypeError("snapshot is not a mapping")
    lines: list[str] = []
    old, new = before.get("findings", {}), after["findings"]
    for key in sorted(new.keys() - old.keys()):
        lines.append(f"finding added: {_label(key, new[key])}")
    for key in sorted(old.keys() - new.keys()):
        lines.append(f"finding removed: {_label(key, old[key])}")
    for key in sorted(new.keys() & old.keys()):
        if new[key] != old[key]:
            fields = [name for name in new[key] if new[key][name] != old[key].get(name)]
            lines.append(f"finding changed: {_label(key, new[key])} ({', '.join(fields)})")
    old_p, new_p = before.get("paragraphs", {}), after["paragraphs"]
    differing = [pid for pid in new_p.keys() & old_p.keys() if new_p[pid] != old_p[pid]]
    for pid in sorted(differing, key=_paragraph_order):
        a, b = old_p[pid], new_p[pid]
        if a["themes"] != b["themes"]:
            lines.append(f"paragraph {pid} re-themed: {', '.join(a['themes']) or '-'} -> "
                         f"{', '.join(b['themes']) or '-'}")
        if a["kind"] != b["kind"]:
            lines.append(f"paragraph {pid} kind: {a['kind']} -> {b['kind']}")
        if a["claims"] != b["claims"]:
            lines.append(f"paragraph {pid} claims: {'; '.join(a['claims']) or '-'} -> "
                         f"{'; '.join(b['claims']) or '-'}")
    added = len(new_p.keys() - old_p.keys())
    removed = len(old_p.keys() - new_p.keys())
    if added or removed:
        lines.append(f"paragraphs: {added} added, {removed} removed")
    return lines


def _label(key: str, finding: dict) -> str:
    origin, _, fid = key.partition(":")
    kind = finding["kind"]
    return f"{fid} [{kind}, {'claim' if origin == 'computed' else 'analyst'}] “{finding['title']}”"


def _paragraph_order(pid: str) -> tuple[str, int]:
    document, _, number = pid.rpartition(":")
    return document, int(number)


# -- writing -----------------------------------------------------------------

def check_output_folder(output: Path) -> None:
    """Refuse, before any work, an output folder that is a file or lies under one."""
    for folder in (output, *output.parents):
        try:
            if not folder.exists():
                continue
        except OSError:
            return  # cannot tell: writing will say what is wrong
        if folder.is_dir():
            return
        where = ("is a file" if folder == output
                 else f"cannot be made: {display_path(folder)} is a file")
        raise ReportgenError([Problem(display_path(output), None, f"the output folder {where}",
                                      "pass --output with a folder (it is made if missing)")])


def publish(output: Path, files) -> None:
    """Replace ``files`` as one set, in order (the build stamps come last).

    ``files``: (target, content) pairs, content as files.stage takes it (bytes, or
    a function writing them); pairs made as they are asked for are written one by
    one, never all in memory at once.

    First every file is written in full to a temporary file beside its target:
    a kill or a full disk in this phase leaves the previous set untouched (and
    temporaries the next build removes). Then all are renamed in quick
    succession, which needs no disk space; a build killed between two renames
    leaves outputs that do not match the stamps, and the next build rebuilds them.
    A failure before any rename (rendering included) also removes the folders
    publish made: a failed first build leaves no output folder behind.
    """
    staged: list[tuple[str, Path]] = []
    target, renamed = output, 0
    made = _missing_folders(output / STATE_DIR)
    try:
        _repair_state_folder(output / STATE_DIR)
        with _write_lock(output):
            _remove(temporaries(output))
            for target, data in files:
                staged.append((_stage(target, data), target))
                del data  # before the next one is made
            for temporary, target in staged:
                os.replace(temporary, target)
                renamed += 1
            _sync_folders({target.parent for _, target in staged})
    except OSError as exc:
        raise write_error(exc, target, kept=renamed == 0) from None
    finally:
        _remove(Path(temporary) for temporary, _ in staged[renamed:])
        if not renamed:
            _unmake(made)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its parents up to the first that exists, deepest first."""
    missing = []
    try:
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
    except OSError:
        pass  # cannot tell: what was found missing so far
    return missing


def _unmake(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first, the state folder with its lock), if still empty."""
    if folders:
        _remove([folders[0] / LOCK_NAME])
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _stage(target: Path, data) -> str:
    """``data`` (as files.stage takes it) in full, on disk, beside ``target``; refused at
    once if a folder is in the way."""
    if target.is_dir():  # found now, before any output is replaced
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    return stage(target, data)


def _sync_folders(folders) -> None:
    """Make the renames durable: a power cut must not undo half of them (where supported)."""
    for folder in folders:
        sync_folder(folder)


@contextmanager
def _write_lock(output: Path):
    """One build at a time replaces the outputs; the kernel releases a killed build's lock."""
    with open(output / STATE_DIR / LOCK_NAME, "a") as handle:
        if fcntl:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _repair_state_folder(folder: Path) -> None:
    """A damaged build cache (a file where a folder was, or the reverse) is discarded."""
    if folder.exists() and not folder.is_dir():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*STATE_FILES, LOCK_NAME):
        if (folder / name).is_dir() and not (folder / name).is_symlink():
            import shutil

            shutil.rmtree(folder / name)


def temporaries(output: Path) -> list[Path]:
    """Temporary files of builds in the output folder (left over if that build was killed)."""
    found = []
    for folder in (output, output / STATE_DIR):
        try:
            found += [folder / e.name for e in os.scandir(folder) if _TEMPORARY.fullmatch(e.name)]
        except OSError:
            pass
    return found


def tidy(output: Path) -> None:
    """Remove what killed builds left behind (waiting for a build that is writing now)."""
    if not temporaries(output):
        return
    try:
        with _write_lock(output):
            _remove(temporaries(output))
    except OSError:
        pass  # a read-only output folder: nothing this build must do


def _remove(paths) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


_WRITE_HINTS = {
    errno.ENOSPC: "free some disk space, then build again",
    errno.EDQUOT: "free some disk space, then build again",
    errno.EACCES: "choose a folder you can write with --output, or change its permissions",
    errno.EPERM: "choose a folder you can write with --output, or change its permissions",
    errno.EROFS: "the disk is read-only: choose another folder with --output",
    errno.EISDIR: "a folder is in the way: remove it, or choose another folder with --output",
    errno.ENOTDIR: "pass --output with a folder",
    errno.EEXIST: "pass --output with a folder",
    errno.ENOENT: "choose another folder with --output",
}


def write_error(exc: OSError, target: Path, kept: bool) -> ReportgenError:
    """A located problem for an output that could not be written."""
    reason = exc.strerror or str(exc)
    hint = _WRITE_HINTS.get(exc.errno, "check the output folder")
    outcome = ("the previous outputs are unchanged" if kept else
               "some outputs were replaced: the next build finds and rebuilds the rest")
    where = Path(exc.filename) if exc.errno in (errno.ENOTDIR, errno.ENOENT, errno.EEXIST) \
        and exc.filename else target
    return ReportgenError([Problem(display_path(where), None, f"cannot write the report: {reason}",
                                   f"{hint}; {outcome}")])
