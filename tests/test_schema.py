"""Schema: building one from what users pass, validating answers, and adapting it per provider."""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
import re
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, Field

from nbconnect._errors import SchemaError
from nbconnect._schema.schema import (
    Adapted,
    Schema,
    as_schema,
    for_anthropic,
    for_gemini,
    for_gemini_legacy,
    for_openai_strict,
)

# -- models and helpers ----------------------------------------------------------------------------


class Mood(enum.Enum):
    happy = "happy"
    sad = "sad"


class Address(BaseModel):
    street: str
    city: str = Field(description="the city")
    zip: str | None = None


class Review(BaseModel):
    """A movie review."""

    label: Literal["positive", "negative", "neutral"]
    confidence: float = Field(ge=0, le=1)
    mood: Mood
    tags: list[str]
    address: Address
    previous: Address | None = None
    note: str | None = None
    stars: int = 3


class Strict(BaseModel):
    """No optional fields: OpenAI's own transform and ours must agree."""

    label: Literal["a", "b"]
    mood: Mood
    home: Address = Field(description="where they live")
    pets: list[Address]
    score: float


class Node(BaseModel):
    value: int
    children: list[Node] = []


def objects(schema: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every object schema in ``schema`` (anywhere in the tree), with where it sits."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, dict):
        types = schema.get("type")
        if types in ("object", "OBJECT") or (isinstance(types, list) and "object" in types):
            found.append((path, schema))
        for key, value in schema.items():
            if key not in ("enum", "const", "default", "required", "propertyOrdering"):
                found += objects(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            found += objects(item, f"{path}/{i}")
    return found


def keys_anywhere(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        out = set(schema)
        for key, value in schema.items():
            if key not in ("properties", "$defs"):
                out |= keys_anywhere(value)
            else:
                for sub in value.values():
                    out |= keys_anywhere(sub)
        return out
    if isinstance(schema, list):
        return set().union(*(keys_anywhere(v) for v in schema)) if schema else set()
    return set()


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props)}


# -- as_schema -------------------------------------------------------------------------------------


def test_pydantic_model_with_optional_nested_enum_literal_and_list():
    schema = as_schema(Review)
    assert isinstance(schema, Schema)
    assert schema.name == "Review"
    assert schema.fields == ["label", "confidence", "mood", "tags", "address", "previous", "note", "stars"]
    assert schema.json["required"] == ["label", "confidence", "mood", "tags", "address"]
    assert set(schema.json["$defs"]) == {"Address", "Mood"}
    good = Review(
        label="positive", confidence=0.9, mood=Mood.happy, tags=["x"], address={"street": "s", "city": "c"}
    )
    assert schema.validate(good.model_dump(mode="json")) == []
    assert schema.validate({**good.model_dump(mode="json"), "mood": "angry"}) == [
        "mood: 'angry' is not one of ['happy', 'sad']"
    ]


def test_recursive_pydantic_model_gets_its_object_at_the_root():
    schema = as_schema(Node)
    assert schema.json["type"] == "object"
    assert "$ref" not in schema.json
    assert schema.validate({"value": 1, "children": [{"value": 2, "children": []}]}) == []
    assert schema.validate({"value": 1, "children": [{"value": "two"}]}) == [
        "children[0].value: 'two' is not of type 'integer'"
    ]


def test_dataclasses_work_through_pydantic():
    @dataclasses.dataclass
    class Point:
        x: int
        y: int = 0

    schema = as_schema(Point)
    assert schema.name == "Point"
    assert schema.json["required"] == ["x"]


def test_a_dict_is_checked_copied_and_named_from_its_title():
    raw = {"title": "Movie Review!", "type": "object", "properties": {"label": {"type": "string"}}}
    schema = as_schema(raw)
    assert schema.name == "Movie_Review"
    raw["properties"]["label"]["type"] = "integer"  # the caller's dict stays theirs
    assert schema.json["properties"]["label"]["type"] == "string"
    assert as_schema({"type": "object", "properties": {}}).name == "response"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("ok-name_1", "ok-name_1"),
        ("Sentiment (v2)", "Sentiment_v2"),
        ("ääää", "response"),
        ("x" * 80, "x" * 64),
    ],
)
def test_names_fit_openais_rule(title, name):
    assert as_schema({"title": title, "type": "object", "properties": {}}).name == name


