"""Small datasets shipped with nbconnect, for the demo notebooks and for trying things offline.

``reviews()`` returns 80 short product reviews with hand-labelled ground truth::

    from nbconnect.data import reviews

    df = reviews()
    df.columns  # review_id, product, text, gold_sentiment, gold_aspects

The reviews were written for nbconnect (no third-party text): 35 positive, 30 negative and
15 neutral or mixed, over 30 kinds of product. ``gold_aspects`` lists what each review talks
about, from the fixed vocabulary :data:`ASPECTS` (possibly nothing). The truth columns start
with ``gold_`` so that they never clash with schema fields called ``sentiment`` or ``aspects``.

``entities()`` returns 24 short sentences with gold named-entity spans (``PERSON``, ``ORG``,
``LOC``, ``DATE``; character offsets, end exclusive), for span scoring::

    from nbconnect.data import entities

    entities().columns  # doc_id, text, gold_entities

``shapes()``, ``digits()`` and ``documents()`` are small media datasets for ``{image:...}`` and
``{document:...}`` prompts: 36 and 20 generated 64x64 PNGs and 6 one-page text PDFs, each with
gold labels, drawn by ``python -m nbconnect.data.make_media`` (no third-party content)::

    df = nbc.data.shapes()  # image (a file path), gold_shape, gold_colour
"""

from __future__ import annotations

import json
from importlib.resources import files

import pandas as pd

__all__ = [
    "ASPECTS",
    "ENTITY_LABELS",
    "SENTIMENTS",
    "digits",
    "documents",
    "entities",
    "reviews",
    "shapes",
]

ASPECTS: tuple[str, ...] = (
    "battery",
    "price",
    "screen",
    "delivery",
    "quality",
    "service",
    "size",
    "design",
    "sound",
    "comfort",
)
"""The aspects ``gold_aspects`` may name."""

SENTIMENTS: tuple[str, ...] = ("positive", "negative", "neutral")
"""The values of ``gold_sentiment`` (``neutral`` covers mixed reviews too)."""

ENTITY_LABELS: tuple[str, ...] = ("PERSON", "ORG", "LOC", "DATE")
"""The labels of ``entities()``'s gold spans."""


def reviews() -> pd.DataFrame:
    """The 80 labelled product reviews: ``review_id``, ``product``, ``text``, ``gold_sentiment``
    (one of :data:`SENTIMENTS`) and ``gold_aspects`` (a list drawn from :data:`ASPECTS`).

    A fresh DataFrame each call, so changing it changes nothing for the next caller.
    """
    with files(__name__).joinpath("reviews.csv").open(encoding="utf-8") as fh:
        # keep_default_na=False: an empty aspect list stays "", never NaN
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    df["gold_aspects"] = df["gold_aspects"].map(lambda s: [a for a in s.split(";") if a])
    return df


def entities() -> pd.DataFrame:
    """24 sentences written for nbconnect: ``doc_id``, ``text`` and ``gold_entities`` (a list of
    ``{text, label, start, end}``, labels from :data:`ENTITY_LABELS`). A fresh DataFrame each call."""
    with files(__name__).joinpath("entities.csv").open(encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    df["gold_entities"] = df["gold_entities"].map(json.loads)
    return df


def _media_table(name: str, column: str) -> pd.DataFrame:
    """A labels CSV with its ``file`` column turned into absolute paths under ``column``."""
    root = files(__name__)
    with root.joinpath(name).open(encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    df.insert(0, column, [str(root.joinpath(f)) for f in df.pop("file")])
    return df


def shapes() -> pd.DataFrame:
    """36 images of one shape each: ``image`` (path of a 64x64 PNG), ``gold_shape`` (circle,
    square or triangle) and ``gold_colour`` (red, green, blue, yellow, purple or orange)."""
    return _media_table("shapes.csv", "image")


def digits() -> pd.DataFrame:
    """20 images of one digit each: ``image`` (path of a 64x64 PNG), ``gold_digit`` ("0"-"9")
    and ``gold_colour`` (blue or red)."""
    return _media_table("digits.csv", "image")


def documents() -> pd.DataFrame:
    """6 one-page PDFs: ``document`` (path), ``gold_kind`` (invoice, receipt or letter) and
    ``gold_total`` (the amount due or paid, 0 for the letter)."""
    df = _media_table("documents.csv", "document")
    df["gold_total"] = df["gold_total"].astype(float)
    return df
