"""Statistics at scale: 100,000 cells with 3 variants, then summary(), score(), versus(), agreement().

    .venv/bin/python benchmarks/bench_stats.py [--cells 100000] [--rounds 3]

Two made-up runs (no engine, no sockets), each with a categorical field, a number and a list,
failed cells and cells not run:

- ``arms``: 3 variants × 3 models, one sample (11,112 rows);
- ``repeats``: 3 variants × 2 models × 3 samples (5,556 rows), so every statistic is clustered
  by row and every bootstrap resamples rows.

Timed (best of ``--rounds``): ``summary(truth)``, ``score(truth)`` (Wilson intervals and one
seeded 2,000-resample bootstrap per field for all arms), ``versus(field=...)`` over every pair
of arms, ``agreement(field, pairs=True)``, ``majority().score(truth)`` (the repeats' most common
answers, scored). Target (issue 12): summary and score well under 3 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from nbconnect._results.results import Results

LABELS = np.array(["positive", "negative", "neutral"], dtype=object)
TAGS = ["a", "b", "c", "d"]
SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": list(LABELS)},
        "score": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
TRUTH = {"label": "gold_label", "score": "gold_score", "tags": "gold_tags"}


def cells(total: int, variants: int, models: int, samples: int, seed: int = 0) -> Results:
    rng = np.random.default_rng(seed)
    per_row = variants * models * samples
    rows = -(-total // per_row)
    gold = rng.integers(0, 3, rows)
    gold_score = rng.random(rows)
    tag_sets = [sorted(rng.choice(TAGS, rng.integers(0, 3), replace=False).tolist()) for _ in range(64)]
    gold_tags = rng.integers(0, 64, rows)
    grid = np.stack(
        np.meshgrid(
            np.arange(rows), np.arange(variants), np.arange(models), np.arange(samples), indexing="ij"
        ),
        axis=-1,
    ).reshape(-1, 4)
    r, v, m, s = grid.T
    n = len(r)
    right = rng.random(n) < 0.55 + 0.05 * v + 0.04 * m
    label = np.where(right, gold[r], rng.integers(0, 3, n))
    fate = rng.random(n)
    valid = fate >= 0.06
    error = np.where(fate < 0.04, "invalid_json", np.where(fate < 0.06, "budget", None)).astype(object)
    tags = np.where(right, gold_tags[r], rng.integers(0, 64, n))
    df = pd.DataFrame(
        {
            "row": r,
            "gold_label": LABELS[gold[r]],
            "gold_score": gold_score[r],
            "gold_tags": pd.Series([tag_sets[i] for i in gold_tags[r]], dtype=object),
            "variant": np.array([f"v{i}" for i in range(variants)], dtype=object)[v],
            "model": np.array([f"demo:m{i}" for i in range(models)], dtype=object)[m],
            "label": pd.Series(LABELS[label], dtype=object).where(valid, None),
            "score": np.where(valid, gold_score[r] + rng.normal(0, 0.1, n), np.nan),
            "tags": pd.Series([tag_sets[i] for i in tags], dtype=object).where(valid, None),
            "_valid": valid,
            "_error_type": error,
        }
    )
    if samples > 1:
        df.insert(6, "sample", s)
    return Results(
        df,
        fields=["label", "score", "tags"],
        models=[f"demo:m{i}" for i in range(models)],
        inputs=["gold_label", "gold_score", "gold_tags"],
        schema=SCHEMA,
    )


def best(fn, rounds: int) -> str:
    """Best wall time of the rounds, and the CPU time of that round (a loaded machine shows
    in the gap between the two)."""
    times = []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = min(times)
    return f"{wall:.2f}s ({cpu:.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print("best wall time of the rounds (CPU seconds of that round)")
    head = ["summary", "score", "versus", "agreement", "majority"]
    print(f"{'run':<9} {'cells':>7} {'arms':>4}  " + " ".join(f"{h:>13}" for h in head))
    for name, shape in (("arms", (3, 3, 1)), ("repeats", (3, 2, 3))):
        res = cells(args.cells, *shape)
        figures = [
            best(lambda res=res: res.summary(TRUTH), args.rounds),
            best(lambda res=res: res.score(TRUTH), args.rounds),
            best(lambda res=res: res.versus(field="label", truth=TRUTH), args.rounds),
            best(lambda res=res: res.agreement("label", pairs=True), args.rounds),
            best(lambda res=res: res.majority().score(TRUTH), args.rounds),  # self-consistency
        ]
        print(f"{name:<9} {len(res):>7} {len(res.arms):>4}  " + " ".join(f"{t:>13}" for t in figures))
    print("target: summary and score well under 3 s each")


if __name__ == "__main__":
    main()