def test_name_can_be_given_and_is_cleaned_too():
    assert as_schema("a: int", name="my schema").name == "my_schema"
    assert as_schema(Review, name="Other").name == "Other"
    schema = as_schema(Review)
    assert as_schema(schema) is schema
    assert as_schema(schema, name="x").name == "x"


def test_short_text_and_json_text():
    assert as_schema("label: pos|neg, note?: str").json["required"] == ["label"]
    assert as_schema("label: pos|neg").name == "response"
    schema = as_schema(' {"type": "object", "title": "T", "properties": {"a": {"type": "integer"}}} ')
    assert (schema.name, schema.fields) == ("T", ["a"])


def test_broken_json_text_points_at_the_problem():
    with pytest.raises(SchemaError, match="not valid JSON") as info:
        as_schema('{"type": "object",}')
    assert info.value.position == 18


def test_properties_without_type_mean_an_object():
    assert as_schema({"properties": {"a": {"type": "string"}}}).json["type"] == "object"


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"type": "strng"}, "at 'type': \"strng\" is not a JSON Schema type (did you mean 'string'?)"),
        (
            {"type": "object", "properties": {"a": {"type": ["string", "nul"]}}},
            "at 'properties.a.type[1]': \"nul\" is not a JSON Schema type (did you mean 'null'?)",
        ),
        (
            {"type": "object", "properties": []},
            "'properties' must be an object mapping names to schemas, not a list",
        ),
        ({"type": "object", "required": "a"}, "'required' must be a list of property names, not a string"),
        ({"type": "object", "required": ["a", "a"]}, "'required' lists the same value more than once"),
        ({"type": 5}, "at 'type': 5 is not a JSON Schema type"),
        (
            {"type": "object", "properties": {"type": 5}},
            "at 'properties.type': the schema of 'type' must be an object, not a number",
        ),
        ({"type": "object", "properties": {"a": {"minLength": -1}}}, "at 'properties.a.minLength'"),
        (
            {"type": "object", "properties": {"label": {}}, "required": ["lable"]},
            "'lable' is required but not among the properties (did you mean 'label'?)",
        ),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/Nope"}}}, "at 'properties.a.$ref'"),
        ({"type": "object", "properties": {"a": {"$ref": "https://x/s.json"}}}, "not a local reference"),
        ({"type": "object", "properties": {"a": {"enum": []}}}, "an empty enum allows no value"),
    ],
)
def test_bad_json_schema_is_refused_with_path_problem_and_fix(bad, says):
    with pytest.raises(SchemaError) as info:
        as_schema(bad)
    message = str(info.value)
    assert message.startswith("invalid JSON Schema at '")
    assert says in message


@pytest.mark.parametrize(
    "root",
    [
        {"type": "array", "items": {"type": "string"}},
        {"type": "string"},
        {"anyOf": [{"type": "object"}, {"type": "string"}]},
    ],
)
def test_non_object_root_says_to_wrap_it(root):
    with pytest.raises(SchemaError, match=r"root must be .*wrap it in an object with one property"):
        as_schema(root)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (42, "got int"),
        (["a: int"], "got list"),
        (Review.model_construct(), "pass the class itself (schema=Review)"),
    ],
)
def test_other_inputs_are_refused(value, says):
    with pytest.raises(SchemaError, match=re.escape(says)):
        as_schema(value)


def test_schemas_are_hashable_and_compare_by_content():
    assert as_schema("a: int") == as_schema("a: int")
    assert len({as_schema("a: int"), as_schema("a: int"), as_schema("b: int")}) == 2


# -- validate --------------------------------------------------------------------------------------


def test_validate_names_the_path_of_every_problem():
    schema = as_schema("label: positive|negative, confidence: float, tags: list[str], place: {city: str}")
    assert schema.validate({"label": "positive", "confidence": 0.5, "tags": [], "place": {"city": "x"}}) == []
    problems = schema.validate({"label": "meh", "confidence": "high", "tags": ["a", 2], "place": {}})
    assert problems == [
        "confidence: 'high' is not of type 'number'",
        "label: 'meh' is not one of ['positive', 'negative']",
        "place.city: required but missing",
        "tags[1]: 2 is not of type 'string'",
    ]


