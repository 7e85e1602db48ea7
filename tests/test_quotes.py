"""Quotations checked against the texts they quote: each rule, its exact warning and line,
--strict, and the report saying what was verified (HTML and JSON)."""

import json
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import TINY_ANNOTATIONS, write_project
from reportgen.build import build, check
from reportgen.errors import ReportgenError
from reportgen.quotes import Corpus, quotations, searchable, whole

SOURCES = {
    "a.txt": "Alpha heading\n\n"
             "The first account says the war began in 1999 and ended badly, “in ruins”.\n\n"
             "It also mentions drugs, which the author’s sources call “a plague”.\n\n"
             "Photo: soldiers in Kunduz city, Afghanistan.\n",
}


def findings(summary: str, cites: str = "[alpha:2, beta:1]", title: str = "Dates") -> dict:
    """The tiny project's findings.yaml with one finding; its summary starts on line 7
    (a YAML scalar starting with a quotation mark or a block indicator is used as written)."""
    if not summary.startswith(("|", ">", '"')):
        summary = ">-\n      " + summary
    return {"findings.yaml": "findings:\n  - id: start-date\n    kind: discrepancy\n"
                             f"    theme: war\n    title: {title}\n    summary: {summary}\n"
                             f"    cites: {cites}\n"}


def alpha(note: str = "''", value: str = "") -> dict:
    """The tiny project's alpha.yaml, where paragraph 2 asserts a text value on line 14 (else
    its year) and has a note on line 15, and a caption is added as paragraph 4."""
    claim = f"{{claim: war-how, value: {value}}}" if value else "{claim: war-began, value: 1999}"
    tiny = textwrap.dedent(TINY_ANNOTATIONS["documents/alpha.yaml"])
    text = tiny.replace("      - {claim: war-began, value: 1999}\n",
                        f"      - {claim}\n    note: {note}\n")
    return {"documents/alpha.yaml": text + '  - para: 4\n    quote: "Photo:"\n    kind: caption\n'}


CLAIMS = {"claims.yaml": """\
    claims:
      - id: war-began
        label: Year the war began
        theme: war
        type: year
      - id: war-how
        label: How the war ended
        theme: war
        type: text
    """}


def project(tmp_path, annotations: dict):
    return write_project(tmp_path, {**CLAIMS, **alpha(), **annotations}, SOURCES)


def warnings_of(tmp_path, annotations: dict) -> list[str]:
    made = write_project(tmp_path, {**CLAIMS, **alpha(), **annotations}, SOURCES)
    _, warnings = check(made)
    return [w.format().replace(str(tmp_path) + "/", "") for w in warnings]


def analyst(tmp_path, annotations: dict):
    made = write_project(tmp_path, {**CLAIMS, **alpha(), **annotations}, SOURCES)
    comparison, _ = check(made)
    (finding,) = comparison.briefing.findings
    return finding


# -- a finding's quotations --------------------------------------------------

def test_a_quotation_in_a_cited_paragraph_is_verified(tmp_path):
    finding = analyst(tmp_path, findings('Alpha says the war "began in 1999".'))
    assert [(q.text, q.verified) for q in finding.quotations] == [("began in 1999", True)]
    assert warnings_of(tmp_path, findings('Alpha says the war "began in 1999".')) == []


def test_a_quotation_only_in_another_paragraph_names_it_and_suggests_the_citation(tmp_path):
    summary = 'Alpha "also mentions drugs".'
    assert warnings_of(tmp_path, findings(summary)) == [
        "annotations/findings.yaml:7: warning: finding 'start-date': quotation \"also mentions "
        "drugs\" is not in the paragraphs it cites, but in alpha:3\n"
        "    hint: cite alpha:3?"
    ]
    (check_,) = analyst(tmp_path, findings(summary)).quotations
    assert (check_.verified, check_.elsewhere) == (False, ("alpha:3",))
    # following the hint settles it
    assert warnings_of(tmp_path, findings(summary, "[alpha:2, alpha:3, beta:1]")) == []


