"""User-facing problems: every one carries a file, a line and a hint.

Stages collect :class:`Problem` values instead of raising at the first one, so
an analyst sees every mistake in one run. A stage that cannot go on raises
:class:`ReportgenError` with all it found; the CLI prints them once, in the
``path:line: error: message`` form compilers and editors understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Control characters (and bidirectional overrides) in a file name, a key or a
# value must not reach a terminal raw: they could clear it, recolour it or
# reorder what it shows. They are shown escaped, as Python writes them; so are
# the Unicode line and paragraph separators, which split a problem's line in two
# for any tool that reads the output line by line.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` safe for a terminal: control characters escaped (newlines kept if ``lines``)."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))
    text = text.replace("\t", "\\t")
    return text if lines else text.replace("\n", "\\n")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located as precisely as known."""

    path: str  # file the problem is in, as the user would type it
    line: int | None  # 1-based line, or None when the whole file is at fault
    message: str  # what is wrong: what was expected and what arrived
    hint: str = ""  # what to do about it
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = printable(f"{where}: {self.severity}: {self.message}")
        return f"{text}\n    hint: {printable(self.hint)}" if self.hint else text

    def sort_key(self) -> tuple[str, int]:
        return (self.path, self.line or 0)


class ReportgenError(Exception):
    """Bad input: one or more problems the user must fix."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(p.format() for p in self.problems))


def counted(count: int, noun: str) -> str:
    """ "1 theme", "3 themes": a count and its noun, plural unless the count is one (for
    messages and reports alike)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def print_problems(problems) -> None:
    """Every problem on standard error, in the one format used everywhere."""
    import sys

    for problem in problems:
        print(problem.format(), file=sys.stderr, flush=True)


def as_errors(warnings: list[Problem]) -> ReportgenError:
    """--strict: the warnings, as errors."""
    return ReportgenError([Problem(w.path, w.line, w.message, w.hint) for w in warnings])


def display_path(path: Path) -> str:
    """A path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
