"""`reportgen init`: a new project, empty or holding the bundled example.

Files are created with mode "x" and every conflict is checked first, so init
never overwrites anything and writes nothing when it refuses.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .editor import SCHEMA_FOLDER, modeline, write_schema_files
from .errors import Problem, ReportgenError, display_path
from .project import bundled
from .schema import CLAIM_TYPES, FINDING_KINDS

GITIGNORE = "build/\n"
# First line of each starter file: its JSON Schema, for editors (see reportgen.editor).
MODELINES = {kind: modeline(kind) + "\n" for kind in ("briefing", "themes", "claims", "findings")}

STARTER_FILES = {
    "annotations/briefing.yaml": MODELINES["briefing"] + """\
# The briefing as a whole. Every annotation file is YAML; its first line points
# editors at its JSON Schema in annotations/schemas/ (keys completed, mistakes
# flagged as you type), and `reportgen init --example DIR` writes a complete
# annotated example to learn from.
title: My briefing                 # on the cover and in the PDF metadata
# subtitle: One line under the title
# year: one column per account (its year, unless a document sets `account:`);
# document: one column per source.
columns: year
""",
    "annotations/themes.yaml": MODELINES["themes"] + """\
# The themes the sources are compared on, in the order of the report's sections.
# Every body paragraph of every source names one or more of these ids under
# `themes:`, main theme first. Rename this one and add your own.
themes:
  - id: general                    # lowercase letters, digits and hyphens
    label: General                 # the heading of the theme's section
    # description: What the theme covers (markdown).
""",
    "annotations/claims.yaml": MODELINES["claims"] + f"""\
# Claims several accounts may share or dispute. A paragraph asserts one with
#   claims: [{{claim: talks-began, value: 2015}}]
# and the report shows where the accounts agree and where they differ.
# type: {" | ".join(CLAIM_TYPES)}
# For example:
#   - id: talks-began
#     label: Year the talks began
#     theme: general
#     type: year
claims: []
""",
    "annotations/findings.yaml": MODELINES["findings"] + f"""\
# Your findings, each citing the paragraphs it rests on as DOCUMENT-ID:PARA.
# Words in "quotation marks" must be in the cited paragraphs (`reportgen check`
# looks each one up; … marks words left out).
# kind: {" | ".join(FINDING_KINDS)}
# For example:
#   - id: start-date
#     kind: discrepancy
#     theme: general
#     title: The accounts date the talks differently
#     summary: "**2015** in one account, **2017** in the other."   # markdown
#     cites: [first-account:2, second-account:4]
#     key: true                    # also list it among the key findings
findings: []
""",
}
FOLDERS = ("annotations/documents", "seeds")


def init_project(folder: Path) -> list[Path]:
    """Make an empty project in ``folder``; returns what was written."""
    targets = [folder / name for name in STARTER_FILES]
    _refuse_existing([folder / "annotations"])
    written = []
    for path, text in zip(targets, STARTER_FILES.values()):
        _write_new(path, text)
        written.append(path)
    for name in FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    written += write_schema_files(folder / "annotations" / SCHEMA_FOLDER)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():  # a .gitignore of the user's own is left alone
        _write_new(gitignore, GITIGNORE)
        written.append(gitignore)
    return written


def init_example(folder: Path) -> list[Path]:
    """Write the bundled example corpus (sources and annotations) into ``folder``."""
    copies = {source: folder / name / source.relative_to(bundled(name))
              for name in ("seeds", "annotations")
              for source in sorted(bundled(name).rglob("*")) if source.is_file()}
    seeds = [target for target in copies.values() if target.parent == folder / "seeds"]
    _refuse_existing([folder / "annotations", *seeds])
    for source, target in copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as src, open(target, "xb") as dst:
            shutil.copyfileobj(src, dst)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        _write_new(gitignore, GITIGNORE)
    return list(copies.values())


def _refuse_existing(paths: list[Path]) -> None:
    """Every path that already exists, as one error: then nothing is written."""
    hint = "init makes a new project: choose a new folder, or move this out of the way"
    problems = [Problem(display_path(path), None, "already exists; not overwritten", hint)
                for path in paths if path.exists()]
    if problems:
        raise ReportgenError(problems)


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
        handle.write(text)