def test_a_quotation_in_no_text_says_so(tmp_path):
    assert warnings_of(tmp_path, findings('Alpha says it "ended in tears".')) == [
        "annotations/findings.yaml:7: warning: finding 'start-date': quotation \"ended in tears\" "
        "is in none of the texts\n"
        "    hint: quote the words as printed (… or [...] for words left out), or drop the "
        "quotation marks from a paraphrase"
    ]


@pytest.mark.parametrize("quoted", [
    "The first account says … ended badly",
    "the first account says ... began in 1999",
    "first account says [...] in 1999 and",
    "says the war […] ended badly",
    "[t]he war began in 1999",  # an editor's insertion stands for what it replaces
])
def test_elisions_stand_for_the_words_left_out(tmp_path, quoted):
    finding = analyst(tmp_path, findings(f'Alpha: "{quoted}".'))
    assert [q.verified for q in finding.quotations] == [True]


def test_elided_parts_must_come_in_the_texts_order(tmp_path):
    (check_,) = analyst(tmp_path, findings('Alpha: "ended badly … the war began".')).quotations
    assert not check_.verified


def test_quote_styles_case_at_the_start_and_end_punctuation_do_not_count(tmp_path):
    # curly marks in the finding, straight in the text; and the other way round
    summary = ('Alpha says “The war began in 1999,” and "in ruins"; '
               "Alpha 3: the author's sources call it \"a plague.\"")
    finding = analyst(tmp_path, findings(summary, "[alpha:2, alpha:3, beta:1]"))
    assert [(q.text, q.verified) for q in finding.quotations] == [
        ("The war began in 1999,", True), ("in ruins", True), ("a plague.", True)]


def test_case_counts_after_the_first_letter_and_words_are_whole(tmp_path):
    finding = analyst(tmp_path, findings('Alpha: "the War began"; "ar began"; "war beg".'))
    assert [q.verified for q in finding.quotations] == [False, False, False]


def test_a_scare_quote_passes_only_if_the_cited_texts_use_the_words(tmp_path):
    assert warnings_of(tmp_path, findings('An "account" of a war that "ended badly".')) == []
    assert warnings_of(tmp_path, findings('Alpha\'s "accounts" differ.')) == [
        "annotations/findings.yaml:7: warning: finding 'start-date': quotation \"accounts\" is in "
        "none of the texts\n"
        "    hint: quote the words as printed (… or [...] for words left out), or drop the "
        "quotation marks from a paraphrase"
    ]
    # in the texts, but not in the cited ones: which paragraph has it
    assert warnings_of(tmp_path, findings('Alpha calls drugs "a plague".'))[0].endswith(
        "is not in the paragraphs it cites, but in alpha:3\n    hint: cite alpha:3?")


def test_titles_are_checked_too_at_their_own_line(tmp_path):
    assert warnings_of(tmp_path, findings("No quotation.", title="'\"Ended in tears\"'")) == [
        "annotations/findings.yaml:5: warning: finding 'start-date': quotation \"Ended in tears\" "
        "is in none of the texts\n"
        "    hint: quote the words as printed (… or [...] for words left out), or drop the "
        "quotation marks from a paraphrase"
    ]


def test_a_blockquote_is_one_quotation_reported_at_its_line(tmp_path):
    summary = ("|\n      Alpha:\n\n      > The first account says the war\n"
               "      > began in 1999.\n\n      > It ended in tears.\n")
    assert warnings_of(tmp_path, findings(summary)) == [
        "annotations/findings.yaml:12: warning: finding 'start-date': quotation \"It ended in "
        "tears.\" is in none of the texts\n"
        "    hint: quote the words as printed (… or [...] for words left out), or drop the "
        "quotation marks from a paraphrase"
    ]
    finding = analyst(tmp_path, findings(summary))
    assert [(q.text, q.verified) for q in finding.quotations] == [
        ("The first account says the war began in 1999.", True), ("It ended in tears.", False)]


