"""Small reference computations shared by the statistics tests."""

from __future__ import annotations

import numpy as np


def fast_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, none: str) -> float:
    """Macro-F1 over the true and predicted labels, written out for speed (2,000 resamples);
    the tests check it against scikit-learn's on the full sample first."""
    labels = set(y_true) | {p for p in y_pred if p != none}
    f1 = [
        2 * np.sum((y_true == c) & (y_pred == c)) / (np.sum(y_true == c) + np.sum(y_pred == c))
        for c in labels
    ]
    return float(np.mean(f1))