def test_validate_reports_missing_fields_and_a_wrong_root():
    schema = as_schema("a: int, b: int, c?: int")
    assert schema.validate({"b": 1}) == ["a: required but missing"]
    assert schema.validate([1]) == ["(root): [1] is not of type 'object'"]


def test_validate_checks_formats_and_shortens_huge_values():
    schema = as_schema({"type": "object", "properties": {"day": {"type": "string", "format": "date"}}})
    assert schema.validate({"day": "2024-02-30"}) == ["day: '2024-02-30' is not a 'date'"]
    (message,) = as_schema("a: int").validate({"a": "x" * 5000})
    assert len(message) < 320
    assert message.endswith("…")


# -- OpenAI strict ---------------------------------------------------------------------------------


def test_openai_strict_closes_every_object_and_requires_every_property():
    adapted = for_openai_strict(as_schema(Review).json)
    found = objects(adapted.schema)
    assert {path for path, _ in found} >= {"", "/$defs/Address"}
    for path, node in found:
        assert node["additionalProperties"] is False, path
        assert node["required"] == list(node["properties"]), path


def test_openai_strict_makes_optional_properties_nullable_and_says_so():
    adapted = for_openai_strict(as_schema(Review).json)
    props = adapted.schema["properties"]
    assert props["stars"]["type"] == ["integer", "null"]
    assert props["note"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "title": "Note",
    }  # default null dropped
    assert "made 'stars' required and nullable (strict mode needs every property required)" in adapted.changes
    assert any(
        c.startswith("made 'note' required (") and "already accepts null" in c for c in adapted.changes
    )


def test_openai_nullable_forms_for_enums_refs_and_objects():
    schema = {
        "type": "object",
        "$defs": {"P": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
        "properties": {
            "kind": {"type": "string", "enum": ["a", "b"]},
            "bare_enum": {"enum": [1, 2]},
            "ref": {"$ref": "#/$defs/P"},
            "inline": {"type": "object", "description": "d", "properties": {"y": {"type": "string"}}},
        },
    }
    props = for_openai_strict(schema).schema["properties"]
    assert props["kind"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert props["bare_enum"] == {"anyOf": [{"enum": [1, 2]}, {"type": "null"}]}
    assert props["ref"] == {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}]}
    assert props["inline"]["description"] == "d"
    inner, null = props["inline"]["anyOf"]
    assert null == {"type": "null"}
    assert inner["additionalProperties"] is False and inner["required"] == ["y"]


