"""Property-based robustness: no mutation of a valid project ends in a traceback.

Hypothesis mutates valid projects (the tiny one from conftest, and a copy of the
bundled corpus): files truncated, junk and control characters inserted, keys
removed, added and duplicated, values of every wrong type, YAML tags, aliases,
deep nesting, unknown references, sources replaced or turned into folders and
links. Every run must end in a valid check or build, or in ReportgenError whose
problems each name a file of the project and, for an annotation file that
exists, a line of it; a failed build must leave the previous outputs byte for
byte. A smaller share of the cases goes through the real command line.

REPORTGEN_FUZZ_EXAMPLES=N runs about N generated cases in all (default: 1,360,
about a minute); REPORTGEN_FUZZ_RANDOM=1 draws new ones instead of the reproducible
set. The input classes and the figures of a larger run are in docs/robustness.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from conftest import TINY_ANNOTATIONS, TINY_SOURCES
from reportgen.build import build, check
from reportgen.errors import ReportgenError
from reportgen.load import MAX_ANNOTATION_BYTES, MAX_SOURCE_BYTES, PACKAGE_ROOT, Project

# -- budget --------------------------------------------------------------------

_SHARES = {"tiny": 700, "bundled": 200, "build": 300, "odd": 100, "cli": 60}  # CI: 1,360
_SCALE = int(os.environ.get("REPORTGEN_FUZZ_EXAMPLES", sum(_SHARES.values()))) / sum(
    _SHARES.values())


def fuzz_settings(share: str):
    """Reproducible (derandomized, no example database) unless REPORTGEN_FUZZ_RANDOM is set."""
    return settings(max_examples=max(1, round(_SHARES[share] * _SCALE)), deadline=None,
                    derandomize=not os.environ.get("REPORTGEN_FUZZ_RANDOM"), database=None,
                    print_blob=False,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


# -- the valid projects mutated --------------------------------------------------

Files = dict  # project-relative path ("annotations/themes.yaml") -> bytes, or a FileKind


@dataclass(frozen=True)
class FileKind:
    """Something at a path that is not a regular file."""

    name: str  # "folder", "fifo", "link-out"


FOLDER, FIFO, LINK_OUT = FileKind("folder"), FileKind("fifo"), FileKind("link-out")


def tiny_files() -> Files:
    files = {f"annotations/{name}": textwrap.dedent(text).encode()
             for name, text in TINY_ANNOTATIONS.items()}
    files.update({f"seeds/{name}": text.encode() for name, text in TINY_SOURCES.items()})
    return files


def bundled_files() -> Files:
    files = {}
    for folder, pattern in (("annotations", "**/*.yaml"), ("seeds", "*")):
        for path in sorted((PACKAGE_ROOT / folder).glob(pattern)):
            files[path.relative_to(PACKAGE_ROOT).as_posix()] = path.read_bytes()
    return files


TINY, BUNDLED = tiny_files(), bundled_files()


_written: dict[Path, Files] = {}  # what write_files last put at each root


def write_files(root: Path, files: Files) -> Project:
    """``files`` as the project at ``root``; only what differs from the last call is rewritten."""
    before = _written.pop(root, None)
    if before is None:
        for part in ("annotations", "seeds"):
            shutil.rmtree(root / part, ignore_errors=True)
        (root / "annotations" / "documents").mkdir(parents=True)
        (root / "seeds").mkdir()
        before = {}
    for name in sorted(before.keys() | files.keys()):
        if before.get(name) == files.get(name):
            continue
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()
        _create(root, path, files.get(name))
    _written[root] = dict(files)
    return Project.at(root)


def _create(root: Path, path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        return
    if content is FOLDER:
        path.mkdir()
    elif content is FIFO:
        os.mkfifo(path)
    elif content is LINK_OUT:
        outside = root.parent / f"outside-{root.name}.txt"
        outside.write_text("A text outside the project.\n")
        path.symlink_to(outside)
    else:
        path.write_bytes(content)


# -- mutations -------------------------------------------------------------------
# Each takes Hypothesis's draw and the files, and changes the files in place.

MUTATIONS: dict[str, Callable] = {}


def mutation(name: str):
    def register(function):
        MUTATIONS[name] = function
        return function
    return register


def regular(files: Files, prefix: str = "") -> list[str]:
    return sorted(n for n, c in files.items() if isinstance(c, bytes) and n.startswith(prefix))


def annotation_files(files: Files) -> list[str]:
    return [n for n in regular(files, "annotations/") if n.endswith(".yaml")]


def pick(draw, names: list[str]) -> str | None:
    return draw(st.sampled_from(names)) if names else None


def a_file(draw, files: Files) -> str | None:
    """Mostly an annotation file, sometimes a source."""
    annotations, sources = annotation_files(files), regular(files, "seeds/")
    choice = draw(st.sampled_from(["annotation"] * 4 + ["source"]))
    return pick(draw, annotations if choice == "annotation" or not sources else sources)


def position(draw, content: bytes) -> int:
    return draw(st.integers(0, len(content)))


def insert(draw, files: Files, junk: bytes) -> None:
    name = a_file(draw, files)
    if name:
        content = files[name]
        at = position(draw, content)
        files[name] = content[:at] + junk + content[at:]


def lines_of(content: bytes) -> list[bytes]:
    return content.split(b"\n")


@mutation("truncated at a random byte")
def truncate(draw, files):
    name = a_file(draw, files)
    if name:
        files[name] = files[name][:position(draw, files[name])]


@mutation("binary junk inserted")
def binary_junk(draw, files):
    insert(draw, files, draw(st.binary(min_size=1, max_size=40)))


@mutation("invalid UTF-8 (bytes, or the whole file in Latin-1 or UTF-16)")
def invalid_utf8(draw, files):
    junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xc0\xaf",
                                 "Ça été".encode("latin-1"), b"\xfe\xff\x00a", None]))
    if junk is not None:
        insert(draw, files, junk)
        return
    name = a_file(draw, files)
    if name:
        text = files[name].decode("utf-8", "replace") + "Ça été"
        files[name] = text.encode(draw(st.sampled_from(["latin-1", "utf-16", "utf-16-be"])),
                                  "replace")


CONTROLS = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0x9b)] + [
    "\r", "\t", "\u2028", "\u2029", "\u202e", "\u2066", "\ufeff", "\ufffe", "\x1b[2J"]


@mutation("control characters")
def control_characters(draw, files):
    text = "".join(draw(st.lists(st.sampled_from(CONTROLS), min_size=1, max_size=4)))
    insert(draw, files, text.encode("utf-8", "surrogatepass"))


@mutation("broken indentation")
def indentation(draw, files):
    name = pick(draw, annotation_files(files))
    if name:
        lines = lines_of(files[name])
        index = draw(st.integers(0, len(lines) - 1))
        shift = draw(st.sampled_from([-4, -2, -1, 1, 2, 3]))
        line = lines[index]
        indent = len(line) - len(line.lstrip(b" "))
        lines[index] = b" " * shift + line if shift > 0 else line[min(-shift, indent):]
        files[name] = b"\n".join(lines)


@mutation("tabs")
def tabs(draw, files):
    name = pick(draw, annotation_files(files))
    if name:
        lines = lines_of(files[name])
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        lines[index] = draw(st.sampled_from([b"\t" + line.lstrip(b" "), line + b"\t",
                                             line.replace(b": ", b":\t", 1)]))
        files[name] = b"\n".join(lines)


@mutation("line duplicated (duplicate keys and entries)")
def duplicate_line(draw, files):
    name = pick(draw, annotation_files(files))
    if name:
        lines = lines_of(files[name])
        start = draw(st.integers(0, len(lines) - 1))
        block = lines[start:start + draw(st.integers(1, 6))]
        to = draw(st.integers(0, len(lines)))
        files[name] = b"\n".join(lines[:to] + block + lines[to:])


@mutation("lines deleted")
def delete_lines(draw, files):
    name = a_file(draw, files)
    if name:
        lines = lines_of(files[name])
        start = draw(st.integers(0, len(lines) - 1))
        del lines[start:start + draw(st.integers(1, 4))]
        files[name] = b"\n".join(lines)


@mutation("empty or blank file")
def empty(draw, files):
    name = a_file(draw, files)
    if name:
        files[name] = draw(st.sampled_from([b"", b"\n", b"   \n\n", b"# only a comment\n",
                                            b"---\n", b"...\n", b"\xef\xbb\xbf", b"~\n"]))


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


JUNK = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(_encoded),
    st.sampled_from([b"[1, 2, 3]\n", b"just a sentence\n", b"42\n", b"- a\n- b\n",
                     b"{unclosed: [\n", b"key: 'unclosed\n", b"a: b: c\n",
                     b"%YAML 1.1\n%TAG ! tag:x.org,2000:\n--- !thing\na: 1\n"]),
)


@mutation("whole file replaced by junk")
def junk_file(draw, files):
    name = a_file(draw, files)
    if name:
        files[name] = draw(JUNK)


@mutation("deep nesting (whole file)")
def deep_file(draw, files):
    name = pick(draw, annotation_files(files))
    if name:
        depth = draw(st.sampled_from([63, 65, 200, 5_000, 40_000]))
        files[name] = draw(st.sampled_from([
            b"- " * depth + b"x\n",
            b"a: " + b"[" * depth + b"]" * depth + b"\n",
            b"a: " + b"{b: " * depth + b"1" + b"}" * depth + b"\n",
            b"".join(b" " * i + b"k:\n" for i in range(min(depth, 400))) + b" " * 400 + b"v\n",
        ]))


@mutation("second YAML document")
def second_document(draw, files):
    name = pick(draw, annotation_files(files))
    if name:
        files[name] += draw(st.sampled_from([b"\n---\ntitle: again\n", b"\n...\n---\n",
                                             b"\n--- [1]\n"]))


@mutation("extra source without annotation file")
def extra_source(draw, files):
    name = draw(st.sampled_from(["seeds/new.txt", "seeds/new.md", "seeds/README.md",
                                 "seeds/x.pdf"]))
    files[name] = draw(st.sampled_from([b"A new source.\n\nSecond paragraph.\n", b"", b"\x00\x01"]))


@mutation("copy of a document file (duplicate id and source)")
def copied_document(draw, files):
    name = pick(draw, [n for n in annotation_files(files) if "/documents/" in n])
    if name:
        files[name.replace(".yaml", "-copy.yaml")] = files[name]


@mutation("file missing")
def missing(draw, files):
    name = pick(draw, regular(files))
    if name:
        files[name] = None


def replaced_by(kind: FileKind):
    def replace(draw, files):
        name = pick(draw, regular(files))
        if name:
            files[name] = kind
    return replace


MUTATIONS["folder where a file was"] = replaced_by(FOLDER)
MUTATIONS["link out of the project where a file was"] = replaced_by(LINK_OUT)
MUTATIONS["FIFO where a file was"] = replaced_by(FIFO)


@mutation("source edited (paragraphs inserted, removed, joined, line endings)")
def source_edit(draw, files):
    name = pick(draw, regular(files, "seeds/"))
    if not name:
        return
    text = files[name]
    how = draw(st.sampled_from(["insert", "remove", "join", "crlf", "cr", "bom", "strip"]))
    if how == "insert":
        at = draw(st.sampled_from([0, len(text)] + [m.end() for m in re.finditer(b"\n\n", text)]))
        text = text[:at] + b"A new paragraph inserted here.\n\n" + text[at:]
    elif how == "remove":
        blocks = text.split(b"\n\n")
        del blocks[draw(st.integers(0, len(blocks) - 1))]
        text = b"\n\n".join(blocks)
    elif how == "join":
        text = text.replace(b"\n\n", b"\n", 1)
    elif how == "crlf":
        text = text.replace(b"\n", b"\r\n")
    elif how == "cr":
        text = text.replace(b"\n", b"\r")
    elif how == "bom":
        text = b"\xef\xbb\xbf" + text
    else:
        text = b"".join(text.split())
    files[name] = text


# -- mutations of the data: parse, change a value, write back as YAML ----------


@dataclass(frozen=True)
class Raw:
    """YAML text written as is where a value (or key) goes: tags, aliases, bad scalars."""

    text: str


HUGE_INTEGERS = ["9" * 5000, "-" + "1" * 4301, "0x" + "f" * 5000, "1" * 4400 + ".5",
                 "1" * 4301 + ":30", "1_" * 2500 + "1"]
IMPOSSIBLE_DATES = ["2016-02-30", "2016-13-01", "0000-01-01", "2016-02-29T25:00:00",
                    "2016-01-01 10:00:00 +99:00", "2016-1-1 1:1:1", "9999-12-31T23:59:60",
                    "!!timestamp 2016-02-30", "!!timestamp not-a-date"]
TAGS = ["!!python/object:os.system", "!!python/object/apply:os.system", "!!python/name:os.system",
        "!custom", "!!set", "!!omap", "!!pairs", "!!binary", "!!str", "!!int", "!!float",
        "!!bool", "!!null", "!!timestamp", "!!seq", "!!map", "!!merge", "!!value", "!<tag:x,1:y>",
        "!<tag:yaml.org,2002:str>", "!"]
WRONG_SCALARS = ["~", "''", "true", "no", "0", "-1", "1.5", ".nan", "-.inf", "1e400", "0o17",
                 "0b101", "190:20:30", "'   '", '"\\x07\\e[31m"', '"\\u202eevil"', '"\\0"',
                 "|\n  block", "*undefined", "&anchor 1", "[a, [b, {c: d}]]", "{}", "[]",
                 "{a: 1, a: 2}", "{? [complex] : key}", "'" + "x" * 3000 + "'", "ключ", "🙂"]
WRONG_VALUES = [None, True, False, 0, -1, 2**70, 1.5, float("nan"), float("inf"), "", " ",
                "text", "Text: with colon", "UPPER Case", "\x1b[2J", "\u202eevil", "\x00",
                [], {}, [1, [2]], {"k": "v"}, [{"para": "x"}], dt.date(2016, 2, 29),
                dt.datetime(2016, 1, 1, 12, 30), "a" * 5000]
REFERENCE_VALUES = ["nonexistent", "war2", "drugs", "war-began", "alpha", "alpha:99", "alpha:0",
                    "gamma:1", "beta:2", "ALPHA:1", "alpha:1:2", "diplomacy", "ramani-2016:999",
                    "missing.txt", "../a.txt", "/etc/passwd", ".", "..", "", "seeds/a.txt",
                    "~/a.txt", "a.txt/", "b.txt", "PROVENANCE.md", "README.md", "x.pdf",
                    "000_0da1fdc4b930b6b4.txt", 0, 1, 2, 99999, -3]
WRONG = st.one_of(st.sampled_from(WRONG_VALUES), st.sampled_from(WRONG_SCALARS).map(Raw))
REFERENCE_KEYS = {"theme", "themes", "claim", "cites", "source", "continues", "para", "id"}


def parsed(content: bytes):
    """The YAML data of a file we may mutate as data (a fresh copy), or None."""
    return copy.deepcopy(_parsed(content))


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=512)
def _parsed(content: bytes):
    if content.count(b"[") + content.count(b"{") + max(map(len, content.split(b"\n"))) > 2000:
        return None  # very deep nesting: left to the text mutations (libyaml recurses in C)
    try:
        data = yaml.load(content.decode("utf-8"), Loader=_LOADER)
    except Exception:  # anything unreadable is left to the text mutations
        return None
    return data if isinstance(data, (dict, list)) else None


def data_paths(data, where=()) -> list[tuple]:
    paths = [where]
    if isinstance(data, dict):
        for key, value in data.items():
            paths += data_paths(value, where + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            paths += data_paths(value, where + (index,))
    return paths


def get(data, where):
    for part in where:
        data = data[part]
    return data


def put(data, where, value):
    if not where:
        return value
    get(data, where[:-1])[where[-1]] = value
    return data


def dump(draw, data) -> bytes:
    """``data`` as YAML in a drawn style, each Raw written as its own text."""
    return serialize(data, allow_unicode=draw(st.booleans()),
                     flow=draw(st.sampled_from([False, None, True])),
                     width=draw(st.sampled_from([80, 10**6])))


def serialize(data, *, allow_unicode=True, flow=False, width=80) -> bytes:
    """``data`` as YAML, each Raw written as its own text."""
    raws: list[str] = []

    def mark(value):
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"zzraw{len(raws) - 1}zz"
        if isinstance(value, dict):
            return {mark(k): mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = yaml.safe_dump(mark(data), sort_keys=False, allow_unicode=allow_unicode,
                          default_flow_style=flow, width=width)
    return re.sub(r"zzraw(\d+)zz", lambda m: raws[int(m.group(1))], text).encode("utf-8")


def data_mutation(name: str):
    """A mutation of one annotation file's data; the function returns the new data."""
    def register(function):
        def mutate(draw, files):
            choices = [n for n in annotation_files(files) if _parsed(files[n]) is not None]
            target = pick(draw, choices)
            if target:
                files[target] = dump(draw, function(draw, parsed(files[target])))
        MUTATIONS[name] = mutate
        return function
    return register


