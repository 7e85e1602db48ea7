"""A long-running serve re-renders only what an edit touched, and the page is the same.

reportgen.render keeps the theme grids and finding cards of the last render,
each by everything it draws. After each edit below (one per kind of value a
reused fragment shows) the report rendered reusing them must be byte for byte
the report rendered from nothing; and the edit must show.
"""

from __future__ import annotations

import pytest
from conftest import bundled_copy

from reportgen import render
from reportgen.build import check
from reportgen.project import Project

# (file, old, new, what the new report must show): each changes a value that a
# theme grid or a finding card draws, most from another file than the paragraph's
# own, and without moving any line (a paragraph knows its line: that would hide
# a missing dependency)
EDITS = [
    ("documents/ramani-2018.yaml", "\n    note: \"\\\"On December 20\\\"",
     "\n    note: \"Edited note. \\\"On December 20\\\"", "Edited note."),
    ("documents/koc-2021.yaml",  # a continuation's voice, shown in the card of para 20
     "kind: body\n    themes: [diplomacy, afghan-government]\n    continues: 20",
     "voices: [Edited Voice]\n    themes: [diplomacy, afghan-government]\n    continues: 20",
     "Edited Voice"),
    ("documents/ramani-2016.yaml", "segmentation: auto\n", "label: Edited Label\n",  # same lines
     "Edited Label ¶"),
    ("themes.yaml", "label: Diplomatic engagement and the peace process",
     "label: Edited theme label", "also: Edited theme label"),
    ("claims.yaml", "label: Year Russia's contacts with the Taliban began",
     "label: Edited claim label", "Edited claim label</a>: <strong>"),
    ("findings.yaml", 'title: "Contacts began in 2007 (a Taliban source) or around 2015?"',
     'title: "Edited finding title"', ">Edited finding title</a>"),
]


@pytest.fixture
def project(tmp_path) -> Project:
    return bundled_copy(tmp_path)


def rendered(project: Project, reuse: bool) -> str:
    if not reuse:
        render._fragments = render._Fragments()
    comparison, _ = check(project)
    return render.render_html(comparison, project.templates)


def test_an_edit_re_renders_what_it_touched_and_the_page_is_the_same(project):
    rendered(project, reuse=False)
    for name, old, new, shown in EDITS:
        path = project.annotations / name
        text = path.read_text(encoding="utf-8")
        assert old in text, name
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        reused = rendered(project, reuse=True)
        assert shown in reused, name
        assert reused == rendered(project, reuse=False), f"a stale fragment after editing {name}"


def test_unchanged_fragments_are_reused(project, monkeypatch):
    rendered(project, reuse=False)
    calls = []
    real = render._grid_key

    def counting(section, context):
        key = real(section, context)
        calls.append(key in render._fragments.made)
        return key

    monkeypatch.setattr(render, "_grid_key", counting)
    path = project.annotations / "documents/ramani-2016.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("themes: [", "themes: [outlook, ", 1),
                    encoding="utf-8")
    rendered(project, reuse=True)
    assert 0 < calls.count(False) < len(calls) // 2, calls  # the sections it shows in, only


def test_the_sources_an_edit_leaves_alone_are_reused(project, monkeypatch):
    rendered(project, reuse=False)
    reused = {}
    real = render._source_key

    def watching(document, context):
        key = real(document, context)
        reused[document.id] = key in render._fragments.made
        return key

    monkeypatch.setattr(render, "_source_key", watching)
    path = project.annotations / "documents/ramani-2016.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('\n    note: "', '\n    note: "Edited. ', 1), encoding="utf-8")
    page = rendered(project, reuse=True)
    assert reused.pop("ramani-2016") is False  # its own appendix is drawn again
    assert reused and all(reused.values()), reused  # the other documents' are not
    assert page == rendered(project, reuse=False)
