"""The small Label Studio project nbconnect ships, for the tutorial and for trying things offline.

``reviews.xml`` labels the first 12 demo reviews (:func:`nbconnect.data.reviews`) for sentiment,
aspects (multiple choice), aspect mentions (spans) and stars (a rating). ``reviews.json`` and
``reviews-min.json`` are that project's JSON and JSON-MIN exports, written by a real Label Studio
1.23 (``tests/labelstudio/make_exports.py``): three tasks have a second, disagreeing annotation,
one has a cancelled one, and the last has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

__all__ = ["Example", "example"]


@dataclass(frozen=True)
class Example:
    """A shipped project: its labeling ``config`` (XML text) and the paths of its exports."""

    config: str
    json: Path
    json_min: Path


def example() -> Example:
    """The shipped demo-reviews project (see the module docstring)."""
    folder = Path(str(files("nbconnect.data").joinpath("labelstudio")))
    return Example(
        config=(folder / "reviews.xml").read_text(encoding="utf-8"),
        json=folder / "reviews.json",
        json_min=folder / "reviews-min.json",
    )