def a_path(draw, data, accept=lambda where, value: True):
    paths = [p for p in data_paths(data) if accept(p, get(data, p))]
    return draw(st.sampled_from(paths)) if paths else None


@data_mutation("wrong type for a field")
def wrong_type(draw, data):
    where = a_path(draw, data)
    value = draw(WRONG)
    return put(data, where, value)


@data_mutation("huge integer")
def huge_integer(draw, data):
    return put(data, a_path(draw, data), Raw(draw(st.sampled_from(HUGE_INTEGERS))))


@data_mutation("impossible date")
def impossible_date(draw, data):
    return put(data, a_path(draw, data), Raw(draw(st.sampled_from(IMPOSSIBLE_DATES))))


@data_mutation("YAML tag on a scalar, list or mapping")
def tagged(draw, data):
    where = a_path(draw, data)
    tag = draw(st.sampled_from(TAGS))
    return put(data, where, Raw(f"{tag} {flow(get(data, where))}"))


@data_mutation("alias and anchor")
def alias(draw, data):
    first, second = a_path(draw, data), a_path(draw, data)
    anchored = get(data, first)
    data = put(data, first, Raw(f"&a {flow(anchored)}"))
    if second and second[:len(first)] != first and first[:len(second)] != second:
        data = put(data, second, Raw("*a"))
    return data


