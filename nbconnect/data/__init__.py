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
"""

from __future__ import annotations

import json
from importlib.resources import files

import pandas as pd

__all__ = ["ASPECTS", "ENTITY_LABELS", "SENTIMENTS", "entities", "reviews"]

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
