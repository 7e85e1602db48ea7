"""The discrepancy assistant: `reportgen suggest`, `accept` and `reject`.

A tiny project plants a date conflict (the same disclosure dated December 2015
and December 2017), an agreement (the Geneva talks told in other words) and a
word-for-word copy; the suggestions must find them, with stable ids, and the
decisions must reach the annotations safely and show in the next build.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from browser_support import AXE, DESKTOP, PHONE

from conftest import ROOT
from reportgen import suggest as sg
from reportgen import textfacts as tf
from reportgen.decisions import checked_for_suggestions
from reportgen.project import Project
from reportgen.yamlio import load_yaml

SOURCES = {
    "a.txt": (
        "Tracking the rebels\n\n"
        "In December 2015, Foreign Ministry spokeswoman Maria Zakharova revealed that Moscow "
        "shared intelligence with the northern rebels to fight the militia.\n\n"
        "The ceasefire talks in Geneva collapsed when the rebel delegation walked out over "
        "prisoner exchanges and frontline withdrawals.\n\n"
        "Harvest prices rose sharply across the southern valleys after the floods.\n"),
    "b.txt": (
        "In December 2017, the Foreign Ministry publicly announced that Moscow was sharing "
        "intelligence with the northern rebels against the militia.\n\n"
        "The rebel delegation left the Geneva ceasefire talks in protest, demanding that "
        "prisoner releases come first.\n\n"
        "Fishing fleets returned early because storms closed the eastern harbour.\n"),
    "c.txt": (
        "The ceasefire talks in Geneva collapsed when the rebel delegation walked out over "
        "prisoner exchanges and frontline withdrawals.\n\n"
        "Teachers in the capital went on strike over unpaid salaries <script>alert(1)</script>.\n"),
}

DOCUMENT = """\
id: {id}
source: {source}
title: Account {id}
author: {author}
published: "{published}"
paragraphs:
{paragraphs}"""

ANNOTATIONS = {
    "briefing.yaml": "title: Rebels\nsubtitle: Three accounts\ncolumns: document\n",
    "themes.yaml": textwrap.dedent("""\
        themes:
          - id: intelligence
            label: Intelligence
          - id: talks
            label: Talks
          - id: economy
            label: Economy
        """),
    "claims.yaml": "claims: []\n",
    "findings.yaml": "# Findings, by hand.\nfindings: []\n",
}


def _paragraphs(*entries) -> str:
    lines = []
    for number, quote, themes, kind in entries:
        lines += [f"  - para: {number}", f"    quote: \"{quote}\""]
        lines.append(f"    kind: {kind}" if kind else f"    themes: [{', '.join(themes)}]")
    return "\n".join(lines) + "\n"


DOCUMENTS = {
    "a.yaml": DOCUMENT.format(id="alpha", source="a.txt", author="Ann Author", published="2016-03",
                              paragraphs=_paragraphs(
                                  (1, "Tracking the rebels", [], "heading"),
                                  (2, "In December 2015", ["intelligence"], None),
                                  (3, "The ceasefire talks", ["talks"], None),
                                  (4, "Harvest prices rose", ["economy"], None))),
    "b.yaml": DOCUMENT.format(id="beta", source="b.txt", author="Bob Writer", published="2018-01",
                              paragraphs=_paragraphs(
                                  (1, "In December 2017", ["intelligence"], None),
                                  (2, "The rebel delegation left", ["talks"], None),
                                  (3, "Fishing fleets returned", ["economy"], None))),
    "c.yaml": DOCUMENT.format(id="gamma", source="c.txt", author="Cy Copier", published="2019-06",
                              paragraphs=_paragraphs(
                                  (1, "The ceasefire talks", ["talks"], None),
                                  (2, "Teachers in the capital", ["economy"], None))),
}


def make_project(root: Path, documents: dict | None = None) -> Project:
    for name, text in ANNOTATIONS.items():
        (root / "annotations").mkdir(parents=True, exist_ok=True)
        (root / "annotations" / name).write_text(text, encoding="utf-8")
    (root / "annotations" / "documents").mkdir(exist_ok=True)
    for name, text in dict(DOCUMENTS, **(documents or {})).items():
        (root / "annotations" / "documents" / name).write_text(text, encoding="utf-8")
    (root / "seeds").mkdir(exist_ok=True)
    for name, text in SOURCES.items():
        (root / "seeds" / name).write_text(text, encoding="utf-8")
    return Project.at(root)


@pytest.fixture
def project(tmp_path) -> Project:
    return make_project(tmp_path / "rebels")


def reportgen(project: Project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=project.root,
                          capture_output=True, text=True, timeout=120)


def suggestions_of(project: Project) -> dict:
    result = reportgen(project, "suggest")
    assert result.returncode == 0, result.stderr
    return json.loads((project.output / "suggestions.json").read_text(encoding="utf-8"))


def one(data: dict, kind: str, category: str | None = None) -> dict:
    found = [s for s in data["suggestions"] if s["kind"] == kind
             and (category is None or s["category"] == category)]
    assert len(found) == 1, [s["title"] for s in data["suggestions"]]
    return found[0]


# -- what is found -------------------------------------------------------------

def test_planted_conflict_agreement_and_copy_are_found(project):
    comparison, untagged = checked_for_suggestions(project)
    result = sg.suggest(comparison.briefing, untagged)
    by_category = {s.category: s for s in result.suggestions}

    conflict = by_category["date-conflict"]
    assert conflict.kind == "discrepancy"
    assert conflict.cites == ("alpha:2", "beta:1")
    assert conflict.values == ("2015-12", "2017-12")
    for evidence, shown in zip(conflict.evidence, ("December 2015", "December 2017")):
        date, = [m for m in evidence.marks if m.kind == "date"]
        assert evidence.sentence[date.start:date.end] == shown
        assert any(evidence.sentence[m.start:m.end] == "intelligence"
                   for m in evidence.marks if m.kind == "shared")
    assert [e.role for e in conflict.evidence] == ["first", "changes"]

    agreement = by_category["shared-statement"]
    assert agreement.kind == "agreement" and agreement.independent
    assert set(agreement.cites) == {"alpha:3", "beta:2", "gamma:1"}  # gamma:1 copies alpha:3

    repeat = by_category["repeat"]
    assert repeat.kind == "agreement" and not repeat.independent
    assert repeat.cites == ("alpha:3", "gamma:1")
    # unrelated paragraphs (harvest, fishing, teachers) are not suggested
    assert not any({"alpha:4", "beta:3", "gamma:2"} & set(s.cites) for s in result.suggestions)


def test_ids_are_stable_across_runs_and_rebuilds(project):
    first = suggestions_of(project)
    assert reportgen(project, "build", "--format", "html,json").returncode == 0
    second = suggestions_of(project)
    assert [s["id"] for s in first["suggestions"]] == [s["id"] for s in second["suggestions"]]
    conflict = one(first, "discrepancy")
    assert conflict["id"] == sg.suggestion_id("discrepancy", conflict["cites"],
                                              conflict["values"])


def test_suggest_prints_a_summary_marked_as_machine_suggestions(project):
    result = reportgen(project, "suggest")
    assert result.returncode == 0, result.stderr
    conflict_line = next(line for line in result.stdout.splitlines() if "discrepancy" in line)
    assert "December 2015" in conflict_line and "December 2017" in conflict_line
    assert "machine suggestions" in result.stdout
    assert "1 possible discrepancies" in result.stdout


# -- accept --------------------------------------------------------------------

def test_accept_appends_a_finding_the_next_build_shows(project):
    findings = project.annotations / "findings.yaml"
    before = findings.read_text(encoding="utf-8")
    conflict = one(suggestions_of(project), "discrepancy")
    result = reportgen(project, "accept", conflict["id"][:6])  # a unique start is enough
    assert result.returncode == 0, result.stderr
    after = findings.read_text(encoding="utf-8")
    assert after.startswith("# Findings, by hand.\nfindings:")  # the empty [] filled in
    assert f"# accepted from reportgen suggest {conflict['id']} on " in after
    entry, = load_yaml(after, "findings.yaml").data["findings"]
    assert entry["id"] == f"suggested-{conflict['id']}"
    assert entry["kind"] == "discrepancy" and entry["cites"] == ["alpha:2", "beta:1"]
    assert entry["theme"] == "intelligence"
    assert before != after

    # accepting a second suggestion appends, keeping every byte
    agreement = one(json.loads((project.output / "suggestions.json").read_text()),
                    "agreement", "shared-statement")
    assert reportgen(project, "accept", agreement["id"]).returncode == 0
    third = findings.read_text(encoding="utf-8")
    assert third.startswith(after)
    assert len(load_yaml(third, "findings.yaml").data["findings"]) == 2

    built = reportgen(project, "build", "--format", "html,json")
    assert built.returncode == 0, built.stderr
    report = json.loads((project.output / "report.json").read_text(encoding="utf-8"))
    shown = {f["id"]: f for f in report["findings"]}
    assert shown[f"suggested-{conflict['id']}"]["kind"] == "discrepancy"
    html = (project.output / "report.html").read_text(encoding="utf-8")
    assert f'id="f-suggested-{conflict["id"]}"' in html
    assert f'id="s-{conflict["id"]}"' not in html  # no longer an open suggestion
    # and suggest does not propose it again: it is recorded now
    again = suggestions_of(project)
    assert conflict["id"] not in {s["id"] for s in again["suggestions"]}
    assert again["hidden"]["recorded"] >= 2


def test_accept_refuses_when_findings_changed_since_suggest(project):
    conflict = one(suggestions_of(project), "discrepancy")
    findings = project.annotations / "findings.yaml"
    edited = findings.read_text(encoding="utf-8") + "# a note typed meanwhile\n"
    findings.write_text(edited, encoding="utf-8")
    result = reportgen(project, "accept", conflict["id"])
    assert result.returncode == 1
    assert "annotations/findings.yaml: error: changed since `reportgen suggest` ran" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert findings.read_text(encoding="utf-8") == edited
    # suggesting again makes the same id acceptable
    assert one(suggestions_of(project), "discrepancy")["id"] == conflict["id"]
    assert reportgen(project, "accept", conflict["id"]).returncode == 0
    assert "# a note typed meanwhile\n" in findings.read_text(encoding="utf-8")


def test_accept_appends_to_a_block_list_at_its_indentation(project):
    findings = project.annotations / "findings.yaml"
    findings.write_text(textwrap.dedent("""\
        findings:
        - id: by-hand
          kind: agreement
          theme: talks
          title: "Talks collapsed"   # a comment that must survive
          summary: All say so.
          cites: [alpha:3, beta:2]
        # trailing comment
        """), encoding="utf-8")
    before = findings.read_text(encoding="utf-8")
    conflict = one(suggestions_of(project), "discrepancy")
    assert reportgen(project, "accept", conflict["id"]).returncode == 0
    after = findings.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert "\n- id: suggested-" in after  # the list's own indentation (none)
    data = load_yaml(after, "findings.yaml").data["findings"]
    assert [f["id"] for f in data] == ["by-hand", f"suggested-{conflict['id']}"]
    assert reportgen(project, "check").returncode == 0


def test_accept_and_reject_name_what_is_wrong(project):
    result = reportgen(project, "accept", "abc")
    assert result.returncode == 1
    assert "no suggestions yet" in result.stderr and "reportgen suggest" in result.stderr
    suggestions_of(project)
    result = reportgen(project, "reject", "zzzz")
    assert result.returncode == 1 and "no suggestion 'zzzz'" in result.stderr
    assert "Traceback" not in result.stderr


def test_accept_refuses_when_a_cited_paragraph_changed(project):
    conflict = one(suggestions_of(project), "discrepancy")
    source = project.seeds / "b.txt"
    source.write_text(source.read_text().replace("publicly announced", "announced"))
    result = reportgen(project, "accept", conflict["id"])
    assert result.returncode == 1
    assert "beta:1, which changed since" in result.stderr


# -- reject ----------------------------------------------------------------------

def test_reject_records_the_decision_and_hides_the_suggestion(project):
    data = suggestions_of(project)
    conflict = one(data, "discrepancy")
    assert reportgen(project, "build", "--format", "html").returncode == 0
    html = (project.output / "report.html").read_text(encoding="utf-8")
    assert f'id="s-{conflict["id"]}"' in html

    result = reportgen(project, "reject", conflict["id"])
    assert result.returncode == 0, result.stderr
    decisions = project.annotations / "suggestions.yaml"
    recorded = load_yaml(decisions.read_text(encoding="utf-8"), "suggestions.yaml").data
    assert [e["id"] for e in recorded["rejected"]] == [conflict["id"]]

    again = suggestions_of(project)
    assert conflict["id"] not in {s["id"] for s in again["suggestions"]}
    assert again["hidden"]["rejected"] == 1
    assert reportgen(project, "build", "--format", "html").returncode == 0  # rebuilt: input changed
    html = (project.output / "report.html").read_text(encoding="utf-8")
    assert f'id="s-{conflict["id"]}"' not in html
    # a second rejection appends
    agreement = one(again, "agreement", "shared-statement")
    assert reportgen(project, "reject", agreement["id"]).returncode == 0
    recorded = load_yaml(decisions.read_text(encoding="utf-8"), "suggestions.yaml").data
    assert len(recorded["rejected"]) == 2
    assert reportgen(project, "check").returncode == 0  # the decisions file is no annotation error


# -- themes ----------------------------------------------------------------------

def test_untagged_paragraphs_of_a_new_source_get_themes(project):
    untagged = DOCUMENTS["c.yaml"].replace("themes: [talks]", "themes: []")
    make_project(project.root, {"c.yaml": untagged})
    assert reportgen(project, "check").returncode == 1  # untagged: the checker refuses
    data = suggestions_of(project)
    theme, = [t for t in data["themes"] if t["paragraph"] == "gamma:1"]
    assert theme["themes"][0] == "talks"
    result = reportgen(project, "accept", theme["id"])
    assert result.returncode == 0, result.stderr
    text = (project.annotations / "documents" / "c.yaml").read_text(encoding="utf-8")
    assert "themes: [talks" in text and "# accepted from reportgen suggest" in text
    assert reportgen(project, "check").returncode == 0


# -- the report ------------------------------------------------------------------

def test_report_section_is_marked_and_escaped(project):
    (project.seeds / "b.txt").write_text(SOURCES["b.txt"].replace(
        "the militia", "the <b>militia</b>"), encoding="utf-8")
    suggestions_of(project)
    assert reportgen(project, "build", "--format", "html").returncode == 0
    html = (project.output / "report.html").read_text(encoding="utf-8")
    assert "Suggestions (machine-generated)" in html
    assert "Machine suggestions, not findings." in html
    assert '<a href="#suggestions">' in html
    assert '<mark class="mark-date">December 2017</mark>' in html
    assert "&lt;b&gt;militia&lt;/b&gt;" in html and "<b>militia</b>" not in html
    # without suggestions.json the report has no such section
    (project.output / "suggestions.json").unlink()
    assert reportgen(project, "build", "--format", "html").returncode == 0
    assert "Suggestions (machine-generated)" not in \
        (project.output / "report.html").read_text(encoding="utf-8")


# -- text facts ------------------------------------------------------------------

@pytest.mark.parametrize("text, published, value, inferred", [
    ("On December 8, 2016, the ambassador spoke", "", "2016-12-08", False),
    ("a delegation reached Moscow on 20 October 2021", "", "2021-10-20", False),
    ("told Reuters in early December that", "2016-12", "2016-12", True),
    ("On December 20, Putin said", "2019-02", "2018-12-20", True),
    ("a process started in late 2016", "", "2016-09..2016-12", False),
    ("during the 1990s over Chechnya", "", "1990..1999", False),
    ("ruled from 1996-2001", "", "1996..2001", False),
    ("Since 2015, relations grew", "", "2015", False),
])
def test_dates_are_read(text, published, value, inferred):
    date, = tf.dates(text, published)
    assert (date.value, date.inferred) == (value, inferred)


def test_numbers_count_something():
    found = tf.numbers("the 3,000 ISIS members and $100-300 million a year; 90 percent; "
                       "1. Since then")
    assert [(m.text, m.unit) for m in found] == [
        ("3,000", "member"), ("$100-300 million", "$"), ("90 percent", "%")]
    assert found[1].number.low == 100e6 and found[1].number.high == 300e6


def test_sentences_do_not_end_at_abbreviations():
    text = "The U.S. Army left. Gen. Smith stayed in Kabul. Then it rained."
    assert [text[s.start:s.end] for s in tf.sentences(text)] == [
        "The U.S. Army left.", "Gen. Smith stayed in Kabul.", "Then it rained."]


# -- measured quality ----------------------------------------------------------

def test_quality_on_the_stripped_bundled_corpus():
    """Recall floor: "most" of what the analyst recorded, i.e. more than half; measured
    60 % (docs/suggestions.md), so 0.5 leaves room for small changes but fails if the
    assistant stops finding what it finds. The conflicting and shared dates the claims
    record (5) are the core: at least 4 must be found."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.suggest_quality import measure

    report = measure(quick=True)
    hit, total = report["recall_all"]
    assert total >= 50 and hit / total > 0.5, report["missed"]
    dated = [report["recall"][k] for k in report["recall"] if k.startswith("dated claims")]
    assert sum(h for h, _ in dated) >= 4
    assert "finding intelligence-sharing-2015-or-2017" not in report["missed"]
    top1, count = report["themes"]["top1"]
    assert top1 / count > 0.5


