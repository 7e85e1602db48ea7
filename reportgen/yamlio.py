"""YAML read into one located model, and edited in place without losing a byte.

PyYAML's ``safe_load`` forgets where each value came from, silently keeps the
last of two duplicate keys, and expands aliases (a small file can blow up into
megabytes). Here a file is composed into nodes (with libyaml when it is
available) and turned into plain Python data by hand, recording for every key
and item its line and the exact character span of its value. What loses an
edit or hides what a file says (duplicate keys, aliases, merge keys, tags) is
refused where it stands, and the part it spoils is marked ``broken`` so that
the checker skips just that entry and still checks everything else.

The same spans let :func:`edited_text` change a value by replacing only its own
characters: every comment, quote style and flow or block layout survives.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

import yaml

from .errors import Problem, ReportgenError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple  # a path into the data: ("paragraphs", 3, "themes", 0)

MAX_DEPTH = 64  # annotation files nest about 6 deep; far deeper is an attack or an accident
# Python refuses to print integers of over 4,300 digits (and 0x... can reach that in
# fewer characters); no annotation needs an integer this long.
MAX_INTEGER_CHARACTERS = 1000
_C_COMPOSER_SAFE = 10_000  # libyaml's composer recurses in C: past ~50,000 levels it crashes
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp", "seq", "map")}


@dataclass
class YamlFile:
    """Plain data from one YAML file, where each part stands, and what is wrong with it."""

    path: str  # as shown to the user
    data: object
    text: str = ""  # exactly what was parsed: an edit refuses if the file changed since
    lines: dict[Path_, int] = field(default_factory=dict)  # 1-based line of each key or item
    spans: dict[Path_, tuple[int, int]] = field(default_factory=dict)  # characters of each value
    problems: list[Problem] = field(default_factory=list)
    broken: set[Path_] = field(default_factory=set)  # parts whose data cannot be trusted

    def line_of(self, *path: object) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def is_broken(self, *path: object) -> bool:
        """True when ``path`` or anything inside it was refused while reading."""
        key = tuple(path)
        return any(b[: len(key)] == key for b in self.broken)


def load_yaml(text: str, path: str) -> YamlFile:
    """Parse ``text`` (the content of ``path``).

    Raises ReportgenError only when nothing can be read (a syntax error, absurd
    nesting); every other problem is kept in ``problems`` at its own line.
    """
    marks = _Marks(text)
    root = _compose(text, path, marks)
    result = YamlFile(path, None, text, lines={(): 1})  # an empty file's problems: line 1
    if root is None:
        return result
    result.lines[()] = marks.line(root.start_mark)
    aliases: list[Path_] = []
    result.data = _Builder(result, aliases, marks).build(root, ())
    if aliases:  # composed nodes only know the anchor's line: find each alias's own
        result.problems += _alias_problems(text, path, marks)
    return result


class _Marks:
    """Positions as the file's editor counts them: character offsets, lines ending at "\\n".

    PyYAML's own line numbers also end at a lone \\r, NEL and U+2028/9, and libyaml
    leaves a leading BOM out of its offsets; either would put a problem on the wrong
    line (or a span one character off). The text is composed without its BOM.
    """

    def __init__(self, text: str):
        self.skipped = 1 if text.startswith("\ufeff") else 0
        self.body = text[self.skipped:]
        self.last = max(len(text) - 1, 0)  # an error at the end of the file is on its last line
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def index(self, mark) -> int:
        return mark.index + self.skipped

    def line(self, mark) -> int:
        return self.line_at(self.index(mark))

    def line_at(self, index: int) -> int:
        return bisect.bisect_left(self.breaks, min(index, self.last)) + 1


def _compose(text: str, path: str, marks: _Marks):
    try:
        if _rough_depth(text) > _C_COMPOSER_SAFE:
            _refuse_deep(path, marks)
        return yaml.compose(marks.body, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = marks.line(mark) if mark else None
        at = marks.index(mark) if mark else -1
        if text[at:at + 1] == "\t" or "tab character" in str(exc.problem):
            raise ReportgenError([Problem(path, line, "invalid YAML: a tab character where YAML "
                                          "allows only spaces", "indent with spaces, not tabs")])
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise ReportgenError([Problem(path, line, message, _syntax_hint(exc))]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow anywhere
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        line = marks.line_at(exc.position + marks.skipped)
        raise ReportgenError([Problem(path, line, f"invalid YAML: character U+{code:04X} is "
                                      "not allowed in a YAML file",
                                      "remove it; write it as an escape such as \\x1b inside "
                                      "double quotes if it is meant")]) from None
    except yaml.YAMLError as exc:
        raise ReportgenError([Problem(path, None, f"invalid YAML: {exc}")]) from None


def _rough_depth(text: str) -> int:
    """An upper bound of the nesting depth: flow brackets, plus block indentation."""
    brackets = text.count("[") + text.count("{")
    return brackets + max(map(len, text.split("\n")), default=0)


def _refuse_deep(path: str, marks: _Marks) -> None:
    """Walk the parser's flat event stream and refuse nesting past MAX_DEPTH."""
    depth = 0
    for event in yaml.parse(marks.body, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ReportgenError([_too_deep(path, marks.line(event.start_mark))])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _too_deep(path: str, line: int) -> Problem:
    return Problem(path, line, f"YAML nested more than {MAX_DEPTH} levels deep",
                   "annotation files nest a few levels; check the brackets and indentation")


# What PyYAML's scalar constructors raise on a malformed value (a tag such as !!bool or
# !!timestamp forces one on any text), and how messages name each kind of value.
_MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)
_WHAT = {"timestamp": "date", "int": "number", "float": "number", "bool": "yes/no value"}