@data_mutation("deep nesting (a value)")
def deep_value(draw, data):
    depth = draw(st.sampled_from([10, 64, 65, 100, 3_000, 12_000]))
    value = draw(st.sampled_from(["[" * depth + "]" * depth,
                                  "{a: " * depth + "1" + "}" * depth]))
    return put(data, a_path(draw, data), Raw(value))


ODD_TEXTS = ["<script>alert(1)</script>", "![x](http://example.com/x.png)", "\x1b[31mred\x1b[0m",
             "\u202eevil\u202c", "a" * 20_000, "{{ 7*7 }} {% raw %}", "]]> <!-- -->", "\x00\x07",
             "&amp; &lt;", "🙂" * 50, "# heading\n\n- item\n\n```\ncode\n```", "\t tab",
             "[link](javascript:alert(1))", "<img src=x onerror=alert(1)>", "%s %d {0}",
             "line\u2028separator\x85next", "x" * 300 + " " + "y" * 300, "Ω≈ç√∫", "#", "- ",
             "'single' \"double\"", "C:\\path\\to", "\\", "\r\n\r\n"]
TEXT_KEYS = {"title", "subtitle", "label", "description", "note", "summary", "author", "outlet",
             "evidence", "voices", "account"}


@data_mutation("odd but valid text (markup, control characters, long, RTL)")
def odd_text(draw, data):
    def is_text(where, value):
        keys = [k for k in where if isinstance(k, str)]
        return bool(keys) and keys[-1] in TEXT_KEYS and isinstance(value, str)
    where = a_path(draw, data, is_text)
    return data if where is None else put(data, where, draw(st.sampled_from(ODD_TEXTS)))


