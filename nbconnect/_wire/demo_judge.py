"""How the Demo grades when it is asked to judge (``nbc.judge``'s grading schema).

A judge's prompt carries ``<input>``, ``<answer>`` (or ``<answer_1>`` / ``<answer_2>``) and
optionally ``<reference>`` blocks. The Demo compares the words of the answer with the reference
(or, without one, with the input: is the answer grounded in it?) and grades by that overlap,
right with the model's skill; a model that does not read a pair closely prefers the answer shown
first (position bias, as weak judges have). Deterministic like every Demo answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["grade"]

_BLOCK = re.compile(r"<(input|answer|answer_1|answer_2|reference)>\n(.*?)\n</\1>", re.S)
_WORD = re.compile(r"[a-z0-9']+")


class _Reader(Protocol):
    def reads(self, what: str) -> bool: ...
    def pick(self, options: list[Any], what: str) -> Any: ...


def _grades(schema: Any) -> list[str] | None:
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(props, Mapping) or set(props) != {"grade", "reason"}:
        return None
    options = (props.get("grade") or {}).get("enum")
    return [str(o) for o in options] if isinstance(options, list) and len(options) >= 2 else None


def _overlap(answer: str, target: str, reference: bool) -> float:
    said, want = Counter(_WORD.findall(answer.lower())), Counter(_WORD.findall(target.lower()))
    if not said or not want:
        return float(not said and not want)
    common = sum((said & want).values())
    precision = common / sum(said.values())
    if not reference:
        return precision  # grounded: how much of the answer the input supports
    recall = common / sum(want.values())
    return 0.0 if common == 0 else 2 * precision * recall / (precision + recall)


def _single(mind: _Reader, blocks: dict[str, str], grades: list[str]) -> dict[str, str]:
    has_ref = "reference" in blocks
    target = blocks.get("reference", blocks.get("input", ""))
    share = _overlap(blocks.get("answer", ""), target, has_ref)
    if mind.reads("judge"):
        index = round((1 - min(1.0, share / 0.6)) * (len(grades) - 1))  # 60% overlap or more: best
    else:
        index = int(mind.pick(list(range(len(grades))), "judge-guess"))
    against = "the reference" if has_ref else "the input"
    return {"grade": grades[index], "reason": f"{share:.0%} word overlap with {against}"}


def _pair(mind: _Reader, blocks: dict[str, str], grades: list[str]) -> dict[str, str]:
    has_ref = "reference" in blocks
    target = blocks.get("reference", blocks.get("input", ""))
    one = _overlap(blocks.get("answer_1", ""), target, has_ref)
    two = _overlap(blocks.get("answer_2", ""), target, has_ref)
    first, second, tie = grades[0], grades[1], grades[2] if len(grades) > 2 else grades[0]
    if mind.reads("judge-pair"):
        choice = tie if abs(one - two) < 0.05 else first if one > two else second
    else:  # not reading closely: the first answer shown looks better
        choice = mind.pick([first, first, first, second, tie], "judge-position")
    return {"grade": choice, "reason": f"overlap {one:.0%} (first) vs {two:.0%} (second)"}


def grade(mind: _Reader, text: str, schema: Any) -> dict[str, str] | None:
    """The Demo's verdict for a judge prompt, or ``None`` when this is not one."""
    grades = _grades(schema)
    if grades is None:
        return None
    blocks = {name: body for name, body in _BLOCK.findall(text)}
    if "answer_1" in blocks and "answer_2" in blocks:
        return _pair(mind, blocks, grades)
    if "answer" in blocks:
        return _single(mind, blocks, grades)
    return None