def test_each_quotation_is_reported_at_its_own_line_in_any_yaml_style(tmp_path):
    folded = ">-\n      First line.\n      Then \"ended in\n      tears\" and \"also\n" \
             "      mentions drugs\"."
    lines = [w.split(":")[1] for w in warnings_of(tmp_path, findings(folded))]
    assert lines == ["8", "9"]
    quoted = '"First line.\\n\\nThen \\"ended in tears\\" and\n      \\"also mentions drugs\\"."'
    lines = [w.split(":")[1] for w in warnings_of(tmp_path, findings(quoted))]
    assert lines == ["6", "7"]


def test_a_caption_or_footnote_may_be_cited_and_the_link_goes_to_the_annotated_source(tmp_path):
    summary = 'The caption places "Kunduz city, Afghanistan".'
    assert warnings_of(tmp_path, findings(summary))[0].endswith(
        "is not in the paragraphs it cites, but in alpha:4\n    hint: cite alpha:4?")
    made = project(tmp_path, findings(summary, "[alpha:2, alpha:4, beta:1]"))
    assert check(made)[1] == []
    build(made, ("html",))
    html = (made.output / "report.html").read_text(encoding="utf-8")
    assert '<a class="cite" href="#src-p-alpha-4">Author 2016 ¶4</a>' in html
    appendix_entry = html.split('id="src-p-alpha-4"')[1].split("</li>")[0]
    assert 'Cited by</span> <a href="#f-start-date">Dates</a>' in appendix_entry


def test_a_heading_is_not_citable_so_the_hint_says_what_to_do_instead(tmp_path):
    assert warnings_of(tmp_path, findings('Alpha: "Alpha heading".')) == [
        "annotations/findings.yaml:7: warning: finding 'start-date': quotation \"Alpha heading\" "
        "is not in the paragraphs it cites, but in alpha:1\n"
        "    hint: alpha:1 is a heading paragraph, which findings do not cite: quote a paragraph "
        "they can cite, or drop the quotation marks"
    ]


# -- notes, text values, claims and evidence -----------------------------------

def test_a_note_is_checked_against_its_paragraph_and_those_it_names(tmp_path):
    note = '"Also mentions drugs" is elsewhere.'
    assert warnings_of(tmp_path, alpha(note=f"'{note}'")) == [
        "annotations/documents/alpha.yaml:15: warning: para 2 note: quotation \"Also mentions "
        "drugs\" is not in this paragraph, but in alpha:3\n"
        "    hint: name alpha:3 in the note?"
    ]
    for named in ("alpha:3", "para 3", "paras 3-4", "paras 3 and 4"):
        assert warnings_of(tmp_path, alpha(note=f"'{note} ({named})'")) == [], named
    assert warnings_of(tmp_path, alpha(note="'\"Ended in tears\", para 3 says.'")) == [
        "annotations/documents/alpha.yaml:15: warning: para 2 note: quotation \"Ended in tears\" "
        "is in none of the texts\n"
        "    hint: quote the words as printed (… or [...] for words left out), or drop the "
        "quotation marks from a paraphrase"
    ]


def test_a_text_claim_value_is_the_paragraphs_own_words(tmp_path):
    assert warnings_of(tmp_path, alpha(value="'ended badly'")) == []
    assert warnings_of(tmp_path, alpha(value="'began in 1999 … badly'")) == []
    assert warnings_of(tmp_path, alpha(value="'badly ended'")) == [
        "annotations/documents/alpha.yaml:14: warning: para 2, claim 'war-how': text value "
        "\"badly ended\" is not in this paragraph\n"
        "    hint: a text value gives the paragraph's own words (… for words left out): write it "
        "as printed; declare two wordings of one fact `equivalent` in claims.yaml"
    ]


