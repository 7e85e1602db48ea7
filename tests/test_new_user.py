"""A new user's own corpus, end to end, through the command line as they would run it:
`reportgen init` in an empty folder, four sources of their own added with
`reportgen add`, the skeletons annotated, then checked and built from the
project's own folder with no location options. Run twice: with this checkout's
code, and with reportgen installed from a wheel (see conftest.wheel_reportgen).
"""

import json
import subprocess
import sys
import textwrap

import pytest
import yaml

from conftest import ROOT, without_checkout_env

# Four accounts of one (invented) event: different years and authors, two from 2014.
SOURCES = {
    "Daily Courier 2006 – bridge.txt": """\
        Harbour bridge closed after cracks found

        The harbour bridge was closed on Monday after inspectors found cracks in two
        of its main girders, the city engineer said.

        The bridge, built in 1931, carries about 40000 vehicles a day. Officials
        would not say when it might reopen.
        """,
    "inquiry-summary.txt": """\
        The inquiry finds that the cracks had been reported by inspectors in 2003 and
        that no repair was ordered.

        The board recommends a full replacement of the deck and a yearly inspection
        of every girder.
        """,
    "harbour review.txt": """\
        Eight years after the closure, the rebuilt harbour bridge carries 52000
        vehicles a day, more than before it was shut.

        Residents still remember the detours. The 2003 warnings, one engineer told
        us, should have been enough.
        """,
    "city-weekly.txt": """\
        The new bridge was a success, the mayor said, and the cracks a lesson.

        Traffic has not grown much since the reopening: about 41000 vehicles a day
        cross it, the transport office says.
        """,
}

METADATA = {  # skeleton file -> what the user fills in
    "daily-courier-2006-bridge.yaml": dict(id="courier-2006", title="Harbour bridge closed",
                                           author="Maria Lopez", outlet="Daily Courier",
                                           published="2006-03-14"),
    "inquiry-summary.yaml": dict(id="inquiry-2009", title="Report of the bridge inquiry",
                                 author="Bridge Inquiry Board", published="2009"),
    "harbour-review.yaml": dict(id="review-2014", title="The bridge, eight years on",
                                author="Sam Okafor", outlet="Harbour Review", published="2014-05"),
    "city-weekly.yaml": dict(id="weekly-2014", title="A lesson in steel", author="Lee Chen",
                             outlet="City Weekly", published="2014-11"),
}

THEMES = {  # skeleton file -> each paragraph's themes, in order (None: a heading)
    "daily-courier-2006-bridge.yaml": [None, ["closure"], ["traffic", "closure"]],
    "inquiry-summary.yaml": [["warnings"], ["closure"]],
    "harbour-review.yaml": [["traffic"], ["warnings"]],
    "city-weekly.yaml": [["closure"], ["traffic"]],
}

ANNOTATIONS = {
    "themes.yaml": """\
        themes:
          - id: closure
            label: Why the bridge closed
          - id: warnings
            label: The warnings before
          - id: traffic
            label: Traffic on the bridge
        """,
    "claims.yaml": """\
        claims:
          - id: daily-vehicles
            label: Vehicles crossing the bridge each day
            theme: traffic
            type: number
        """,
    "findings.yaml": """\
        findings:
          - id: traffic-after
            kind: discrepancy
            theme: traffic
            title: The 2014 accounts disagree on traffic since the reopening
            summary: One says it grew to 52000 a day, the other that it stayed near 41000.
            cites: [review-2014:1, weekly-2014:2]
            key: true
        """,
}

CLAIMS = {("harbour-review.yaml", 0): 52000, ("city-weekly.yaml", 1): 41000,
          ("daily-courier-2006-bridge.yaml", 2): 40000}


@pytest.fixture(params=["checkout", "wheel"])
def reportgen(request):
    """A function running the reportgen command line in a folder, as a user would."""
    if request.param == "wheel":
        command, env = [str(request.getfixturevalue("wheel_reportgen"))], without_checkout_env()
    else:
        command, env = [sys.executable, "-m", "reportgen"], None

    def run(*args, cwd):
        return subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True)
    return run


def annotate(skeleton, metadata, themes, claims):
    """What the user does in an editor: fill in the metadata, give paragraphs themes."""
    data = yaml.safe_load(skeleton.read_text())
    data.update(metadata)
    for index, (entry, paragraph_themes) in enumerate(zip(data["paragraphs"], themes)):
        if paragraph_themes is None:
            entry.pop("themes", None)
            entry["kind"] = "heading"
        else:
            entry["themes"] = paragraph_themes
        if index in claims:
            entry["claims"] = [{"claim": "daily-vehicles", "value": claims[index]}]
    skeleton.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_a_new_project_from_init_to_a_built_briefing(reportgen, tmp_path):
    incoming = tmp_path / "incoming"  # the user's texts, outside the project
    incoming.mkdir()
    for name, text in SOURCES.items():
        (incoming / name).write_text(textwrap.dedent(text), encoding="utf-8")
    project = tmp_path / "bridge"
    project.mkdir()
    checkout_seeds = sorted(p.name for p in (ROOT / "seeds").iterdir())

    made = reportgen("init", cwd=project)
    assert made.returncode == 0, made.stderr
    assert made.stderr == f"project: {project.resolve()}\n"

    for name in SOURCES:
        added = reportgen("add", incoming / name, cwd=project)
        assert added.returncode == 0, added.stderr
        assert f"to seeds/{name}\n" in added.stdout
    assert sorted(p.name for p in (project / "seeds").iterdir()) == sorted(SOURCES)
    assert sorted(p.name for p in (ROOT / "seeds").iterdir()) == checkout_seeds  # untouched

    todo = reportgen("check", cwd=project)
    assert todo.returncode == 1 and "Traceback" not in todo.stderr
    assert "annotations/documents/city-weekly.yaml" in todo.stderr  # what is left, located

    for name, text in ANNOTATIONS.items():
        (project / "annotations" / name).write_text(textwrap.dedent(text))
    for skeleton, metadata in METADATA.items():
        claims = {index: value for (file, index), value in CLAIMS.items() if file == skeleton}
        annotate(project / "annotations" / "documents" / skeleton, metadata, THEMES[skeleton],
                 claims)

    checked = reportgen("check", cwd=project / "seeds")  # from a subfolder too
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.splitlines()[0] == f"project: {project.resolve()}"
    assert checked.stdout.startswith("ok: 4 sources, 9 paragraphs annotated, 3 themes, 1 finding,")

    built = reportgen("build", "--format", "html,json", cwd=project)
    assert built.returncode == 0, built.stderr
    assert "wrote build/report.html\nwrote build/report.json\n" in built.stdout
    report = json.loads((project / "build" / "report.json").read_text())
    assert [d["id"] for d in report["documents"]] == [
        "courier-2006", "inquiry-2009", "review-2014", "weekly-2014"]
    assert [d["author"] for d in report["documents"]] == [
        "Maria Lopez", "Bridge Inquiry Board", "Sam Okafor", "Lee Chen"]
    assert [t["id"] for t in report["themes"]] == ["closure", "warnings", "traffic"]
    assert [f["id"] for f in report["findings"] if f["origin"] == "analyst"] == ["traffic-after"]
    html = (project / "build" / "report.html").read_text()
    for text in ("Lee Chen", "Why the bridge closed", "52000"):
        assert text in html