def test_openai_strict_rewrites_unsupported_keywords():
    schema = {
        "type": "object",
        "properties": {
            "a": {"allOf": [{"type": "string", "description": "from allOf"}], "title": "A"},
            "b": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "c": {"type": "string", "not": {"const": "x"}, "format": "uri"},
            "d": {"type": "string", "format": "date", "pattern": "^[0-9-]+$", "const": "2024-01-01"},
            "e": {
                "type": "object",
                "properties": {"x": {"type": "string"}, "y": {"type": "string"}},
                "dependentRequired": {"x": ["y"]},
                "if": {"required": ["x"]},
                "then": {"required": ["y"]},
            },
        },
        "required": ["a", "b", "c", "d", "e"],
    }
    adapted = for_openai_strict(schema)
    props = adapted.schema["properties"]
    assert props["a"] == {"type": "string", "description": "from allOf", "title": "A"}
    assert props["b"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["c"] == {"type": "string", "description": '(not: {"const": "x"}, format: "uri")'}
    assert props["d"] == {"type": "string", "format": "date", "pattern": "^[0-9-]+$", "enum": ["2024-01-01"]}
    assert "dependentRequired" not in props["e"] and "if" not in props["e"]
    assert '(dependentRequired: {"x": ["y"]}, if: ' in props["e"]["description"]
    assert "changed oneOf to anyOf in 'b' (OpenAI strict mode has no oneOf)" in adapted.changes
    assert (
        """moved 'not: {"const": "x"}, format: "uri"' of 'c' into its description (not supported by OpenAI strict mode)"""
        in adapted.changes
    )
    assert not keys_anywhere(adapted.schema) & {"allOf", "oneOf", "not", "if", "then", "const"}


def test_openai_strict_merges_several_allof_and_inlines_refs_with_siblings():
    schema = {
        "type": "object",
        "$defs": {
            "Base": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
            "Named": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        },
        "properties": {
            "both": {"allOf": [{"$ref": "#/$defs/Base"}, {"$ref": "#/$defs/Named"}]},
            "described": {"$ref": "#/$defs/Base", "description": "the base"},
        },
        "required": ["both", "described"],
    }
    adapted = for_openai_strict(schema)
    both = adapted.schema["properties"]["both"]
    assert both["required"] == ["id", "name"] and both["additionalProperties"] is False
    assert "merged the 2 allOf schemas of 'both' into one" in adapted.changes
    described = adapted.schema["properties"]["described"]
    assert "$ref" not in described
    assert described["description"] == "the base" and described["additionalProperties"] is False


def test_openai_strict_root_anyof_and_free_form_maps():
    schema = {
        "type": "object",
        "properties": {"m": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "required": ["m"],
        "anyOf": [{"required": ["m"]}],
    }
    adapted = for_openai_strict(schema)
    assert "anyOf" not in adapted.schema
    assert adapted.schema["properties"]["m"]["additionalProperties"] is False
    assert any("'m' is a map with free keys" in c for c in adapted.changes)


def test_adapting_never_changes_the_input():
    raw = as_schema(Review).json
    before = copy.deepcopy(raw)
    for adapt in (for_openai_strict, for_anthropic, for_gemini, for_gemini_legacy):
        result = adapt(raw)
        result.schema["properties"]["label"]["enum"].append("zzz")
    assert raw == before


def test_azure_moves_the_longer_list_of_keywords_into_descriptions():
    schema = {
        "type": "object",
        "properties": {
            "s": {"type": "string", "minLength": 1, "maxLength": 9, "pattern": "^a", "format": "email"},
            "n": {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.5},
            "l": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "maxItems": 3,
                "uniqueItems": True,
            },
        },
        "required": ["s", "n", "l"],
    }
    azure = for_openai_strict(schema, azure=True)
    plain = for_openai_strict(schema)
    assert azure.schema["properties"]["s"] == {
        "type": "string",
        "description": '(minLength: 1, maxLength: 9, pattern: "^a", format: "email")',
    }
    assert set(azure.schema["properties"]["n"]) == {"type", "description"}
    assert set(azure.schema["properties"]["l"]) == {"type", "items", "description"}
    assert all("Azure OpenAI structured outputs" in c for c in azure.changes if c.startswith("moved"))
    # OpenAI itself keeps pattern, format, the number bounds and minItems/maxItems.
    assert plain.schema["properties"]["n"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "multipleOf": 0.5,
    }
    assert plain.schema["properties"]["s"]["pattern"] == "^a"


def test_azure_warns_past_100_properties_and_5_levels():
    wide = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(101)}}
    assert any(
        "101 object properties" in c and "at most 100" in c
        for c in for_openai_strict(wide, azure=True).changes
    )
    assert not any(c.startswith("warning") for c in for_openai_strict(wide).changes)
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(6):
        deep = obj(inner=deep)
    assert any("nest 6 levels" in c for c in for_openai_strict(deep, azure=True).changes)
    assert not any("nest" in c for c in for_openai_strict(deep).changes)


def test_openai_strict_matches_the_sdk_for_a_model_without_optional_fields():
    ours = for_openai_strict(as_schema(Strict).json).schema
    sdk = to_strict_json_schema(Strict)
    assert {p: (n["required"], n["additionalProperties"]) for p, n in objects(ours)} == {
        p: (n["required"], n["additionalProperties"]) for p, n in objects(sdk)
    }
    # Not only required/additionalProperties: for such a model the whole schema is the same.
    assert ours == sdk


