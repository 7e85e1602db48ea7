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
    value = _check(cls, data, loc, errors)
    return (None if errors else value), errors


def parse_partial(cls, data, loc: tuple = ()) -> tuple[object | None, list[SpecError]]:
    """Like :func:`parse`, but keep what is sound, so one mistake hides nothing else.

    Every value with an error of its own becomes None (an entry's field, an item
    of a list); objects around it are kept with their sound parts. None as a
    whole only when ``data`` is no mapping at all.
    """
    errors: list[SpecError] = []
    value = _check(cls, data, loc, errors, partial=True)
    return value, errors


def _check(kind, value, loc, errors, partial=False):
    base, extras, origin = _plan(kind)
    if dataclasses.is_dataclass(base):
        return _check_object(base, value, loc, errors, partial)
    if origin in (typing.Union, types.UnionType):
        return _check_union(base, value, loc, errors)
    if origin is typing.Literal:
        choices = typing.get_args(base)
        if value not in choices:
            shown = " or ".join(", ".join(repr(c) for c in choices).rsplit(", ", 1))
            errors.append(SpecError(loc, f"{_name(loc)}should be {shown}, but received {value!r}",
                                    did_you_mean(value, choices)))
        return value
    if origin is list:
        return _check_list(typing.get_args(base)[0], extras, value, loc, errors, partial)
    if isinstance(value, float) and value.is_integer() and any(
            isinstance(rule, Pattern) and rule.numbers for rule in extras):
        value = int(value)  # JSON, and so an editor's schema, cannot tell 2018.0 from 2018
    checked = _check_scalar(base, value, loc, errors)
    for rule in extras:
        if isinstance(rule, Pattern) and isinstance(checked, str) \
                and not re.fullmatch(rule.regex, checked):
            errors.append(SpecError(loc, f"{_name(loc)}is not {rule.what}: received {value!r}",
                                    rule.hint))
        elif isinstance(rule, MinLen) and isinstance(checked, str) and len(checked.strip()) < rule.count:
            errors.append(SpecError(loc, f"{_name(loc)}should not be empty"))
        elif isinstance(rule, Ge) and isinstance(checked, int) and checked < rule.minimum:
            errors.append(SpecError(loc, f"{_name(loc)}should be at least {rule.minimum}, "
                                         f"but received {value!r}"))
    return checked


def _check_object(cls, value, loc, errors, partial=False):
    if not isinstance(value, dict):
        errors.append(SpecError(loc, f"{_name(loc)}should be a mapping of keys to values, "
                                     f"but received {_short(value)}"))
        return None
    names = field_names(cls)
    for key in value:
        if key not in names:
            close = did_you_mean(key, names)
            allowed = f"expected one of: {', '.join(names)}"
            errors.append(SpecError(loc + (key,), f"unknown key '{key}'",
                                    f"{close} ({allowed})" if close else allowed))
    arguments = {}
    for field in dataclasses.fields(cls):
        if field.name in value:
            arguments[field.name] = _checked(_hints(cls)[field.name], value[field.name],
                                             loc + (field.name,), errors, partial)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            errors.append(SpecError(loc + (field.name,), f"missing required field '{field.name}'",
                                    f"add '{field.name}:' to this entry"))
            arguments[field.name] = None
    return cls(**arguments)


def _checked(kind, value, loc, errors, partial):
    """The checked value; in partial mode None if the value itself is wrong (already reported)."""
    found = len(errors)
    checked = _check(kind, value, loc, errors, partial)
    if partial and any(e.loc == loc for e in errors[found:]):
        return None
    return checked


def _check_list(item_kind, extras, value, loc, errors, partial=False):
    if not isinstance(value, list):
        errors.append(SpecError(loc, f"{_name(loc)}should be a list, but received {_short(value)}",
                                "write a YAML list: [a, b] or one '- item' per line"))
        return []
    for rule in extras:
        if isinstance(rule, MinLen) and len(value) < rule.count:
            errors.append(SpecError(loc, f"{_name(loc)}should have at least {rule.count} "
                                         f"item{'s' * (rule.count != 1)}"))
    return [_checked(item_kind, item, loc + (index,), errors, partial)
            for index, item in enumerate(value)]


def did_you_mean(value, choices) -> str:
    """ "did you mean 'agreement'?" for a near miss, else "". """
    if not isinstance(value, str):
        return ""
    import difflib  # only on the error path

    close = difflib.get_close_matches(value, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _check_union(kind, value, loc, errors):
    options = typing.get_args(kind)
    if value is None and type(None) in options:
        return None
    closest = None  # errors of the first option whose shape the value has: the real reason
    for option in options:  # the first option that accepts the value, in declared order
        if option is type(None):
            continue
        trial: list[SpecError] = []
        checked = _check(option, value, loc, trial)
        if not trial:
            return checked
        if closest is None and _has_shape(option, value):
            closest = trial
    errors.extend(closest or [SpecError(loc, f"{_name(loc)}should be {_describe(kind)}, "
                                             f"but received {_short(value)}")])
    return None


def _has_shape(kind, value) -> bool:
    """Whether ``value`` is the kind of thing ``kind`` declares (a mapping for an object,
    a list for a list, a value of its type for a scalar), whatever its constraints say."""
    base, _, origin = _plan(kind)
    if dataclasses.is_dataclass(base):
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list)
    if origin is typing.Literal or origin in (typing.Union, types.UnionType):
        return False
    trial: list[SpecError] = []
    _check_scalar(base, value, (), trial)
    return not trial


_SCALARS = {str: "text", int: "a whole number", float: "a number", bool: "yes or no"}


def _check_scalar(kind, value, loc, errors):
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
    errors.append(SpecError(loc, f"{_name(loc)}should be {_SCALARS.get(kind, kind.__name__)}, "
                                 f"but received {_short(value)}"))
    return value


@lru_cache(maxsize=None)
def _plan(kind) -> tuple:
    """A declared type as (base type, Annotated extras, typing origin); worked out once."""
    base, extras = _unwrap(kind)
    return base, tuple(extras), typing.get_origin(base)


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
