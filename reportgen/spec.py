"""Checking plain YAML data against dataclasses declared with type hints.

A small engine for :mod:`reportgen.schema`: the dataclass fields say what a
file may contain (``str``, ``int``, ``bool``, ``float``, ``list[...]``,
``Literal[...]``, ``X | None``, nested dataclasses, and ``Annotated`` with
:class:`Pattern`, :class:`MinLen` or :class:`Ge`); :func:`parse` checks data
against them, collecting every error with its path, and :func:`json_schema`
describes them for editors. It replaced pydantic, whose import and model
building cost about 0.1 s of every build — a third of the time budget.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Pattern:
    regex: str
    what: str  # "an id", "a date": how messages name a matching value
    hint: str = ""
    # The whole numbers, (least, greatest or None), that YAML may read where this
    # text is meant (``published: 2018``) and whose digits the regex accepts: the
    # checker takes them as text, and the JSON Schema allows them as numbers.
    numbers: tuple[int, int | None] | None = None


@dataclass(frozen=True)
class MinLen:
    count: int


@dataclass(frozen=True)
class Ge:
    minimum: int


@dataclass(frozen=True)
class SpecError:
    """One mismatch between data and declaration, at ``loc`` inside the file."""

    loc: tuple
    message: str
    hint: str = ""


def doc(text: str, default=dataclasses.MISSING, **kwargs):
    """A field with a description (shown in the JSON Schema)."""
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata={"doc": text})
    return dataclasses.field(default=default, metadata={"doc": text}, **kwargs)


@lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls, include_extras=True)


def field_names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def parse(cls, data, loc: tuple = ()) -> tuple[object | None, list[SpecError]]:
    """An instance of dataclass ``cls`` from ``data``, or None, and every error found."""
    errors: list[SpecError] = []
    value = _checker(cls)(data, loc, errors, False)
    return (None if errors else value), errors


def parse_partial(cls, data, loc: tuple = ()) -> tuple[object | None, list[SpecError]]:
    """Like :func:`parse`, but keep what is sound, so one mistake hides nothing else.

    Every value with an error of its own becomes None (an entry's field, an item
    of a list); objects around it are kept with their sound parts. None as a
    whole only when ``data`` is no mapping at all.
    """
    errors: list[SpecError] = []
    value = _checker(cls)(data, loc, errors, True)
    return value, errors


# Each declared type is turned once into a checker, check(value, loc, errors,
# partial) -> the checked value, with everything about the declaration worked
# out in advance: a 20,000-paragraph corpus checks some 300,000 values.

@lru_cache(maxsize=None)
def _checker(kind):
    base, extras = _unwrap(kind)
    origin = typing.get_origin(base)
    if dataclasses.is_dataclass(base):
        return _object_checker(base)
    if origin in (typing.Union, types.UnionType):
        return _union_checker(base)
    if origin is typing.Literal:
        return _literal_checker(typing.get_args(base))
    if origin is list:
        return _list_checker(typing.get_args(base)[0], extras)
    return _scalar_checker(base, extras)


def _object_checker(cls):
    hints = typing.get_type_hints(cls, include_extras=True)
    names = field_names(cls)
    known = frozenset(names)
    fields = [(f.name, _checker(hints[f.name]), f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING) for f in dataclasses.fields(cls)]

    def check(value, loc, errors, partial):
        if not isinstance(value, dict):
            errors.append(SpecError(loc, f"{_name(loc)}should be a mapping of keys to values, "
                                         f"but received {_short(value)}"))
            return None
        if not known.issuperset(value):
            for key in value:
                if key not in known:
                    close = did_you_mean(key, names)
                    allowed = f"expected one of: {', '.join(names)}"
                    errors.append(SpecError(loc + (key,), f"unknown key '{key}'",
                                            f"{close} ({allowed})" if close else allowed))
        arguments = {}
        for name, check_field, required in fields:
            if name in value:
                found = len(errors)
                arguments[name] = checked = check_field(value[name], loc + (name,), errors,
                                                        partial)
                if len(errors) > found and checked is not None:
                    arguments[name] = _unless_wrong(checked, loc + (name,), errors, found,
                                                    partial)
            elif required:
                errors.append(SpecError(loc + (name,), f"missing required field '{name}'",
                                        f"add '{name}:' to this entry"))
                arguments[name] = None
        return cls(**arguments)
    return check


def _unless_wrong(checked, loc, errors, found: int, partial: bool):
    """``checked``; in partial mode None if the value itself is wrong (already reported
    among ``errors[found:]``), while a value with errors only inside it is kept."""
    if partial and any(e.loc == loc for e in errors[found:]):
        return None
    return checked


def _list_checker(item_kind, extras):
    check_item = _checker(item_kind)
    least = next((rule.count for rule in extras if isinstance(rule, MinLen)), 0)

    def check(value, loc, errors, partial):
        if not isinstance(value, list):
            errors.append(SpecError(loc, f"{_name(loc)}should be a list, but received "
                                         f"{_short(value)}",
                                    "write a YAML list: [a, b] or one '- item' per line"))
            return []
        if len(value) < least:
            errors.append(SpecError(loc, f"{_name(loc)}should have at least {least} "
                                         f"item{'s' * (least != 1)}"))
        items = []
        for index, item in enumerate(value):
            found = len(errors)
            checked = check_item(item, loc + (index,), errors, partial)
            if len(errors) > found and checked is not None:
                checked = _unless_wrong(checked, loc + (index,), errors, found, partial)
            items.append(checked)
        return items
    return check


def _literal_checker(choices: tuple):
    shown = " or ".join(", ".join(repr(c) for c in choices).rsplit(", ", 1))

    def check(value, loc, errors, partial):
        if value not in choices:
            errors.append(SpecError(loc, f"{_name(loc)}should be {shown}, but received {value!r}",
                                    did_you_mean(value, choices)))
        return value
    return check


def _union_checker(kind):
    options = [(option, _checker(option)) for option in typing.get_args(kind)
               if option is not type(None)]
    optional = type(None) in typing.get_args(kind)
    described = _describe(kind)

    def check(value, loc, errors, partial):
        if value is None and optional:
            return None
        closest = None  # errors of the first option whose shape the value has: the real reason
        for kind, option in options:  # the first option that accepts the value, in declared order
            trial: list[SpecError] = []
            checked = option(value, loc, trial, False)
            if not trial:
                return checked
            if closest is None and _has_shape(kind, value):
                closest = trial
        errors.extend(closest or [SpecError(loc, f"{_name(loc)}should be {described}, "
                                                 f"but received {_short(value)}")])
        return None
    return check


def _has_shape(kind, value) -> bool:
    """Whether ``value`` is the kind of thing ``kind`` declares (a mapping for an object,
    a list for a list, a value of its type for a scalar), whatever its constraints say."""
    base, _ = _unwrap(kind)
    origin = typing.get_origin(base)
    if dataclasses.is_dataclass(base):
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list)
    if origin is typing.Literal or origin in (typing.Union, types.UnionType):
        return False
    return _scalar(base, value) is not _WRONG


_SCALARS = {str: "text", int: "a whole number", float: "a number", bool: "yes or no"}


def _scalar_checker(kind, extras):
    patterns = [(re.compile(rule.regex), rule) for rule in extras if isinstance(rule, Pattern)]
    least = next((rule.count for rule in extras if isinstance(rule, MinLen)), None)
    minimum = next((rule.minimum for rule in extras if isinstance(rule, Ge)), None)
    expected = _SCALARS.get(kind, kind.__name__)
    as_text = any(rule.numbers for _, rule in patterns)  # 2018.0 read as 2018, then as text

    if not (patterns or least is not None or minimum is not None):
        def check(value, loc, errors, partial):
            if type(value) is kind:  # the usual case, nothing more to check
                return value
            checked = _scalar(kind, value)
            if checked is _WRONG:
                errors.append(SpecError(loc, f"{_name(loc)}should be {expected}, "
                                             f"but received {_short(value)}"))
                return value
            return checked
        return check

    def check(value, loc, errors, partial):
        if as_text and isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON, and so an editor's schema, cannot tell 2018.0 from 2018
        checked = value if type(value) is kind else _scalar(kind, value)
        if checked is _WRONG:
            errors.append(SpecError(loc, f"{_name(loc)}should be {expected}, "
                                         f"but received {_short(value)}"))
            checked = value
        if isinstance(checked, str):
            for pattern, rule in patterns:
                if not pattern.fullmatch(checked):
                    errors.append(SpecError(loc, f"{_name(loc)}is not {rule.what}: "
                                                 f"received {value!r}", rule.hint))
            if least is not None and len(checked.strip()) < least:
                errors.append(SpecError(loc, f"{_name(loc)}should not be empty"))
        elif minimum is not None and isinstance(checked, int) and checked < minimum:
            errors.append(SpecError(loc, f"{_name(loc)}should be at least {minimum}, "
                                         f"but received {value!r}"))
        return checked
    return check


_WRONG = object()  # a value of another type


def _scalar(kind, value):
    """``value`` as ``kind``, or _WRONG."""
    if kind is str:
        # YAML reads 2016 as a number and 2016-12-08 as a date; as text they are meant.
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)  # 3.0: JSON, and so a JSON Schema, cannot tell it from 3
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    return _WRONG


def did_you_mean(value, choices) -> str:
    """ "did you mean 'agreement'?" for a near miss, else "". """
    if not isinstance(value, str):
        return ""
    import difflib  # only on the error path

    close = difflib.get_close_matches(value, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _unwrap(kind):
    if typing.get_origin(kind) is typing.Annotated:
        base, *extras = typing.get_args(kind)
        return base, extras
    return kind, []


def _describe(kind) -> str:
    base, _ = _unwrap(kind)
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        return " or ".join(_describe(k) for k in typing.get_args(base) if k is not type(None))
    return _SCALARS.get(base, getattr(base, "__name__", str(base)))


def _name(loc: tuple) -> str:
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    return f"'{field}' " if field else ""


def _short(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else repr(value)


# -- JSON Schema ---------------------------------------------------------------

def json_schema(cls) -> dict:
    """JSON Schema of dataclass ``cls``, for editors' YAML support.

    Draft-07: every editor's YAML support reads it, and nothing here needs later drafts.
    """
    return {"$schema": "http://json-schema.org/draft-07/schema#", **_schema_of(cls)}


def _schema_of(kind) -> dict:
    base, extras = _unwrap(kind)
    origin = typing.get_origin(base)
    if dataclasses.is_dataclass(base):
        hints = _hints(base)
        properties = {}
        for field in dataclasses.fields(base):
            properties[field.name] = _schema_of(hints[field.name])
            if field.metadata.get("doc"):
                properties[field.name]["description"] = field.metadata["doc"]
        required = [f.name for f in dataclasses.fields(base)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        schema = {"type": "object", "properties": properties, "required": required,
                  "additionalProperties": False}
        if base.__doc__:
            schema["description"] = base.__doc__.strip().split("\n")[0]
        return schema
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_of(k) for k in typing.get_args(base)]}
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(base))}
    if origin is list:
        schema = {"type": "array", "items": _schema_of(typing.get_args(base)[0])}
    elif base is type(None):
        schema = {"type": "null"}
    elif base is str:
        return _text_schema(extras)
    else:
        schema = {"type": {int: "integer", float: "number", bool: "boolean"}[base]}
    for rule in extras:
        if isinstance(rule, MinLen):
            schema["minItems"] = rule.count
        elif isinstance(rule, Ge):
            schema["minimum"] = rule.minimum
    return schema


def _text_schema(extras) -> dict:
    """Text as the checker takes it: a string, or a number YAML read where text is meant."""
    pattern = next((rule for rule in extras if isinstance(rule, Pattern)), None)
    least = next((rule.count for rule in extras if isinstance(rule, MinLen)), 0)
    # patternErrorMessage: what editors (yaml-language-server) say instead of the regex
    if pattern is None:
        schema = {"type": ["string", "number"]}  # any number written out is text
    else:  # only the whole numbers whose digits the pattern accepts
        schema = {"type": "string", "pattern": f"^(?:{pattern.regex})$",  # patterns search
                  "patternErrorMessage": f"not {pattern.what}: {pattern.hint}".rstrip(": ")}
    if least:  # counted without the spaces around it, as the checker does
        schema["minLength"] = least
        if "pattern" not in schema:
            schema["pattern"] = r"\S" if least == 1 else rf"\S[\s\S]{{{least - 2}}}\S"
            schema["patternErrorMessage"] = "should not be empty"
    if pattern is None or pattern.numbers is None:
        return schema
    low, high = pattern.numbers
    number = {"type": "integer", "minimum": low} | ({"maximum": high} if high is not None else {})
    return {"anyOf": [schema, number]}
