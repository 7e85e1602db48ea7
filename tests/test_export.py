"""`reportgen export csv | json | w3c`: real files read back as their readers read them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, write_project
from reportgen.build import check
from reportgen.exports import FORMULA_STARTS, csv_cell
from reportgen.project import Project


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd,
                          capture_output=True, text=True)


def read_csv(path: Path) -> list[dict]:
    """As a spreadsheet or script reads it: the byte order mark first, then UTF-8 CSV."""
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 byte order mark"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def bundled_exports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    for fmt, target in (("csv", "csv"), ("json", "report.json"), ("w3c", "w3c/a.jsonld")):
        result = run("export", fmt, "-o", out / target, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert f"wrote {out / target}" in result.stdout or "wrote " in result.stdout
    return out


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    comparison, _ = check(Project.at(ROOT))
    return comparison


# -- CSV ---------------------------------------------------------------------------

ACCOUNTS = ["2016", "2017", "2018", "2021"]  # the bundled corpus's, in chronological order


def test_csv_files_have_their_documented_columns(bundled_exports):
    documented = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    expected = {
        "documents.csv": ["document", "label", "account", "title", "author", "outlet",
                          "published", "source", "paragraphs", "body_paragraphs", "words"],
        "paragraphs.csv": ["paragraph", "document", "account", "number", "kind", "themes",
                           "author", "voices", "claims", "continues", "note", "text"],
        "claims.csv": ["claim", "label", "theme", "type", "verdict", *ACCOUNTS],
        "assertions.csv": ["claim", "value", "note", "paragraph", "document", "account"],
        "findings.csv": ["finding", "origin", "kind", "theme", "title", "summary", "key",
                         "claim", "cites"],
        "citations.csv": ["finding", "paragraph", "document", "account", "text"],
        "matrix.csv": ["theme", "label", *ACCOUNTS],
    }
    assert sorted(p.name for p in (bundled_exports / "csv").iterdir()) == sorted(expected)
    for name, columns in expected.items():
        with open(bundled_exports / "csv" / name, encoding="utf-8-sig", newline="") as handle:
            assert next(csv.reader(handle)) == columns, name
        assert f"`{name}`" in documented, f"{name} is not described in docs/formats.md"
        for column in columns:  # each fixed column (the accounts' are named by their labels)
            assert column in ACCOUNTS or f"`{column}`" in documented, (name, column)


def test_csv_rows_hold_the_briefing(bundled_exports, bundled):
    briefing = bundled.briefing
    paragraphs = read_csv(bundled_exports / "csv" / "paragraphs.csv")
    assert len(paragraphs) == len(briefing.paragraphs)
    by_id = {row["paragraph"]: row for row in paragraphs}
    for paragraph in briefing.paragraphs.values():
        row = by_id[paragraph.id]
        assert row["themes"] == "; ".join(paragraph.themes)
        assert row["kind"] == paragraph.kind and row["author"] == paragraph.author
        text = row["text"][1:] if row["text"].startswith("'") else row["text"]
        assert text == paragraph.text  # multi-line texts survive quoting
        assert row["account"] == bundled.column_of[paragraph.document]
    matrix = read_csv(bundled_exports / "csv" / "matrix.csv")
    assert [row["theme"] for row in matrix] == [t.id for t in briefing.themes]
    for section, row in zip(bundled.sections, matrix):
        for cell in section.cells:
            assert int(row[cell.column.label]) == len(cell.paragraphs)
    findings = read_csv(bundled_exports / "csv" / "findings.csv")
    assert len(findings) == len(briefing.findings) + len(bundled.computed)
    citations = read_csv(bundled_exports / "csv" / "citations.csv")
    assert len(citations) == sum(len(f.cites) for f in briefing.findings + bundled.computed)
    claims = read_csv(bundled_exports / "csv" / "claims.csv")
    assertions = read_csv(bundled_exports / "csv" / "assertions.csv")
    for claim in claims:  # each account's cell lists exactly the values its paragraphs assert
        for account in ACCOUNTS:
            asserted = {a["value"] for a in assertions
                        if a["claim"] == claim["claim"] and a["account"] == account}
            shown = {v.lstrip("'") for v in claim[account].split("; ")} if claim[account] else set()
            assert shown == {v.lstrip("'") for v in asserted}, (claim["claim"], account)


FORMULAS = {
    "=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "+1+1": "'+1+1", "-2": "'-2",
    "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "plain": "plain", "a=b": "a=b",
    "": "",
}


def test_formula_injection_is_neutralised():
    for value, cell in FORMULAS.items():
        assert csv_cell(value) == cell
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    assert csv_cell(True) == "yes" and csv_cell(None) == "" and csv_cell(3) == "3"


def test_cells_from_annotations_that_look_like_formulas_arrive_as_text(tmp_path):
    sources = {"a.txt": "Alpha heading\n\n=HYPERLINK(\"http://evil\",\"click\") says 1999.\n\n"
                        "It also mentions drugs.\n"}
    annotations = {"documents/alpha.yaml": """\
        id: alpha
        source: a.txt
        title: First account
        author: Ann Author
        published: "2016-05"
        paragraphs:
          - {para: 1, quote: Alpha heading, kind: heading}
          - {para: 2, quote: '=HYPERLINK', themes: [war], voices: ['@bob', '-x']}
          - {para: 3, quote: It also mentions, themes: [drugs]}
        """}
    write_project(tmp_path, annotations, sources)
    result = run("export", "csv", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {r["paragraph"]: r for r in read_csv(tmp_path / "out" / "paragraphs.csv")}
    assert rows["alpha:2"]["text"].startswith("'=HYPERLINK(")
    assert rows["alpha:2"]["voices"] == "'@bob; -x"
    for path in (tmp_path / "out").iterdir():  # no cell anywhere starts a formula
        for row in csv.reader(open(path, encoding="utf-8-sig", newline="")):
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row), (path.name, row)


# -- JSON ---------------------------------------------------------------------------

def test_json_is_the_reports_json(bundled_exports, bundled_build):
    exported = json.loads((bundled_exports / "report.json").read_text(encoding="utf-8"))
    built = json.loads((bundled_build / "report.json").read_text(encoding="utf-8"))
    exported.pop("generated"), built.pop("generated")
    assert exported == built


# -- W3C Web Annotations --------------------------------------------------------------

def test_w3c_annotations_find_their_text_by_quote_and_by_position(bundled_exports, bundled):
    path = bundled_exports / "w3c" / "a.jsonld"
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == len(bundled.briefing.paragraphs)
    labels = {t.id: t.label for t in bundled.briefing.themes}
    for item, paragraph in zip(items, (p for d in bundled.briefing.documents
                                       for p in d.paragraphs)):
        assert item["type"] == "Annotation" and item["id"].startswith("urn:uuid:")
        source = (path.parent / item["target"]["source"]).resolve()  # relative to the file
        text = source.read_text(encoding="utf-8").removeprefix("\ufeff")
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert text[position["start"]:position["end"]] == quote["exact"]
        assert text[:position["start"]].endswith(quote["prefix"])
        assert text[position["end"]:].startswith(quote["suffix"])
        assert quote["exact"].split() == paragraph.text.split()  # the whole paragraph
        tags = [b["value"] for b in item["body"] if b["purpose"] == "tagging"]
        assert tags == [labels[t] for t in paragraph.themes]
        assert {"purpose": "classifying", "value": paragraph.kind}.items() <= \
            next(b for b in item["body"] if b["purpose"] == "classifying").items()


def test_positions_count_code_points_with_crlf_and_astral_characters(tmp_path):
    """A CRLF source with characters outside the BMP: offsets are code points of the text."""
    text = ("Alpha heading 𝔸\r\n\r\nThe first account says 🙂 the war began in 1999.\r\n"
            "Its second line.\r\n\r\nIt also mentions drugs.\r\n")
    write_project(tmp_path, sources={"a.txt": text.encode("utf-8")})
    result = run("export", "w3c", "-o", "a.jsonld", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    items = json.loads((tmp_path / "a.jsonld").read_text(encoding="utf-8"))["first"]["items"]
    second = next(i for i in items if i["label"] == "alpha:2")
    position = second["target"]["selector"][1]
    assert text[position["start"]:position["end"]] == \
        "The first account says 🙂 the war began in 1999.\r\nIts second line."
    assert position["start"] == len("Alpha heading 𝔸\r\n\r\n")


def test_export_refuses_a_project_with_errors_and_writes_nothing(tmp_path):
    write_project(tmp_path, {"themes.yaml": "themes: []\n"})
    result = run("export", "csv", "-o", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert "annotations/themes.yaml:1: error: 'themes' should have at least 1 item" in result.stderr
    assert not (tmp_path / "out").exists()
    assert "Traceback" not in result.stderr


def test_export_defaults_into_the_output_folder_and_says_what_it_wrote(tmp_path):
    write_project(tmp_path)
    result = run("export", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote build/export/report.json\n"
    wrong = run("export", "xlsx", cwd=tmp_path)
    assert wrong.returncode == 2 and "invalid choice: 'xlsx'" in wrong.stderr
    folder = run("export", "json", "-o", "build", cwd=tmp_path)
    assert folder.returncode == 1 and "build: error: is a folder" in folder.stderr
