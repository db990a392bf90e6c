"""``nbc.judge``: an LLM grades the cells of a run, through the same engine as any run.

The judge is a run: one grading prompt per graded cell (the input, the answer and, when given,
the reference), answered in a schema ``{grade: <one of grades>, reason: str}``, sent by
:func:`nbconnect.run` with the same organization, cache, budget, retries, limits, progress and
stop. So a rerun of the same judge sends nothing (the cache), ``budget_usd=`` stops it, and its
answers are :class:`Verdicts`, which *are* :class:`Results` (one row per graded cell, one arm
per judge model): ``summary()`` shows the judge's own cost, ``agreement("grade", pairs=True)``
the judges' kappa and alpha. On top: :meth:`Verdicts.majority`, :meth:`Verdicts.join` (grades
back onto the graded cells), :meth:`Verdicts.scores` (per graded arm, with intervals),
:meth:`Verdicts.cost` and, in pairwise mode, :meth:`Verdicts.position_bias`.

Pairwise (``pairwise=("arm A", "arm B")``): each row both arms answered validly is asked twice,
A first then B first (input column ``order`` = ``"AB"`` / ``"BA"``); grades ``first``,
``second``, ``tie``. A judge's winner for a row is the one it chose in both orders; when the two
orders disagree, the row is ``inconsistent`` (position bias), which :meth:`position_bias` counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .._errors import ConfigError
from .._results.results import Results
from .._results.score import listing
from .._results.verdicts import Verdicts
from .api import check_keywords, run_job_blocking, start

__all__ = ["GRADES", "PAIR_GRADES", "Verdicts", "judge", "start_judge"]

GRADES = ("pass", "fail")
PAIR_GRADES = ("first", "second", "tie")
_RUN_ONLY = {
    "template",
    "data",
    "schema",
    "models",
    "truth",
    "redo",
    "limit",
    "sample",
    "allow_constant_prompt",
}

#: judge's own arguments, offered when a keyword is mistyped (``refrence=`` -> ``reference``)
_OWN = ("field", "reference", "inputs", "grades", "pairwise")


def _schema(grades: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "grade": {"type": "string", "enum": list(grades)},
            "reason": {"type": "string", "description": "one short sentence saying why"},
        },
        "required": ["grade", "reason"],
        "additionalProperties": False,
    }


def _block(name: str, placeholder: str) -> str:
    return f"<{name}>\n{{{placeholder}}}\n</{name}>\n\n"


def _template(rubric: str, grades: Sequence[str], reference: bool, pairwise: bool) -> str:
    rubric = rubric.replace("{", "{{").replace("}", "}}")  # the rubric is text, never placeholders
    parts = ["You are grading answers. Rubric: " + rubric + "\n\n", _block("input", "input")]
    if pairwise:
        parts += [_block("answer_1", "answer_1"), _block("answer_2", "answer_2")]
    else:
        parts.append(_block("answer", "answer"))
    if reference:
        parts.append(_block("reference", "reference"))
    ask = "Which answer is better" if pairwise else "Grade the answer"
    parts.append(f"{ask}: reply with grade one of {', '.join(grades)}, and a one-sentence reason.")
    return "".join(parts)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def _input_text(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    if len(columns) == 1:
        return frame[columns[0]].map(_text)
    return frame[columns].apply(lambda r: "\n".join(f"{c}: {_text(r[c])}" for c in columns), axis=1)


def _check(results: Any, field: Any, reference: Any, inputs: Any, grades: Any) -> tuple[list[str], Any]:
    if not isinstance(results, Results):
        raise ConfigError(f"judge() grades Results (what nbc.run returns), not {type(results).__name__}")
    if field is not None and field not in results.fields:
        raise ConfigError(f"unknown field {field!r}; the fields are: {listing(results.fields)}")
    if reference is not None and reference not in results.inputs:
        raise ConfigError(
            f"reference={reference!r} is not an input column; the input columns are: {listing(results.inputs)}"
        )
    shown = [c for c in results.inputs if c != reference] if inputs is None else list(inputs)
    bad = [c for c in shown if c not in results.inputs]
    if bad or not shown:
        raise ConfigError(f"inputs= must name input columns ({listing(results.inputs)}); got {listing(bad)}")
    if isinstance(grades, dict):
        names, values = list(grades), grades
    else:
        names = list(grades)
        values = {g: 1 - i / (len(names) - 1) for i, g in enumerate(names)} if len(names) > 1 else {}
    if len(names) < 2 or len(set(names)) != len(names) or not all(isinstance(g, str) and g for g in names):
        raise ConfigError('grades= must be two or more distinct names, best first, e.g. ("pass", "fail")')
    return shown, values


def _answer(cells: pd.DataFrame, field: str | None, fields: list[str]) -> pd.Series:
    if field is not None:
        return cells[field].map(_text)
    return cells[fields].apply(lambda r: _text({f: r[f] for f in fields}), axis=1)


def _graded_frame(
    results: Results, field: str | None, reference: str | None, shown: list[str]
) -> pd.DataFrame:
    """One row per valid cell of ``results``: who answered, the input, the answer, the reference."""
    df = results.df
    cells = df.loc[df["_valid"]].reset_index(drop=True)
    out = pd.DataFrame({"graded_row": cells["row"].astype("int64")})
    for name in ("variant", "model", "sample"):
        if name in cells:
            out["graded_" + name] = cells[name]
    out["input"] = _input_text(cells, shown)
    out["answer"] = _answer(cells, field, results.fields)
    if reference is not None:
        out["reference"] = cells[reference].map(_text)
    return out


def _pair_frame(
    results: Results, field: str | None, reference: str | None, shown: list[str], pair: Any
) -> pd.DataFrame:
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[0] != pair[1]):
        raise ConfigError(
            'pairwise= takes two arms of the results, e.g. pairwise=("demo:demo-careful", "demo:demo-fast")'
        )
    for arm in pair:
        if arm not in results.arms:
            raise ConfigError(f"unknown arm {arm!r}; the arms are: {listing(results.arms)}")
    if field is None and len(results.fields) != 1:
        raise ConfigError(
            f"pairwise judging compares one field; pass field= (one of {listing(results.fields)})"
        )
    field = field or results.fields[0]
    wide = results.compare(field, inputs=False)
    valid = results._wide(results._per_row(field), "_valid").fillna(False).astype(bool)
    rows = valid.index[valid[pair[0]] & valid[pair[1]]]
    first = results.df.drop_duplicates("row").set_index("row").loc[rows]
    frames = []
    for order, (one, two) in (("AB", pair), ("BA", pair[::-1])):
        part = pd.DataFrame({"graded_row": rows.astype("int64"), "order": order})
        part["input"] = _input_text(first, shown).to_numpy()
        part["answer_1"] = wide.loc[rows, one].map(_text).to_numpy()
        part["answer_2"] = wide.loc[rows, two].map(_text).to_numpy()
        if reference is not None:
            part["reference"] = first[reference].map(_text).to_numpy()
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


class JudgeJob:
    """A judge not yet run: ``job`` is the engine's :class:`Job` (``stop()``, ``progress``);
    :meth:`run` / :meth:`arun` run it and return :class:`Verdicts`."""

    def __init__(self, job: Any, graded: Results, info: dict[str, Any]) -> None:
        self.job, self._graded, self._info = job, graded, info

    def stop(self) -> None:
        self.job.stop()

    def _wrap(self, answers: Results) -> Verdicts:
        return Verdicts.wrap(answers, self._graded, self._info)

    def run(self) -> Verdicts:
        return self._wrap(run_job_blocking(self.job))

    async def arun(self) -> Verdicts:
        return self._wrap(await self.job.arun())


def start_judge(
    results: Results,
    rubric: str,
    *,
    models: Any,
    field: str | None = None,
    reference: str | None = None,
    inputs: Sequence[str] | None = None,
    grades: Sequence[str] | dict[str, float] = GRADES,
    pairwise: Sequence[str] | None = None,
    **options: Any,
) -> JudgeJob:
    """Check everything and return a :class:`JudgeJob` (see :func:`judge` for the arguments)."""
    if not isinstance(rubric, str) or not rubric.strip():
        raise ConfigError(
            'rubric= must say what a good answer is, e.g. rubric="the answer is faithful to the text"'
        )
    clash = sorted(_RUN_ONLY & set(options))
    if clash:
        raise ConfigError(
            f"judge() sets {listing(clash)} itself; pass the run options only (cache, budget_usd...)"
        )
    check_keywords("judge", options, own=_OWN)
    if pairwise is not None:
        grades = PAIR_GRADES
    shown, values = _check(results, field, reference, inputs, grades)
    if pairwise is None:
        data = _graded_frame(results, field, reference, shown)
    else:
        data = _pair_frame(results, field, reference, shown, pairwise)
    if data.empty:
        raise ConfigError(
            "nothing to grade: the results have no valid cell (for pairwise: no row both arms answered)"
        )
    names = list(values) if values else list(grades)
    template = _template(rubric, names, reference is not None, pairwise is not None)
    job = start(
        template, data=data, schema=_schema(names), models=models, allow_constant_prompt=True, **options
    )
    info = {"judge": "pairwise" if pairwise is not None else "grade", "field": field, "rubric": rubric}
    info.update(grades=names, values=values, pair=list(pairwise) if pairwise is not None else None)
    return JudgeJob(job, results, info)


def judge(results: Results, rubric: str, **kwargs: Any) -> Verdicts:
    """Grade the valid cells of ``results`` with LLM judges; returns :class:`Verdicts` (Results).

    ``rubric``: what a good answer is. ``models``: judge model references (several: use
    :meth:`Verdicts.majority` and ``agreement("grade", pairs=True)``). ``field``: the field to
    grade (default: the whole answer). ``reference``: an input column with the expected answer.
    ``inputs``: the input columns shown to the judge (default: all but the reference).
    ``grades``: the grade names, best first (default ``("pass", "fail")``; scored 1 to 0
    evenly), or a dict ``{grade: value}``. ``pairwise=(arm_a, arm_b)``: compare two arms row by
    row, asking twice with the order swapped. Every other keyword is a run option, as in
    :func:`nbconnect.run` (``org``, ``cache``, ``budget_usd``, ``max_retries``, ``concurrency``,
    ``rpm``, ``progress``, ``on_progress``, ``temperature``...). Ctrl-C stops it, keeping what
    finished; for ``stop()`` from another thread use ``nbconnect._engine.judge.start_judge``.

        >>> import nbconnect as nbc
        >>> res = nbc.run(
        ...     "Summarize this review in one sentence: {text}",
        ...     data=nbc.data.reviews().head(5),
        ...     schema="summary: str",
        ...     models=["demo:demo-fast"],
        ... )
        >>> verdicts = nbc.judge(
        ...     res, rubric="The summary is faithful to the review", field="summary",
        ...     models=["demo:demo-careful"],
        ... )
        >>> verdicts
        <Verdicts: 5 cells (5 rows × 1 model), 100.0% valid; models: demo:demo-careful>
        >>> verdicts.scores()[["arm", "n", "score"]]  # the share passed, per graded arm
                      arm  n  score
        0  demo:demo-fast  5    1.0
    """
    return start_judge(results, rubric, **kwargs).run()


def _share_signature() -> None:
    """help(nbc.judge) lists the judge's own arguments (those of start_judge)."""
    import inspect

    judge.__signature__ = inspect.signature(start_judge).replace(return_annotation="Verdicts")  # type: ignore[attr-defined]


_share_signature()
