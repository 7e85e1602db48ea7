"""The editor's JSON Schema and the checker agree, and the committed schema files are current.

Both are made from reportgen/schema.py. Here the checker (spec.parse, what
`reportgen check` runs first on each file) and a real JSON Schema validator
(jsonschema) judge every bundled and test annotation file and thousands of
mutated copies, and must agree on each: valid for both or invalid for both.
Cross-references (an unknown theme id, a citation of a missing paragraph) are
beyond what a schema can see; only each file's own shape is compared.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import typing

import jsonschema
import pytest

from conftest import ROOT, TINY_ANNOTATIONS
from reportgen import schema, spec
from reportgen.editor import SCHEMA_FOLDER, modeline, schema_texts, stale_schema_files
from reportgen.segment import split_paragraphs
from reportgen.sources import skeleton_text
from reportgen.starter import STARTER_FILES
from reportgen.yamlio import load_yaml

KINDS = {"briefing.yaml": "briefing", "themes.yaml": "themes", "claims.yaml": "claims",
         "findings.yaml": "findings"}


def kind_of(name: str) -> str:
    """The kind of a file named "where path": by its file name, else a document."""
    return KINDS.get(name.split(" ", 1)[1].rsplit("/", 1)[-1], "document")


def as_json(value):
    """YAML data as an editor's JSON view has it: dates are the text they were written as."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


VALIDATORS = {kind: jsonschema.Draft7Validator(s) for kind, s in schema.json_schemas().items()}


def verdicts(kind: str, data) -> tuple[bool, bool]:
    """(the checker accepts it, the JSON Schema accepts it)."""
    _, errors = spec.parse(schema.FILES[kind], data)
    return not errors, VALIDATORS[kind].is_valid(as_json(data))


def annotation_files() -> dict[str, tuple[str, object]]:
    """Every bundled and test annotation file: name -> (kind, data)."""
    import textwrap

    texts = {f"bundled {p.relative_to(ROOT)}": p.read_text(encoding="utf-8")
             for p in sorted((ROOT / "annotations").rglob("*.yaml"))}
    texts |= {f"tests {name}": textwrap.dedent(text) for name, text in TINY_ANNOTATIONS.items()}
    texts |= {f"starter {name}": text for name, text in STARTER_FILES.items()}
    seed = next(iter(sorted((ROOT / "seeds").glob("*.txt"))))
    texts["skeleton documents/x.yaml"] = skeleton_text(
        "x", seed.name, split_paragraphs(seed.read_text(encoding="utf-8")))
    files = {}
    for name, text in texts.items():
        loaded = load_yaml(text, name)
        assert not loaded.problems, loaded.problems
        files[name] = (kind_of(name), loaded.data)
    return files


FILES = annotation_files()


# -- the committed files -------------------------------------------------------

def test_the_committed_schema_files_are_current():
    stale = stale_schema_files(ROOT / "annotations" / SCHEMA_FOLDER)
    assert stale == [], (f"stale editor schemas {stale}: run "
                         f"`reportgen schema --write annotations/{SCHEMA_FOLDER}` and commit them")
    assert sorted(schema_texts()) == sorted(
        p.name for p in (ROOT / "annotations" / SCHEMA_FOLDER).iterdir())


def test_each_schema_is_valid_json_schema_and_the_modelines_find_it():
    for kind, text in schema_texts().items():
        jsonschema.Draft7Validator.check_schema(json.loads(text))
    annotations = ROOT / "annotations"
    for name, kind in (("themes.yaml", "themes"), ("documents/x.yaml", "document")):
        line = modeline(kind, in_documents=name.startswith("documents/"))
        assert line.startswith("# yaml-language-server: $schema=")
        target = (annotations / name).parent / line.split("$schema=", 1)[1]
        assert target.resolve().is_file(), target


# -- the disagreements issue 10 named -------------------------------------------

def test_quote_is_a_string_with_a_length_not_a_list_with_items():
    quote = schema.json_schemas()["document"]["properties"]["paragraphs"]["items"][
        "properties"]["quote"]
    assert "minItems" not in quote and quote["minLength"] == 1
    for value, valid in (("x", True), ("", False), ("   ", False), (["x"], False)):
        data = {"para": 1, "quote": value}
        checker, editor = verdicts_of(schema.ParagraphEntry, data)
        assert checker == editor == valid, value


def test_a_year_written_as_a_number_passes_both():
    document = {"id": "d", "source": "d.txt", "title": "T", "author": "A", "published": 2018}
    assert verdicts("document", document) == (True, True)
    assert verdicts("document", dict(document, published=201)) == (False, False)


def test_an_error_inside_a_union_is_reported_for_what_it_is():
    _, errors = spec.parse(schema.ParagraphEntry, {"para": 1, "quote": "x", "continues": 0})
    assert [e.message for e in errors] == ["'continues' should be at least 1, but received 0"]
    _, errors = spec.parse(schema.ParagraphEntry, {"para": 1, "quote": "x", "continues": "two"})
    assert [e.message for e in errors] == [
        "'continues' should be a whole number, but received 'two'"]
    _, errors = spec.parse(schema.DocumentFile, {"id": "d", "source": "s", "title": "t",
                                                 "author": "a", "published": "2018",
                                                 "label": ["x"]})
    assert [e.message for e in errors] == ["'label' should be text, but received a list"]