@data_mutation("same data in another YAML style")
def restyled(draw, data):
    return data


@data_mutation("key missing")
def missing_key(draw, data):
    where = a_path(draw, data, lambda p, v: isinstance(v, dict) and v)
    if where is not None:
        mapping = get(data, where)
        del mapping[draw(st.sampled_from(list(mapping)))]
    return data


EXTRA_KEYS = st.one_of(
    st.sampled_from(["colour", "themse", "Title", "para ", "", "id\x07", "\u202eid",
                     Raw("<<"), Raw("? [a, b]"), Raw("1"), Raw("~"), Raw("2016-01-01"),
                     Raw("!!python/name:os.system x"), Raw("!!bool maybe"),
                     Raw("*undefined"), Raw("[a, b]")]),
    st.text(min_size=1, max_size=12))


@data_mutation("extra or odd key")
def extra_key(draw, data):
    where = a_path(draw, data, lambda p, v: isinstance(v, dict))
    if where is not None:
        key = draw(EXTRA_KEYS)
        get(data, where)[key] = draw(st.sampled_from(["value", 1, None, [], Raw("{a: 1}")]))
    return data


@data_mutation("unknown reference (theme, claim, citation, source, para)")
def unknown_reference(draw, data):
    def is_reference(where, value):
        keys = [k for k in where if isinstance(k, str)]
        return bool(keys) and keys[-1] in REFERENCE_KEYS and not isinstance(value, (dict, list))
    where = a_path(draw, data, is_reference)
    if where is not None:
        data = put(data, where, draw(st.sampled_from(REFERENCE_VALUES)))
    return data


