"""Free-text answers: SQuAD-style normalized exact match and token-overlap F1.

Normalization (as the SQuAD v1.1 evaluation script does it): lower case, drop punctuation, drop
the articles *a*, *an*, *the*, collapse whitespace. Token F1 is the harmonic mean of precision
and recall over the bag of normalized tokens (a token counts as often as it occurs in both).
A truth that is a list of acceptable answers scores the best of them, as SQuAD does.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any

__all__ = ["BUILT_IN", "exact_match", "normalize", "token_f1"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: Any) -> str:
    """Lower case, no punctuation, no articles, single spaces (SQuAD's ``normalize_answer``)."""
    text = str(text).lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _answers(truth: Any) -> list[Any]:
    if isinstance(truth, (list, tuple, set)):
        return list(truth)
    return [truth]


def exact_match(prediction: Any, truth: Any, row: Any = None) -> bool:
    """True when the normalized prediction equals the normalized truth (or one of them)."""
    if truth is None:
        raise ValueError("exact match needs a truth; pass truth= for this field")
    said = normalize(prediction)
    return any(said == normalize(t) for t in _answers(truth))


def _f1(prediction: str, truth: str) -> float:
    said, want = prediction.split(), truth.split()
    if not said or not want:
        return float(said == want)  # both empty: a match; one empty: nothing in common
    common = sum((Counter(said) & Counter(want)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(said), common / len(want)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: Any, truth: Any, row: Any = None) -> float:
    """Token-overlap F1 between the normalized prediction and the truth (the best of several)."""
    if truth is None:
        raise ValueError("token F1 needs a truth; pass truth= for this field")
    said = normalize(prediction)
    return max(_f1(said, normalize(t)) for t in _answers(truth))


#: scorers that ``Results.score(scorers=...)`` accepts by name
BUILT_IN = {"exact": exact_match, "token_f1": token_f1}
