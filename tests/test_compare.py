"""Claims become agreements, discrepancies and single-source findings; columns are
chronological; documents are named by labels no two share; the analyst's verdicts and
equivalences are applied and shown beside the computation."""

import json
import re
import subprocess
import sys

import pytest

import reportgen.compare as compare_module
from conftest import write_project
from reportgen.build import build, check
from reportgen.compare import compare_claim, timeline
from reportgen.errors import ReportgenError
from reportgen.model import Assertion
from reportgen.render import timeline_view
from reportgen.values import normalise_value


def claim_project(tmp_path, alpha_value, beta_value, claim_type="year", more=""):
    """The tiny project with its claim's type and values changed; ``more``: claim fields."""
    claims = (f"claims:\n  - id: war-began\n    label: L\n    theme: war\n"
              f"    type: {claim_type}\n{more}")
    project = write_project(tmp_path, {"claims.yaml": claims})
    for name, value in (("alpha", alpha_value), ("beta", beta_value)):
        path = tmp_path / "annotations" / "documents" / f"{name}.yaml"
        old = "value: 1999" if name == "alpha" else "value: 2001"
        path.write_text(path.read_text().replace(old, f"value: {value}"))
    return project


def compared(tmp_path, alpha_value, beta_value, claim_type="year", more=""):
    return check(claim_project(tmp_path, alpha_value, beta_value, claim_type, more))[0]


def test_different_values_are_a_discrepancy_citing_both(tmp_path):
    comparison = compared(tmp_path, 1999, 2001)
    (finding,) = comparison.computed
    assert finding.kind == "discrepancy"
    assert finding.values == (("1999", ("alpha:2",)), ("2001", ("beta:1",)))
    assert finding.summary == "The accounts disagree: **1999** (Author 2016); **2001** (Writer 2018)."


def test_same_values_agree(tmp_path):
    (finding,) = compared(tmp_path, 2001, 2001).computed
    assert finding.kind == "agreement"
    assert finding.cites == ("alpha:2", "beta:1")


def test_a_coarser_date_agrees_with_a_finer_one(tmp_path):
    (finding,) = compared(tmp_path, '"2018-11"', '"2018-11-09"', "date").computed
    assert finding.kind == "agreement"


def test_one_account_only_is_single_source(tmp_path):
    claims = "claims:\n  - id: war-began\n    label: L\n    theme: war\n    type: year\n"
    project = write_project(tmp_path, {"claims.yaml": claims})
    beta = tmp_path / "annotations" / "documents" / "beta.yaml"
    beta.write_text(beta.read_text().replace(
        "    claims:\n      - {claim: war-began, value: 2001}\n", ""))
    (finding,) = check(project)[0].computed
    assert finding.kind == "single-source"
    assert finding.cites == ("alpha:2",)


def test_columns_by_year_group_accounts_chronologically(tmp_path):
    project = write_project(tmp_path, {
        "documents/gamma.yaml": "id: gamma\nsource: c.txt\ntitle: C\nauthor: Cy\n"
                                "published: 2016-01-02\nparagraphs:\n"
                                "  - para: 1\n    quote: Third\n    themes: [drugs]\n"},
        sources={"c.txt": "Third text.\n"})
    comparison = check(project)[0]
    assert [(c.label, [d.id for d in c.documents]) for c in comparison.columns] == [
        ("2016", ["gamma", "alpha"]), ("2018", ["beta"])]
    drugs = comparison.sections[1]
    assert [[p.id for p in cell.paragraphs] for cell in drugs.cells] == [
        ["gamma:1", "alpha:3"], []]


def test_columns_by_document(tmp_path):
    project = write_project(tmp_path, {"briefing.yaml": "title: T\ncolumns: document\n"})
    comparison = check(project)[0]
    assert [c.label for c in comparison.columns] == ["Author 2016", "Writer 2018"]
    assert [c.bylines for c in comparison.columns] == [("Ann Author",), ("Bob Writer",)]
    assert comparison.notes == ()


def test_non_body_paragraphs_stay_out_of_the_grid(tiny):
    comparison = check(tiny)[0]
    shown = {p.id for s in comparison.sections for cell in s.cells for p in cell.paragraphs}
    assert shown == {"alpha:2", "alpha:3", "beta:1"}


# -- document labels ---------------------------------------------------------