def test_claim_reasons_and_evidence_are_checked_against_their_texts(tmp_path):
    claims = CLAIMS["claims.yaml"].rstrip(" ") + """\
        verdict: {kind: gap, reason: 'compatible: "ended badly" says how, not when'}
    """
    evidence = alpha(value="'ended badly'")["documents/alpha.yaml"].replace(
        'published: "2016-05"',
        'published: "2016-05"\nevidence: Dated by "the war of 2003".')
    assert warnings_of(tmp_path, {"claims.yaml": claims, "documents/alpha.yaml": evidence}) == [
        "annotations/documents/alpha.yaml:6: warning: evidence: quotation \"the war of 2003\" is "
        "not in this document's text\n"
        "    hint: quote the words as printed (… or [...] for words left out) in this "
        "document's text, or drop the quotation marks from a paraphrase"
    ]
    wrong = claims.replace('"ended badly"', '"ended well"')
    assert warnings_of(tmp_path, {"claims.yaml": wrong, **alpha(value="'ended badly'")}) == [
        "annotations/claims.yaml:10: warning: claim 'war-how' verdict reason: quotation "
        "\"ended well\" is not in the paragraphs asserting it\n"
        "    hint: quote the words as printed (… or [...] for words left out) in the paragraphs "
        "asserting it, or drop the quotation marks from a paraphrase"
    ]


# -- strict, and a broken corpus -----------------------------------------------