def test_documented_differences_from_the_sdk():
    class WithDefaults(BaseModel):
        name: str = Field(min_length=2)
        count: int = 3
        scores: dict[str, int]

    ours = for_openai_strict(as_schema(WithDefaults).json).schema["properties"]
    sdk = to_strict_json_schema(WithDefaults)["properties"]
    # 1. A field with a non-null default: the SDK makes it required and non-null (the model must
    #    invent a value); we make it nullable and restore() drops the null, so the default applies.
    assert sdk["count"]["type"] == "integer" and sdk["count"]["default"] == 3
    assert ours["count"]["type"] == ["integer", "null"] and "default" not in ours["count"]
    # 2. Keywords §1.3 does not list (minLength) stay in the SDK's schema; we move them to the description.
    assert sdk["name"]["minLength"] == 2
    assert "minLength" not in ours["name"] and "minLength: 2" in ours["name"]["description"]
    # 3. A free-form map keeps its additionalProperties schema in the SDK (the API refuses it in
    #    strict mode); we close it, and the change says it can only come back empty.
    assert sdk["scores"]["additionalProperties"] == {"type": "integer"}
    assert ours["scores"]["additionalProperties"] is False


# -- restore ---------------------------------------------------------------------------------------


def test_restore_drops_nulls_strict_mode_added_at_every_level():
    schema = as_schema(Review)
    adapted = for_openai_strict(schema.json)
    answer = {
        "label": "neutral",
        "confidence": 0.5,
        "mood": "sad",
        "tags": [],
        "address": {"street": "s", "city": "c", "zip": None},
        "previous": {"street": "p", "city": "q", "zip": None},
        "note": None,
        "stars": None,
    }
    assert schema.validate(answer) == ["stars: None is not of type 'integer'"]
    before = copy.deepcopy(answer)
    restored = adapted.restore(answer)
    assert answer == before  # a new value; the answer itself is untouched
    assert schema.validate(restored) == []
    # stars had a non-null default: its null meant "left out". note and zip accept null: kept.
    assert "stars" not in restored
    assert restored["note"] is None and restored["address"]["zip"] is None
    assert Review.model_validate(restored).stars == 3


def test_restore_follows_lists_refs_and_union_variants():
    schema = as_schema(
        {
            "type": "object",
            "$defs": {
                "Item": {
                    "type": "object",
                    "properties": {"n": {"type": "integer"}, "tag": {"type": "string"}},
                }
            },
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
                "either": {
                    "anyOf": [
                        {"type": "string"},
                        {
                            "type": "object",
                            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                        },
                    ]
                },
                "deep": obj(inner={"type": "object", "properties": {"x": {"type": "boolean"}}}),
            },
            "required": ["items"],
        }
    )
    adapted = for_openai_strict(schema.json)
    answer = {
        "items": [{"n": 1, "tag": None}, {"n": None, "tag": "t"}],
        "either": {"a": 1, "b": None},
        "deep": {"inner": {"x": None}},
    }
    restored = adapted.restore(answer)
    assert restored == {"items": [{"n": 1}, {"tag": "t"}], "either": {"a": 1}, "deep": {"inner": {}}}
    assert schema.validate(restored) == []
    assert adapted.restore("not an object") == "not an object"


def test_restore_leaves_nulls_of_required_properties_for_validation_to_report():
    schema = as_schema("a: int, b?: int")
    restored = for_openai_strict(schema.json).restore({"a": None, "b": None})
    assert restored == {"a": None}
    assert schema.validate(restored) == ["a: None is not of type 'integer'"]


def test_other_adaptations_restore_nothing():
    answer = {"note": None}
    for adapt in (for_anthropic, for_gemini, for_gemini_legacy):
        assert adapt(as_schema(Review).json).restore(answer) == answer
    assert Adapted(schema={}, changes=[]).restore(answer) is answer


# -- Anthropic -------------------------------------------------------------------------------------


def test_anthropic_closes_objects_but_keeps_optional_properties_optional():
    original = as_schema(Review).json
    adapted = for_anthropic(original)
    for path, node in objects(adapted.schema):
        assert node["additionalProperties"] is False, path
    assert adapted.schema["required"] == original["required"]
    assert adapted.schema["properties"]["stars"] == {
        "type": "integer",
        "title": "Stars",
        "description": "(default: 3)",
    }
    assert adapted.restore({"note": None}) == {"note": None}


