"""REFI-QDA (.qdpx) out and in: the standard's XSD, a real file from another tool, a round
trip through a fresh project, and small files written here for what that file does not show
(UTF-16 and CRLF positions, absolute and linked source paths, PDF- and DOCX-only sources)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, write_project

FIXTURES = ROOT.parent / "shared" / "fixtures" / "refi-qda"
needs_fixtures = pytest.mark.skipif(
    not (FIXTURES / "schema.xsd").is_file(),
    reason=f"the shared REFI-QDA fixtures are not beside the checkout ({FIXTURES}); "
           "CI has them in shared/")
NS = {"q": "urn:QDA-XML:project:1.0"}


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd,
                          capture_output=True, text=True)


def ok(*args, cwd) -> subprocess.CompletedProcess:
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def themed(report: dict) -> list[tuple]:
    """Each paragraph as the report has it: text, kind, theme labels (ids may differ)."""
    labels = {t["id"]: t["label"] for t in report["themes"]}
    return sorted((p["text"], p["kind"], tuple(labels[t] for t in p["themes"]))
                  for p in report["paragraphs"])


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("qdpx") / "bundled.qdpx"
    ok("export", "qdpx", "-o", target, cwd=ROOT)
    return target


# -- export ---------------------------------------------------------------------------

@needs_fixtures
def test_export_validates_against_the_refi_qda_schema(exported):
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "schema.xsd")))
    with zipfile.ZipFile(exported) as archive:
        qde = etree.fromstring(archive.read("project.qde"))
    assert schema.validate(qde), schema.error_log


def test_export_maps_sources_codes_selections_variables_and_notes(exported):
    report = json.loads(ok("export", "json", "-o", exported.parent / "r.json",
                           cwd=ROOT) and (exported.parent / "r.json").read_text("utf-8"))
    with zipfile.ZipFile(exported) as archive:
        qde = etree.fromstring(archive.read("project.qde"))
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                 if name.startswith("sources/")}
    codes = {c.get("guid"): c.get("name") for c in qde.iterfind(".//q:Code", NS)}
    assert [t["label"] for t in report["themes"]] == [
        c.get("name") for c in qde.find("q:CodeBook/q:Codes", NS).iterfind("q:Code", NS)][:-1]
    variables = {v.get("guid"): v.get("name") for v in qde.iterfind(".//q:Variable", NS)}
    assert qde.find("q:Users", NS) is None  # REFI users are coders: none are made up
    sources = qde.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == len(report["documents"]) == len(texts)
    paragraphs = {p["id"]: p for p in report["paragraphs"]}
    for source, document in zip(sources, report["documents"]):
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        text = texts["sources/" + path.removeprefix("internal://")]
        values = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
                  for v in source.iterfind("q:VariableValue", NS)}
        assert values["Author"] == document["author"] and values["Account"] == document["account"]
        assert values["Year"] == document["published"][:4]
        assert values["Document ID"] == document["id"]
        selections = source.findall("q:PlainTextSelection", NS)
        assert len(selections) == document["paragraphs"]  # every paragraph has a theme or kind
        for selection in selections:
            number = int(selection.get("name").rsplit("¶", 1)[1])
            paragraph = paragraphs[f"{document['id']}:{number}"]
            chosen = text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
            assert chosen.split() == paragraph["text"].split()
            coded = [codes[r.get("targetGUID")] for r in selection.iterfind(".//q:CodeRef", NS)]
            labels = {t["id"]: t["label"] for t in report["themes"]}
            assert coded == [labels[t] for t in paragraph["themes"]] + (
                [paragraph["kind"]] if paragraph["kind"] != "body" else [])
    cases = {c.get("name") for c in qde.iterfind("q:Cases/q:Case", NS)}
    assert cases == {a["label"] for a in report["accounts"]}
    notes = {n.get("name"): n.findtext("q:PlainTextContent", namespaces=NS)
             for n in qde.iterfind("q:Notes/q:Note", NS)}
    assert sum(name.startswith("Claim: ") for name in notes) == len(report["claims"])
    assert sum(name.startswith("Finding: ") for name in notes) == sum(
        f["origin"] == "analyst" for f in report["findings"])
    noted = [p for p in report["paragraphs"] if p["note"]]
    assert noted and all(any(p["note"] in text for text in notes.values()) for p in noted)


def test_export_is_reproducible(exported, tmp_path):
    again = tmp_path / "again.qdpx"
    ok("export", "qdpx", "-o", again, cwd=ROOT)
    assert again.read_bytes() == exported.read_bytes()


# -- round trip -------------------------------------------------------------------------

def test_round_trip_through_a_fresh_project_keeps_the_themed_paragraphs(exported, tmp_path,
                                                                        bundled_build):
    ok("init", "fresh", cwd=tmp_path)
    project = tmp_path / "fresh"
    imported = ok("import", exported, cwd=project)
    assert imported.stdout.splitlines()[-1].startswith("imported 5 sources, ")
    ok("build", "--format", "json", cwd=project)
    original = json.loads((bundled_build / "report.json").read_text("utf-8"))
    again = json.loads((project / "build" / "report.json").read_text("utf-8"))
    assert themed(again) == themed(original)
    assert [t["label"] for t in again["themes"]] == [t["label"] for t in original["themes"]]
    assert [(d["id"], d["label"], d["author"], d["outlet"], d["published"], d["account"],
             d["format"]) for d in again["documents"]] == [
        (d["id"], d["label"], d["author"], d["outlet"], d["published"], d["account"], d["format"])
        for d in original["documents"]]
    assert again["title"] == original["title"]  # the untouched starter takes the project's name
    # Nothing dropped silently: what has no place (the claims catalogue) is listed.
    assert imported.stdout.count("not imported: note 'Claim: ") == len(original["claims"])


def test_import_never_overwrites_and_never_imports_a_text_twice(exported, tmp_path):
    ok("init", "p", cwd=tmp_path)
    project = tmp_path / "p"
    ok("import", exported, cwd=project)
    before = tree(project)
    again = ok("import", exported, cwd=project)
    assert tree(project) == before
    assert "not imported: Ramani 2016: its text is already in the project, as " \
           "seeds/ramani-2016.txt" in again.stdout
    assert again.stdout.splitlines()[-1].startswith("imported 0 sources, 0 paragraphs")


def test_a_name_already_taken_gets_another_and_the_old_file_stays(tmp_path):
    ok("init", "p", cwd=tmp_path)
    project = tmp_path / "p"
    (project / "seeds" / "doc.txt").write_text("Someone else's text.\n")
    (project / "annotations" / "documents" / "doc.yaml").write_text("id: doc\n")
    make_qdpx(project / "x.qdpx", f'<TextSource guid="{guid()}" name="doc" '
                                  'plainTextPath="internal://doc.txt"/>',
              {"sources/doc.txt": TEXT.encode("utf-8")})
    result = ok("import", "x.qdpx", cwd=project)
    assert "wrote seeds/doc-2.txt\nwrote annotations/documents/doc-2.yaml\n" in result.stdout
    assert (project / "seeds" / "doc.txt").read_text() == "Someone else's text.\n"
    assert (project / "annotations" / "documents" / "doc.yaml").read_text() == "id: doc\n"
    assert _yaml(project / "annotations" / "documents" / "doc-2.yaml")["source"] == "doc-2.txt"


def test_import_adds_to_an_edited_themes_file_keeping_its_comments(exported, tmp_path):
    write_project(tmp_path, sources={"a.txt": None, "b.txt": None},
                  annotations={"documents/alpha.yaml": None, "documents/beta.yaml": None,
                               "themes.yaml": "# my comment\nthemes:\n    - id: narcotics\n"
                                              "      label: Narcotics   # kept\n",
                               "claims.yaml": "claims: []\n", "findings.yaml": "findings: []\n"})
    ok("import", exported, cwd=tmp_path)
    text = (tmp_path / "annotations" / "themes.yaml").read_text("utf-8")
    assert text.startswith("# my comment\nthemes:\n    - id: narcotics\n"
                           "      label: Narcotics   # kept\n    - id: ")
    assert text.count("label: \"Narcotics\"") == 0  # the code named like a theme is that theme
    ok("check", cwd=tmp_path)


# -- a real file from another tool ----------------------------------------------------

@needs_fixtures
def test_importing_the_demo_maps_its_coding_and_says_how(tmp_path):
    ok("init", "demo", cwd=tmp_path)
    project = tmp_path / "demo"
    result = ok("import", FIXTURES / "demo.qdpx", cwd=project)
    out = result.stdout
    with zipfile.ZipFile(FIXTURES / "demo.qdpx") as archive:
        qde = etree.fromstring(archive.read("project.qde"))
        board = archive.read("sources/board_2017.txt").decode("utf-8")
    codes = {c.get("guid"): c.get("name") for c in qde.iterfind(".//q:Code", NS)}
    assert "wrote seeds/board_2017.txt" in out and "wrote seeds/admin-1.txt" in out
    assert (project / "seeds" / "board_2017.txt").read_text("utf-8") == board
    assert f"{len(codes)} codes as themes" in out
    assert "note: board_2017: split into paragraphs by lines" in out  # qc codes lines
    assert "not imported:" not in out  # everything in it has a place
    themes = {t["label"]: t["id"] for t in _yaml(project / "annotations" / "themes.yaml")["themes"]}
    assert set(themes) == set(codes.values())
    document = _yaml(project / "annotations" / "documents" / "board-2017.yaml")
    assert document["segmentation"] == "lines"
    lines = board.split("\n")
    for selection in qde.iterfind(".//q:PlainTextSelection", NS):  # each coded line, its codes
        number = int(selection.get("name").split(":")[1])  # qc names them line:N (0-based)
        entry = document["paragraphs"][_nonblank_index(lines, number)]
        assert entry["quote"].split()[0] == lines[number].split()[0]
        for ref in selection.iterfind(".//q:CodeRef", NS):
            assert themes[codes[ref.get("targetGUID")]] in entry["themes"]
    admin = _yaml(project / "annotations" / "documents" / "admin-1.yaml")
    assert all(p["themes"] == [] for p in admin["paragraphs"])  # a source without coding
    check = run("check", cwd=project)  # what is left is to annotate, as after `add`
    assert check.returncode == 1 and "paragraphs are left to annotate" in check.stderr


def _nonblank_index(lines: list[str], number: int) -> int:
    return sum(1 for line in lines[:number] if line.strip())


def _yaml(path: Path):
    from reportgen.yamlio import load_yaml

    loaded = load_yaml(path.read_text("utf-8"), str(path))
    assert not loaded.problems
    return loaded.data


@needs_fixtures
def test_importing_the_demo_in_blocks_says_which_paragraphs_selections_cut(tmp_path):
    ok("init", "demo", cwd=tmp_path)
    result = ok("import", "--segmentation", "blocks", FIXTURES / "demo.qdpx", cwd=tmp_path / "demo")
    cut = [line for line in result.stdout.splitlines() if "covers part of paragraph" in line]
    assert len(cut) == 158  # every line-long selection of the wrapped transcript
    assert cut[0] == ("note: board_2017: selection 'line:6' (characters 320-400) covers part "
                      "of paragraph 2; the paragraph gets its codes")


# -- files other tools write differently: made here ------------------------------------

def guid() -> str:
    return str(uuid.uuid4())


def make_qdpx(path: Path, sources_xml: str, files: dict[str, bytes] | None = None,
              codes: dict[str, str] | None = None, extra: str = "", variables: str = "",
              cases: str = "", project_attributes: str = "") -> Path:
    codes_xml = "".join(f'<Code guid="{g}" name="{n}" isCodable="true"/>'
                        for n, g in (codes or {}).items())
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="Made here" {project_attributes}>'
           f'<CodeBook><Codes>{codes_xml}</Codes></CodeBook>{variables}{cases}'
           f'<Sources>{sources_xml}</Sources>{extra}</Project>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def selection(start: int, end: int, *code_guids: str, name: str = "") -> str:
    codings = "".join(f'<Coding guid="{guid()}"><CodeRef targetGUID="{c}"/></Coding>'
                      for c in code_guids)
    return (f'<PlainTextSelection guid="{guid()}" name="{name or start}" startPosition="{start}" '
            f'endPosition="{end}">{codings}</PlainTextSelection>')


@pytest.fixture
def project(tmp_path) -> Path:
    ok("init", "p", cwd=tmp_path)
    return tmp_path / "p"


def imported_themes(project: Path, doc_id: str) -> dict[int, list[str]]:
    data = _yaml(project / "annotations" / "documents" / f"{doc_id}.yaml")
    return {p["para"]: p.get("themes", []) for p in data["paragraphs"]}


TEXT = ("First paragraph about 𝔸lpha 🙂 and more.\n\nSecond paragraph about beta.\n\n"
        "Third paragraph about gamma.\n")


def positions(text: str, part: str, utf16=False, crlf_once=False) -> tuple[int, int]:
    """Where ``part`` stands in ``text`` as a tool counting that way would say."""
    start = text.index(part)

    def count(s: str) -> int:
        if crlf_once:
            s = s.replace("\r\n", "\n")
        return len(s.encode("utf-16-le")) // 2 if utf16 else len(s)
    return count(text[:start]), count(text[:start + len(part)])


@pytest.mark.parametrize("utf16,crlf_once,crlf", [
    (False, False, False), (True, False, False), (False, True, True), (True, True, True),
    (False, False, True)])
def test_positions_in_code_points_or_utf16_units_with_crlf_as_one_or_two(project, utf16,
                                                                         crlf_once, crlf):
    text = TEXT.replace("\n", "\r\n") if crlf else TEXT
    code = guid()
    parts = ["Third paragraph about gamma.", "Second paragraph"]
    selections = "".join(selection(*positions(text, part, utf16, crlf_once), code)
                         for part in parts)
    make_qdpx(project / "x.qdpx",
              f'<TextSource guid="{guid()}" name="doc" plainTextPath="internal://d.txt">'
              f'{selections}</TextSource>',
              {"sources/d.txt": text.encode("utf-8")}, {"Gamma": code})
    result = ok("import", "x.qdpx", cwd=project)
    assert imported_themes(project, "doc") == {1: [], 2: ["gamma"], 3: ["gamma"]}
    unit = ("UTF-16 code units" if utf16 else "code points") + (", CRLF as one" if crlf_once
                                                                else "")
    told = [line for line in result.stdout.splitlines() if "positions read as" in line]
    assert told == [f"note: doc: positions read as {unit} (most selection ends then fall "
                    "between words)"]
    assert "covers part of paragraph 2" in result.stdout  # "Second paragraph" is part of it
    assert (project / "seeds" / "doc.txt").read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize("path,stored", [
    ("internal://d.txt", "sources/d.txt"),
    ("d.txt", "sources/d.txt"),                                   # qc: relative, no scheme
    ("C:\\Users\\ana\\Documents\\Project\\sources\\d.txt", "sources/d.txt"),  # NVivo-style
    ("/home/ana/project/d.txt", "d.txt"),                         # absolute, stored at the root
])
def test_source_paths_internal_relative_and_absolute(project, path, stored):
    code = guid()
    make_qdpx(project / "x.qdpx",
              f'<TextSource guid="{guid()}" name="doc" plainTextPath="{path}">'
              f'{selection(*positions(TEXT, "Second paragraph about beta."), code)}</TextSource>',
              {stored: TEXT.encode("utf-8")}, {"Beta": code})
    ok("import", "x.qdpx", cwd=project)
    assert imported_themes(project, "doc")[2] == ["beta"]


def test_sources_linked_outside_the_file_and_inline_text(project, tmp_path):
    outside = tmp_path / "linked" / "linked.txt"
    outside.parent.mkdir()
    outside.write_text(TEXT, encoding="utf-8")
    code = guid()
    sources = (
        f'<TextSource guid="{guid()}" name="linked" plainTextPath="relative://linked.txt">'
        f'{selection(*positions(TEXT, "Third paragraph about gamma."), code)}</TextSource>'
        f'<TextSource guid="{guid()}" name="inline"><PlainTextContent>{TEXT}</PlainTextContent>'
        f'{selection(*positions(TEXT, "First paragraph"), code)}</TextSource>')
    make_qdpx(project / "x.qdpx", sources, {}, {"Gamma": code},
              project_attributes=f'basePath="{outside.parent}"')
    result = ok("import", "x.qdpx", cwd=project)
    assert f"note: relative://linked.txt: read from {outside}, outside the .qdpx" in result.stdout
    assert imported_themes(project, "linked")[3] == ["gamma"]
    assert imported_themes(project, "inline")[1] == ["gamma"]


def test_what_cannot_be_mapped_is_listed_with_the_reason(project):
    code, author, year, age = guid(), guid(), guid(), guid()
    text_guid, pdf_guid = guid(), guid()
    variables = (f'<Variables><Variable guid="{author}" name="Author" typeOfVariable="Text"/>'
                 f'<Variable guid="{year}" name="Year" typeOfVariable="Integer"/>'
                 f'<Variable guid="{age}" name="Age" typeOfVariable="Integer"/></Variables>')
    cases = (f'<Cases><Case guid="{guid()}" name="Interviews"><SourceRef targetGUID="{text_guid}"/>'
             f'</Case></Cases>')

    def value(variable, element, text):
        return (f'<VariableValue><VariableRef targetGUID="{variable}"/>'
                f'<{element}>{text}</{element}></VariableValue>')
    note = guid()
    across = selection(*positions(TEXT, "paragraph about beta.\n\nThird"), code, name="across")
    sources = (
        f'<TextSource guid="{text_guid}" name="talk" plainTextPath="internal://t.txt">'
        f'{across}'
        f'{selection(3, 3, code, name="empty")}{selection(5000, 5010, code, name="far")}'
        f'<Coding guid="{guid()}"><CodeRef targetGUID="{code}"/></Coding>'
        f'<NoteRef targetGUID="{note}"/>'
        f'{value(author, "TextValue", "Ana Lyst")}{value(year, "IntegerValue", "2019")}'
        f'{value(age, "IntegerValue", "34")}</TextSource>'
        f'<TextSource guid="{guid()}" name="report.docx" richTextPath="internal://r.docx"/>'
        f'<PDFSource guid="{pdf_guid}" name="scan" path="internal://s.pdf"/>'
        f'<AudioSource guid="{guid()}" name="interview audio" path="internal://a.m4a"/>')
    extra = (f'<Notes><Note guid="{note}" name="Memo on talk"><PlainTextContent>About the talk'
             f'</PlainTextContent></Note></Notes>'
             f'<Sets><Set guid="{guid()}" name="A set"/></Sets>')
    make_qdpx(project / "x.qdpx", sources, {"sources/t.txt": TEXT.encode("utf-8")},
              {"Beta": code}, extra, variables, cases)
    result = ok("import", "x.qdpx", cwd=project)
    out = result.stdout.splitlines()
    add = "(reportgen compares texts; save it as plain text and add it with `reportgen add`)"
    assert [line for line in out if line.startswith("not imported: ")] == [f"not imported: {line}"
                                                                        for line in [
        "talk: code 'Beta' applied to the whole source (reportgen gives themes to paragraphs)",
        "talk: note 'Memo on talk' on the whole source (reportgen keeps notes on paragraphs)",
        "talk: variable 'Age' = '34' (documents have no such field)",
        "report.docx: only a rich-text copy (internal://r.docx), no plain text; save it "
        "as plain text and add it with `reportgen add`",
        f"scan: a PDF without a text representation {add}",
        f"interview audio: an audio recording {add}",
        "1 set(s): reportgen has no sets",
        f"talk: selection 'far' ends at 5010, past the end of the text ({len(TEXT)} characters)",
        "talk: selection 'empty' (characters 3-3) holds no paragraph text",
    ]]
    assert "note: talk: selection 'across' (characters 48-76) spans paragraphs 2-3; each gets " \
           "its codes" in out
    document = _yaml(project / "annotations" / "documents" / "talk.yaml")
    assert (document["author"], document["published"], document["account"]) == \
        ("Ana Lyst", "2019", "Interviews")
    assert out[-1].startswith("imported 1 source, 3 paragraphs (2 coded), 1 code as themes; "
                              "9 things not imported (listed above)")


def test_a_file_that_is_no_qdpx_is_an_error_not_a_traceback(project):
    (project / "x.qdpx").write_text("not a zip")
    result = run("import", "x.qdpx", cwd=project)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1] == (
        "x.qdpx: error: cannot be read as a .qdpx (a zip file): File is not a zip file")
    with zipfile.ZipFile(project / "y.qdpx", "w") as archive:
        archive.writestr("project.qde", "<Project><broken")
    broken = run("import", "y.qdpx", cwd=project)
    assert broken.returncode == 1 and "project.qde is not well-formed XML" in broken.stderr


def test_round_trip_of_a_crlf_source_with_characters_outside_the_bmp(tmp_path):
    text = ("Alpha heading 𝔸\r\n\r\nThe first account says 🙂 the war began in 1999.\r\n"
            "Its second line.\r\n\r\nIt also mentions drugs.\r\n")
    write_project(tmp_path / "a", sources={"a.txt": text.encode("utf-8")})
    ok("export", "qdpx", "-o", tmp_path / "a.qdpx", cwd=tmp_path / "a")
    ok("init", "b", cwd=tmp_path)
    result = ok("import", tmp_path / "a.qdpx", cwd=tmp_path / "b")
    assert "positions read as code points" in result.stdout  # the standard's unit, chosen
    assert (tmp_path / "b" / "seeds" / "alpha.txt").read_bytes() == text.encode("utf-8")
    assert imported_themes(tmp_path / "b", "alpha") == {1: [], 2: ["the-war"], 3: ["drugs"]}
    alpha = _yaml(tmp_path / "b" / "annotations" / "documents" / "alpha.yaml")
    assert alpha["paragraphs"][0]["kind"] == "heading"


def test_a_pdf_source_with_a_text_representation_is_imported_from_its_text(project):
    code = guid()
    representation = (f'<Representation guid="{guid()}" plainTextPath="internal://r.txt">'
                      f'{selection(*positions(TEXT, "Third paragraph about gamma."), code)}'
                      f'</Representation>')
    make_qdpx(project / "x.qdpx",
              f'<PDFSource guid="{guid()}" name="scan" path="internal://s.pdf">'
              f'<PDFSelection guid="{guid()}" page="1" firstX="0" firstY="0" secondX="9" '
              f'secondY="9"/>{representation}</PDFSource>',
              {"sources/r.txt": TEXT.encode("utf-8"), "sources/s.pdf": b"%PDF-1.4"},
              {"Gamma": code})
    result = ok("import", "x.qdpx", cwd=project)
    assert imported_themes(project, "scan") == {1: [], 2: [], 3: ["gamma"]}
    assert "not imported: scan: its 1 PDF region codings (reportgen codes text, not page " \
           "regions)" in result.stdout