def test_suggestions_section_in_chromium(project, new_page):
    """The section in a real browser: shown, highlighted, links landing on the paragraphs,
    no console error, nothing serious for axe-core, and stacked on a phone."""
    suggestions_of(project)
    assert reportgen(project, "build", "--format", "html").returncode == 0
    url = (project.output / "report.html").resolve().as_uri()
    page = new_page(viewport=DESKTOP)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "#suggestions")
    section = page.locator("#suggestions")
    assert section.is_visible()
    conflict = section.locator("article.kind-discrepancy")
    assert conflict.locator("mark.mark-date").all_inner_texts() == ["December 2015",
                                                                     "December 2017"]
    background = conflict.locator("mark.mark-date").first.evaluate(
        "m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    sides = conflict.locator(".side").all()
    boxes = [s.bounding_box() for s in sides]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]  # side by side
    conflict.locator(".side a").first.click()
    assert page.evaluate("location.hash") == "#p-alpha-2"
    assert page.locator("#p-alpha-2").is_visible()
    assert AXE.exists(), "axe-core missing: run bash tests/install-test-deps.sh"
    page.evaluate(AXE.read_text(encoding="utf-8"))  # as a tool: the page CSP would block it
    result = page.evaluate("axe.run(document.querySelector('#suggestions'), "
                           "{resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"]
            if v["impact"] in ("serious", "critical")] == []
    phone = new_page(viewport=PHONE)
    phone.goto(url + "#suggestions")
    boxes = [s.bounding_box() for s in phone.locator("#suggestions article.kind-discrepancy"
                                                     " .side").all()]
    assert boxes[1]["y"] > boxes[0]["y"]  # stacked
    assert errors == []