def test_anthropic_moves_bounds_into_descriptions():
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "number", "minimum": 0, "maximum": 1, "description": "score"},
            "s": {"type": "string", "minLength": 2, "maxLength": 5, "format": "uri", "pattern": "^h"},
            "one": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "two": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 4},
            "o": {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 1},
            "u": {"oneOf": [{"type": "string"}, {"const": 3}]},
        },
    }
    adapted = for_anthropic(schema)
    props = adapted.schema["properties"]
    assert props["n"] == {"type": "number", "description": "score (minimum: 0, maximum: 1)"}
    assert props["s"] == {
        "type": "string",
        "format": "uri",
        "pattern": "^h",
        "description": "(minLength: 2, maxLength: 5)",
    }
    assert props["one"]["minItems"] == 1
    assert "minItems" not in props["two"] and props["two"]["description"] == "(minItems: 2, maxItems: 4)"
    assert props["o"]["description"] == "(minProperties: 1)"
    assert props["u"] == {"anyOf": [{"type": "string"}, {"const": 3}]}  # Anthropic knows const
    assert (
        "moved 'minimum: 0, maximum: 1' of 'n' into its description (not supported by Anthropic structured outputs)"
        in (adapted.changes)
    )


def test_anthropic_warns_about_recursive_schemas():
    changes = for_anthropic(as_schema(Node).json).changes
    assert any("recursive" in c and "reject" in c for c in changes)
    assert not any("recursive" in c for c in for_anthropic(as_schema(Review).json).changes)


# -- Gemini responseJsonSchema ---------------------------------------------------------------------


def test_gemini_keeps_what_it_supports_and_moves_the_rest():
    schema = {
        "type": "object",
        "properties": {
            "kind": {"const": "fixed"},
            "code": {"type": "string", "pattern": "^[A-Z]+$", "minLength": 3, "format": "date-time"},
            "n": {"type": "integer", "minimum": 1, "maximum": 5, "exclusiveMaximum": 9},
            "u": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "maybe": {"enum": ["a", None]},
            "free": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["kind"],
    }
    adapted = for_gemini(schema)
    props = adapted.schema["properties"]
    assert props["kind"] == {"enum": ["fixed"]}
    assert props["code"] == {
        "type": "string",
        "format": "date-time",
        "description": '(pattern: "^[A-Z]+$", minLength: 3)',
    }
    assert props["n"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
        "description": "(exclusiveMaximum: 9)",
    }
    assert props["u"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["maybe"] == {"anyOf": [{"enum": ["a"]}, {"type": "null"}]}
    assert props["free"]["additionalProperties"] == {"type": "string"}  # Gemini needs no closing
    assert "additionalProperties" not in adapted.schema
    assert adapted.schema["required"] == ["kind"]
    assert any(c.startswith("moved 'pattern") and "Gemini responseJsonSchema" in c for c in adapted.changes)


def test_gemini_keeps_refs_but_inlines_those_with_siblings():
    adapted = for_gemini(as_schema(Strict).json)
    props = adapted.schema["properties"]
    assert props["mood"] == {"$ref": "#/$defs/Mood"}
    assert "$ref" not in props["home"] and props["home"]["description"] == "where they live"
    assert adapted.schema["$defs"]["Address"]["required"] == ["street", "city"]  # zip stays optional


# -- Gemini responseSchema (legacy) ----------------------------------------------------------------


def test_gemini_legacy_inlines_refs_and_uses_openapi_types():
    adapted = for_gemini_legacy(as_schema(Review).json)
    out = adapted.schema
    assert not keys_anywhere(out) & {"$ref", "$defs", "anyOf", "additionalProperties", "const"}
    assert out["type"] == "OBJECT"
    props = out["properties"]
    assert props["note"] == {"type": "STRING", "title": "Note", "nullable": True}
    assert props["previous"]["type"] == "OBJECT" and props["previous"]["nullable"] is True
    assert props["previous"]["propertyOrdering"] == ["street", "city", "zip"]
    assert props["mood"] == {"enum": ["happy", "sad"], "title": "Mood", "type": "STRING"}
    assert props["tags"] == {"items": {"type": "STRING"}, "title": "Tags", "type": "ARRAY"}
    assert props["confidence"]["minimum"] == 0  # responseSchema has minimum/maximum
    for path, node in objects(out):
        assert node["propertyOrdering"] == list(node["properties"]), path


def test_gemini_legacy_type_lists_unions_consts_and_extras():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"], "format": "email", "pattern": "^x"},
            "b": {"type": ["integer", "string"]},
            "c": {"const": "only"},
            "d": {"type": "integer", "enum": [1, 2, 3], "exclusiveMinimum": 0},
            "e": {"type": "object", "properties": {"x": {"type": "number"}}, "additionalProperties": False},
            "t": {"type": "string", "format": "date-time"},
        },
        "required": ["a"],
    }
    adapted = for_gemini_legacy(schema)
    props = adapted.schema["properties"]
    assert props["a"] == {
        "type": "STRING",
        "pattern": "^x",
        "nullable": True,
        "description": '(format: "email")',
    }
    assert props["b"] == {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]}
    assert props["c"] == {"enum": ["only"]}
    assert props["d"] == {"type": "INTEGER", "description": "(enum: [1, 2, 3], exclusiveMinimum: 0)"}
    assert props["e"] == {
        "type": "OBJECT",
        "properties": {"x": {"type": "NUMBER"}},
        "propertyOrdering": ["x"],
    }
    assert props["t"] == {"type": "STRING", "format": "date-time"}
    assert any(c.startswith("removed additionalProperties (false) from 'e'") for c in adapted.changes)