def test_declared_numbers_are_exactly_those_the_pattern_accepts_written_out():
    import re

    patterns = {rule for cls in schema.FILES.values() for rule in _rules(cls)
                if isinstance(rule, spec.Pattern) and rule.numbers}
    assert {p.what for p in patterns} == {"an id", "a date"}
    for rule in patterns:
        low, high = rule.numbers
        accepts = lambda n: bool(re.fullmatch(rule.regex, str(n)))  # noqa: E731
        assert accepts(low) and not accepts(low - 1), rule
        if high is not None:
            assert accepts(high) and not accepts(high + 1), rule
        else:
            assert accepts(10 ** 12), rule


def _rules(cls, seen=None):
    """Every Annotated rule in a dataclass's declarations, nested ones included."""
    seen = seen if seen is not None else set()
    if cls in seen:
        return
    seen.add(cls)
    for kind in typing.get_type_hints(cls, include_extras=True).values():
        yield from _rules_of(kind, seen)


def _rules_of(kind, seen):
    if typing.get_origin(kind) is typing.Annotated:
        base, *extras = typing.get_args(kind)
        yield from extras
        yield from _rules_of(base, seen)
    elif dataclasses.is_dataclass(kind):
        yield from _rules(kind, seen)
    else:
        for arg in typing.get_args(kind):
            if isinstance(arg, type) or typing.get_origin(arg):
                yield from _rules_of(arg, seen)


def verdicts_of(cls, data) -> tuple[bool, bool]:
    _, errors = spec.parse(cls, data)
    return not errors, jsonschema.Draft7Validator(spec.json_schema(cls)).is_valid(as_json(data))


# -- every file, and mutated copies ----------------------------------------------

@pytest.mark.parametrize("name", sorted(FILES))
def test_checker_and_schema_agree_on_every_annotation_file(name):
    kind, data = FILES[name]
    checker, editor = verdicts(kind, data)
    assert checker == editor, f"{name}: checker {'accepts' if checker else 'refuses'}, " \
                              f"schema {'accepts' if editor else 'refuses'}"
    # A skeleton is valid but for what `add` leaves to fill in: published: "".
    assert checker == (not name.startswith("skeleton")), name


# Values put in place of every value in turn: each type, edge and near miss.
REPLACEMENTS = [
    None, True, False, 0, 1, -1, 2, 3.0, 1.5, -2.5, 999, 2018, 10000, 10 ** 13,
    "", "   ", "x", "Bad Id", "ok-id", "2018", "2018-05", "2018-5", "ramani-2016:3", "a:b",
    "body", "heading", "year", "discrepancy", "document", "markdown", "lines", "title",
    dt.date(2018, 5, 1), [], ["x"], [1], ["ok-id", "x y"], [{"x": 1}], {}, {"x": 1},
]


def _paths(data, path=()):
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, path + (index,))


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def _compact(kind: str, data):
    """A small copy still holding every key the file uses once (documents: a few paragraphs)."""
    data = copy.deepcopy(data)
    for key in ("paragraphs", "claims", "findings", "themes"):
        if isinstance(data, dict) and isinstance(data.get(key), list):
            chosen, keys = [], set()
            for item in data[key]:
                shape = _shape(item)
                if not shape <= keys or not chosen:
                    chosen.append(item)
                    keys |= shape
            data[key] = chosen
    return data


def _shape(item) -> set:
    return {".".join(map(str, p)) for p in _paths(item) if p and not any(
        isinstance(part, int) and part > 0 for part in p)}


def _mutations(data):
    """(what, mutated copy) for every value replaced, every key removed, an unknown key added."""
    for path in list(_paths(data)):
        for value in REPLACEMENTS:
            if not path:
                yield "the whole file", value
                continue
            mutated = copy.deepcopy(data)
            *parents, last = path
            _get(mutated, parents)[last] = copy.deepcopy(value)
            yield f"{'.'.join(map(str, path))} = {value!r}", mutated
        target = _get(data, path)
        if isinstance(target, dict):
            for key in target:
                mutated = copy.deepcopy(data)
                del _get(mutated, path)[key]
                yield f"{'.'.join(map(str, path + (key,)))} removed", mutated
            mutated = copy.deepcopy(data)
            _get(mutated, path)["unknown-key"] = 1
            yield f"unknown key under {'.'.join(map(str, path)) or 'the top'}", mutated


def _bases() -> dict[str, list]:
    """Per kind, compact copies of the files, each kept only if it has a key the others lack."""
    bases, seen = {}, {}
    for name, (kind, data) in FILES.items():
        compact = _compact(kind, data)
        shape = {".".join(str(0 if isinstance(part, int) else part) for part in path)
                 for path in _paths(compact)}
        if not shape <= seen.setdefault(kind, set()):
            bases.setdefault(kind, []).append(compact)
            seen[kind] |= shape
    return bases