def test_strict_makes_each_unverified_quotation_an_error(tmp_path):
    write_project(tmp_path, {**CLAIMS, **alpha(value="'badly ended'"),
                             **findings('Alpha: "ended in tears"; "also mentions drugs".')},
                  SOURCES)
    result = subprocess.run([sys.executable, "-m", "reportgen", "check", "--strict"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert re.findall(r"^\S+: error: .*$", result.stderr, re.MULTILINE) == [
        "annotations/documents/alpha.yaml:14: error: para 2, claim 'war-how': text value "
        "\"badly ended\" is not in this paragraph",
        "annotations/findings.yaml:7: error: finding 'start-date': quotation \"ended in tears\" "
        "is in none of the texts",
        "annotations/findings.yaml:7: error: finding 'start-date': quotation \"also mentions "
        "drugs\" is not in the paragraphs it cites, but in alpha:3",
    ]
    plain = subprocess.run([sys.executable, "-m", "reportgen", "check"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert plain.returncode == 0 and plain.stderr.count(": warning: ") == 3


def test_with_a_source_unreadable_only_what_can_be_told_is_said(tmp_path):
    broken = {"documents/alpha.yaml": alpha()["documents/alpha.yaml"].replace(
        "title: First account", "title: [First account")}
    with pytest.raises(ReportgenError) as caught:  # citing the unreadable file: not checked
        check(write_project(tmp_path, {**CLAIMS, **broken, **findings('Alpha: "Ended".')},
                            SOURCES))
    assert [p.message for p in caught.value.problems] == [
        "invalid YAML: did not find expected ',' or ']'"]
    with pytest.raises(ReportgenError) as caught:  # the quotation may be in the unreadable file
        check(write_project(tmp_path, {**CLAIMS, **broken,
                                       **findings('Beta: "it also mentions".', "[beta:1]")},
                            SOURCES))
    assert [p.message for p in caught.value.problems][1:] == [
        "finding 'start-date': quotation \"it also mentions\" is not in the paragraphs it cites"]


def test_a_document_with_errors_brings_no_claim_quotation_warnings(tmp_path):
    """Its paragraphs are left out of the check: a claim's reason quoting them is not
    "not in the paragraphs asserting it" — it is looked for once the errors are fixed."""
    claims = CLAIMS["claims.yaml"].rstrip(" ") + """\
        verdict: {kind: gap, reason: 'compatible: "ended badly" says how, not when'}
    """
    beta = textwrap.dedent(TINY_ANNOTATIONS["documents/beta.yaml"]).replace(  # asserts it too
        "{claim: war-began, value: 2001}", "{claim: war-how, value: 'The second account says'}")
    wrong = alpha(value="'ended badly'")["documents/alpha.yaml"].replace(
        "themes: [drugs]", "themes: [no-such-theme]")
    with pytest.raises(ReportgenError) as caught:
        check(write_project(tmp_path, {"claims.yaml": claims, "documents/alpha.yaml": wrong,
                                       "documents/beta.yaml": beta}, SOURCES))
    assert [p.message for p in caught.value.problems] == ["unknown theme 'no-such-theme'"]
    assert warnings_of(tmp_path, {"claims.yaml": claims, **alpha(value="'ended badly'"),
                                  "documents/beta.yaml": beta}) == []


# -- the report shows what was verified ---------------------------------------

def test_the_report_shows_beside_each_finding_what_was_verified(tmp_path):
    summary = 'Alpha: "began in 1999", "in ruins" and "ended in tears"; "also mentions drugs".'
    made = project(tmp_path, findings(summary))
    build(made, ("html", "json"))
    html = (made.output / "report.html").read_text(encoding="utf-8")
    card = html.split('id="f-start-date"')[1].split("</article>")[0]
    text = re.sub(r"<[^>]+>", "", card.split('class="cites quote-check">')[1].split("</p>")[0])
    assert text == ("✓ 2 quotations checked against the cited text · ⚠ 2 quotations not "
                    "found in the cited paragraphs: “ended in tears”; “also mentions drugs” "
                    "(in Author 2016 ¶3)")
    data = json.loads((made.output / "report.json").read_text(encoding="utf-8"))
    (finding,) = [f for f in data["findings"] if f["origin"] == "analyst"]
    assert finding["quotations"] == [
        {"text": "began in 1999", "verified": True, "elsewhere": []},
        {"text": "in ruins", "verified": True, "elsewhere": []},
        {"text": "ended in tears", "verified": False, "elsewhere": []},
        {"text": "also mentions drugs", "verified": False, "elsewhere": ["alpha:3"]},
    ]


def test_a_finding_without_quotations_shows_no_verification_line(tmp_path):
    made = project(tmp_path, findings("No quotation at all."))
    build(made, ("html",))
    assert "quote-check" not in (made.output / "report.html").read_text(encoding="utf-8")


def test_the_bundled_report_shows_every_findings_quotations_verified(bundled_build):
    data = json.loads((bundled_build / "report.json").read_text(encoding="utf-8"))
    analysts = [f for f in data["findings"] if f["origin"] == "analyst"]
    checked = [q for f in analysts for q in f["quotations"]]
    assert len(checked) > 100 and all(q["verified"] for q in checked)
    html = (bundled_build / "report.html").read_text(encoding="utf-8")
    shown = re.findall(r"✓</span> \d+ quotations? checked against the cited text", html)
    assert len(shown) >= len(analysts)  # each, and again among the key findings
    assert "not found in the cited paragraphs" not in html
    pdf = subprocess.run(["pdftotext", str(bundled_build / "report.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "✓ 3 quotations checked against the cited text" in " ".join(pdf.split())


# -- the pure functions --------------------------------------------------------

def test_what_counts_as_a_quotation():
    text = ('He said "a" and “b c” but not `"code"` or \'single\' or "" or "…";\n'
            '"across\nlines" ok, "not\n\nacross a blank line".\n> quoted "inside"\n> a block')
    assert [q.text for q in quotations(text)] == [
        "a", "b c", "across lines", 'quoted "inside" a block']


def test_markdown_sources_are_matched_as_a_reader_sees_them():
    corpus = Corpus({"k:1": ("## **Cautious Optimism**: the *future*<sup>2</sup> of "
                             "[Moscow](http://x) ties", True)})
    assert corpus.find(quotations('"Cautious Optimism: the future of Moscow ties"')[0]) == \
        ["k:1"]
    assert searchable("a – b — c\u00a0 ‘d’") == "a - b - c 'd'"


def test_searching_everywhere_finds_every_paragraph_in_corpus_order():
    corpus = Corpus({f"d:{n}": (f"Paragraph {n} says the war began.", False)
                     for n in range(1, 2001)})
    found = corpus.find(quotations('"100 says the war"')[0])
    assert found == ["d:100"]
    assert len(corpus.find(whole("The war began"))) == 2000