def test_gemini_legacy_cuts_recursion_and_says_where():
    adapted = for_gemini_legacy(as_schema(Node).json)
    kids = adapted.schema["properties"]["children"]["items"]
    assert kids["properties"] == {"value": {"title": "Value", "type": "INTEGER"}}  # one level unrolled
    assert "dropped 'children[].children': it is recursive and Gemini responseSchema cannot express that" in (
        adapted.changes
    )
    assert "$ref" not in json.dumps(adapted.schema)


# -- every adapter ---------------------------------------------------------------------------------


@pytest.mark.parametrize("adapt", [for_openai_strict, for_anthropic, for_gemini])
@pytest.mark.parametrize("model", [Review, Strict, Node])
def test_json_schema_adaptations_stay_valid_json_schema(adapt, model):
    adapted = adapt(as_schema(model).json)
    Draft202012Validator.check_schema(adapted.schema)
    assert all(isinstance(c, str) and c for c in adapted.changes)


def test_adaptations_accept_a_schema_object_too():
    schema = as_schema("a: int, b?: str")
    assert for_openai_strict(schema).schema == for_openai_strict(schema.json).schema


def test_recursive_refs_with_siblings_terminate_and_say_what_was_dropped():
    schema = as_schema(
        {
            "type": "object",
            "$defs": {
                "N": {
                    "type": "object",
                    "properties": {
                        "v": {"type": "integer"},
                        "next": {"$ref": "#/$defs/N", "description": "next"},
                    },
                }
            },
            "properties": {"head": {"$ref": "#/$defs/N", "description": "first"}},
        }
    )
    adapted = for_openai_strict(schema)
    assert adapted.schema["$defs"]["N"]["properties"]["next"] == {
        "anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]
    }
    assert any(
        c.startswith("dropped description next to the recursive $ref of 'head.next'") for c in adapted.changes
    )
    restored = adapted.restore({"head": {"v": 1, "next": {"v": None, "next": None}}})
    assert restored == {"head": {"v": 1, "next": {}}}
    assert schema.validate(restored) == []


def test_restore_follows_allof_of_the_original():
    schema = as_schema(
        {
            "type": "object",
            "properties": {"x": {"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}}]}},
        }
    )
    assert for_openai_strict(schema).restore({"x": {"a": None}}) == {"x": {}}


def test_a_class_pydantic_cannot_describe_is_refused():
    class Plain:
        pass

    with pytest.raises(SchemaError, match="could not build a JSON Schema from Plain"):
        as_schema(Plain)
