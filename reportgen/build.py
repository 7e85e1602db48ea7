"""Orchestration: decide what to rebuild, run the stages, write atomically.

What to redo is decided from content hashes of every input (sources,
annotation files, the templates each output uses, the tool's version), never
timestamps. Everything is gathered, checked and rendered before anything is
written, so a bad edit or a killed build leaves the last good report intact.
The stages are imported lazily: a build with nothing to do needs none of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import Problem, as_errors
from .load import Project

FORMATS = ("html", "json", "pdf")
OUTPUT_NAMES = {"html": "report.html", "json": "report.json", "pdf": "report.pdf"}
ROOT_TEMPLATES = {"html": "report.html.j2", "pdf": "brief.html.j2"}  # json uses none
STATE_DIR = ".reportgen"  # inside the output folder: build stamps and the last snapshot
CHANGES_NAME = "changes.txt"


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # formats already up to date
    warnings: list[Problem] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what changed in substance


def check(project: Project):
    """Load, validate and compare; raises ReportgenError listing every problem."""
    from .compare import compare
    from .load import load
    from .validate import validate

    briefing, warnings = validate(load(project))
    return compare(briefing), warnings


def build(project: Project, formats: tuple[str, ...] = FORMATS, *, force: bool = False,
          pdf_variant: str | None = None, strict: bool = False) -> BuildResult:
    """Rebuild the outputs among ``formats`` whose inputs changed (all with ``force``).

    ``strict``: warnings fail the build like errors, before anything is written.
    """
    state = BuildState(project.output)
    stamps = {fmt: input_stamp(project, fmt, pdf_variant) for fmt in formats}
    stale = [fmt for fmt in formats if force or not state.is_current(fmt, stamps[fmt])]
    result = BuildResult(skipped=[fmt for fmt in formats if fmt not in stale])
    if state.warning:
        result.warnings.append(Problem(str(state.path), None, state.warning, severity="warning"))
    if not stale:
        return result
    comparison, warnings = check(project)
    if strict and warnings:
        raise as_errors(warnings)
    result.warnings += warnings
    outputs = {fmt: render(fmt, comparison, project, pdf_variant) for fmt in stale}
    snapshot = _snapshot(comparison)
    result.changes = describe_changes(state.snapshot(), snapshot)
    for fmt, data in outputs.items():  # all rendered: now write
        target = project.output / OUTPUT_NAMES[fmt]
        write_atomic(target, data)
        state.record(fmt, stamps[fmt], data)
        result.written.append(target)
    if result.changes:
        write_atomic(project.output / CHANGES_NAME, ("\n".join(result.changes) + "\n").encode())
    state.save(snapshot)
    return result


def render(fmt: str, comparison, project: Project, pdf_variant: str | None = None) -> bytes:
    from .render import render_html, render_json, render_print_html

    if fmt == "html":
        return render_html(comparison, project.templates).encode("utf-8")
    if fmt == "json":
        return render_json(comparison).encode("utf-8")
    from .pdf import pdf_bytes  # WeasyPrint only when a PDF is wanted

    return pdf_bytes(render_print_html(comparison, project.templates), pdf_variant)


# -- what changed in the inputs ----------------------------------------------

def input_stamp(project: Project, fmt: str, pdf_variant: str | None = None) -> str:
    """A hash of everything output ``fmt`` is made from."""
    digest = hashlib.sha256(f"reportgen {__version__} {fmt} {pdf_variant}\n".encode())
    files = [*sorted(project.annotations.rglob("*.yaml")), *project.source_files()]
    if fmt in ROOT_TEMPLATES:
        files += template_files(project.templates, ROOT_TEMPLATES[fmt])
    for path in files:
        digest.update(f"{path}\n".encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
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


class BuildState:
    """Stamps of the last good build, kept in the output folder; never trusted if damaged."""

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
            self.warning = f"build cache {self.path} is damaged; rebuilding everything"

    def is_current(self, fmt: str, stamp: str) -> bool:
        entry = self.data["outputs"].get(fmt)
        if not isinstance(entry, dict) or entry.get("inputs") != stamp:
            return False
        target = self.output / OUTPUT_NAMES[fmt]
        try:  # an output edited or deleted by hand is rebuilt
            return hashlib.sha256(target.read_bytes()).hexdigest() == entry.get("output")
        except OSError:
            return False

    def record(self, fmt: str, stamp: str, data: bytes) -> None:
        self.data["outputs"][fmt] = {"inputs": stamp, "output": hashlib.sha256(data).hexdigest()}

    def snapshot(self) -> dict | None:
        try:
            return json.loads((self.folder / "snapshot.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def save(self, snapshot: dict) -> None:
        write_atomic(self.folder / "snapshot.json", json.dumps(snapshot).encode())
        write_atomic(self.path, json.dumps(self.data, indent=1).encode())


# -- what changed in substance -----------------------------------------------

def _snapshot(comparison) -> dict:
    """The substance worth comparing between builds: findings, paragraph themes, claims."""
    briefing = comparison.briefing
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
    for pid in sorted(new_p.keys() & old_p.keys(), key=_paragraph_order):
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

def write_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
