"""Orchestration: run the stages, then write the outputs atomically.

Everything is gathered, checked and rendered before anything is written, so a
bad edit never leaves a half-written report: the last good one stays.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .compare import Comparison, compare
from .errors import Problem
from .load import Project, load
from .render import render_html, render_json, render_print_html
from .validate import validate

FORMATS = ("html", "json", "pdf")
OUTPUT_NAMES = {"html": "report.html", "json": "report.json", "pdf": "report.pdf"}


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check(project: Project) -> tuple[Comparison, list[Problem]]:
    """Load, validate and compare; raises ReportgenError listing every problem."""
    briefing, warnings = validate(load(project))
    return compare(briefing), warnings


def build(project: Project, formats: tuple[str, ...] = FORMATS) -> BuildResult:
    comparison, warnings = check(project)
    outputs = {fmt: render(fmt, comparison, project) for fmt in formats}
    result = BuildResult(warnings=warnings)
    for fmt, data in outputs.items():
        target = project.output / OUTPUT_NAMES[fmt]
        write_atomic(target, data)
        result.written.append(target)
    return result


def render(fmt: str, comparison: Comparison, project: Project) -> bytes:
    if fmt == "html":
        return render_html(comparison, project.templates).encode("utf-8")
    if fmt == "json":
        return render_json(comparison).encode("utf-8")
    from .pdf import pdf_bytes  # WeasyPrint only when a PDF is wanted

    return pdf_bytes(render_print_html(comparison, project.templates))


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
