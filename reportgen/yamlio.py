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
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from .errors import Problem, ReportgenError

_scalars = yaml.SafeLoader("")  # only its scalar constructors are used


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml's when available), resolving tags with less per-node work.

    libyaml calls back into Python for every node to resolve its tag: this
    does what the safe resolver does for our files (no path resolvers) with a
    dictionary lookup, about twice as fast; the tags are the same.
    """

    _by_first = yaml.SafeLoader.yaml_implicit_resolvers

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:  # a plain scalar: a number, a date, yes/no, null, or text
                for tag, regexp in self._by_first.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else \
            self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node, current_index):
        pass  # path resolvers are never used

    def ascend_resolver(self):
        pass

Path_ = tuple  # a path into the data: ("paragraphs", 3, "themes", 0)

MAX_DEPTH = 64  # annotation files nest about 6 deep; far deeper is an attack or an accident
# Python refuses to print integers of over 4,300 digits (and 0x... can reach that in
# fewer characters); no annotation needs an integer this long.
MAX_INTEGER_CHARACTERS = 1000
_C_COMPOSER_SAFE = 10_000  # libyaml's composer recurses in C: past ~50,000 levels it crashes
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp", "seq", "map")}


# Where a part of the file stands: (line, start, end, inner). ``line`` is the
# 1-based line of its key (a mapping's value) or of the item itself (a list's);
# ``start``/``end`` are the character span of the value; ``inner`` holds the
# locations of its parts (a dict by key, a list by index), None for a scalar.
# One small tuple per node, nested like the data: no path is built per node.
Location = tuple


@dataclass
class YamlFile:
    """Plain data from one YAML file, where each part stands, and what is wrong with it."""

    path: str  # as shown to the user
    data: object
    located: Location | None  # where the root and, nested, every part stands
    text: str = ""  # exactly what was parsed: an edit refuses if the file changed since
    problems: list[Problem] = field(default_factory=list)
    broken: set[Path_] = field(default_factory=set)  # parts whose data cannot be trusted
    # what the checker made of ``data``, by schema: kept with the file, so a long
    # running serve checks only the files an edit changed (reportgen.validate)
    checked: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict:
        """Pickled (the check cache keeps files: reportgen.checkcache) without ``data`` and
        ``located``, half of the pickle: a build that finds a file's checks in the cache
        never looks at them. They are read again from ``text`` if asked for."""
        state = dict(self.__dict__)
        state.pop("data", None)
        state.pop("located", None)
        return state

    def __getattr__(self, name: str):  # only for what was not unpickled
        if name not in ("data", "located") or "text" not in self.__dict__:
            raise AttributeError(name)
        again = load_yaml(self.text, self.path)
        self.data, self.located = again.data, again.located
        return self.__dict__[name]

    def line_of(self, *path: object) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        here = self.located
        if here is None:
            return None
        line = here[0]
        for part in path:
            here = _inner(here, part)
            if here is None:
                break
            line = here[0]
        return line

    def span(self, path: Path_) -> tuple[int, int]:
        """The characters of the value at ``path``; KeyError if there is none."""
        return self.spans[path]

    @property
    def lines(self) -> Mapping[Path_, int]:
        """The 1-based line of each key or item (and of the root), by path."""
        return _ByPath(self.located, lambda here: here[0])

    @property
    def spans(self) -> Mapping[Path_, tuple[int, int]]:
        """The characters of each value, by path."""
        return _ByPath(self.located, lambda here: (here[1], here[2]))

    def is_broken(self, *path: object) -> bool:
        """True when ``path`` or anything inside it was refused while reading."""
        key = tuple(path)
        return any(b[: len(key)] == key for b in self.broken)


class _ByPath(Mapping):
    """A read-only view of a located tree by path: ``file.lines[("themes", 0)]``."""

    def __init__(self, root: Location | None, pick):
        self.root, self.pick = root, pick

    def __getitem__(self, path: Path_):
        here = self.root
        for part in path:
            here = _inner(here, part) if here is not None else None
        if here is None:
            raise KeyError(path)
        return self.pick(here)

    def __iter__(self):
        pending = [((), self.root)] if self.root is not None else []
        while pending:
            path, here = pending.pop()
            yield path
            inner = here[3]
            parts = inner.items() if type(inner) is dict else enumerate(inner or ())
            pending.extend((path + (key,), part) for key, part in parts)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _inner(here: Location, part: object) -> Location | None:
    inner = here[3]
    if type(inner) is dict:
        return inner.get(part)
    if type(inner) is list and type(part) is int and 0 <= part < len(inner):
        return inner[part]
    return None


def load_yaml(text: str, path: str) -> YamlFile:
    """Parse ``text`` (the content of ``path``).

    Raises ReportgenError only when nothing can be read (a syntax error, absurd
    nesting); every other problem is kept in ``problems`` at its own line.
    """
    marks = _Marks(text)
    root = _compose(text, path, marks)
    result = YamlFile(path, None, (1, 0, 0, None), text)  # an empty file: line 1
    if root is None:
        return result
    builder = _Builder(result, marks)
    result.data, result.located = builder.build(root, None, marks.line(root.start_mark), 0)
    if builder.aliases:  # composed nodes only know the anchor's line: find each alias's own
        result.problems += _alias_problems(text, path, marks)
    return result


class _Marks:
    """Positions as the file's editor counts them: character offsets, lines ending at "\\n".

    PyYAML's own line numbers also end at a lone \\r, NEL and U+2028/9, and libyaml
    leaves a leading BOM out of its offsets; either would put a problem on the wrong
    line (or a span one character off). The text is composed without its BOM. In the
    usual file, with none of those breaks, libyaml's line is the editor's.
    """

    def __init__(self, text: str):
        self.skipped = 1 if text.startswith("\ufeff") else 0
        self.body = text[self.skipped:]
        self.last = max(len(text) - 1, 0)  # an error at the end of the file is on its last line
        self.last_line = text.count("\n", 0, self.last) + 1
        self.plain = not any(c in text for c in "\x85\u2028\u2029") and \
            text.count("\r") == text.count("\r\n")
        self.text, self.breaks = text, None  # every "\n", found when a line needs them

    def index(self, mark) -> int:
        return mark.index + self.skipped

    def line(self, mark) -> int:
        if self.plain:
            return min(mark.line + 1, self.last_line)
        return self.line_at(self.index(mark))

    def line_at(self, index: int) -> int:
        if self.breaks is None:
            self.breaks = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self.breaks, min(index, self.last)) + 1


def _compose(text: str, path: str, marks: _Marks):
    try:
        if _rough_depth(text) > _C_COMPOSER_SAFE:
            _refuse_deep(path, marks)
        return yaml.compose(marks.body, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = marks.line_at(marks.index(mark)) if mark else None
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


_STR = "tag:yaml.org,2002:str"
_SCALAR = yaml.ScalarNode
_SCALAR_TYPES = {  # how each plain scalar tag is read (str, the most common, needs nothing)
    f"tag:yaml.org,2002:{name}": yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in ("int", "float", "bool", "null", "timestamp")}
_EMPTY = {"tag:yaml.org,2002:seq": list, "tag:yaml.org,2002:map": dict}  # "!!seq x" reads as []
# What PyYAML's scalar constructors raise on a malformed value (a tag such as !!bool or
# !!timestamp forces one on any text), and how messages name each kind of value.
_MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)
_WHAT = {"timestamp": "date", "int": "number", "float": "number", "bool": "yes/no value"}


def _path(where) -> Path_:
    """A path from the builder's linked form (parent, key), made only when a problem needs it."""
    parts = []
    while where is not None:
        where, key = where
        parts.append(key)
    return tuple(reversed(parts))


