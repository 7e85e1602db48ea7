"""Editor support: JSON Schema files for the annotation files, and the lines naming them.

Every project keeps the JSON Schema of each annotation file kind in
``annotations/schemas/`` (generated from :mod:`reportgen.schema`, the
declarations the checker uses). An annotation file names its schema on its
first line with a path relative to itself, as yaml-language-server (VS Code's
YAML extension, Neovim, Helix, Zed ...) reads it::

    # yaml-language-server: $schema=schemas/themes.schema.json        (in annotations/themes.yaml)
    # yaml-language-server: $schema=../schemas/document.schema.json   (in annotations/documents/)

Relative paths travel with the project (git, a zip, another machine); the
schemas are project files, not a path into wherever reportgen is installed.
``reportgen init`` writes them, ``add`` and ``import`` write any that are
missing, and ``reportgen schema --write annotations/schemas`` refreshes them
after an upgrade. The checkout's own copies (the bundled example's) are
committed and a test fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from .files import write_atomic
from .schema import json_schemas

SCHEMA_FOLDER = "schemas"  # inside annotations/
# Which schema each annotation file follows, by its path inside annotations/.
FILE_KINDS = {"briefing.yaml": "briefing", "themes.yaml": "themes", "claims.yaml": "claims",
              "findings.yaml": "findings", "documents/*.yaml": "document"}


def schema_name(kind: str) -> str:
    return f"{kind}.schema.json"


def schema_texts() -> dict[str, str]:
    """Each schema file's name and its exact text (stable: a diff shows a real change)."""
    return {schema_name(kind): json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            for kind, schema in json_schemas().items()}


def write_schema_files(folder: Path, *, missing_only: bool = False) -> list[Path]:
    """Write the schema files into ``folder``; with ``missing_only``, only those absent."""
    written = []
    for name, text in schema_texts().items():
        target = folder / name
        if missing_only and target.exists():
            continue
        write_atomic(target, text.encode("utf-8"))
        written.append(target)
    return written


def stale_schema_files(folder: Path) -> list[str]:
    """Names of the schema files in ``folder`` that are missing or differ from the declarations."""
    stale = []
    for name, text in schema_texts().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def modeline(kind: str, in_documents: bool = False) -> str:
    """The first line of an annotation file of ``kind``: where its schema is, relative to it."""
    up = "../" if in_documents else ""
    return f"# yaml-language-server: $schema={up}{SCHEMA_FOLDER}/{schema_name(kind)}"
