"""Labeling config -> schema, one control type at a time, checked against the SDK's own schema."""

from __future__ import annotations

import jsonschema
import pytest

import nbconnect as nbc
from nbconnect._schema.schema import as_schema

pytest.importorskip("label_studio_sdk", reason="the Label Studio tests need label-studio-sdk (the dev extra)")
from label_studio_sdk.label_interface import LabelInterface


def config(*controls: str, objects: str = '<Text name="txt" value="$text"/>') -> str:
    return f"<View>{objects}{''.join(controls)}</View>"


CHOICES = '<Choices name="sentiment" toName="txt"><Choice value="pos"/><Choice value="neg"/></Choices>'
MULTI = (
    '<Choices name="topics" toName="txt" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices>'
)
LABELS = '<Labels name="ner" toName="txt"><Label value="PER"/><Label value="ORG"/></Labels>'
TEXTAREA = '<TextArea name="summary" toName="txt"/>'
NUMBER = '<Number name="price" toName="txt" min="1" max="9.5"/>'
RATING = '<Rating name="stars" toName="txt" maxRating="4"/>'
PAIRWISE = '<Pairwise name="better" toName="l,r"/>'
PAIR_OBJECTS = '<Text name="l" value="$left"/><Text name="r" value="$right"/>'

# (control XML, objects, an answer that must validate, answers that must not)
CASES = {
    "Choices": (CHOICES, None, "pos", ["neutral", ["pos"]]),
    "Choices multiple": (MULTI, None, ["a", "b"], ["a", ["a", "c"], ["a", "a"]]),
    "Labels": (
        LABELS,
        None,
        [{"text": "Ann", "label": "PER", "start": 0, "end": 3}, {"text": "Acme", "label": "ORG"}],
        [
            [{"text": "Ann", "label": "LOC"}],
            [{"label": "PER"}],
            [{"text": "Ann", "label": "PER", "start": -1}],
        ],
    ),
    "TextArea": (TEXTAREA, None, "a short summary", [3, ["a"]]),
    "Number": (NUMBER, None, 2.5, [0.5, 10, "2"]),
    "Rating": (RATING, None, 4, [5, -1, 2.5]),
    "Pairwise": (PAIRWISE, PAIR_OBJECTS, "left", ["middle", 0]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_control_gives_a_schema_its_answers_fit(case):
    control, objects, good, bad = CASES[case]
    xml = config(control, objects=objects or '<Text name="txt" value="$text"/>')
    schema = nbc.labelstudio.schema(xml)
    checked = as_schema(schema)  # nbconnect takes it as it is: no SchemaError
    (name,) = schema["properties"]
    assert checked.fields == [name]
    assert checked.validate({name: good}) == []
    for wrong in bad:
        assert checked.validate({name: wrong}), f"{case}: {wrong!r} should not fit"


@pytest.mark.parametrize("case", ["Choices", "Choices multiple", "TextArea", "Number", "Rating", "Pairwise"])
def test_where_the_shapes_overlap_the_sdk_schema_accepts_and_refuses_the_same(case):
    control, objects, good, bad = CASES[case]
    xml = config(control, objects=objects or '<Text name="txt" value="$text"/>')
    ours = nbc.labelstudio.schema(xml)
    sdk = LabelInterface(xml).to_json_schema()
    (name,) = ours["properties"]
    jsonschema.validate({name: good}, sdk)  # our valid answer is valid for the SDK too
    for wrong in bad:
        if case == "TextArea" and isinstance(wrong, list):
            continue  # the SDK also takes a list of texts; ours asks for one string
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({name: wrong}, sdk)


def test_bounds_and_labels_come_from_the_config():
    schema = nbc.labelstudio.schema(config(CHOICES, NUMBER, RATING))
    props = schema["properties"]
    assert props["sentiment"]["enum"] == ["pos", "neg"]
    assert (props["price"]["minimum"], props["price"]["maximum"]) == (1.0, 9.5)
    assert (props["stars"]["minimum"], props["stars"]["maximum"]) == (0, 4)
    default = nbc.labelstudio.schema(config('<Rating name="r" toName="txt"/>'))
    assert default["properties"]["r"]["maximum"] == 5  # Label Studio's default maxRating


def test_choice_alias_is_what_label_studio_stores():
    xml = config(
        '<Choices name="s" toName="txt"><Choice value="Positive" alias="pos"/><Choice value="neg"/></Choices>'
    )
    assert nbc.labelstudio.schema(xml)["properties"]["s"]["enum"] == ["pos", "neg"]


def test_required_controls_are_required_and_the_rest_optional():
    required = CHOICES.replace('toName="txt"', 'toName="txt" required="true"')
    schema = nbc.labelstudio.schema(config(required, TEXTAREA))
    assert schema["required"] == ["sentiment"]
    assert as_schema(schema).validate({}) != []
    assert as_schema(schema).validate({"sentiment": "pos"}) == []


def test_unsupported_control_is_named_and_can_be_ignored():
    xml = config(CHOICES, '<Taxonomy name="tree" toName="txt"><Choice value="x"/></Taxonomy>')
    with pytest.raises(nbc.SchemaError, match=r'<Taxonomy name="tree">.*ignore=\[.tree.\]'):
        nbc.labelstudio.schema(xml)
    assert list(nbc.labelstudio.schema(xml, ignore=["tree"])["properties"]) == ["sentiment"]
    image = '<Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="x"/></RectangleLabels>'
    with pytest.raises(nbc.SchemaError, match="RectangleLabels"):
        nbc.labelstudio.schema(f"<View>{image}</View>")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ('<View><Text name="t" value="$t"/></View>', "no control tags"),
        ('<View><Text name="t" value="$t"/>', "cannot read the Label Studio labeling config"),
        ("", "XML text"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t"></Choices></View>', "no <Choice"),
        (
            '<View><Image name="i" value="$i"/><Labels name="l" toName="i"><Label value="a"/></Labels></View>',
            "Text",
        ),
        ('<View><Text name="t" value="$t"/><Number name="n" toName="t" max="lots"/></View>', 'max="lots"'),
    ],
)
def test_bad_configs_say_what_is_wrong(xml, message):
    with pytest.raises(nbc.SchemaError, match=message):
        nbc.labelstudio.schema(xml)


def test_ignoring_a_control_that_is_not_there_is_an_error():
    with pytest.raises(nbc.ConfigError, match="ignore= names"):
        nbc.labelstudio.schema(config(CHOICES), ignore=["sentimnet"])


def test_shipped_config_schema_runs_on_the_demo():
    xml = nbc.labelstudio.example().config
    df = nbc.labelstudio.tasks(nbc.labelstudio.example().json, xml)
    res = nbc.run(
        "{text}",
        data=df.head(3),
        schema=nbc.labelstudio.schema(xml),
        models=["demo:demo-careful"],
        org=nbc.Organization.demo(),
        progress=False,
    )
    assert res.df["_valid"].all()
    assert set(res.fields) == {"sentiment", "aspects", "mentions", "stars"}
