import pytest

from reportgen.errors import ReportgenError
from reportgen.yamlio import load_yaml


def problems(text):
    """What is wrong with ``text``: a syntax error raises, anything else is kept in the file."""
    try:
        found = load_yaml(text, "f.yaml").problems
    except ReportgenError as exc:
        found = exc.problems
    assert found, "expected problems"
    return [p.format() for p in found]


def test_lines_are_recorded_for_keys_and_items():
    doc = load_yaml("a: 1\nlist:\n  - x: 1\n    y: [1, 2]\n  - x: 2\n", "f.yaml")
    assert doc.data == {"a": 1, "list": [{"x": 1, "y": [1, 2]}, {"x": 2}]}
    assert doc.line_of("list", 0, "y") == 4
    assert doc.line_of("list", 1) == 5
    assert doc.line_of("list", 1, "missing") == 5  # falls back to the nearest known part


def test_duplicate_keys_are_refused_at_the_second_one():
    assert problems("a: 1\nb: 2\na: 3\n") == [
        "f.yaml:3: error: duplicate key 'a' (first given on line 1)\n"
        "    hint: remove one of them; YAML would silently keep only the last"
    ]


def test_aliases_are_refused_at_each_use():
    found = problems("base: &b {x: 1}\none: *b\ntwo: *b\n")
    assert [p.split(":")[1] for p in found] == ["2", "3"]
    assert "YAML aliases (*name) are not allowed" in found[0]


def test_alias_bomb_is_refused_without_expanding():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    assert all("aliases" in p for p in problems(bomb))


def test_syntax_errors_name_the_line_and_give_a_hint():
    assert problems("title: ok\nnote: a: b\n") == [
        "f.yaml:2: error: invalid YAML: mapping values are not allowed in this context\n"
        "    hint: a value containing ': ' must be quoted"
    ]


def test_merge_keys_and_python_tags_are_refused():
    assert "merge keys" in problems("<<: {a: 1}\n")[0]
    assert "unsupported YAML tag" in problems("a: !!python/object:os.system x\n")[0]


def test_empty_file_is_no_data():
    assert load_yaml("", "f.yaml").data is None


def test_a_pickled_file_leaves_its_data_out_and_reads_it_again_when_asked():
    """The check cache keeps files pickled: their data and where each part stands are half
    of it, and a build that finds their checks there never looks at them."""
    import pickle

    text = "title: A\nthemes:\n  - id: war\n    label: 'War'\n"
    file = load_yaml(text, "themes.yaml")
    kept = pickle.dumps(file)
    assert kept.count(b"label") == 1  # in the text only
    again = pickle.loads(kept)
    assert "data" not in vars(again) and "located" not in vars(again)
    assert again.line_of("themes", 0, "label") == 4  # read again from the text
    assert again.data == file.data and again.located == file.located
    assert again.span(("themes", 0, "label")) == file.span(("themes", 0, "label"))
