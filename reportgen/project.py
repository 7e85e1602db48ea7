"""Where a briefing's inputs and outputs live, and what ships with reportgen.

A project is a folder holding ``annotations/`` and ``seeds/`` (optionally its own
``templates/``). Commands work on the nearest one, the working folder or a
parent, as git and mkdocs do; ``--project DIR`` and the per-part options
override that, and hints repeat whichever of them the user gave
(:meth:`Project.command`), so they can be pasted as they are.

The templates and the example corpus ship with the package: pyproject.toml
maps the checkout's top-level ``templates/``, ``seeds/`` and ``annotations/``
into the wheel (one copy in the repository). In a source checkout they are read
where they are; the checkout is itself the example project.
"""

from __future__ import annotations

import importlib.resources
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import Problem, ReportgenError, display_path

CHECKOUT = Path(__file__).resolve().parent.parent  # in a source checkout: its root
# Package data: the folder's name in a source checkout -> its place in the wheel
PACKAGED = {"templates": "templates", "seeds": "example/seeds",
            "annotations": "example/annotations"}
PARTS = ("annotations", "seeds", "templates", "output")
WITHOUT_LOCATIONS = ("init", "paragraphs", "schema")  # commands that take no location options
MARKER = "annotations"  # the folder that makes a folder a project


def bundled(name: str) -> Path:
    """A folder shipped with reportgen: ``templates``, ``seeds`` or ``annotations``."""
    packaged = importlib.resources.files(__package__) / PACKAGED[name]
    if packaged.is_dir():  # an installed wheel (never zipped: a plain folder)
        return Path(str(packaged))
    return CHECKOUT / name  # a source checkout (editable install or PYTHONPATH)


def find_root(start: Path) -> Path | None:
    """The nearest folder, ``start`` or a parent, holding annotations/."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_dir():
            return folder
    return None


@dataclass(frozen=True)
class Project:
    """Where a briefing's inputs and outputs live."""

    annotations: Path
    seeds: Path
    templates: Path
    output: Path
    root: Path | None = None
    # The location options the user gave, as (name, path): hints repeat them.
    options: tuple[tuple[str, Path], ...] = ()

    @classmethod
    def at(cls, root: Path | None = None, *, annotations: Path | None = None,
           seeds: Path | None = None, templates: Path | None = None,
           output: Path | None = None) -> Project:
        """A project rooted at ``root`` (default: the source checkout), parts overridable."""
        root = Path(root) if root else CHECKOUT
        own_templates = root / "templates"
        return cls(
            annotations=Path(annotations or root / "annotations"),
            seeds=Path(seeds or root / "seeds"),
            templates=Path(templates or (own_templates if own_templates.is_dir()
                                         else bundled("templates"))),
            output=Path(output or root / "build"),
            root=root,
        )

    @classmethod
    def discover(cls, cwd: Path | None = None, *, project: Path | None = None,
                 **parts: Path | None) -> Project:
        """The project a command works on: ``project``, else the nearest folder from
        ``cwd`` up holding annotations/, else the folder holding ``annotations``;
        ``parts`` (annotations, seeds, templates, output) override its folders."""
        cwd = Path(cwd or Path.cwd())
        given = {"project": project, **parts}
        options = tuple((name, Path(given[name])) for name in ("project", *PARTS)
                        if given.get(name))
        root = (project or find_root(cwd)
                or (Path(parts["annotations"]).parent if parts.get("annotations") else None))
        if root is None:
            raise ReportgenError([Problem(
                str(cwd.resolve()), None,
                f"not inside a reportgen project: no {MARKER}/ folder here or in any parent folder",
                "make one here with `reportgen init` (or try `reportgen init --example DIR`), "
                "or name one with --project DIR")])
        if project is not None and not parts.get("annotations") and not (root / MARKER).is_dir():
            raise ReportgenError([Problem(
                display_path(root), None, f"not a reportgen project: it has no {MARKER}/ folder",
                f"make one with `{shlex.join(['reportgen', 'init', _shown(root)])}`, "
                "or name another folder with --project DIR")])
        found = cls.at(root, **{p: parts.get(p) for p in PARTS})
        return replace(found, options=options)

    def describe(self) -> str:
        """One line saying which project this is, and which parts were moved elsewhere."""
        text = f"project: {(self.root or self.annotations.parent).resolve()}"
        moved = [f"{name}: {_shown(path)}" for name, path in self.options if name != "project"]
        return f"{text} ({', '.join(moved)})" if moved else text

    def command(self, name: str, *arguments: str | Path) -> str:
        """A reportgen command line the user can paste: paths shown relative to the
        working folder when inside it, all shell-quoted, with the user's location
        options (for the commands that take them)."""
        words = ["reportgen", name]
        words += [_shown(a) if isinstance(a, Path) else a for a in arguments]
        if name not in WITHOUT_LOCATIONS:
            for option, path in self.options:
                words += [f"--{option}", _shown(path)]
        return shlex.join(words)

    def source_files(self) -> list[Path]:
        """The source texts under seeds/ that need an annotation file."""
        if not self.seeds.is_dir():
            return []
        return sorted(p for p in self.seeds.iterdir()
                      if p.suffix in SOURCE_SUFFIXES and p.name not in NOT_SOURCES
                      and not p.is_dir())  # a FIFO or device is listed, and refused unread

    def document_files(self) -> list[Path]:
        folder = self.annotations / "documents"
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


SOURCE_SUFFIXES = (".txt", ".md")
NOT_SOURCES = ("PROVENANCE.md", "README.md")


def _shown(path: Path) -> str:
    """A path as a command argument: relative when inside the working folder."""
    shown = display_path(path)
    return f"./{shown}" if shown.startswith("-") else shown  # not mistaken for an option