class _Builder:
    """Turns composed nodes into plain data, recording lines, spans and problems."""

    def __init__(self, out: YamlFile, aliases: list, marks: _Marks):
        self.out, self.aliases, self.marks, self.seen = out, aliases, marks, set()
        # one per file: a constructor keeps every node it built (a shared one grew forever)
        self.scalars = yaml.constructor.SafeConstructor()

    def refuse(self, where: Path_, line: int, message: str, hint: str = "") -> None:
        self.out.problems.append(Problem(self.out.path, line, message, hint))
        self.out.broken.add(where)

    def build(self, node, where: Path_, depth: int = 0):
        self.out.spans[where] = (self.marks.index(node.start_mark),
                                 self.marks.index(node.end_mark))
        line = self.marks.line(node.start_mark)
        if id(node) in self.seen:  # the composer hands back the anchored node for an alias
            self.aliases.append(where)
            self.out.broken.add(where)
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.out.problems.append(_too_deep(self.out.path, line))
            self.out.broken.add(where)
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, where)
        if node.tag not in _PLAIN_TAGS:
            self.refuse(where, line, f"unsupported YAML tag {node.tag}",
                        "remove the tag: lists and mappings are written plain")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, where, depth)
        items = []
        for index, item in enumerate(node.value):
            self.out.lines[where + (index,)] = self.marks.line(item.start_mark)
            items.append(self.build(item, where + (index,), depth + 1))
        return items

    def scalar(self, node, where: Path_):
        line = self.marks.line(node.start_mark)
        if node.tag not in _PLAIN_TAGS:
            self.refuse(where, line, f"unsupported YAML tag {node.tag}",
                        "use plain values: text, numbers, yes/no, dates")
            return None
        if node.tag.endswith(":int") and len(node.value) > MAX_INTEGER_CHARACTERS:
            self.refuse(where, line, f"'{_clip(node.value)}' is too large a number "
                        f"(more than {MAX_INTEGER_CHARACTERS} characters)",
                        "quote the value to keep it as text")
            return None
        try:
            return self.scalars.construct_object(node)
        except _MALFORMED as exc:  # 2016-02-30; "!!timestamp soon", "!!bool maybe", "!!int ''"
            what = _WHAT.get(node.tag.rsplit(":", 1)[-1], "value")
            detail = f" ({exc})" if isinstance(exc, ValueError) else ""
            self.refuse(where, line, f"'{_clip(node.value)}' is not a valid {what}{detail}",
                        "write a real date as YYYY-MM-DD, or quote the value to keep it as text"
                        if what == "date" else "quote the value to keep it as text")
        except yaml.YAMLError as exc:
            self.refuse(where, line, f"unreadable value: {exc}", "quote the value")
        return None

    def mapping(self, node, where: Path_, depth: int) -> dict:
        mapping: dict = {}
        for key_node, value_node in node.value:
            line = self.marks.line(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.refuse(where, line, "a mapping key must be a plain value")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.refuse(where, line, "YAML merge keys (<<) are not allowed",
                            "write the keys out in full")
                continue
            refused = len(self.out.problems)
            key = self.scalar(key_node, where)
            if len(self.out.problems) > refused:
                continue  # reported; a null key (~:) is kept, for the schema to call unknown
            if key in mapping:
                first = self.out.lines[where + (key,)]
                self.out.problems.append(Problem(
                    self.out.path, line, f"duplicate key '{key}' (first given on line {first})",
                    "remove one of them; YAML would silently keep only the last"))
                continue  # the first stays: nothing else about the entry is in doubt
            self.out.lines[where + (key,)] = line
            mapping[key] = self.build(value_node, where + (key,), depth + 1)
        return mapping


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _alias_problems(text: str, path: str, marks: _Marks) -> list[Problem]:
    """Each alias in ``text`` at its own line."""
    return [
        Problem(path, marks.line(token.start_mark), "YAML aliases (*name) are not allowed",
                "write the value out in full; aliases hide what an annotation says")
        for token in yaml.scan(marks.body, Loader=_Loader)
        if isinstance(token, yaml.AliasToken)
    ]


def _syntax_hint(exc: yaml.MarkedYAMLError) -> str:
    problem = str(exc.problem or "")
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "check the indentation and quoting of this line and the one before"
    return "check the syntax around this line"


# -- editing -------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]*(:[A-Za-z0-9._/-]+)*")


def scalar_text(value: object, like: str = "") -> str:
    """``value`` as a YAML scalar that reads back as exactly ``value``, styled ``like`` the old one.

    A plain scalar stays plain and a single-quoted one single-quoted where the
    new value allows it; otherwise double quotes, which can write anything.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if like[:1] not in ("'", '"', "|", ">") and _PLAIN_SAFE.fullmatch(text) \
            and yaml.safe_load(text) == text:
        return text
    if like[:1] == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def edited_text(file: YamlFile, changes: dict[Path_, object]) -> str:
    """``file.text`` with the scalar at each path replaced by the new value, nothing else.

    The result is parsed again and must hold the same data but for the changes;
    otherwise ValueError (the edit is refused, the file is left alone).
    """
    text = file.text
    for where, value in sorted(changes.items(), key=lambda c: file.spans[c[0]], reverse=True):
        start, end = file.spans[where]
        new = scalar_text(value, like=text[start:end])
        if text[start:end].endswith("\n"):  # a block scalar (| or >) owns its line break
            new += "\n"
        text = text[:start] + new + text[end:]
    _verify(file, text, changes)
    return text


def _verify(file: YamlFile, text: str, changes: dict[Path_, object]) -> None:
    expected = json.loads(json.dumps(file.data, default=str))
    for where, value in changes.items():
        *parents, last = where
        target = expected
        for part in parents:
            target = target[part]
        target[last] = value
    try:
        again = load_yaml(text, file.path)
    except ReportgenError:
        again = None
    if again is None or again.problems or \
            json.loads(json.dumps(again.data, default=str)) != expected:
        raise ValueError(f"{file.path}: the edit would change more than the values it means to")
