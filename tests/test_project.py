"""Where the project is: discovery, location options, pasteable commands, init."""

from pathlib import Path

import pytest

from conftest import ROOT, write_project
from reportgen.build import check
from reportgen.errors import ReportgenError
from reportgen.project import Project, bundled
from reportgen.editor import schema_texts
from reportgen.starter import STARTER_FILES, init_example, init_project


def messages(caught) -> str:
    return "\n".join(p.format() for p in caught.value.problems)


# -- discovery ---------------------------------------------------------------

def test_the_nearest_folder_holding_annotations_is_the_project(tmp_path):
    write_project(tmp_path / "mine")
    deep = tmp_path / "mine" / "seeds" / "notes"
    deep.mkdir()
    for cwd in (tmp_path / "mine", deep):
        project = Project.discover(cwd)
        assert project.root == tmp_path / "mine"
        assert project.annotations == tmp_path / "mine" / "annotations"
        assert project.seeds == tmp_path / "mine" / "seeds"
        assert project.output == tmp_path / "mine" / "build"
        assert project.templates == bundled("templates")  # it has none of its own
        assert project.options == ()


def test_a_projects_own_templates_folder_is_used(tmp_path):
    write_project(tmp_path)
    (tmp_path / "templates").mkdir()
    assert Project.discover(tmp_path).templates == tmp_path / "templates"


def test_the_checkout_is_a_project_of_its_own():
    assert Project.discover(ROOT / "tests").root == ROOT
    assert bundled("templates") == ROOT / "templates"  # read in place in a checkout
    assert bundled("seeds") == ROOT / "seeds" and bundled("annotations") == ROOT / "annotations"


def test_no_project_is_an_error_naming_init_and_the_project_option(tmp_path):
    with pytest.raises(ReportgenError) as caught:
        Project.discover(tmp_path)
    assert messages(caught) == (
        f"{tmp_path.resolve()}: error: not inside a reportgen project: no annotations/ folder "
        "here or in any parent folder\n"
        "    hint: make one here with `reportgen init` (or try `reportgen init --example DIR`), "
        "or name one with --project DIR")


def test_project_option_overrides_discovery_and_must_be_a_project(tmp_path, monkeypatch):
    write_project(tmp_path / "here")
    write_project(tmp_path / "there")
    project = Project.discover(tmp_path / "here", project=tmp_path / "there")
    assert project.root == tmp_path / "there"
    assert project.options == (("project", tmp_path / "there"),)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReportgenError) as caught:
        Project.discover(tmp_path / "here", project=Path("empty dir"))
    assert messages(caught) == (
        "empty dir: error: not a reportgen project: it has no annotations/ folder\n"
        "    hint: make one with `reportgen init 'empty dir'`, or name another folder "
        "with --project DIR")


def test_part_options_override_the_projects_folders(tmp_path):
    write_project(tmp_path)
    other = tmp_path / "elsewhere"
    project = Project.discover(tmp_path, seeds=other / "texts", output=other / "out")
    assert project.annotations == tmp_path / "annotations"
    assert (project.seeds, project.output) == (other / "texts", other / "out")
    assert project.options == (("seeds", other / "texts"), ("output", other / "out"))


def test_annotations_elsewhere_with_no_project_around_makes_its_parent_the_project(tmp_path):
    write_project(tmp_path / "corpus")
    (tmp_path / "away").mkdir()
    project = Project.discover(tmp_path / "away", annotations=tmp_path / "corpus" / "annotations")
    assert project.seeds == tmp_path / "corpus" / "seeds"
    assert project.describe() == (f"project: {(tmp_path / 'corpus').resolve()} "
                                  f"(annotations: {tmp_path / 'corpus' / 'annotations'})")


# -- commands to paste -------------------------------------------------------

