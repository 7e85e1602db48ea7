"""A large build works on both cores: a helper process checks the later files
(reportgen.warm), another makes the data a large HTML page embeds, or report.json,
while this one makes the rest (build._Aside). Whatever they do, the result is a
single process's, by the byte."""

import os

import pytest

from conftest import bundled_copy
from reportgen import load as loading
from reportgen import forked, render, validate, warm
from reportgen.build import build
from reportgen.errors import ReportgenError

PREVIEW = ("html", "json")
pytestmark = pytest.mark.skipif(forked.cores() < 2, reason="one core: reportgen forks nothing")


@pytest.fixture(autouse=True)
def own_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    # reportgen forks no helper while other threads run (here, once the session's
    # Chromium is up, Playwright's); what the helper runs takes none of their locks
    monkeypatch.setattr(forked, "possible", lambda: forked.cores() >= 2)
    loading._parsed.clear()
    yield
    loading._parsed.clear()


def parsed_here(monkeypatch) -> list[str]:
    """The document files this process parses (a helper's parses are its own)."""
    parsed = []
    real = loading.load_yaml

    def parse(text, path):
        parsed.append(os.path.basename(path))
        return real(text, path)
    monkeypatch.setattr(loading, "load_yaml", parse)
    return parsed


def said(problems, folder) -> list[str]:
    """The problems as the user reads them, the project's folder left out."""
    return [f"{p.path}:{p.line}: {p.severity}: {p.message} | {p.hint}".replace(f"/{folder}/", "/")
            for p in problems]


def documents(project) -> list[str]:
    return sorted(p.name for p in project.document_files())


def documents_parsed(project, parsed) -> list[str]:
    return [name for name in parsed if name in documents(project)]


def outputs(project) -> dict:
    return {name: (project.output / name).read_bytes() for name in ("report.html", "report.json")}


def single_process(tmp_path, monkeypatch, name, edit=None):
    """The same corpus built by one process, no helper: what every other build must equal."""
    project = bundled_copy(tmp_path / name)
    if edit:
        edit(project)
    with monkeypatch.context() as patched:
        patched.setattr(warm, "HELPER_BYTES", float("inf"))
        try:
            result = build(project, PREVIEW)
        except ReportgenError as exc:
            return project, exc.problems
    return project, result.warnings


def built_as_alone(project, alone, warnings, monkeypatch) -> list[str]:
    """Build ``project``, check that its report and warnings are one process's (``alone``
    and ``warnings``), and return the document files this process parsed."""
    loading._parsed.clear()
    parsed = parsed_here(monkeypatch)
    result = build(project, PREVIEW)
    assert outputs(project) == outputs(alone)
    assert said(result.warnings, "shared") == said(warnings, "alone")
    return documents_parsed(project, parsed)


def test_a_helper_checks_the_later_files_and_the_report_is_the_same(tmp_path, monkeypatch):
    alone, warnings = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)
    loading._parsed.clear()
    parsed = parsed_here(monkeypatch)
    result = build(project, PREVIEW)
    assert 0 < len(mine := documents_parsed(project, parsed)) < 5
    assert mine == sorted(mine) == documents(project)[:len(mine)]  # the rest: the helper's
    assert outputs(project) == outputs(alone)
    assert said(result.warnings, "shared") == said(warnings, "alone")
    parsed.clear()
    loading._parsed.clear()
    build(project, PREVIEW, force=True)  # what the helper made was kept in the cache
    assert parsed == []


def test_problems_in_the_helpers_files_are_reported_as_by_one_process(tmp_path, monkeypatch):
    def damage(project):  # an error in the last document, a warning in the one before
        last, before = sorted(project.document_files())[-2:]
        text = last.read_text(encoding="utf-8")
        last.write_text(text.replace("themes: [", "themes: [no-such-theme, ", 1), "utf-8")
        text = before.read_text(encoding="utf-8")
        before.write_text(text.replace("\nevidence: >-\n", "\nevidence: >-\n  It says "
                                       "\"nothing of the kind\".\n", 1), "utf-8")
    _, expected = single_process(tmp_path, monkeypatch, "alone", damage)
    assert any("no-such-theme" in p.message for p in expected)
    assert any("nothing of the kind" in p.message for p in expected), expected
    project = bundled_copy(tmp_path / "shared")
    damage(project)
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)
    loading._parsed.clear()
    with pytest.raises(ReportgenError) as failed:
        build(project, PREVIEW)
    assert said(failed.value.problems, "shared") == said(expected, "alone")
    assert not project.output.exists()


