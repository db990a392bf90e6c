"""How a demo model "reads" a text: the review word lists, and the schema walk whose leaves follow
the text's tone and words, right as often as the model's skill says (see :mod:`.demo`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from .._schema.values import ValueWalk
from ..data import ASPECTS
from .demo_media import Seen
from .demo_spans import find_spans, is_span_items

__all__ = ["DEMO_MODELS", "Mind", "break_answer", "unit"]

# model -> (latency factor, probability of reading the text right, schema-break rate, truncation rate)
DEMO_MODELS: dict[str, tuple[float, float, float, float]] = {
    "demo-careful": (2.0, 0.97, 0.0, 0.0),
    "demo-fast": (0.6, 0.8, 0.08, 0.0),
    "demo-echo": (0.3, 0.45, 0.0, 0.04),
}

_POSITIVE = set(
    [
        "good",
        "great",
        "excellent",
        "love",
        "loved",
        "amazing",
        "perfect",
        "happy",
        "fast",
        "best",
        "nice",
        "wonderful",
        "fantastic",
        "recommend",
        "comfortable",
        "sturdy",
        "reliable",
        "superb",
        "pleased",
        "works",
        "delighted",
        "brilliant",
    ]
)
_NEGATIVE = set(
    [
        "bad",
        "poor",
        "terrible",
        "awful",
        "hate",
        "hated",
        "broke",
        "broken",
        "slow",
        "worst",
        "disappointed",
        "disappointing",
        "useless",
        "refund",
        "cheap",
        "flimsy",
        "late",
        "rude",
        "noisy",
        "leaks",
        "returned",
        "waste",
        "faulty",
        "defective",
    ]
)
# The aspects the demo models notice: the demo dataset's vocabulary, then words reviews use for
# the same things (a model that says "shipping" where the labels say "delivery" is realistic).
_ASPECTS = (*ASPECTS, "shipping", "taste", "packaging", "support", "fit", "material", "performance", "setup")
_WORD = re.compile(r"[a-z']+")


def unit(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Mind(ValueWalk):
    """How one demo model 'reads' one text: the shared schema walk, with leaves chosen by the
    review's tone (enums, ratings, booleans) and its words (aspects), right with the model's skill."""

    def __init__(
        self,
        model: str,
        text: str,
        seed: int,
        schema: Any,
        seen: Seen | None = None,
        *,
        skill: float | None = None,
        draw: tuple[Any, float] | None = None,
    ) -> None:
        super().__init__(schema)
        self.model, self.text, self.seed = model, text, seed
        self.key = seen.key if seen is not None else text  # media prompts differ by their bytes too
        self.eyes = seen.words if seen is not None else {}  # what an image showed: colour, shape, digit
        self.words = _WORD.findall(text.lower())
        self.skill = DEMO_MODELS.get(model, DEMO_MODELS["demo-careful"])[1] if skill is None else skill
        self.draw = draw  # (request seed, share of choices re-drawn per seed), for repeats
        score = sum(w in _POSITIVE for w in self.words) - sum(w in _NEGATIVE for w in self.words)
        self.sentiment = score if self.reads("sentiment") else int(self.unit("s") * 3) - 1

    def unit(self, what: str) -> float:
        """The deterministic number behind one choice; a sampled request re-draws some of them."""
        if (
            self.draw is not None
            and unit(self.seed, self.model, self.key, what, self.draw[0], "redraw") < self.draw[1]
        ):
            return unit(self.seed, self.model, self.key, what, self.draw[0])
        return unit(self.seed, self.model, self.key, what)

    def reads(self, what: str) -> bool:
        return self.unit(what) < self.skill

    def pick(self, options: list[Any], what: str) -> Any:
        return options[int(self.unit(what) * len(options))]

    def saw(self, name: str) -> str | None:
        """What the image showed for a field called ``name`` (colour, shape, digit), if it looked."""
        low = name.lower().replace("color", "colour")
        hit = next((v for k, v in self.eyes.items() if k in low), None)
        return hit if hit is not None and self.reads(name) else None

    def stated(self, name: str) -> float | None:
        """A number the text gives after the field's name ("Total: 31.00"), if the model reads it."""
        match = re.search(rf"{re.escape(name.lower())}\W{{0,3}}(-?\d+(?:\.\d+)?)", self.text.lower())
        return float(match.group(1)) if match and self.reads(name) else None

    # -- the walk's hooks ----------------------------------------------------------------------
    def anything(self, name: str) -> Any:
        return self.string({}, name)

    def choose(self, options: list, depth: int) -> Any:
        return next((o for o in options if not (isinstance(o, dict) and o.get("type") == "null")), options[0])

    def choose_type(self, kinds: list, depth: int) -> str | None:
        return next((k for k in kinds if k != "null"), "null")

    def object(self, s: Mapping, depth: int, name: str) -> dict:
        props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        return {key: self.value(sub, depth + 1, key) for key, sub in props.items()}

    def boolean(self, name: str) -> bool:
        if self.reads(name):
            return self.sentiment > 0
        return self.unit(name) < 0.5

    def enum(self, options: list[Any], name: str) -> Any:
        lowered = [str(o).lower() for o in options]
        eyes = set(self.eyes.values())
        for option, low in zip(options, lowered):
            if low in eyes and self.reads(name):  # an image prompt: the option it saw
                return option
        if self.reads(name):
            mood = "pos" if self.sentiment > 0 else "neg" if self.sentiment < 0 else "neu"
            for option, low in zip(options, lowered):
                if low.startswith(mood) or (mood == "neu" and low in ("mixed", "none", "other")):
                    return option
            for option, low in zip(options, lowered):
                if low in self.words:
                    return option
        return self.pick(options, name)

    def number(self, s: Mapping, integer: bool, name: str) -> float | int:
        low = s.get("minimum", 1 if integer else 0)
        high = s.get("maximum", 5 if integer else 1)
        known = self.saw(name) if "digit" in self.eyes and "digit" in name.lower() else None
        found = float(known) if known is not None else self.stated(name)
        if found is not None:
            return round(found) if integer else found
        if any(k in name.lower() for k in ("rating", "stars", "score")) and self.reads(name):
            fraction = {1: 0.95, 0: 0.5, -1: 0.1}[max(-1, min(1, self.sentiment))]
        else:
            fraction = 0.55 + 0.44 * self.unit(name)
        value = low + (high - low) * fraction
        return round(value) if integer else round(value, 2)

    def array(self, s: Mapping, depth: int, name: str) -> list[Any]:
        items = s.get("items") if isinstance(s.get("items"), dict) else {}
        if is_span_items(items):  # named entities: read from the text after "Text:" when there is one
            return find_spans(self, items, self.text.rsplit("Text:", 1)[-1])
        if items.get("type") == "string" and "enum" not in items:
            found = [a for a in _ASPECTS if a in self.words]
            if not found or not self.reads(name):
                # the longest words, ties in text order (a set's order changes with PYTHONHASHSEED)
                found = sorted(dict.fromkeys(self.words), key=len, reverse=True)[:2]
            return found[:3]
        return [self.value(items, depth + 1, name)]

    def string(self, s: Mapping, name: str) -> str:
        fmt = s.get("format")
        if fmt == "date":
            return "2026-01-15"
        if fmt == "date-time":
            return "2026-01-15T12:00:00Z"
        if "language" in name.lower():
            return "en"
        seen = self.saw(name)
        if seen is not None:
            return seen
        if self.eyes and not self.text.strip():
            return f"a {self.eyes.get('colour', '')} {self.eyes.get('shape', 'picture')}"
        return " ".join(self.text.split()[:8])


def break_answer(value: Any, mind: Mind) -> Any:
    """Make a schema mistake the way weak models do: drop a field, or give a number as text."""
    if not isinstance(value, dict) or not value:
        return value
    key = mind.pick(sorted(value), "break-key")
    broken = dict(value)
    if isinstance(broken[key], (int, float)) and not isinstance(broken[key], bool):
        broken[key] = f"about {broken[key]}"
    else:
        del broken[key]
    return broken
