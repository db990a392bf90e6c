"""Export -> DataFrame: both export formats, the annotation rules, cancelled ones, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import nbconnect as nbc
from nbconnect.data import reviews

pytest.importorskip("label_studio_sdk", reason="the Label Studio tests need label-studio-sdk (the dev extra)")

EX = nbc.labelstudio.example()
CONFIG = """<View><Text name="txt" value="$text"/>
<Choices name="sentiment" toName="txt"><Choice value="pos"/><Choice value="neg"/><Choice value="mid"/></Choices>
<Labels name="ner" toName="txt"><Label value="PER"/><Label value="ORG"/></Labels>
<TextArea name="note" toName="txt"/><Number name="price" toName="txt"/><Rating name="stars" toName="txt"/>
<Text name="l" value="$left"/><Text name="r" value="$right"/><Pairwise name="better" toName="l,r"/>
</View>"""


def ann(id, when, sentiment=None, *, cancelled=False, **values):
    result = []
    if sentiment:
        result.append(
            {"from_name": "sentiment", "to_name": "txt", "type": "choices", "value": {"choices": [sentiment]}}
        )
    for name, (kind, value) in values.items():
        result.append({"from_name": name, "to_name": "txt", "type": kind, "value": value})
    return {
        "id": id,
        "completed_by": id * 10,
        "created_at": when,
        "updated_at": when,
        "was_cancelled": cancelled,
        "result": result,
    }


def task(id, *anns, text="Ann works at Acme"):
    return {
        "id": id,
        "data": {"text": text, "left": "a", "right": "b", "extra": id},
        "annotations": list(anns),
    }


def test_shipped_json_and_json_min_exports_give_the_same_frame():
    for rule in ("latest", "first", "majority"):
        full = nbc.labelstudio.tasks(EX.json, EX.config, annotation=rule)
        minimal = nbc.labelstudio.tasks(EX.json_min, EX.config, annotation=rule)
        pd.testing.assert_frame_equal(full, minimal)
    assert list(full.columns) == [
        "ls_id",
        "text",
        "review_id",
        "gold_sentiment",
        "gold_aspects",
        "gold_mentions",
        "gold_stars",
        "ls_annotations",
    ]
    assert str(full["ls_id"].dtype) == "Int64" and full["ls_id"].is_unique


def test_shipped_export_truth_is_the_gold_of_the_annotation_the_rule_picks():
    gold = reviews().head(12).set_index("review_id")
    first = nbc.labelstudio.tasks(EX.json, EX.config, annotation="first").set_index("review_id")
    latest = nbc.labelstudio.tasks(EX.json, EX.config).set_index("review_id")
    annotated = gold.index[:11]  # the 12th task has no annotation
    # the first annotation of every task is the review's gold label (make_exports.py)
    assert (first.loc[annotated, "gold_sentiment"] == gold.loc[annotated, "gold_sentiment"]).all()
    assert (
        first.loc[annotated, "gold_aspects"].map(sorted).tolist()
        == gold.loc[annotated, "gold_aspects"].map(sorted).tolist()
    )
    # r002..r004 have a later, disagreeing annotation; r005's later one was cancelled
    changed = ["r002", "r003", "r004"]
    assert (latest.loc[changed, "gold_sentiment"] != gold.loc[changed, "gold_sentiment"]).all()
    assert latest.loc["r005", "gold_sentiment"] == gold.loc["r005", "gold_sentiment"]
    assert latest.loc[["r002", "r005"], "ls_annotations"].tolist() == [2, 1]
    assert latest.loc["r012"].filter(like="gold_").isna().all()
    # spans hold offsets into the text
    for text, spans in zip(latest["text"], latest["gold_mentions"].dropna()):
        for s in spans:
            assert text[s["start"] : s["end"]] == s["text"]


def test_every_control_type_becomes_its_truth_value():
    one = ann(
        1,
        "2024-01-01T00:00:00Z",
        "neg",
        ner=("labels", {"start": 13, "end": 17, "text": "Acme", "labels": ["ORG"]}),
        note=("textarea", {"text": ["two", "lines"]}),
        price=("number", {"number": 9.5}),
        stars=("rating", {"rating": 4}),
        better=("pairwise", {"selected": "right"}),
    )
    one["result"].insert(
        0,
        {
            "from_name": "ner",
            "to_name": "txt",
            "type": "labels",
            "value": {"start": 0, "end": 3, "text": "Ann", "labels": ["PER"]},
        },
    )
    df = nbc.labelstudio.tasks([task(7, one)], CONFIG)
    row = df.iloc[0]
    assert row["gold_sentiment"] == "neg"
    assert row["gold_ner"] == [
        {"text": "Ann", "label": "PER", "start": 0, "end": 3},
        {"text": "Acme", "label": "ORG", "start": 13, "end": 17},
    ]
    assert (row["gold_note"], row["gold_price"], row["gold_stars"], row["gold_better"]) == (
        "two\nlines",
        9.5,
        4,
        "right",
    )
    assert list(df.columns[:5]) == ["ls_id", "text", "left", "right", "extra"]  # $variables first


def test_annotation_rules_pick_as_documented():
    anns = [
        ann(1, "2024-01-01T00:00:00Z", "pos"),
        ann(2, "2024-01-03T00:00:00Z", "neg"),
        ann(3, "2024-01-02T00:00:00Z", "pos"),
        ann(4, "2024-01-05T00:00:00Z", "mid", cancelled=True),  # never counts
    ]
    export = [task(1, *anns)]
    pick = {
        rule: nbc.labelstudio.tasks(export, CONFIG, annotation=rule).loc[0, "gold_sentiment"]
        for rule in ("latest", "first", "majority")
    }
    assert pick == {"latest": "neg", "first": "pos", "majority": "pos"}
    seen = []

    def by_annotator(found):
        seen.append(found)
        return next(a for a in found if a["annotator"] == 20)

    assert nbc.labelstudio.tasks(export, CONFIG, annotation=by_annotator).loc[0, "gold_sentiment"] == "neg"
    assert [a["id"] for a in seen[0]] == [1, 2, 3]
    assert (
        nbc.labelstudio.tasks(export, CONFIG, annotation=lambda found: None).loc[0, "gold_sentiment"] is None
    )


def test_majority_tie_goes_to_the_latest_and_empty_answers_do_not_vote():
    anns = [
        ann(1, "2024-01-01T00:00:00Z", "pos"),
        ann(2, "2024-01-02T00:00:00Z", "neg"),
        ann(3, "2024-01-03T00:00:00Z"),
    ]
    df = nbc.labelstudio.tasks([task(1, *anns)], CONFIG, annotation="majority")
    assert df.loc[0, "gold_sentiment"] == "neg"  # 1 vs 1 (the third left it empty): the newer one


def test_json_min_groups_records_by_task_and_reads_bare_values():
    records = [
        {
            "id": 5,
            "text": "x",
            "left": "a",
            "right": "b",
            "sentiment": "pos",
            "note": "hello",
            "annotation_id": 1,
            "annotator": 1,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
        },
        {
            "id": 5,
            "text": "x",
            "left": "a",
            "right": "b",
            "sentiment": "neg",
            "stars": [{"rating": 2}],
            "annotation_id": 2,
            "annotator": 2,
            "created_at": "2024-01-02T00:00:00Z",
            "updated_at": "2024-01-02T00:00:00Z",
        },
        {
            "id": 6,
            "text": "y",
            "left": "a",
            "right": "b",
            "annotation_id": None,
            "annotator": None,
            "created_at": None,
            "updated_at": None,
        },
    ]
    df = nbc.labelstudio.tasks(records, CONFIG, annotation="first")
    assert df["ls_id"].tolist() == [5, 6]
    assert df.loc[0, ["gold_sentiment", "gold_note", "gold_stars"]].tolist() == ["pos", "hello", None]
    assert df["ls_annotations"].tolist() == [2, 0]
    assert "annotator" not in df.columns and "annotation_id" not in df.columns


def test_a_path_or_a_list_reads_the_same(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task(1, ann(1, "2024-01-01T00:00:00Z", "pos"))]))
    pd.testing.assert_frame_equal(
        nbc.labelstudio.tasks(path, CONFIG), nbc.labelstudio.tasks(str(path), CONFIG)
    )
    assert nbc.labelstudio.tasks(path, CONFIG).loc[0, "gold_sentiment"] == "pos"


def test_export_without_the_configs_variables_is_refused_with_what_it_has():
    export = [{"id": 1, "data": {"review": "good"}, "annotations": []}]
    with pytest.raises(
        nbc.ConfigError, match=r"lack the config's variable\(s\) \['text', 'left', 'right'\].*\['review'\]"
    ):
        nbc.labelstudio.tasks(export, CONFIG)


@pytest.mark.parametrize(
    ("export", "message"),
    [
        ("/nowhere/export.json", "no Label Studio export at"),
        ([1, 2], "list of task objects"),
        ([{"id": 1, "data": {"text": "a"}}, {"id": 2, "text": "b"}], "mixes JSON tasks"),
        (
            [{"id": 1, "data": {"text": "a", "ls_id": 3, "left": "", "right": ""}}],
            r"\['ls_id'\] have the name",
        ),
        (
            [{"id": 1, "data": {"text": "a", "sentiment": "x", "left": "", "right": ""}}],
            "have the name of a control",
        ),
    ],
)
def test_bad_exports_say_what_is_wrong(export, message):
    with pytest.raises(nbc.ConfigError, match=message):
        nbc.labelstudio.tasks(export, CONFIG)


def test_unknown_rule_and_bad_rule_function_are_refused():
    export = [task(1, ann(1, "2024-01-01T00:00:00Z", "pos"))]
    with pytest.raises(nbc.ConfigError, match="annotation= must be one of"):
        nbc.labelstudio.tasks(export, CONFIG, annotation="newest")
    with pytest.raises(nbc.ConfigError, match="return one of the annotation dicts"):
        nbc.labelstudio.tasks(export, CONFIG, annotation=lambda found: "pos")


def test_a_non_json_file_is_refused(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,text\n1,a\n")
    with pytest.raises(nbc.ConfigError, match="is not JSON"):
        nbc.labelstudio.tasks(path, CONFIG)
