"""The schema engine: every mismatch found, located and explained; JSON Schema from the same source."""

from dataclasses import dataclass
from typing import Annotated, Literal, Union

from reportgen import spec
from reportgen.schema import DocumentFile, json_schemas
from reportgen.spec import Ge, MinLen, Pattern, doc


@dataclass(frozen=True, kw_only=True)
class Inner:
    name: Annotated[str, Pattern("[a-z]+", "a name", "lowercase only")] = doc("A name.")


@dataclass(frozen=True, kw_only=True)
class Outer:
    count: Annotated[int, Ge(1)] = doc("How many.")
    mode: Literal["a", "b"] = doc("Mode.", "a")
    items: Annotated[list[Inner], MinLen(1)] = doc("Items.")
    value: Union[bool, int, str] = doc("Any value.", "x")
    label: str | None = doc("Optional label.", None)


def messages(data):
    parsed, errors = spec.parse(Outer, data)
    assert parsed is None
    return [(e.loc, e.message) for e in errors]


def test_valid_data_becomes_an_instance_with_defaults():
    parsed, errors = spec.parse(Outer, {"count": 2, "items": [{"name": "ab"}], "value": 3})
    assert errors == []
    assert parsed == Outer(count=2, items=[Inner(name="ab")], value=3)
    assert parsed.mode == "a" and parsed.label is None


def test_every_error_is_collected_with_its_path():
    assert messages({"count": 0, "mode": "c", "items": [{"name": "AB"}, {}], "extra": 1}) == [
        (("extra",), "unknown key 'extra'"),
        (("count",), "'count' should be at least 1, but received 0"),
        (("mode",), "'mode' should be 'a' or 'b', but received 'c'"),
        (("items", 0, "name"), "'name' is not a name: received 'AB'"),
        (("items", 1, "name"), "missing required field 'name'"),
    ]


def test_wrong_shapes_and_types():
    assert messages({"count": "two", "items": {"name": "a"}, "value": [1]}) == [
        (("count",), "'count' should be a whole number, but received 'two'"),
        (("items",), "'items' should be a list, but received a mapping"),
        (("value",), "'value' should be yes or no or a whole number or text, but received a list"),
    ]
    assert messages({"count": True, "items": []}) == [
        (("count",), "'count' should be a whole number, but received True"),
        (("items",), "'items' should have at least 1 item"),
    ]
    assert messages([1, 2]) == [((), "should be a mapping of keys to values, but received a list")]


def test_numbers_and_dates_given_for_text_are_kept_as_text():
    import datetime

    parsed, errors = spec.parse(DocumentFile, {
        "id": "d", "source": "s.txt", "title": 1984, "author": "A",
        "published": datetime.date(2016, 12, 8), "account": 2016})
    assert errors == []
    assert (parsed.title, parsed.published, parsed.account) == ("1984", "2016-12-08", "2016")


def test_json_schema_comes_from_the_same_declarations():
    schema = spec.json_schema(Outer)
    assert schema["required"] == ["count", "items"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["mode"] == {"enum": ["a", "b"], "description": "Mode."}
    assert schema["properties"]["items"]["minItems"] == 1
    assert schema["properties"]["items"]["items"]["properties"]["name"]["pattern"] == "^(?:[a-z]+)$"
    document = json_schemas()["document"]
    paragraph = document["properties"]["paragraphs"]["items"]
    assert paragraph["properties"]["kind"]["enum"][0] == "body"
    assert "para" in paragraph["required"] and "quote" in paragraph["required"]
