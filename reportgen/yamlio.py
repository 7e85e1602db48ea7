"""YAML reading that keeps line numbers and refuses what loses an edit.

PyYAML's ``safe_load`` forgets where each value came from, silently keeps the
last of two duplicate keys, and expands aliases (a small file can blow up into
megabytes). Here the document is composed into nodes (with libyaml when it is
available), then turned into plain Python data by hand, recording the line of
every key and item, refusing duplicate keys and refusing aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .errors import Problem, ReportgenError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_scalars = yaml.SafeLoader("")  # only its scalar constructors are used

Path_ = tuple  # a path into the data: ("paragraphs", 3, "themes", 0)


@dataclass
class YamlFile:
    """Plain data from one YAML file, and the line each part of it starts on."""

    path: str
    data: object
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, *path: object) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


def load_yaml(text: str, path: str) -> YamlFile:
    """Parse ``text`` (the content of ``path``); raise ReportgenError if invalid."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise ReportgenError([Problem(path, line, message, _syntax_hint(exc))]) from None
    except yaml.YAMLError as exc:
        raise ReportgenError([Problem(path, None, f"invalid YAML: {exc}")]) from None
    result = YamlFile(path, None)
    if root is None:
        return result
    problems: list[Problem] = []
    result.lines[()] = root.start_mark.line + 1
    result.data = _build(root, (), result, problems, set())
    if _ALIAS in problems:
        problems = [p for p in problems if p is not _ALIAS] + _alias_problems(text, path)
    if problems:
        raise ReportgenError(problems)
    return result


_ALIAS = Problem("", None, "alias")  # placeholder until the aliases' own lines are found


def _alias_problems(text: str, path: str) -> list[Problem]:
    """Each alias in ``text`` at its own line (composed nodes only know the anchor's)."""
    return [
        Problem(path, token.start_mark.line + 1, "YAML aliases (*name) are not allowed",
                "write the value out in full; aliases hide what an annotation says")
        for token in yaml.scan(text, Loader=_Loader)
        if isinstance(token, yaml.AliasToken)
    ]


def _build(node, where: Path_, out: YamlFile, problems: list[Problem], seen: set[int]):
    if id(node) in seen:  # the composer hands back the anchored node for an alias
        problems.append(_ALIAS)
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, where, out, problems, seen)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            out.lines[where + (index,)] = item.start_mark.line + 1
            items.append(_build(item, where + (index,), out, problems, seen))
        return items
    return _scalar(node, out, problems)


def _scalar(node, out: YamlFile, problems: list[Problem]):
    try:
        return _scalars.construct_object(node)
    except yaml.YAMLError:
        problems.append(Problem(out.path, node.start_mark.line + 1,
                                f"unsupported YAML tag {node.tag}",
                                "use plain values: text, numbers, yes/no, dates"))
        return None


def _build_mapping(node, where, out, problems, seen) -> dict:
    mapping: dict = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(out.path, line, "a mapping key must be a plain value"))
            continue
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(Problem(out.path, line, "YAML merge keys (<<) are not allowed",
                                    "write the keys out in full"))
            continue
        key = _scalar(key_node, out, problems)
        if key in mapping:
            first = out.lines[where + (key,)]
            problems.append(Problem(
                out.path, line, f"duplicate key '{key}' (first given on line {first})",
                "remove one of them; YAML would silently keep only the last",
            ))
            continue
        out.lines[where + (key,)] = line
        mapping[key] = _build(value_node, where + (key,), out, problems, seen)
    return mapping


def _syntax_hint(exc: yaml.MarkedYAMLError) -> str:
    problem = str(exc.problem or "")
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted"
    if "found character '\\t'" in problem:
        return "indent with spaces, not tabs"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "check the indentation and quoting of this line and the one before"
    return "check the syntax around this line"