BASES = _bases()


@pytest.mark.parametrize("kind", sorted(BASES))
def test_checker_and_schema_agree_on_mutated_copies(kind):
    disagreements, tried, refused = [], 0, 0
    for base in BASES[kind]:
        for what, mutated in _mutations(base):
            checker, editor = verdicts(kind, mutated)
            tried += 1
            refused += not checker
            if checker != editor:
                disagreements.append(f"{what}: checker {'accepts' if checker else 'refuses'}, "
                                     f"schema {'accepts' if editor else 'refuses'}")
    assert not disagreements, f"{len(disagreements)} of {tried}:\n" + "\n".join(disagreements[:40])
    assert tried > 100 and 0 < refused < tried  # the mutations test both ways


# -- in a real editor's language server ---------------------------------------------

YAML_LS = ROOT / "tests" / ".cache" / "node_modules" / "yaml-language-server" / "bin" / \
    "yaml-language-server"


class LanguageServer:
    """yaml-language-server over stdio, as VS Code's YAML extension (and others) run it."""

    def __init__(self, root):
        import os
        import subprocess

        assert YAML_LS.exists(), "yaml-language-server missing: run bash tests/install-test-deps.sh"
        self.process = subprocess.Popen(["node", str(YAML_LS), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.last_id = 0
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                    "capabilities": {"workspace": {"configuration": True}}})
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict):
        self.last_id += 1
        self.send({"id": self.last_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.last_id and "method" not in m)["result"]

    def wait(self, wanted, seconds: float = 30) -> dict:
        import select
        import time

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], deadline - time.monotonic())
            if not ready:
                break
            length = 0
            while line := self.process.stdout.readline().strip():
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(self.process.stdout.read(length))
            if message.get("method") == "workspace/configuration":  # the editor's settings
                self.send({"id": message["id"], "result": [{"validate": True, "completion": True}
                                                           for _ in message["params"]["items"]]})
            elif wanted(message):
                return message
        raise AssertionError("no answer from yaml-language-server")

    def diagnostics(self, path, text: str) -> list[dict]:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": text}})
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == path.as_uri())["params"]["diagnostics"]

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def editor_project(tmp_path_factory):
    """A project made by `reportgen init`, a source added with `reportgen add`, and the
    editor's language server started in it."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("editor")
    (folder / "a.txt").write_text("Alpha heading\n\nThe first paragraph.\n", encoding="utf-8")
    for command, where in ((["init", "p"], folder), (["add", "../a.txt"], folder / "p")):
        subprocess.run([sys.executable, "-m", "reportgen", *command], check=True, cwd=where,
                       capture_output=True)
    server = LanguageServer(folder / "p")
    yield folder / "p", server
    server.close()


def test_the_files_init_and_add_write_get_their_schema_in_the_editor(editor_project):
    project, server = editor_project
    for name in STARTER_FILES:
        path = project / name
        assert server.diagnostics(path, path.read_text("utf-8")) == [], name
    skeleton = project / "annotations" / "documents" / "a.yaml"
    text = skeleton.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/document.schema.json\n")
    found = server.diagnostics(skeleton, text)  # what `add` leaves to fill in: published
    assert [(d["range"]["start"]["line"] + 1, d["message"]) for d in found] == [
        (text[:text.index("published:")].count("\n") + 1,
         'not a date: write "YYYY", "YYYY-MM" or "YYYY-MM-DD"')]
    assert found[0]["source"].endswith("annotations/schemas/document.schema.json")


def test_the_editor_flags_on_the_same_lines_as_the_checker(editor_project):
    project, server = editor_project
    text = """\
# yaml-language-server: $schema=../schemas/document.schema.json
id: Bad Id
source: a.txt
title: 1984
author: A
published: 2018
paragraphs:
  - para: 0
    quote: "  "
    continues: 0
    colour: red
  - para: 2
    quote: The first paragraph.
    kind: bdy
    themes: [general, 7]
"""
    path = project / "annotations" / "documents" / "b.yaml"
    editor_lines = {d["range"]["start"]["line"] + 1 for d in server.diagnostics(path, text)}
    loaded = load_yaml(text, "b.yaml")
    _, errors = spec.parse(schema.DocumentFile, loaded.data)
    checker_lines = {loaded.line_of(*e.loc) for e in errors}
    assert editor_lines == checker_lines == {2, 8, 9, 10, 11, 14}


def test_the_editor_completes_keys(editor_project):
    project, server = editor_project
    path = project / "annotations" / "documents" / "c.yaml"
    text = ("# yaml-language-server: $schema=../schemas/document.schema.json\n"
            "paragraphs:\n  - para: 1\n    \n")
    server.diagnostics(path, text)
    result = server.request("textDocument/completion", {
        "textDocument": {"uri": path.as_uri()}, "position": {"line": 3, "character": 4}})
    labels = {item["label"] for item in (result["items"] if isinstance(result, dict) else result)}
    assert {"quote", "kind", "themes", "author", "voices", "claims", "note"} <= labels
