"""Every validation error, pinned: its file, line, message and hint."""

import textwrap

import pytest

from conftest import TINY_ANNOTATIONS, write_project
from reportgen.build import check
from reportgen.errors import ReportgenError


def errors(tmp_path, annotations=None, sources=None) -> list[str]:
    project = write_project(tmp_path, annotations, sources)
    with pytest.raises(ReportgenError) as caught:
        check(project)
    return [p.format().replace(str(tmp_path) + "/", "") for p in caught.value.problems]


def test_the_tiny_project_is_valid(tiny):
    comparison, warnings = check(tiny)
    assert warnings == []
    assert [d.id for d in comparison.briefing.documents] == ["alpha", "beta"]


def test_unknown_key_lists_the_allowed_ones(tmp_path):
    assert errors(tmp_path, {"briefing.yaml": "title: T\ncolour: red\n"}) == [
        "annotations/briefing.yaml:2: error: unknown key 'colour'\n"
        "    hint: did you mean 'columns'? (expected one of: title, subtitle, columns)"
    ]
    assert errors(tmp_path, {"briefing.yaml": "title: T\nzzz: red\n"}) == [
        "annotations/briefing.yaml:2: error: unknown key 'zzz'\n"
        "    hint: expected one of: title, subtitle, columns"
    ]


def test_missing_required_field_points_at_the_entry(tmp_path):
    themes = "themes:\n  - id: war\n    label: War\n  - id: drugs\n"
    assert errors(tmp_path, {"themes.yaml": themes}) == [
        "annotations/themes.yaml:4: error: missing required field 'label'\n"
        "    hint: add 'label:' to this entry"
    ]


def test_wrong_choice_says_what_was_expected_and_received(tmp_path):
    assert errors(tmp_path, {"briefing.yaml": "title: T\ncolumns: decade\n"}) == [
        "annotations/briefing.yaml:2: error: 'columns' should be 'year' or 'document', "
        "but received 'decade'"
    ]


def test_duplicate_ids(tmp_path):
    themes = "themes:\n  - id: war\n    label: War\n  - id: war\n    label: Again\n  - id: drugs\n    label: D\n"
    assert errors(tmp_path, {"themes.yaml": themes}) == [
        "annotations/themes.yaml:4: error: duplicate id 'war' (first used on line 2)\n"
        "    hint: ids must be unique; rename one"
    ]


def alpha(quote="The first account says", theme="war", claim="war-began", value="1999"):
    """The tiny project's alpha.yaml with its second paragraph's annotation changed."""
    text = textwrap.dedent(TINY_ANNOTATIONS["documents/alpha.yaml"])
    for old, new in (("quote: The first account says", f"quote: {quote}"),
                     ("themes: [war]", f"themes: [{theme}]"),
                     ("{claim: war-began, value: 1999}", f"{{claim: {claim}, value: {value}}}")):
        text = text.replace(old, new, 1)
    return {"documents/alpha.yaml": text}


def test_unknown_theme_is_reported_at_the_paragraphs_own_line(tmp_path):
    assert errors(tmp_path, alpha(theme="wars")) == [
        "annotations/documents/alpha.yaml:12: error: unknown theme 'wars'\n"
        "    hint: did you mean 'war'?"
    ]


def test_unknown_claim(tmp_path):
    assert errors(tmp_path, alpha(claim="war-ended")) == [
        "annotations/documents/alpha.yaml:14: error: unknown claim 'war-ended'\n"
        "    hint: did you mean 'war-began'?"
    ]


def test_claim_value_of_the_wrong_type(tmp_path):
    assert errors(tmp_path, alpha(value="'late nineties'")) == [
        "annotations/documents/alpha.yaml:14: error: claim 'war-began': expected a year such as "
        "2015, or a span of years \"2015-2016\", but received 'late nineties'\n"
        "    hint: see the value types in annotations/README.md"
    ]


def test_anchor_that_does_not_match_the_source(tmp_path):
    assert errors(tmp_path, alpha(quote="The second account")) == [
        "annotations/documents/alpha.yaml:11: error: para 2: quote does not match the start of the "
        "paragraph (source line 3); its quote is no longer in the source (orphan)\n"
        "    hint: the paragraph starts: \"The first account says the war began in 1999 and\"; if the "
        "source changed, run reportgen reanchor"
    ]


def test_paragraphs_left_unannotated(tmp_path):
    beta = "id: beta\nsource: b.txt\ntitle: B\nauthor: Bob\npublished: 2018\nparagraphs:\n" \
           "  - para: 1\n    quote: The second account\n    themes: [war]\n"
    assert errors(tmp_path, {"documents/beta.yaml": beta}) == [
        "annotations/documents/beta.yaml:6: error: paragraphs 2 of b.txt are not annotated "
        "(1 of 2 left)\n"
        "    hint: add an entry for each, starting with: para: 2, quote: \"A closing line.\""
    ]


