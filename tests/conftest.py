"""Shared fixtures: the bundled briefing built once per session, and tiny throwaway projects."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reportgen.build import build
from reportgen.load import PACKAGE_ROOT, Project

ROOT = PACKAGE_ROOT


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory) -> Path:
    """The bundled corpus built (HTML, JSON, PDF) into a temporary folder."""
    out = tmp_path_factory.mktemp("bundled-build")
    build(Project.at(output=out))
    return out


TINY_SOURCES = {
    "a.txt": "Alpha heading\n\nThe first account says the war began in 1999 and ended badly.\n\n"
             "It also mentions drugs.\n",
    "b.txt": "The second account says the war began in 2001.\nA closing line.\n",
}

TINY_ANNOTATIONS = {
    "briefing.yaml": """\
        title: Tiny briefing
        subtitle: Two accounts
        """,
    "themes.yaml": """\
        themes:
          - id: war
            label: The war
            description: When and how it began.
          - id: drugs
            label: Drugs
        """,
    "claims.yaml": """\
        claims:
          - id: war-began
            label: Year the war began
            theme: war
            type: year
        """,
    "findings.yaml": """\
        findings:
          - id: start-date
            kind: discrepancy
            theme: war
            title: The accounts date the war differently
            key: true
            summary: "**1999** against **2001**."
            cites: [alpha:2, beta:1]
        """,
    "documents/alpha.yaml": """\
        id: alpha
        source: a.txt
        title: First account
        author: Ann Author
        published: "2016-05"
        paragraphs:
          - para: 1
            quote: Alpha heading
            kind: heading
          - para: 2
            quote: The first account says
            themes: [war]
            claims:
              - {claim: war-began, value: 1999}
          - para: 3
            quote: It also mentions
            themes: [drugs]
        """,
    "documents/beta.yaml": """\
        id: beta
        source: b.txt
        title: Second account
        author: Bob Writer
        published: 2018
        paragraphs:
          - para: 1
            quote: The second account says
            themes: [war]
            claims:
              - {claim: war-began, value: 2001}
          - para: 2
            quote: A closing line.
            kind: boilerplate
        """,
}


def write_project(root: Path, annotations: dict[str, str] | None = None,
                  sources: dict[str, str | bytes] | None = None) -> Project:
    """A throwaway project under ``root``; ``annotations`` values override the tiny defaults."""
    files = dict(TINY_ANNOTATIONS, **(annotations or {}))
    for name, text in files.items():
        if text is None:
            continue
        path = root / "annotations" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for name, text in dict(TINY_SOURCES, **(sources or {})).items():
        if text is None:
            continue
        path = root / "seeds" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return Project.at(root)


@pytest.fixture
def tiny(tmp_path) -> Project:
    return write_project(tmp_path)