def test_a_helper_that_dies_costs_only_time(tmp_path, monkeypatch):
    alone, warnings = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)
    monkeypatch.setattr(validate, "check_each_document", lambda loaded, then: os._exit(3))
    mine = built_as_alone(project, alone, warnings, monkeypatch)
    assert mine == documents(project)[:len(mine)] != documents(project)  # its parses came


def test_the_helper_hands_over_its_checks_before_it_looks_up_their_quotations(tmp_path,
                                                                             monkeypatch):
    """This process needs the checks first: it has the findings to check before any
    quotation. Here the helper dies looking them up: its checks have arrived all the same,
    and only the quotations are looked up here."""
    alone, warnings = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)
    here = os.getpid()
    real_quotes, real_check = validate._check_quotes_of_documents, validate._check_document

    def quotes(loaded, *args):
        if os.getpid() != here:
            os._exit(3)  # the helper dies
        return real_quotes(loaded, *args)

    checked = []  # the documents checked in this process
    monkeypatch.setattr(validate, "_check_quotes_of_documents", quotes)
    monkeypatch.setattr(validate, "_check_document", lambda file, *args: checked.append(
        os.path.basename(file.path)) or real_check(file, *args))
    mine = built_as_alone(project, alone, warnings, monkeypatch)
    assert 0 < len(mine) < 5
    assert checked == mine  # the helper's files: parsed and checked there


def test_no_helper_for_a_small_corpus_or_a_warm_cache(tmp_path, monkeypatch):
    project = bundled_copy(tmp_path / "shared")
    started = []
    real = warm.Helper.__init__

    def helper(self, *args):
        started.append(args[2])
        real(self, *args)
    monkeypatch.setattr(warm.Helper, "__init__", helper)
    build(project, PREVIEW)  # 62 KB: below HELPER_BYTES
    assert started == []
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)
    build(project, PREVIEW, force=True)  # every file is in the cache already
    assert started == []
    (project.output / ".reportgen" / "cache" / "entries.pack").unlink()
    build(project, PREVIEW, force=True)
    assert len(started) == 1 and 0 < len(started[0]) < 5
    assert [p.name for p in started[0]] == documents(project)[-len(started[0]):]  # the last


def test_a_first_build_starts_the_helper_before_hashing_its_inputs(tmp_path, monkeypatch):
    """Nothing built yet: the check is certain, and the helper need not wait for the
    stamps; once outputs exist, the stamps decide first whether to check at all."""
    import reportgen.build as building

    project = bundled_copy(tmp_path / "shared")
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)
    events = []
    real_helper, real_stamp = warm.Helper.__init__, building.input_stamp
    monkeypatch.setattr(warm.Helper, "__init__",
                        lambda self, *args: events.append("helper") or real_helper(self, *args))
    monkeypatch.setattr(building, "input_stamp",
                        lambda *args: events.append("stamp") or real_stamp(*args))
    build(project, PREVIEW)
    assert events == ["helper", "stamp", "stamp"]
    events.clear()
    (project.output / ".reportgen" / "cache" / "entries.pack").unlink()
    first = sorted(project.document_files())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    loading._parsed.clear()
    build(project, PREVIEW)
    assert events == ["stamp", "stamp", "helper"]


def test_the_helper_reads_only_what_its_documents_need(tmp_path):
    """Not the findings (this process parses them), nor the other documents' sources."""
    project = bundled_copy(tmp_path / "shared")
    share = documents(project)[-2:]
    loaded = loading.load(project, documents=[project.annotations / "documents" / name
                                              for name in share])
    assert [os.path.basename(file.path) for file in loaded.documents] == share
    assert loaded.themes is not None and loaded.claims is not None
    assert loaded.findings is None and loaded.briefing is None
    assert sorted(loaded.sources) == sorted(file.data["source"] for file in loaded.documents)
    assert len(loaded.sources) < len(project.source_files())


# -- made aside while this process makes the rest (build._Aside) --------------

