"""Claims become agreements, discrepancies and single-source findings; columns are chronological."""

import pytest

from conftest import write_project
from reportgen.build import check
from reportgen.compare import compatible


@pytest.mark.parametrize("a, b, kind, expected", [
    ("2018-11", "2018-11-09", "date", True),
    ("2018", "2018-11-09", "date", True),
    ("2018-11", "2018-12", "date", False),
    (2015, 2015, "year", True),
    (2007, 2015, "year", False),
    ("Special Envoy", "special envoy", "text", True),
    (True, False, "stance", False),
])
def test_compatible_values(a, b, kind, expected):
    assert compatible(a, b, kind) is expected


def claim_project(tmp_path, alpha_value, beta_value, claim_type="year"):
    claims = f"claims:\n  - id: war-began\n    label: L\n    theme: war\n    type: {claim_type}\n"
    project = write_project(tmp_path, {"claims.yaml": claims})
    for name, value in (("alpha", alpha_value), ("beta", beta_value)):
        path = tmp_path / "annotations" / "documents" / f"{name}.yaml"
        old = "value: 1999" if name == "alpha" else "value: 2001"
        path.write_text(path.read_text().replace(old, f"value: {value}"))
    return check(project)[0]


def test_different_values_are_a_discrepancy_citing_both(tmp_path):
    comparison = claim_project(tmp_path, 1999, 2001)
    (finding,) = comparison.computed
    assert finding.kind == "discrepancy"
    assert finding.values == (("1999", ("alpha:2",)), ("2001", ("beta:1",)))
    assert finding.summary == "The accounts disagree: **1999** (Author 2016); **2001** (Writer 2018)."


def test_same_values_agree(tmp_path):
    (finding,) = claim_project(tmp_path, 2001, 2001).computed
    assert finding.kind == "agreement"
    assert finding.cites == ("alpha:2", "beta:1")


def test_a_coarser_date_agrees_with_a_finer_one(tmp_path):
    (finding,) = claim_project(tmp_path, '"2018-11"', '"2018-11-09"', "date").computed
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
    assert [c.label for c in comparison.columns] == ["2016 · Author", "2018 · Writer"]


def test_non_body_paragraphs_stay_out_of_the_grid(tiny):
    comparison = check(tiny)[0]
    shown = {p.id for s in comparison.sections for cell in s.cells for p in cell.paragraphs}
    assert shown == {"alpha:2", "alpha:3", "beta:1"}
