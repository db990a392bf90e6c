"""What ``nbc.judge`` returns: the judge's answers as :class:`Results`, plus the views a judge
needs (majority, grades joined back onto the graded cells, scores per graded arm, cost, position
bias). The judge run itself lives in :mod:`nbconnect._engine.judge`."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from . import scorers as _scorers
from .arms import ARM, arm_labels, ran
from .results import Results

__all__ = ["Verdicts"]

GRADED = ("graded_row", "graded_variant", "graded_model", "graded_sample")
INCONSISTENT = "inconsistent"


def _vote(values: list[Any]) -> tuple[Any, int]:
    """The most common value and how many gave it; ``None`` on a tie or with no value."""
    counts = Counter(v for v in values if v is not None).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None, counts[0][1] if counts else 0
    return counts[0]


class Verdicts(Results):
    """A judge's answers (fields ``grade`` and ``reason``; one arm per judge model), and the
    graded run they refer to. The inputs ``graded_row``, ``graded_model`` (``graded_variant``,
    ``graded_sample``) name the graded cell; pairwise judges have ``order`` instead."""

    _graded: Results | None = None

    @classmethod
    def wrap(cls, answers: Results, graded: Results | None, info: dict[str, Any]) -> Verdicts:
        meta = {**answers.meta, "judge": info}
        out = cls(
            answers.df, fields=answers.fields, models=answers.models, inputs=answers.inputs,
            schema=answers.schema, meta=meta,
        )  # fmt: skip
        out._graded = graded
        return out

    @property
    def info(self) -> dict[str, Any]:
        return dict(self._meta.get("judge") or {})

    @property
    def pairwise(self) -> bool:
        return self.info.get("judge") == "pairwise"

    def _keys(self) -> list[str]:
        return [c for c in GRADED if c in self._inputs]

    def _winners(self) -> pd.DataFrame:
        """Pairwise: per (graded row, judge) the winner arm, ``tie``, or ``inconsistent``."""
        a, b = self.info["pair"]
        df = self._df.loc[self._df["_valid"], ["graded_row", "order", "model", "grade"]]
        mapping = {("AB", "first"): a, ("AB", "second"): b, ("BA", "first"): b, ("BA", "second"): a}
        df = df.assign(winner=[mapping.get((o, g), "tie") for o, g in zip(df["order"], df["grade"])])
        wide = df.pivot_table(
            index=["graded_row", "model"], columns="order", values="winner", aggfunc="first"
        )
        wide = wide.reindex(columns=["AB", "BA"]).dropna()
        out = np.where(wide["AB"] == wide["BA"], wide["AB"], INCONSISTENT)
        return pd.DataFrame({"winner": out}, index=wide.index).reset_index()

    def majority(self) -> pd.DataFrame:
        """One row per graded cell (pairwise: per graded row): the grade (winner) of each judge,
        ``majority`` (``None`` on a tie or without any), ``n_judges`` who answered, ``agree``
        (the share of them who gave the majority)."""
        if self.pairwise:
            w = self._winners().pivot(index="graded_row", columns="model", values="winner")
            w = w.reindex(columns=self._models).astype(object)
            wide = w.where(w.notna(), None).reset_index()
            keys = ["graded_row"]
        else:
            wide = self.compare("grade", inputs=False)
            keys = self._keys()
            first = self._df.drop_duplicates("row").set_index("row")[keys].reindex(wide.index)
            wide = pd.concat([first, wide], axis=1).reset_index(drop=True)
        votes = [_vote(list(v)) for v in wide[self._models].itertuples(index=False)]
        wide["majority"] = pd.Series([v for v, _ in votes], index=wide.index, dtype=object)
        wide["n_judges"] = wide[self._models].notna().sum(axis=1).astype("int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            wide["agree"] = np.array([k for _, k in votes], dtype=float) / wide["n_judges"].to_numpy()
        wide.columns.name = None
        return wide[[*keys, *self._models, "majority", "n_judges", "agree"]]

    def join(self) -> pd.DataFrame:
        """The graded run's ``df`` with ``judge.<model>`` per judge, ``judge.majority`` and
        ``judge.agree`` (``None`` / NaN for cells that were not graded: failed, not run)."""
        if self._graded is None or self.pairwise:
            raise ConfigError("join() needs a grading judge of a run in memory; for pairwise use majority()")
        votes = self.majority()
        names = {m: f"judge.{m}" for m in self._models}
        names.update(majority="judge.majority", agree="judge.agree", n_judges="judge.n_judges")
        votes = votes.rename(columns={**names, **{k: k.removeprefix("graded_") for k in self._keys()}})
        keys = [k.removeprefix("graded_") for k in self._keys()]
        out = self._graded.df.merge(votes, on=keys, how="left")
        for name in [c for c in names.values() if c not in ("judge.agree", "judge.n_judges")]:
            out[name] = out[name].astype(object).where(out[name].notna(), None)  # not graded: None
        return out

    def scores(self, seed: int | None = None) -> pd.DataFrame:
        """Per graded arm: the mean value of the majority grade (``grades=`` values, best 1), with
        ``n``, ``n_failed`` (cells without a valid answer: 0), ``n_not_run``, ``n_errors`` (graded
        but no majority), the standard error and 95% interval (Wilson for 0/1 grades)."""
        joined = self.join()
        values = self.info.get("values") or {}
        score = joined["judge.majority"].map(lambda g: values.get(g, np.nan) if g is not None else np.nan)
        status = np.full(len(joined), _scorers.SCORED)
        valid = joined["_valid"].to_numpy(dtype=bool)
        status[~valid] = _scorers.FAILED
        status[valid & score.isna().to_numpy()] = _scorers.ERROR
        status[~ran(joined)] = _scorers.NOT_RUN
        vals = np.where(status == _scorers.FAILED, 0.0, score.to_numpy(dtype="float64"))
        labels = arm_labels(joined).to_numpy(dtype=object)
        rows = joined["row"].to_numpy()
        table = []
        for arm in self._graded.arms:  # type: ignore[union-attr]
            mine = labels == arm
            figures = _scorers.arm_figures(vals[mine], rows[mine], status[mine], seed or _scorers.stats.SEED)
            table.append({ARM: arm, "judges": ", ".join(self._models), **figures})
        return pd.DataFrame(table)

    def position_bias(self) -> pd.DataFrame:
        """Pairwise, per judge model: ``n_rows`` asked in both orders, ``consistent`` (share of
        them with the same winner both times), ``first_share`` (share of all its valid verdicts
        that chose the answer shown first; 0.5 or below the tie share means no position bias),
        ``a_wins``, ``b_wins``, ``ties``, ``inconsistent`` (rows)."""
        if not self.pairwise:
            raise ConfigError("position_bias() is for a pairwise judge: nbc.judge(..., pairwise=(a, b))")
        a, b = self.info["pair"]
        w = self._winners()
        valid = self._df.loc[self._df["_valid"]]
        out = []
        for model in self._models:
            mine = w.loc[w["model"] == model, "winner"]
            grades = valid.loc[valid["model"] == model, "grade"]
            counts = mine.value_counts()
            out.append(
                {
                    "model": model, "n_rows": len(mine),
                    "consistent": float((mine != INCONSISTENT).mean()) if len(mine) else np.nan,
                    "first_share": float((grades == "first").mean()) if len(grades) else np.nan,
                    "a_wins": int(counts.get(a, 0)), "b_wins": int(counts.get(b, 0)),
                    "ties": int(counts.get("tie", 0)), "inconsistent": int(counts.get(INCONSISTENT, 0)),
                }
            )  # fmt: skip
        return pd.DataFrame(out).set_index("model")

    def cost(self) -> pd.DataFrame:
        """The judge's bill beside the graded run's: ``cells``, ``calls`` (requests sent, not
        cached), ``cached``, ``cost_usd`` for ``run`` and ``judge``."""
        out = {}
        for name, res in (("run", self._graded), ("judge", self)):
            if res is None:
                continue
            df = res._df
            cached = df["_cached"].to_numpy(dtype=bool)
            calls = int((ran(df) & ~cached).sum())  # requests sent; cached answers cost nothing
            cost = df["_cost_usd"].sum(min_count=1)
            out[name] = {"cells": len(df), "calls": calls, "cached": int(cached.sum()), "cost_usd": cost}
        return pd.DataFrame(out).T.astype(
            {"cells": "int64", "calls": "int64", "cached": "int64", "cost_usd": "float64"}
        )