def aside_for_every_size(monkeypatch):
    from reportgen.build import _Aside

    monkeypatch.setattr(_Aside, "PARAGRAPHS", 0)
    monkeypatch.setattr(warm, "HELPER_BYTES", float("inf"))  # the check in this process


def test_the_json_made_aside_is_the_one_made_here_and_the_cache_is_kept(tmp_path, monkeypatch):
    alone, warnings = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    aside_for_every_size(monkeypatch)
    made_here = []
    real = render.write_report_json
    monkeypatch.setattr(render, "write_report_json",
                        lambda *args: made_here.append(os.getpid()) or real(*args))
    loading._parsed.clear()
    result = build(project, PREVIEW)
    assert made_here == []  # the JSON was written by the other process
    assert outputs(project) == outputs(alone)
    assert said(result.warnings, "shared") == said(warnings, "alone")
    parsed = parsed_here(monkeypatch)
    loading._parsed.clear()
    build(project, PREVIEW, force=True)  # the cache's entries, pickled aside, were saved
    assert parsed == [] and made_here == []


def test_a_failed_aside_makes_the_json_here(tmp_path, monkeypatch):
    alone, _ = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    aside_for_every_size(monkeypatch)
    parent = os.getpid()
    real = render.write_report_json

    def dies_aside(out, comparison):
        if os.getpid() != parent:
            os._exit(3)
        return real(out, comparison)
    monkeypatch.setattr(render, "write_report_json", dies_aside)
    loading._parsed.clear()
    build(project, PREVIEW)
    assert outputs(project) == outputs(alone)


def drawn_on_demand(monkeypatch):
    """The bundled report drawn as a large one is: its bulk from data the page embeds."""
    monkeypatch.setattr(render, "DRAW_ON_DEMAND_FROM", 0)


def test_a_large_pages_embedded_data_is_made_aside_and_the_json_here(tmp_path, monkeypatch):
    drawn_on_demand(monkeypatch)
    alone, warnings = single_process(tmp_path, monkeypatch, "alone")
    assert b'id="report-data"' in outputs(alone)["report.html"]
    project = bundled_copy(tmp_path / "shared")
    aside_for_every_size(monkeypatch)
    made_here = []
    for name in ("write_embedded_data", "write_report_json"):
        real = getattr(render, name)
        monkeypatch.setattr(render, name, lambda *args, name=name, real=real:
                            made_here.append((name, os.getpid())) or real(*args))
    loading._parsed.clear()
    result = build(project, PREVIEW)
    assert made_here == [("write_report_json", os.getpid())]  # the data: the other process
    assert outputs(project) == outputs(alone)
    assert said(result.warnings, "shared") == said(warnings, "alone")
    parsed = parsed_here(monkeypatch)
    loading._parsed.clear()
    build(project, PREVIEW, force=True)  # the cache's entries, pickled aside, were saved
    assert parsed == []


def test_a_failed_aside_makes_the_embedded_data_here(tmp_path, monkeypatch):
    drawn_on_demand(monkeypatch)
    alone, _ = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    aside_for_every_size(monkeypatch)
    parent = os.getpid()
    real = render.write_embedded_data

    def dies_aside(*args):
        if os.getpid() != parent:
            os._exit(3)
        return real(*args)
    monkeypatch.setattr(render, "write_embedded_data", dies_aside)
    loading._parsed.clear()
    build(project, PREVIEW)
    assert outputs(project) == outputs(alone)


def test_no_process_to_be_had_and_everything_is_made_here(tmp_path, monkeypatch):
    """A full temporary folder, or no process left to fork: the build is one process's."""
    alone, warnings = single_process(tmp_path, monkeypatch, "alone")
    project = bundled_copy(tmp_path / "shared")
    aside_for_every_size(monkeypatch)
    monkeypatch.setattr(warm, "HELPER_BYTES", 0)

    tried = []

    def refused(*args, **kwargs):
        tried.append(args)
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(forked.tempfile, "TemporaryFile", refused)
    loading._parsed.clear()
    result = build(project, PREVIEW)
    assert len(tried) == 2  # the helper's, then the aside's
    assert outputs(project) == outputs(alone)
    assert said(result.warnings, "shared") == said(warnings, "alone")
