"""How nbconnect/data/labelstudio/reviews*.json were made: by a real Label Studio, not by hand.

Run against a server (see tests/labelstudio/conftest.py for starting one)::

    LABEL_STUDIO_URL=http://127.0.0.1:8080 LABEL_STUDIO_API_KEY=... python tests/labelstudio/make_exports.py

It makes a project with reviews.xml, imports the first 12 demo reviews with annotations drawn
from their gold labels (a second, disagreeing annotation on tasks 2-4, a cancelled one on task 5,
none on task 12), and writes the server's JSON and JSON-MIN exports beside the config.
"""

from __future__ import annotations

import json
import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from nbconnect.data import reviews

HERE = Path(str(files("nbconnect.data").joinpath("labelstudio")))
STARS = {"positive": 5, "neutral": 3, "negative": 1}
OTHER = {"positive": "neutral", "neutral": "negative", "negative": "neutral"}


def _result(text: str, sentiment: str, aspects: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"from_name": "sentiment", "to_name": "review", "type": "choices", "value": {"choices": [sentiment]}},
        {"from_name": "stars", "to_name": "review", "type": "rating", "value": {"rating": STARS[sentiment]}},
    ]
    if aspects:
        out.append(
            {"from_name": "aspects", "to_name": "review", "type": "choices", "value": {"choices": aspects}}
        )
    for i, aspect in enumerate(aspects):
        m = re.search(rf"\b{aspect}", text, re.IGNORECASE)
        if m:
            value = {"start": m.start(), "end": m.end(), "text": m.group(0), "labels": ["aspect"]}
            out.append(
                {
                    "id": f"m{i}",
                    "from_name": "mentions",
                    "to_name": "review",
                    "type": "labels",
                    "value": value,
                }
            )
    return out


def main() -> None:
    client = LabelStudio(base_url=os.environ["LABEL_STUDIO_URL"], api_key=os.environ["LABEL_STUDIO_API_KEY"])
    config = (HERE / "reviews.xml").read_text(encoding="utf-8")
    project = client.projects.create(title="nbconnect demo reviews", label_config=config)
    tasks = []
    for i, r in enumerate(reviews().head(12).itertuples()):
        anns = [{"result": _result(r.text, r.gold_sentiment, r.gold_aspects)}]
        if i in (1, 2, 3):
            anns.append({"result": _result(r.text, OTHER[r.gold_sentiment], r.gold_aspects[:1])})
        if i == 4:
            anns.append({"result": _result(r.text, OTHER[r.gold_sentiment], []), "was_cancelled": True})
        tasks.append(
            {"data": {"text": r.text, "review_id": r.review_id}, "annotations": anns if i < 11 else []}
        )
    client.projects.import_tasks(project.id, request=tasks)
    for kind, name in (("JSON", "reviews.json"), ("JSON_MIN", "reviews-min.json")):
        raw = b"".join(
            client.projects.exports.download_sync(project.id, export_type=kind, download_all_tasks=True)
        )
        (HERE / name).write_text(
            json.dumps(json.loads(raw), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