def document(doc_id, *, author="", outlet="", published="2006", label=None, title="T"):
    """A one-paragraph document file and its source, for write_project."""
    lines = [f"id: {doc_id}", f"source: {doc_id}.txt", f"title: {json.dumps(title)}",
             f"author: {json.dumps(author)}", f"outlet: {json.dumps(outlet)}",
             f'published: "{published}"']
    lines += [f"label: {json.dumps(label)}"] if label else []
    lines += ["paragraphs:", "  - para: 1", "    quote: Text of", "    themes: [war]"]
    return ({f"documents/{doc_id}.yaml": "\n".join(lines) + "\n"},
            {f"{doc_id}.txt": f"Text of {doc_id}.\n"})


def project_with(tmp_path, *documents, briefing="title: T\ncolumns: document\n"):
    annotations, sources = {"briefing.yaml": briefing}, {}
    for files, texts in documents:
        annotations.update(files)
        sources.update(texts)
    return write_project(tmp_path, annotations, sources)


LABELLED = [
    document("given", author="Someone Else", label="TORCH", published="2005"),
    document("planet-a", author="", outlet="Daily Planet"),
    document("planet-b", author="Unattributed (staff)", outlet="Daily Planet"),
    document("planet-c", author="Anonymous", outlet="Daily Planet", published="2007"),
    document("nobody", author="unknown", outlet=""),
    document("pair", author="Ann Smith and Bob Jones", published="2008"),
    document("trio", author="Ann Smith; Bob Jones; Cy Lee", published="2008"),
    document("inverted", author="Smith, Ann", published="2009"),
    document("torch-clash", author="", outlet="TORCH", published="2005", label=None),
    document("desk", author="City desk", outlet="Harbour Herald", published="2010"),  # no person
    document("role", author="A resident", outlet="", published="2011"),
]


def test_labels_fall_back_to_surname_outlet_then_id_and_never_repeat(tmp_path):
    comparison = check(project_with(tmp_path, *LABELLED))[0]
    labels = {d.id: d.label for d in comparison.briefing.documents}
    assert labels == {
        "given": "TORCH",
        "torch-clash": "TORCH 2005",
        "planet-a": "Daily Planet 2006a",  # two unattributed pieces in one outlet and year
        "planet-b": "Daily Planet 2006b",
        "planet-c": "Daily Planet 2007",
        "nobody": "nobody",
        "pair": "Smith and Jones 2008",
        "trio": "Smith et al. 2008",
        "inverted": "Smith 2009",
        "desk": "Harbour Herald 2010",  # a byline naming no person: its outlet
        "role": "A resident 2011",  # ... or, with none, the byline whole
        "alpha": "Author 2016",
        "beta": "Writer 2018",
    }
    headers = [c.label for c in comparison.columns]
    assert len(set(headers)) == len(headers) == len(comparison.briefing.documents)


def test_a_fallback_that_equals_a_given_label_is_told_apart(tmp_path):
    comparison = check(project_with(
        tmp_path, document("first", label="Planet 2006"), document("second", outlet="Planet"),
    ))[0]
    labels = {d.id: d.label for d in comparison.briefing.documents}
    assert (labels["first"], labels["second"]) == ("Planet 2006", "Planet 2006a")


def test_two_documents_given_one_label_is_an_error(tmp_path):
    with pytest.raises(ReportgenError) as caught:
        check(project_with(tmp_path, document("one", label="Same"), document("two", label="Same")))
    assert [p.format().replace(str(tmp_path) + "/", "") for p in caught.value.problems] == [
        "annotations/documents/two.yaml:7: error: document label 'Same' is also used by "
        "annotations/documents/one.yaml\n    hint: each document needs its own label"]


def test_the_report_names_each_document_by_its_label(tmp_path):
    project = project_with(tmp_path, document("planet-a", outlet="Daily Planet"),
                           document("planet-b", outlet="Daily Planet"),
                           briefing="title: T\n")  # both in the 2006 column
    build(project, ("html", "json"))
    page = (tmp_path / "build" / "report.html").read_text(encoding="utf-8")
    for pid, label in (("planet-a-1", "Daily Planet 2006a"), ("planet-b-1", "Daily Planet 2006b")):
        ref = re.search(rf'<a class="ref" href="#p-{pid}"[^>]*>([^<]+)</a>', page)
        assert ref[1] == f"{label} ¶1"
        assert f"<h3>{label} · T</h3>" in page  # the annotated source
    data = json.loads((tmp_path / "build" / "report.json").read_text(encoding="utf-8"))
    assert [d["label"] for d in data["documents"]][:2] == ["Daily Planet 2006a",
                                                          "Daily Planet 2006b"]


# -- columns shared by several documents ----------------------------------------