class _Builder:
    """Turns composed nodes into plain data and their locations, recording problems.

    Each node is visited once; ``where`` is the node's path as linked pairs
    (parent, key), turned into a tuple only for a problem.
    """

    def __init__(self, out: YamlFile, marks: _Marks):
        self.out, self.marks, self.aliases = out, marks, 0
        # For an alias the composer hands back the anchored node itself: a node met
        # twice is an alias. Without an anchor (&) in the text there can be none.
        self.seen: set[int] | None = set() if "&" in out.text else None

    def refuse(self, where, line: int, message: str, hint: str = "") -> None:
        self.out.problems.append(Problem(self.out.path, line, message, hint))
        self.out.broken.add(_path(where))

    def met_before(self, node, where) -> bool:
        """True (and the part marked broken) when ``node`` is an alias."""
        if self.seen is None:
            return False
        if id(node) in self.seen:
            self.aliases += 1
            self.out.broken.add(_path(where))
            return True
        self.seen.add(id(node))
        return False

    def build(self, node, where, line: int, depth: int) -> tuple[object, Location]:
        """The data of ``node`` and its location; ``line``: its key's line, or its own."""
        skipped = self.marks.skipped
        start, end = node.start_mark.index + skipped, node.end_mark.index + skipped
        if self.met_before(node, where):
            return None, (line, start, end, None)
        if depth > MAX_DEPTH:
            self.out.problems.append(_too_deep(self.out.path, self.marks.line(node.start_mark)))
            self.out.broken.add(_path(where))
            return None, (line, start, end, None)
        kind = type(node)
        if kind is yaml.ScalarNode:
            value = node.value if node.tag == _STR else self.scalar(node, where)
            return value, (line, start, end, None)
        if node.tag not in _PLAIN_TAGS:
            self.refuse(where, self.marks.line(node.start_mark), f"unsupported YAML tag {node.tag}",
                        "remove the tag: lists and mappings are written plain")
            return None, (line, start, end, None)
        if kind is yaml.MappingNode:
            data, inner = self.mapping(node, where, depth)
        else:
            data, inner = self.sequence(node, where, depth)
        return data, (line, start, end, inner)

    def sequence(self, node, where, depth: int) -> tuple[list, list]:
        data: list = []
        inner: list = []
        fast = self.seen is None and depth + 1 <= MAX_DEPTH  # text items read inline
        skipped, plain, last_line = self.marks.skipped, self.marks.plain, self.marks.last_line
        for index, item in enumerate(node.value):
            mark = item.start_mark
            if plain:
                line = mark.line + 1
                if line > last_line:
                    line = last_line
            else:
                line = self.marks.line(mark)
            if fast and item.tag == _STR and type(item) is _SCALAR:
                data.append(item.value)
                inner.append((line, mark.index + skipped, item.end_mark.index + skipped, None))
                continue
            value, location = self.build(item, (where, index), line, depth + 1)
            data.append(value)
            inner.append(location)
        return data, inner

    def scalar(self, node, where):
        tag = node.tag
        if tag == _STR:
            return node.value
        line = self.marks.line(node.start_mark)
        read = _SCALAR_TYPES.get(tag)
        if read is None:
            if tag in _EMPTY:
                return _EMPTY[tag]()
            self.refuse(where, line, f"unsupported YAML tag {tag}",
                        "use plain values: text, numbers, yes/no, dates")
            return None
        if tag.endswith(":int") and len(node.value) > MAX_INTEGER_CHARACTERS:
            self.refuse(where, line, f"'{_clip(node.value)}' is too large a number "
                        f"(more than {MAX_INTEGER_CHARACTERS} characters)",
                        "quote the value to keep it as text")
            return None
        try:
            return read(_scalars, node)
        except _MALFORMED as exc:  # 2016-02-30; "!!timestamp soon", "!!bool maybe", "!!int ''"
            what = _WHAT.get(tag.rsplit(":", 1)[-1], "value")
            detail = f" ({exc})" if isinstance(exc, ValueError) else ""
            self.refuse(where, line, f"'{_clip(node.value)}' is not a valid {what}{detail}",
                        "write a real date as YYYY-MM-DD, or quote the value to keep it as text"
                        if what == "date" else "quote the value to keep it as text")
        except yaml.YAMLError as exc:
            self.refuse(where, line, f"unreadable value: {exc}", "quote the value")
        return None

    def mapping(self, node, where, depth: int) -> tuple[dict, dict]:
        mapping: dict = {}
        inner: dict = {}
        # The usual entry, a plain text key and a text value with no alias possible,
        # is read inline: no call per node (a large corpus has hundreds of thousands).
        fast = self.seen is None and depth + 1 <= MAX_DEPTH
        skipped, plain, last_line = self.marks.skipped, self.marks.plain, self.marks.last_line
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            if plain:
                line = mark.line + 1
                if line > last_line:
                    line = last_line
            else:
                line = self.marks.line(mark)
            if fast and key_node.tag == _STR and type(key_node) is _SCALAR:
                key = key_node.value
                if key not in mapping:
                    if value_node.tag == _STR and type(value_node) is _SCALAR:
                        mapping[key] = value_node.value
                        inner[key] = (line, value_node.start_mark.index + skipped,
                                      value_node.end_mark.index + skipped, None)
                    else:
                        mapping[key], inner[key] = self.build(value_node, (where, key), line,
                                                              depth + 1)
                    continue
            if type(key_node) is not yaml.ScalarNode:
                self.refuse(where, line, "a mapping key must be a plain value")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.refuse(where, line, "YAML merge keys (<<) are not allowed",
                            "write the keys out in full")
                continue
            if self.met_before(key_node, where):
                continue
            refused = len(self.out.problems)
            key = key_node.value if key_node.tag == _STR else self.scalar(key_node, where)
            if len(self.out.problems) > refused:
                continue  # reported; a null key (~:) is kept, for the schema to call unknown
            if isinstance(key, (list, dict)):  # "!!seq x: 1"
                self.refuse(where, line, "a mapping key must be a plain value")
                continue
            if key in mapping:
                self.out.problems.append(Problem(
                    self.out.path, line,
                    f"duplicate key '{key}' (first given on line {inner[key][0]})",
                    "remove one of them; YAML would silently keep only the last"))
                continue  # the first stays: nothing else about the entry is in doubt
            mapping[key], inner[key] = self.build(value_node, (where, key), line, depth + 1)
        return mapping, inner


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
    for where, value in sorted(changes.items(), key=lambda c: file.span(c[0]), reverse=True):
        start, end = file.span(where)
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
