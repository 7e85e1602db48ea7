"""Shared fixtures: the bundled briefing built once per session, tiny throwaway
projects, headless Chromium launched once per session, and reportgen installed from
a wheel in a fresh virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import errno
import textwrap
from pathlib import Path

import browser_support
import pytest

from reportgen.build import build
from reportgen.project import CHECKOUT, Project

ROOT = CHECKOUT  # the checkout under test, itself the bundled example project


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory) -> Path:
    """The bundled corpus built (HTML, JSON, PDF) into a temporary folder."""
    out = tmp_path_factory.mktemp("bundled-build")
    build(Project.at(ROOT, output=out))
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


def bundled_copy(root: Path, templates: bool = False) -> Project:
    """The bundled project's annotations and seeds copied under ``root``, to change freely;
    with ``templates`` its templates too, out of reach of edits made to the checkout's
    templates while the tests run."""
    for part in ("annotations", "seeds") + (("templates",) if templates else ()):
        shutil.copytree(ROOT / part, root / part)
    return Project.at(root)


# -- the HTML report's reader: headless Chromium ------------------------------

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, launched once for the whole session (tests/browser_support.py).
    Tests open their own contexts or pages (new_page), so none sees another's state."""
    reason = browser_support.missing()
    if reason:  # a failure, not a skip: the report's reader is part of what is tested
        pytest.fail(reason, pytrace=False)
    with browser_support.launched() as chromium:
        yield chromium


@pytest.fixture
def new_page(browser):
    """Opens pages on the shared browser, each in a fresh context (``new_page(viewport=...)``);
    they are closed after the test, whether it passed or not."""
    opened = []

    def open_(**options):
        page = browser.new_page(**options)
        opened.append(page)
        return page

    yield open_
    for page in opened:
        page.close()


# -- the package as a user installs it ---------------------------------------

NOT_IN_THE_WHEEL = shutil.ignore_patterns(".git", ".venv", "build", "dist", "tests", "benchmarks",
                                          "*.egg-info", "__pycache__")


def without_checkout_env() -> dict[str, str]:
    """The environment minus PYTHONPATH, so a subprocess cannot import the checkout."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def run_ok(*command, **options) -> subprocess.CompletedProcess:
    """Run ``command``; fail the test with its output if it fails."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **options)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}{result.stderr}"
    return result


@pytest.fixture(scope="session")
def wheel_reportgen(tmp_path_factory) -> Path:
    """The `reportgen` command of a wheel built from this checkout and installed in
    a fresh virtual environment. The wheel is built from a copy, so the checkout's
    build/ stays clean; its dependencies are this environment's (a .pth file lists
    our site-packages), so nothing is downloaded but the build backend."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "source", ignore=NOT_IN_THE_WHEEL)
    env = without_checkout_env()
    run_ok(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist",
           work / "source", env=env)
    wheel, = (work / "dist").glob("reportgen-*.whl")
    venv = work / "venv"
    run_ok(sys.executable, "-m", "venv", "--without-pip", venv, env=env)
    python = venv / "bin" / "python"
    site = run_ok(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                  env=env).stdout.strip()
    ours = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (Path(site) / "dependencies.pth").write_text("\n".join(ours) + "\n")
    run_ok(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
           "-q", wheel, env=env)
    return venv / "bin" / "reportgen"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs at tmp_path/disk, to fill up (root can mount one); skipped where not allowed."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); injected ENOSPC tests cover it")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte; returns the filler file."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        for size in (512, 64, 1):
            try:
                while handle.write(b"\0" * size):
                    pass
            except OSError:
                pass
    return filler