def test_paragraph_skipped_or_out_of_order(tmp_path):
    beta = "id: beta\nsource: b.txt\ntitle: B\nauthor: Bob\npublished: 2018\nparagraphs:\n" \
           "  - para: 2\n    quote: A closing line.\n    kind: boilerplate\n"
    found = errors(tmp_path, {"documents/beta.yaml": beta})
    assert found[0] == (
        "annotations/documents/beta.yaml:7: error: expected paragraph 1 here, found para: 2\n"
        "    hint: paragraph 1 has no entry; list every paragraph in order "
        "(reportgen paragraphs seeds/b.txt shows the numbering)"
    )


def test_body_paragraph_without_themes(tmp_path):
    beta = "id: beta\nsource: b.txt\ntitle: B\nauthor: Bob\npublished: 2018\nparagraphs:\n" \
           "  - para: 1\n    quote: The second account\n" \
           "  - para: 2\n    quote: A closing line.\n    kind: boilerplate\n"
    assert errors(tmp_path, {"documents/beta.yaml": beta}) == [
        "annotations/documents/beta.yaml:7: error: para 1: body paragraph has no themes\n"
        "    hint: add themes: [...], or set kind: if it is not body text"
    ]


def test_missing_source_file(tmp_path):
    found = errors(tmp_path, sources={"b.txt": None})
    assert found == [
        "annotations/documents/beta.yaml:2: error: source file 'b.txt' not found in seeds\n"
        "    hint: give the file name of a text under seeds/",
    ]


def test_source_that_is_not_utf8(tmp_path):
    found = errors(tmp_path, sources={"b.txt": "caf\xe9\n".encode("latin-1")})
    assert found[0] == (
        "seeds/b.txt:1: error: source is not UTF-8 text (byte 3)\n"
        "    hint: convert it to UTF-8, e.g. iconv -f latin1 -t utf-8"
    )


def test_source_without_annotation_file(tmp_path):
    found = errors(tmp_path, sources={"c.txt": "A third text.\n"})
    assert found == [
        "seeds/c.txt: error: source has no annotation file\n"
        "    hint: run: reportgen add seeds/c.txt  (writes a skeleton to annotate)"
    ]


def test_citation_of_unknown_paragraph_and_bad_form(tmp_path):
    findings = """\
        findings:
          - id: f
            kind: agreement
            theme: war
            title: T
            summary: S
            cites: [alpha:9, nonsense]
        """
    assert errors(tmp_path, {"findings.yaml": findings}) == [  # one bad cite hides no other
        "annotations/findings.yaml:7: error: 'cites' is not a citation: received 'nonsense'\n"
        "    hint: cite as DOCUMENT-ID:PARA, e.g. ramani-2016:12",
        "annotations/findings.yaml:7: error: citation 'alpha:9' names no annotated paragraph\n"
        "    hint: alpha has paragraphs 1 to 3",
    ]


def test_a_citation_of_an_unknown_document_suggests_the_near_one(tmp_path):
    findings = textwrap.dedent(TINY_ANNOTATIONS["findings.yaml"]).replace("alpha:2", "alpah:2")
    assert errors(tmp_path, {"findings.yaml": findings}) == [
        "annotations/findings.yaml:8: error: citation 'alpah:2' names no annotated paragraph\n"
        "    hint: did you mean 'alpha'?"]


def test_yaml_errors_in_one_file_do_not_hide_errors_in_another(tmp_path):
    found = errors(tmp_path, {"briefing.yaml": "title: a: b\n", **alpha(theme="wars")})
    assert [line.split("\n")[0] for line in found] == [
        "annotations/briefing.yaml:1: error: invalid YAML: mapping values are not allowed in this context",
        "annotations/documents/alpha.yaml:12: error: unknown theme 'wars'",
    ]


def test_continuation_must_name_an_earlier_paragraph(tmp_path):
    beta = "id: beta\nsource: b.txt\ntitle: B\nauthor: Bob\npublished: 2018\nparagraphs:\n" \
           "  - para: 1\n    quote: The second account\n    themes: [war]\n    continues: 2\n" \
           "  - para: 2\n    quote: A closing line.\n    kind: boilerplate\n"
    assert errors(tmp_path, {"documents/beta.yaml": beta}) == [
        "annotations/documents/beta.yaml:10: error: para 1 cannot continue paragraph 2\n"
        "    hint: continues: names an earlier paragraph"
    ]
