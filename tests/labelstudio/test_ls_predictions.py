"""Results -> predictions: checked by the SDK's LabelInterface, arms, scores, span offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect.labelstudio.spans import locate_spans

pytest.importorskip("label_studio_sdk", reason="the Label Studio tests need label-studio-sdk (the dev extra)")
from label_studio_sdk.label_interface import LabelInterface

EX = nbc.labelstudio.example()
CONFIG = """<View><Text name="txt" value="$text"/>
<Choices name="sentiment" toName="txt"><Choice value="pos"/><Choice value="neg"/></Choices>
<Choices name="topics" toName="txt" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices>
<Labels name="ner" toName="txt"><Label value="PER"/><Label value="ORG"/></Labels>
<TextArea name="note" toName="txt"/><Number name="price" toName="txt"/><Rating name="stars" toName="txt" maxRating="4"/>
<Text name="l" value="$left"/><Text name="r" value="$right"/><Pairwise name="better" toName="l,r"/>
</View>"""
FIELDS = ["sentiment", "topics", "ner", "note", "price", "stars", "better"]
TEXT = "Ann met Bob at Acme. Bob left."


def results(cells, inputs=("ls_id", "text", "left", "right"), **extra):
    rows = []
    for i, (model, answer) in enumerate(cells):
        base = {
            "row": answer.pop("row", i),
            "ls_id": 100 + answer.pop("row_id", i),
            "text": TEXT,
            "left": "L",
            "right": "R",
        }
        rows.append(
            {
                **{k: base[k] for k in ("row", *inputs)},
                "model": model,
                "_valid": answer.pop("_valid", True),
                **answer,
            }
        )
    return nbc.Results.from_rows(
        rows,
        fields=FIELDS + list(extra),
        models=sorted({m for m, _ in cells}),
        inputs=list(inputs),
        schema=nbc.labelstudio.schema(CONFIG),
    )


FULL = {
    "sentiment": "neg",
    "topics": ["a", "b"],
    "ner": [
        {"text": "Bob", "label": "PER"},
        {"text": "Bob", "label": "PER"},
        {"text": "Acme", "label": "ORG", "start": 15, "end": 19},
    ],
    "note": "short",
    "price": 3.5,
    "stars": 4,
    "better": "right",
}


def test_every_control_goes_out_in_label_studio_format_and_passes_its_check():
    preds = results([("demo:x", dict(FULL))]).to_labelstudio(CONFIG)
    assert len(preds) == 1 and preds.notes == []
    (pred,) = preds
    assert pred["task"] == 100 and pred["model_version"] == "demo:x" and "score" not in pred
    assert LabelInterface(CONFIG).validate_prediction(pred, return_errors=True) == []
    values = {}
    for r in pred["result"]:
        values.setdefault(r["from_name"], []).append(r["value"])
        assert r["type"] == {"better": "pairwise", "note": "textarea"}.get(r["from_name"], r["type"])
    assert values["sentiment"] == [{"choices": ["neg"]}]
    assert values["topics"] == [{"choices": ["a", "b"]}]
    assert values["note"] == [{"text": ["short"]}]
    assert values["price"] == [{"number": 3.5}] and values["stars"] == [{"rating": 4}]
    assert values["better"] == [{"selected": "right"}]
    # the two Bobs map to the two places Bob stands; the given offsets of Acme are kept
    assert [(v["start"], v["end"], v["text"], v["labels"]) for v in values["ner"]] == [
        (8, 11, "Bob", ["PER"]),
        (21, 24, "Bob", ["PER"]),
        (15, 19, "Acme", ["ORG"]),
    ]
    json.dumps(list(preds))  # numpy scalars and <NA> never reach the JSON


def test_one_prediction_per_task_and_arm_named_by_variant_and_model():
    cells = [
        ("demo:a", {**FULL, "row": 0, "row_id": 0}),
        ("demo:b", {**FULL, "row": 0, "row_id": 0}),
        ("demo:a", {**FULL, "row": 1, "row_id": 1}),
    ]
    preds = results([(m, dict(a)) for m, a in cells]).to_labelstudio(CONFIG)
    assert sorted((p["task"], p["model_version"]) for p in preds) == [
        (100, "demo:a"),
        (100, "demo:b"),
        (101, "demo:a"),
    ]


def test_variant_column_names_the_arm(monkeypatch):
    res = results([("demo:a", dict(FULL))])
    frame = res.df.assign(variant="terse")
    monkeypatch.setattr(
        type(res), "df", property(lambda self: frame)
    )  # Results grows variant in another issue
    (pred,) = res.to_labelstudio(CONFIG)
    assert pred["model_version"] == "terse|demo:a"


def test_score_comes_from_a_field_or_a_function():
    res = results([("demo:a", {**FULL, "confidence": 0.25})], confidence=None)
    assert res.to_labelstudio(CONFIG, score="confidence")[0]["score"] == 0.25
    assert res.to_labelstudio(CONFIG, score=lambda row: row["stars"] / 4)[0]["score"] == 1.0


def test_invalid_cells_give_no_prediction_and_a_note():
    res = results([("demo:a", dict(FULL)), ("demo:a", {"_valid": False, "row": 1, "row_id": 1})])
    preds = res.to_labelstudio(CONFIG)
    assert [p["task"] for p in preds] == [100]
    assert preds.notes == ["1 cell(s) without a valid answer give no prediction"]


def test_a_cell_that_answers_no_control_gives_no_prediction():
    empty = dict.fromkeys(FULL)
    res = results([("demo:a", dict(FULL)), ("demo:b", {**empty, "row": 0, "row_id": 0})])
    preds = res.to_labelstudio(CONFIG)
    assert [p["model_version"] for p in preds] == ["demo:a"]
    assert preds.notes == ["task 100, demo:b: no answer to send, left out"]


def test_span_not_in_the_text_is_left_out_with_a_note_and_the_rest_kept():
    answer = {**FULL, "ner": [{"text": "Carol", "label": "PER"}, {"text": "acme", "label": "ORG"}]}
    (pred,) = preds = results([("demo:a", answer)]).to_labelstudio(CONFIG)
    spans = [r["value"] for r in pred["result"] if r["from_name"] == "ner"]
    assert [(s["start"], s["end"], s["text"]) for s in spans] == [
        (15, 19, "Acme")
    ]  # case-insensitive fallback
    assert (
        len(preds.notes) == 1
        and "'Carol' (PER) left out: not found" in preds.notes[0]
        and "task 100" in preds.notes[0]
    )


def test_a_value_the_config_refuses_is_left_out_with_the_sdks_reason():
    # a schema-valid answer for a looser schema: the config's labels still decide
    answer = {**FULL, "sentiment": "meh"}
    (pred,) = preds = results([("demo:a", answer)]).to_labelstudio(CONFIG)
    assert "sentiment" not in {r["from_name"] for r in pred["result"]}
    assert "sentiment" in preds.notes[0] and "valid labels" in preds.notes[0]


def test_without_a_task_id_rows_become_new_tasks_with_predictions(tmp_path):
    res = results([("demo:a", dict(FULL)), ("demo:b", {**FULL, "row": 0})], inputs=("text", "left", "right"))
    preds = res.to_labelstudio(CONFIG)
    assert len(preds) == 1
    assert preds[0]["data"] == {"text": TEXT, "left": "L", "right": "R"}
    assert [p["model_version"] for p in preds[0]["predictions"]] == ["demo:a", "demo:b"]
    path = tmp_path / "p.json"
    preds.to_json(path)
    assert json.loads(path.read_text()) == list(preds)


def test_to_json_returns_the_text_or_the_path_it_wrote(tmp_path):
    preds = results([("demo:a", dict(FULL))], inputs=("text", "left", "right")).to_labelstudio(CONFIG)
    text = preds.to_json()
    assert isinstance(text, str) and json.loads(text) == list(preds)
    written = preds.to_json(str(tmp_path / "p.json"))  # a str path, as a notebook passes it
    assert written == tmp_path / "p.json" and isinstance(written, Path)  # the file, not the JSON again
    assert written.read_text(encoding="utf-8") == text


def test_results_without_any_control_field_are_refused():
    res = nbc.Results.from_rows(
        [{"row": 0, "model": "m", "label": "x", "_valid": True}], fields=["label"], models=["m"], inputs=[]
    )
    with pytest.raises(nbc.ConfigError, match="none of the config's controls"):
        res.to_labelstudio(CONFIG)


def test_demo_run_on_the_shipped_export_round_trips_into_valid_predictions():
    df = nbc.labelstudio.tasks(EX.json, EX.config)
    res = nbc.run(
        "{text}",
        data=df,
        schema=nbc.labelstudio.schema(EX.config),
        models=["demo:demo-careful"],
        org=nbc.Organization.demo(),
        progress=False,
    )
    preds = res.to_labelstudio(EX.config)
    li = LabelInterface(EX.config)
    assert sorted(p["task"] for p in preds) == sorted(df["ls_id"].tolist())
    for p in preds:
        assert li.validate_prediction(p, return_errors=True) == []
        text = df.set_index("ls_id").loc[p["task"], "text"]
        for r in p["result"]:
            if r["type"] == "labels":
                assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([{"text": "Bob", "label": "P", "start": 21}], [(21, 24)]),  # nearest to the given start
        ([{"text": "Bob", "label": "P", "start": 8, "end": 11}], [(8, 11)]),  # exact offsets kept
        ([{"text": "Bob", "label": "P", "start": 0, "end": 3}], [(8, 11)]),  # wrong offsets: the text decides
        ([{"label": "P", "start": 0, "end": 3}], [(0, 3)]),  # offsets alone, when they fit
        ([{"label": "P", "start": 0, "end": 99}], []),
        (["Bob"], []),
    ],
)
def test_locate_spans(spans, expected):
    found, notes = locate_spans(TEXT, spans)
    assert [(s.start, s.end) for s in found] == expected
    assert len(notes) == len(spans) - len(expected)
