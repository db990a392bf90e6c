"""The short text form of a schema: what it parses to, and how it reports mistakes."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from nbconnect._errors import SchemaError
from nbconnect._schema.dsl import parse_dsl


def test_the_readme_example_gives_this_exact_schema():
    schema = parse_dsl("label: positive|negative|neutral, confidence: float, tags: list[str], note?: str")
    assert schema == {
        "type": "object",
        "properties": {
            "label": {"type": "string", "enum": ["positive", "negative", "neutral"]},
            "confidence": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},
        },
        "required": ["label", "confidence", "tags"],
    }
    Draft202012Validator.check_schema(schema)


def test_scalar_types_and_their_json_schema_aliases():
    schema = parse_dsl("a: str, b: string, c: int, d: integer, e: float, f: number, g: bool, h: Boolean")
    types = [p["type"] for p in schema["properties"].values()]
    assert types == ["string", "string", "integer", "integer", "number", "number", "boolean", "boolean"]


def test_nested_objects_span_lines_and_keep_their_own_required():
    schema = parse_dsl(
        """
        person: {
            name: str
            address?: {street: str, city: str}
        }

        score: int
        """
    )
    assert schema == {
        "type": "object",
        "properties": {
            "person": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "address": {
                        "type": "object",
                        "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                        "required": ["street", "city"],
                    },
                },
                "required": ["name"],
            },
            "score": {"type": "integer"},
        },
        "required": ["person", "score"],
    }


def test_lists_of_enums_and_lists_of_lists_and_of_objects():
    schema = parse_dsl("moods: list[happy|sad], grid: list[list[int]], people: list[{name: str}]")
    props = schema["properties"]
    assert props["moods"] == {"type": "array", "items": {"type": "string", "enum": ["happy", "sad"]}}
    assert props["grid"] == {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
    assert props["people"]["items"]["required"] == ["name"]


def test_quoted_enum_values_keep_spaces_and_punctuation():
    schema = parse_dsl("""verdict: "very good" | 'not bad, really' | plain | "say \\"hi\\"" """)
    assert schema["properties"]["verdict"]["enum"] == ["very good", "not bad, really", "plain", 'say "hi"']


def test_bare_numbers_make_numeric_enums_and_a_quote_keeps_strings():
    props = parse_dsl("stars: 1|2|3|4|5, temp: 0.5|1|-2.5, code: '1'|2")["properties"]
    assert props["stars"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    assert props["temp"] == {"type": "number", "enum": [0.5, 1.0, -2.5]}
    assert props["code"] == {"type": "string", "enum": ["1", "2"]}


def test_descriptions_after_equals():
    props = parse_dsl("confidence: float = \"0 to 1\", label?: a|b = 'the class'")["properties"]
    assert props["confidence"] == {"type": "number", "description": "0 to 1"}
    assert props["label"]["description"] == "the class"


def test_blank_entries_and_trailing_separators_are_ignored():
    assert parse_dsl(" a: int,, \n\n b: str ,\n") == parse_dsl("a: int, b: str")


def test_all_optional_fields_give_no_required_key():
    assert "required" not in parse_dsl("a?: int, b ?: str")


@pytest.mark.parametrize(
    ("text", "position", "says"),
    [
        ("", 0, "expected at least one field"),
        (" , ,", 0, "expected at least one field"),
        ("1abc: int", 0, "expected a field name"),
        ("label str", 6, "expected ':' after 'label'"),
        ("label: positive|negative, confidence: , x: int", 38, "expected a type after 'confidence:'"),
        ("note?:", 6, "expected a type after 'note?:'"),
        ("score: flaot", 7, "unknown type 'flaot' (did you mean 'float'?)"),
        ("tags: list", 10, "expected '[' after 'list'"),
        ("tags: list[str", 14, "expected ']'"),
        ("tags: list[]", 11, "expected a type after 'list['"),
        ("p: {name: str", 13, "expected '}'"),
        ("p: {}", 3, "expected at least one field inside '{}'"),
        ("a: int b: str", 7, "expected ',' or a new line after the field 'a'"),
        ("label: pos|", 11, "expected an enum value after '|'"),
        ("label: pos||neg", 11, "expected an enum value after '|'"),
        ("label: 'pos", 7, "unterminated string"),
        ("label: 'pos'", 12, "expected '|' and another value"),
        ("label: a|b|a", 11, "duplicate enum value 'a'"),
        ("a: int, b: str, a: float", 16, "duplicate field 'a'"),
        ("a: int = plain", 9, "expected a quoted description after '='"),
    ],
)
def test_syntax_errors_name_the_problem_and_its_position(text, position, says):
    with pytest.raises(SchemaError) as info:
        parse_dsl(text)
    err = info.value
    assert err.position == position
    message = str(err)
    assert says in message
    assert f"at position {position}" in message
    # The last two lines quote the text and put a caret under the offending character.
    quoted, caret = message.splitlines()[-2:]
    assert caret.index("^") - 4 == position - (text.rfind("\n", 0, position) + 1)
    assert quoted == "    " + text


def test_unknown_type_lists_the_known_ones():
    with pytest.raises(SchemaError, match=r"known types: str, int, float, bool, list\[<type>\]"):
        parse_dsl("a: datetime")


def test_caret_points_into_the_right_line_of_multi_line_text():
    text = "a: int\nb: strg\nc: bool"
    with pytest.raises(SchemaError) as info:
        parse_dsl(text)
    assert info.value.position == text.index("strg")
    quoted, caret = str(info.value).splitlines()[-2:]
    assert quoted == "    b: strg"
    assert caret == "       ^"


def test_duplicate_field_names_are_per_object():
    schema = parse_dsl("name: str, owner: {name: str}")
    assert list(schema["properties"]) == ["name", "owner"]
    with pytest.raises(SchemaError, match="duplicate field 'name'"):
        parse_dsl("owner: {name: str, name: int}")
