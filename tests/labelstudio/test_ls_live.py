"""The round trip against a real Label Studio server (tests/labelstudio/conftest.py starts it)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import nbconnect as nbc

pytestmark = pytest.mark.slow
pytest.importorskip("label_studio_sdk", reason="the Label Studio tests need label-studio-sdk (the dev extra)")

EX = nbc.labelstudio.example()


def _importable(task: dict) -> dict:
    """A task of the shipped export as Label Studio's import takes it (data + annotation results)."""
    keep = ("result", "was_cancelled", "created_at", "updated_at")
    return {
        "data": task["data"],
        "annotations": [{k: a[k] for k in keep if k in a} for a in task["annotations"]],
    }


def _labels(prediction: dict) -> dict:
    return {
        r["from_name"]: r["value"] for r in prediction["result"] if r["from_name"] in ("sentiment", "stars")
    }


def _run(data: pd.DataFrame, schema: dict) -> nbc.Results:
    return nbc.run(
        "{text}",
        data=data,
        schema=schema,
        models=["demo:demo-careful"],
        org=nbc.Organization.demo(),
        progress=False,
    )


def test_pull_run_push_and_read_back(label_studio):
    project = nbc.labelstudio.Project.create(
        label_studio.url, api_key=label_studio.api_key, title="nbconnect round trip", config=EX.config
    )
    shipped = json.loads(EX.json.read_text(encoding="utf-8"))
    ids = project.import_tasks([_importable(t) for t in shipped])
    assert len(ids) == len(shipped)

    # pull: config, tasks and annotations come back as the shipped export reads offline
    df = project.tasks()
    offline = nbc.labelstudio.tasks(EX.json, EX.config)
    assert sorted(df["ls_id"].tolist()) == sorted(ids)
    gold = [c for c in df.columns if c.startswith("gold_")] + ["ls_annotations"]
    mine = df.sort_values("review_id").reset_index(drop=True)
    theirs = offline.sort_values("review_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[["text", *gold]], theirs[["text", *gold]])

    # run on the Demo with the project's own schema, push the predictions back
    res = _run(df, project.schema())
    assert res.df["_valid"].all()
    assert project.push(res) == len(df)

    # read them from the server again: one per task, named by the arm, the labels the run gave
    back = {p["task"]: p for p in project.predictions()}
    assert set(back) == set(ids)
    answers = res.df.set_index("ls_id")
    for task_id, pred in back.items():
        assert pred["model_version"] == "demo:demo-careful"
        labels = _labels(pred)
        assert labels["sentiment"] == {"choices": [answers.loc[task_id, "sentiment"]]}
        assert labels["stars"] == {"rating": int(answers.loc[task_id, "stars"])}


def test_a_prediction_file_imports_as_new_tasks_with_their_labels(label_studio, tmp_path):
    project = nbc.labelstudio.Project.create(
        label_studio.url, api_key=label_studio.api_key, title="nbconnect prediction file", config=EX.config
    )
    data = nbc.labelstudio.tasks(EX.json, EX.config).drop(columns=["ls_id"]).head(5)
    res = _run(data, nbc.labelstudio.schema(EX.config))
    path = tmp_path / "predictions.json"
    res.to_labelstudio(EX.config).to_json(path)

    ids = project.import_tasks(json.loads(path.read_text(encoding="utf-8")))
    assert len(ids) == 5
    back = project.predictions()
    assert len(back) == 5
    by_text = {t["data"]["text"]: t["id"] for t in project.export()}
    expected = {by_text[row.text]: row.sentiment for row in res.df.itertuples()}
    assert {p["task"]: _labels(p)["sentiment"]["choices"][0] for p in back} == expected