def test_a_column_holding_several_documents_is_noted_once(tmp_path):
    project = project_with(tmp_path, document("gamma", author="Cy", published="2016-01-02"),
                           document("delta", author="Di", published="2018-02"),
                           briefing="title: T\ncolumns: year\n")
    comparison, warnings = check(project)
    assert warnings == []
    assert comparison.notes == (
        "the 2016 column holds 2 documents (gamma, alpha), the 2018 column holds 2 documents "
        "(beta, delta); set columns: document in briefing.yaml for one column each",)
    result = subprocess.run([sys.executable, "-m", "reportgen", "check", "--strict",
                             "--project", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("note: ") == 1
    assert f"note: {comparison.notes[0]}\n" in result.stderr


# -- claims: values, grouping, verdicts, equivalences ------------------------

def test_number_ranges_bounds_and_approximations_through_the_files(tmp_path):
    (agree,) = compared(tmp_path / "a", '"30,000-60,000"', '"~45000"', "number").computed
    assert (agree.kind, agree.values) == (
        "agreement", (("30,000–60,000", ("alpha:2",)), ("~45,000", ("beta:1",))))
    (bound,) = compared(tmp_path / "b", '">=4000"', "3999", "number").computed
    assert bound.kind == "discrepancy"


def test_an_invalid_value_is_reported_at_its_line(tmp_path):
    with pytest.raises(ReportgenError) as caught:
        compared(tmp_path, '"60000-30000"', "1", "number")
    assert [p.format().replace(str(tmp_path) + "/", "") for p in caught.value.problems] == [
        "annotations/documents/alpha.yaml:14: error: claim 'war-began': the range "
        "'60000-30000' runs backwards; write the smaller number first\n"
        "    hint: see the value types in annotations/README.md"]


def test_text_values_differing_only_in_case_quotes_or_end_punctuation_are_one_value(tmp_path):
    (finding,) = compared(tmp_path, '"Putin’s special envoy."', "\"putin's  Special Envoy\"",
                          "text").computed
    assert finding.kind == "agreement"
    assert finding.values == (("Putin’s special envoy.", ("alpha:2", "beta:1")),)


def test_equal_values_are_compared_once_not_pairwise(tmp_path, monkeypatch):
    briefing = compared(tmp_path, 1999, 2001).briefing
    claim = briefing.claims[0]
    many = [Assertion("war-began", normalise_value(1999 + i % 3, "year"), str(1999 + i % 3),
                      ("alpha:2", "beta:1")[i % 2]) for i in range(3000)]
    calls = []

    def counting(a, b, claim_type):
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(compare_module, "compatible", counting)
    finding = compare_claim(claim, many, briefing)
    assert finding.kind == "discrepancy"
    assert [v for v, _ in finding.values] == ["1999", "2000", "2001"]
    assert len(calls) <= 3  # the three distinct values, pairwise


VERDICT = """    verdict:
      kind: agreement
      reason: "compatible: different counting bases"
"""


def test_an_analyst_verdict_replaces_the_computed_kind_and_keeps_it(tmp_path):
    project = claim_project(tmp_path, 1999, 2001, more=VERDICT)
    (finding,) = check(project)[0].computed
    assert (finding.kind, finding.computed_kind) == ("agreement", "discrepancy")
    assert finding.verdict_reason == "compatible: different counting bases"
    assert finding.summary.endswith(
        "Analyst's verdict: agreement — compatible: different counting bases")
    build(project, ("html", "json"))
    page = (tmp_path / "build" / "report.html").read_text(encoding="utf-8")
    card = page.split('id="c-war-began"')[1].split("</article>")[0]
    assert re.sub(r"<[^>]+>", "", card).count(
        "Computed: Discrepancy · Analyst: Agreement — compatible: different counting bases") == 1
    assert "(analyst; computed: discrepancy)" in page  # the claims table
    data = json.loads((tmp_path / "build" / "report.json").read_text(encoding="utf-8"))
    (computed,) = [f for f in data["findings"] if f["origin"] == "computed"]
    assert computed["verdict"] == {"computed": "discrepancy", "analyst": "agreement",
                                   "reason": "compatible: different counting bases"}


def test_a_verdict_kind_must_be_a_finding_kind(tmp_path):
    with pytest.raises(ReportgenError) as caught:
        check(claim_project(tmp_path, 1999, 2001, more=VERDICT.replace("agreement", "agree")))
    (problem,) = caught.value.problems
    assert (problem.path.endswith("claims.yaml"), problem.line) == (True, 7)
    assert problem.message == ("'kind' should be 'agreement', 'discrepancy', 'shift' or 'gap', "
                               "but received 'agree'")
    assert problem.hint == "did you mean 'agreement'?"


EQUIVALENT = """    equivalent:
      - values: ["former Russian envoy in Kabul", "Putin’s envoy to Afghanistan"]
        reason: Both name Zamir Kabulov's post.
"""


def test_values_declared_equivalent_agree_and_the_report_says_why(tmp_path):
    values = ('"former Russian envoy in Kabul"', "\"Putin's envoy to Afghanistan.\"")
    (plain,) = compared(tmp_path / "a", *values, "text").computed
    assert plain.kind == "discrepancy"
    project = claim_project(tmp_path / "b", *values, "text", more=EQUIVALENT)
    (finding,) = check(project)[0].computed
    assert finding.kind == "agreement" and finding.computed_kind == ""
    assert [v for v, _ in finding.values] == ["former Russian envoy in Kabul",
                                              "Putin's envoy to Afghanistan."]
    assert finding.equivalent == ((("former Russian envoy in Kabul",
                                    "Putin’s envoy to Afghanistan"),
                                   "Both name Zamir Kabulov's post."),)
    build(project, ("html",))
    page = (tmp_path / "b" / "build" / "report.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.split('id="c-war-began"')[1]).split())
    assert ("Same value “former Russian envoy in Kabul” = “Putin’s envoy to Afghanistan” — "
            "Both name Zamir Kabulov's post.") in text.replace("&#39;", "'")


def test_equivalences_sharing_a_value_join(tmp_path):
    more = """    equivalent:
      - {values: [envoy in Kabul, special envoy], reason: R}
      - {values: [special envoy, envoy to Afghanistan], reason: S}
"""
    (finding,) = compared(tmp_path, '"envoy in Kabul"', '"envoy to Afghanistan"', "text",
                          more).computed
    assert finding.kind == "agreement"
    assert [reason for _, reason in finding.equivalent] == ["R", "S"]


def test_an_equivalent_value_nobody_asserts_is_a_warning_at_its_line(tmp_path):
    more = EQUIVALENT.replace("former Russian envoy in Kabul", "former envoy in Kabul")
    project = claim_project(tmp_path, '"former Russian envoy in Kabul"',
                            '"Putin’s envoy to Afghanistan"', "text", more)
    comparison, warnings = check(project)
    warnings = [p for p in warnings if "claims.yaml" in p.path]  # the tiny texts lack the
    # values' words: the quotation check's warnings on them are tested in test_quotes.py
    assert [p.format().replace(str(tmp_path) + "/", "") for p in warnings] == [
        "annotations/claims.yaml:7: warning: claim 'war-began': no paragraph asserts "
        "'former envoy in Kabul'\n    hint: give the value as a paragraph does (case, spacing, "
        "quote styles and end punctuation do not count), or remove it"]
    assert comparison.computed[0].kind == "discrepancy"


def test_an_equivalent_value_of_the_wrong_type_is_an_error(tmp_path):
    more = "    equivalent:\n      - {values: [1999, late nineties], reason: R}\n"
    with pytest.raises(ReportgenError) as caught:
        check(claim_project(tmp_path, 1999, 2001, more=more))
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (7, "claim 'war-began': expected a year such as 2015, or a span of years "
            "\"2015-2016\", but received 'late nineties'")]


# -- the timeline ------------------------------------------------------------

def test_a_date_span_is_drawn_as_a_bar_and_a_month_as_a_dot(tmp_path):
    comparison = compared(tmp_path, '"2015-12..2016-02"', '"2016-01"', "date")
    ((finding,), (event,)) = comparison.computed, timeline(comparison)
    assert finding.kind == "agreement"
    span, month = event.marks
    assert (span.value, span.date.point, month.date.point) == ("2015-12 to 2016-02", False, True)
    assert span.start < month.start < month.end < span.end
    (row,) = timeline_view(comparison).events
    labels = [(m.label, m.point) for _, marks in row.lanes for m in marks]
    assert labels == [("Dec 2015 – Feb 2016", False), ("Jan 2016", True)]
    assert row.description == "2016 account: Dec 2015 – Feb 2016; 2018 account: Jan 2016"


def test_a_verdict_on_a_claim_nobody_asserts_is_a_warning(tmp_path):
    project = claim_project(tmp_path, 1999, 2001, more=VERDICT)
    claims = tmp_path / "annotations" / "claims.yaml"
    claims.write_text(claims.read_text() + "  - id: unused\n    label: U\n    theme: war\n"
                      "    type: year\n" + VERDICT)
    comparison, warnings = check(project)
    assert [p.format().replace(str(tmp_path) + "/", "") for p in warnings] == [
        "annotations/claims.yaml:13: warning: claim 'unused' has a verdict, but no body "
        "paragraph asserts it, so there is nothing to show it on\n"
        "    hint: assert the claim in a paragraph, or remove the verdict"]
    assert [f.claim for f in comparison.computed] == ["war-began"]