@data_mutation("list entry duplicated, removed or moved (duplicate ids)")
def entries(draw, data):
    where = a_path(draw, data, lambda p, v: isinstance(v, list) and v)
    if where is not None:
        items = get(data, where)
        index = draw(st.integers(0, len(items) - 1))
        how = draw(st.sampled_from(["duplicate", "remove", "move"]))
        if how == "duplicate":
            items.insert(draw(st.integers(0, len(items))), json.loads(json.dumps(
                items[index], default=str)))
        elif how == "remove":
            del items[index]
        else:
            items.insert(draw(st.integers(0, len(items) - 1)), items.pop(index))
    return data


def flow(value) -> str:
    """A value in YAML flow style (JSON is YAML), on one line."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return ".nan"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str).replace("Infinity", ".inf")


class Case:
    """A mutated project; shown (on a failure) as the mutations and the files they changed."""

    def __init__(self, base: Files, files: Files, applied: list[str]):
        self.base, self.files, self.applied = base, files, applied

    def __repr__(self) -> str:
        changed = [f"  {name}: {_clip(self.files.get(name))}"
                   for name in sorted(self.files.keys() | self.base.keys())
                   if self.files.get(name) != self.base.get(name)]
        return "\n".join([f"Case(mutations={self.applied}, changed files:", *changed, ")"])


def _clip(content, limit: int = 600) -> str:
    shown = repr(content)
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(content)} bytes)"


@st.composite
def mutated(draw, base: Files, exclude: tuple[str, ...] = (), only: tuple[str, ...] = ()) -> Case:
    """``base`` with one to three drawn mutations applied (``only`` these, if given)."""
    files = dict(base)
    kinds = [name for name in MUTATIONS if name not in exclude and (not only or name in only)]
    applied = []
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(kinds))
        MUTATIONS[name](draw, files)
        applied.append(name)
    return Case(base, files, applied)


# -- what every outcome must satisfy -------------------------------------------

TALLY: dict[str, Counter] = {}  # per test: cases by mutation and by outcome


def tally(test: str, case: Case, outcome: str) -> None:
    """Count the case (Hypothesis's statistics show it; REPORTGEN_FUZZ_TALLY=FILE saves it)."""
    counts = TALLY.setdefault(test, Counter())
    counts.update(f"mutation: {name} -> {outcome}" for name in dict.fromkeys(case.applied))
    counts.update([f"outcome: {outcome}", "cases"])
    event(f"outcome: {outcome}")
    for name in dict.fromkeys(case.applied):
        event(f"mutation: {name}")


@pytest.fixture(scope="module", autouse=True)
def save_tally():
    yield
    if os.environ.get("REPORTGEN_FUZZ_TALLY"):
        Path(os.environ["REPORTGEN_FUZZ_TALLY"]).write_text(json.dumps(TALLY, indent=1))


UNPRINTABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def assert_located(problems, root: Path, files: Files) -> None:
    """Each problem names a file of the project, and a line of it for an annotation file."""
    for problem in problems:
        shown = problem.format()
        assert problem.severity in ("error", "warning"), shown
        assert problem.message.strip(), shown
        assert not UNPRINTABLE.search(shown), f"raw control character in: {shown!r}"
        assert shown.count("\n") == (1 if problem.hint else 0), shown
        relative = Path(os.path.abspath(problem.path)).relative_to(root).as_posix()
        assert relative.split("/")[0] in ("annotations", "seeds", "build"), shown
        content = files.get(relative)
        if not isinstance(content, bytes):
            continue  # missing, a folder, a FIFO, a link: the whole file is at fault
        if problem.line is not None:
            assert 1 <= problem.line <= max(1, len(content.rstrip(b"\n").split(b"\n"))), shown
        elif relative.startswith("annotations/") and relative.endswith(".yaml"):
            assert len(content) > MAX_ANNOTATION_BYTES, f"no line for a problem in {shown}"


def check_outcome(project: Project, root: Path, files: Files) -> str:
    """Check the project: valid, or every problem located. Returns "valid" or "errors"."""
    try:
        _, warnings = check(project)
    except ReportgenError as error:
        assert any(p.severity == "error" for p in error.problems)
        assert_located(error.problems, root, files)
        return "errors"
    assert_located(warnings, root, files)
    return "valid"


# -- cases larger runs failed on (each the input that found a bug, since fixed) ---


def found(description: str, changes: dict[str, bytes]) -> Case:
    return Case(TINY, dict(TINY, **changes), [f"found: {description}"])


ALPHA_PATH = "annotations/documents/alpha.yaml"
ALPHA = TINY[ALPHA_PATH]
FOUND = [
    found("empty file: its problems had no line", {"annotations/briefing.yaml": b""}),
    found("control character: 'invalid YAML' without a line",
          {"annotations/briefing.yaml": b"title: T\x07\n"}),
    found("syntax error at the end of a file: a line past the last",
          {"annotations/claims.yaml": b"claims:\n  - id: war-began\n    l"}),
    found("U+2028 and a BOM: lines not counted as editors count them",
          {"annotations/briefing.yaml": "\ufefftitle: a\u2028b\nsubtitle: [\n".encode()}),
    found("claims.yaml unreadable: KeyError in validate", {"annotations/claims.yaml": b"c"}),
    found("integer of 5,000 hex digits: ValueError when shown",
          {"annotations/briefing.yaml": b"title: 0x" + b"f" * 5000 + b"\n"}),
    found("unreadable paragraph entry: AttributeError in validate",
          {ALPHA_PATH: ALPHA.replace(b"  - para: 1\n    quote: Alpha heading\n    kind: heading\n",
                                     b"  - " + b"9" * 5000 + b"\n")}),
    found("unreadable published: TypeError in validate",
          {ALPHA_PATH: ALPHA.replace(b'"2016-05"', b"9" * 5000)}),
    found("claim assertion without its claim: KeyError in validate",
          {ALPHA_PATH: ALPHA.replace(b"{claim: war-began, value: 1999}", b"{value: 1999}")}),
    found("!!timestamp, !!bool, !!int on bad text: AttributeError, KeyError, IndexError",
          {"annotations/briefing.yaml":
           b"title: !!timestamp soon\nsubtitle: !!bool maybe\ncolumns: !!int ''\n"}),
    found("no source: and a gap in the numbering: TypeError in validate",
          {ALPHA_PATH: ALPHA.replace(b"source: a.txt\n", b"").replace(b"para: 1", b"para: 2")}),
    found("blank author: IndexError in compare",
          {ALPHA_PATH: ALPHA.replace(b"author: Ann Author", b'author: "\\r\\n"')}),
    found("NUL in a source name: ValueError from os.stat",
          {ALPHA_PATH: ALPHA.replace(b"source: a.txt", b'source: "\\0"')}),
]


def test_an_unreadable_claims_file_is_reported_once_without_a_cascade(workdir):
    """Found alongside: claims.yaml with a syntax error made every assertion an unknown claim."""
    root = workdir / "cascade"
    files = dict(TINY, **{"annotations/claims.yaml": b"claims: [\n"})
    with pytest.raises(ReportgenError) as caught:
        check(write_files(root, files))
    assert [(Path(p.path).name, p.line) for p in caught.value.problems] == [("claims.yaml", 1)]


def test_a_null_key_is_reported_not_dropped(workdir):
    """Found alongside: "~: value" vanished from the data without a word."""
    root = workdir / "null-key"
    files = dict(TINY, **{"annotations/briefing.yaml": b"title: T\n~: stray\n"})
    with pytest.raises(ReportgenError) as caught:
        check(write_files(root, files))
    assert [(Path(p.path).name, p.line, p.message) for p in caught.value.problems] == [
        ("briefing.yaml", 2, "unknown key 'None'")]


def test_line_separators_in_a_message_are_escaped(workdir):
    """Found alongside: U+2028 in a quoted value split a problem's line for line readers."""
    root = workdir / "separators"
    files = dict(TINY, **{"annotations/briefing.yaml": b'title: T\n"sub\\u2028title": x\n'})
    with pytest.raises(ReportgenError) as caught:
        check(write_files(root, files))
    [shown] = [p.format() for p in caught.value.problems]
    assert "unknown key 'sub\\u2028title'\n    hint: " in shown and len(shown.splitlines()) == 2


def with_found_cases(test):
    """Each case that once failed, run first (Hypothesis's explicit phase)."""
    for case in reversed(FOUND):
        test = example(case=case)(test)
    return test


# -- in-process check ------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz").resolve()


@fuzz_settings("tiny")
@given(case=mutated(TINY))
@with_found_cases
def test_check_of_a_mutated_tiny_project_ends_valid_or_located(workdir, case):
    files = case.files
    root = workdir / "tiny"
    tally("tiny", case, check_outcome(write_files(root, files), root, files))


@fuzz_settings("bundled")
@given(case=mutated(BUNDLED))
def test_check_of_a_mutated_bundled_corpus_ends_valid_or_located(workdir, case):
    files = case.files
    root = workdir / "bundled"
    tally("bundled", case, check_outcome(write_files(root, files), root, files))


SWEEP = [None, True, 7, -1, 1.5, "", " ", "Text", [], {}, [1, [2]], {"k": "v"},
         dt.date(2016, 2, 29), Raw("2016-02-30"), Raw("9" * 5000), Raw("!custom x"),
         Raw("!!binary aGk="), Raw("!!set {a: null}"), Raw("*undefined"), Raw("&a x"),
         Raw("[[[[[[[[]]]]]]]]")]


def test_every_field_of_the_tiny_project_with_every_wrong_type(workdir):
    """Not drawn at random: each value of SWEEP at every key and item of every file."""
    root, counts = workdir / "sweep", TALLY.setdefault("sweep", Counter())
    for name in annotation_files(TINY):
        for where in data_paths(parsed(TINY[name])):
            for value in SWEEP:
                files = dict(TINY, **{name: serialize(put(parsed(TINY[name]), where, value))})
                try:
                    outcome = check_outcome(write_files(root, files), root, files)
                except Exception as failure:
                    raise AssertionError(f"{name} {where} = {value!r}") from failure
                counts.update([f"outcome: {outcome}", "cases"])
    assert counts["cases"] > 1000


def test_files_over_the_size_limits_are_refused_where_they_are(tmp_path):
    """Too large to generate by the hundred: one case, at the limits plus one byte."""
    files = dict(TINY)
    files["annotations/documents/alpha.yaml"] += b"#" * MAX_ANNOTATION_BYTES
    files["seeds/b.txt"] += b"x" * MAX_SOURCE_BYTES
    project = write_files(tmp_path, files)
    with pytest.raises(ReportgenError) as caught:
        check(project)
    assert_located(caught.value.problems, tmp_path.resolve(), files)
    shown = [p.format().replace(f"{tmp_path.resolve()}/", "") for p in caught.value.problems]
    assert "annotations/documents/alpha.yaml: error: is 8.0 MiB, more than the 8 MiB " \
           "reportgen reads\n    hint: split it into smaller files" in shown
    assert "seeds/b.txt: error: is 32.0 MiB, more than the 32 MiB reportgen reads\n" \
           "    hint: split it into smaller files" in shown


# -- in-process build: a failed build leaves the last good outputs ---------------

KEPT = ("report.html", "report.json", "changes.txt", ".reportgen/stamps.json",
        ".reportgen/snapshot.json")
BUILD_EXCLUDES = ()  # every mutation; a FIFO once hung the build (see the test below)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class GoodBuild:
    """The tiny project built once (HTML and JSON): where, and its output folder's files."""

    def __init__(self, root: Path):
        self.root = root
        project = write_files(root, TINY)
        build(project, ("html", "json"))
        self.outputs = snapshot(project.output)

    def __repr__(self) -> str:
        return f"GoodBuild({self.root})"


@pytest.fixture(scope="module")
def good_build(workdir) -> GoodBuild:
    return GoodBuild(workdir / "build")


@fuzz_settings("build")
@given(case=mutated(TINY, exclude=BUILD_EXCLUDES))
@with_found_cases
def test_failed_build_keeps_the_previous_outputs(good_build, case):
    files = case.files
    root, before = good_build.root, good_build.outputs
    project = write_files(root, files)
    shutil.rmtree(project.output)
    for name, data in before.items():  # the last good build, as it was
        (project.output / name).parent.mkdir(parents=True, exist_ok=True)
        (project.output / name).write_bytes(data)
    try:
        result = build(project, ("html", "json"))
    except ReportgenError as error:
        assert_located(error.problems, root, files)
        assert snapshot(project.output) == before, "a failed build changed the outputs"
        tally("build", case, "failed, outputs kept")
        return
    assert_located(result.warnings, root, files)
    after = snapshot(project.output)
    assert not [n for n in after if n.endswith(".tmp")], "temporary files left behind"
    json.loads(after["report.json"])
    assert after["report.html"].rstrip().endswith(b"</html>")
    tally("build", case, "built")


ODD_BUT_VALID = ("odd but valid text (markup, control characters, long, RTL)",
                 "same data in another YAML style",
                 "source edited (paragraphs inserted, removed, joined, line endings)")


@fuzz_settings("odd")
@given(case=mutated(TINY, only=ODD_BUT_VALID))
def test_odd_but_valid_values_build_or_are_located(workdir, case):
    """Mostly valid projects with markup, control characters and long text: the render path."""
    root = workdir / "odd"
    project = write_files(root, case.files)
    try:
        result = build(project, ("html", "json"), force=True)
    except ReportgenError as error:
        assert_located(error.problems, root, case.files)
        tally("odd", case, "errors")
        return
    assert_located(result.warnings, root, case.files)
    json.loads((project.output / "report.json").read_bytes())
    tally("odd", case, "built")


def test_build_with_a_fifo_among_the_sources_finishes(tmp_path):
    write_files(tmp_path, dict(TINY, **{"seeds/c.txt": FIFO}))
    result = run_cli(tmp_path, "build", "--format", "html,json", timeout=6)
    assert result.returncode == 1
    assert "seeds/c.txt: error: is a FIFO" in result.stderr


# -- the real command line -------------------------------------------------------

PROBLEM_LINE = re.compile(r"(annotations|seeds)/[^:\n]+(:\d+)?: (error|warning): \S.*")
OTHER_STDERR = re.compile(r"    hint: .*|\d+ errors?; nothing was written\.|project: .*|note: .*"
                          r"|no sources yet: .*")


def run_cli(root: Path, *args, timeout=60) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT))
    return subprocess.run([sys.executable, "-m", "reportgen", *args, "--project", "."],
                          cwd=root, env=env, capture_output=True, text=True,
                          errors="backslashreplace", timeout=timeout)


@fuzz_settings("cli")
@given(case=mutated(TINY, exclude=BUILD_EXCLUDES),
       command=st.sampled_from([("check",), ("build", "--format", "html,json")]))
def test_command_line_exits_0_or_1_with_located_problems(workdir, case, command):
    files = case.files
    root = workdir / "cli"
    write_files(root, files)
    shutil.rmtree(root / "build", ignore_errors=True)
    result = run_cli(root, *command)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    for line in result.stderr.splitlines():
        assert PROBLEM_LINE.fullmatch(line) or OTHER_STDERR.fullmatch(line), line
    if result.returncode == 1:
        assert re.search(r": error: ", result.stderr)
        assert not (root / "build" / "report.html").exists()
    elif command[0] == "check":
        assert result.stdout.startswith("ok: ")
    else:
        assert (root / "build" / "report.html").exists()
    tally("cli", case, f"exit status {result.returncode}")
