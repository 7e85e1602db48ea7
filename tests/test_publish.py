"""report.html, report.json and the snapshot are rendered straight into the temporary
files publish renames over the outputs (never whole in memory): what is written is
what the renderers make, the stamps hold the hash of what was written, and a failure
while writing leaves the previous set as it was, with no temporary left."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from conftest import ROOT
from reportgen import cli
from reportgen import render as rendering
from reportgen.build import STATE_DIR, build, check, temporaries

PREVIEW = ("html", "json")


def files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def retitle(project, title: str) -> None:
    path = project.annotations / "briefing.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Tiny briefing", f"title: {title}", 1), encoding="utf-8")


@pytest.mark.parametrize("on_demand", [False, True], ids=["whole", "on-demand"])
def test_what_is_written_is_what_the_renderers_make_and_the_stamps_hash_it(
        tiny, monkeypatch, on_demand):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    if on_demand:  # the page's embedded data is written a part at a time
        monkeypatch.setattr(rendering, "DRAW_ON_DEMAND_FROM", 1)
    build(tiny, PREVIEW)
    comparison = check(tiny)[0]
    page = (tiny.output / "report.html").read_bytes()
    assert page == rendering.html_bytes(comparison, tiny.templates)
    assert (b'id="report-data"' in page) == on_demand
    assert (tiny.output / "report.json").read_bytes() == rendering.json_bytes(comparison)
    stamps = json.loads((tiny.output / STATE_DIR / "stamps.json").read_text(encoding="utf-8"))
    for fmt in PREVIEW:
        written = (tiny.output / f"report.{fmt}").read_bytes()
        assert stamps["outputs"][fmt]["output"] == hashlib.sha256(written).hexdigest()
    snapshot = json.loads((tiny.output / STATE_DIR / "snapshot.json").read_text("utf-8"))
    assert set(snapshot) == {"findings", "paragraphs"} and snapshot["paragraphs"]
    assert build(tiny, PREVIEW).written == []  # the stamps match what is on disk


class Broken(Exception):
    """A renderer failing half-way through writing its output."""


@pytest.mark.parametrize("part, on_demand", [("_finding_json", False), ("_finding_data", True)],
                         ids=["report.json", "report.html"])
def test_a_failure_half_way_through_an_output_leaves_the_previous_set(
        tiny, monkeypatch, part, on_demand):
    build(tiny, PREVIEW)
    before = files(tiny.output)
    retitle(tiny, "Never written")
    if on_demand:
        monkeypatch.setattr(rendering, "DRAW_ON_DEMAND_FROM", 1)
    written = []
    real_write_json = rendering.write_json

    def write_json(out, entries, escape=None):  # records that the output was begun
        written.append(out)
        return real_write_json(out, entries, escape)

    def fail(*args):
        raise Broken
    monkeypatch.setattr(rendering, "write_json", write_json)
    monkeypatch.setattr(rendering, part, fail)
    with pytest.raises(Broken):
        build(tiny, PREVIEW)
    assert written, "the output was not begun before the failure"
    assert files(tiny.output) == before
    assert temporaries(tiny.output) == []
    monkeypatch.undo()
    assert build(tiny, PREVIEW).written == [tiny.output / "report.html",
                                            tiny.output / "report.json"]
    assert b"Never written" in (tiny.output / "report.json").read_bytes()


def test_a_template_failing_as_the_page_is_written_keeps_the_last_report(tiny, capsys):
    build(tiny, PREVIEW)
    before = files(tiny.output)
    retitle(tiny, "Never written")
    shutil.copytree(ROOT / "templates", tiny.root / "templates")  # the project's own
    page = tiny.root / "templates" / "report.html.j2"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", "{{ no_such_value.here }}</body>", 1),
                    encoding="utf-8")
    code = cli.main(["build", "--format", "html,json", "--project", str(tiny.root)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "report.html.j2" in err and "error: template error: " in err
    assert files(tiny.output) == before
    assert temporaries(tiny.output) == []


def test_a_first_build_failing_as_the_page_is_written_leaves_no_output_folder(tiny, capsys):
    shutil.copytree(ROOT / "templates", tiny.root / "templates")
    page = tiny.root / "templates" / "report.html.j2"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", "{{ no_such_value.here }}</body>", 1),
                    encoding="utf-8")
    deep = tiny.root / "out" / "here"
    for output in (tiny.output, deep):
        code = cli.main(["build", "--format", "html,json", "--project", str(tiny.root),
                         "--output", str(output)])
        assert code == 1 and "error: template error: " in capsys.readouterr().err
    assert not tiny.output.exists() and not (tiny.root / "out").exists()
    (tiny.root / "out").mkdir()  # a folder the user made is theirs: kept
    assert cli.main(["build", "--format", "html,json", "--project", str(tiny.root),
                     "--output", str(deep)]) == 1
    assert list((tiny.root / "out").iterdir()) == []


@pytest.mark.parametrize("value", [
    {"text": "“quoted” — ü \n\t\x00 </script>", "list": [1, -2, True, None, ["a"]]},
    {"big": 2 ** 70, "small": -(2 ** 63)},  # past 64 bits: orjson refuses it, json writes it
    {1: "a key that is no text"},
    list(range(1000)),  # written a slice at a time
])
def test_json_is_written_as_the_json_module_writes_it(value):
    import io

    out = io.BytesIO()
    rendering.write_json(out, [("value", value), ("after", "x")])
    expected = json.dumps({"value": value, "after": "x"}, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
    assert out.getvalue() == expected
    escaped = io.BytesIO()  # the page's embedded data: no "<" that could end its element
    rendering.write_json(escaped, [("value", value)], rendering._script_safe)
    assert b"<" not in escaped.getvalue()
    assert json.loads(escaped.getvalue()) == json.loads(json.dumps({"value": value}))