def test_commands_quote_paths_relative_to_the_working_folder(tmp_path, monkeypatch):
    write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    project = Project.discover(tmp_path)
    seed = tmp_path / "seeds" / "d 2006 – x.txt"
    assert project.command("add", seed) == "reportgen add 'seeds/d 2006 – x.txt'"
    assert project.command("reanchor", "--write") == "reportgen reanchor --write"
    assert project.command("add", tmp_path / "-odd.txt") == "reportgen add ./-odd.txt"
    monkeypatch.chdir(tmp_path / "seeds")
    assert project.command("add", seed) == "reportgen add 'd 2006 – x.txt'"
    outside = Path("/var/tmp/it's.txt")
    assert project.command("add", outside) == """reportgen add '/var/tmp/it'"'"'s.txt'"""


def test_commands_repeat_the_location_options_the_user_gave(tmp_path, monkeypatch):
    write_project(tmp_path / "my project")
    monkeypatch.chdir(tmp_path)
    project = Project.discover(tmp_path, project=Path("my project"),
                               output=tmp_path / "out put")
    assert project.command("check") == "reportgen check --project 'my project' --output 'out put'"
    assert project.command("add", tmp_path / "my project" / "seeds" / "x.txt") == (
        "reportgen add 'my project/seeds/x.txt' --project 'my project' --output 'out put'")
    assert project.command("paragraphs", tmp_path / "my project" / "seeds" / "x.txt") == (
        "reportgen paragraphs 'my project/seeds/x.txt'")  # it takes no location options


# -- init --------------------------------------------------------------------

def test_init_makes_an_empty_project_that_checks(tmp_path):
    written = init_project(tmp_path)
    schemas = [f"annotations/schemas/{name}" for name in schema_texts()]  # for editors
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(
        [*STARTER_FILES, ".gitignore", *schemas])
    assert (tmp_path / "annotations" / "documents").is_dir() and (tmp_path / "seeds").is_dir()
    assert (tmp_path / ".gitignore").read_text() == "build/\n"
    for name in STARTER_FILES:  # each starter file explains itself
        assert (tmp_path / name).read_text().startswith("# "), name
    comparison, warnings = check(Project.discover(tmp_path))
    assert warnings == [] and len(comparison.briefing.documents) == 0
    assert [t.id for t in comparison.briefing.themes] == ["general"]


def test_init_never_overwrites_and_keeps_a_users_gitignore(tmp_path):
    (tmp_path / ".gitignore").write_text("*.pdf\n")
    init_project(tmp_path)
    assert (tmp_path / ".gitignore").read_text() == "*.pdf\n"
    briefing = tmp_path / "annotations" / "briefing.yaml"
    briefing.write_text("title: Mine\n")
    with pytest.raises(ReportgenError) as caught:
        init_project(tmp_path)
    assert caught.value.problems[0].message == "already exists; not overwritten"
    assert caught.value.problems[0].path.endswith("annotations")
    assert briefing.read_text() == "title: Mine\n"


def test_init_example_writes_the_bundled_corpus_which_checks(tmp_path):
    init_example(tmp_path / "ex")
    for name in ("seeds", "annotations"):
        originals = sorted(p.relative_to(ROOT / name) for p in (ROOT / name).rglob("*.*"))
        assert sorted(p.relative_to(tmp_path / "ex" / name)
                      for p in (tmp_path / "ex" / name).rglob("*.*")) == originals
    comparison, _ = check(Project.discover(tmp_path / "ex"))
    assert len(comparison.briefing.documents) == 5


def test_init_example_refuses_to_overwrite_a_source_and_writes_nothing(tmp_path):
    seed = tmp_path / "seeds" / "000_0da1fdc4b930b6b4.txt"
    seed.parent.mkdir()
    seed.write_text("my own text\n")
    with pytest.raises(ReportgenError) as caught:
        init_example(tmp_path)
    assert [p.path for p in caught.value.problems] == [str(seed)]
    assert seed.read_text() == "my own text\n"
    assert not (tmp_path / "annotations").exists()
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == [seed.name]
