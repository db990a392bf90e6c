"""``help(nbc.X)`` for every public name: a docstring for each, a worked example for the names a
new user starts with, and every example runs as written (doctest, offline on the Demo).

An example whose output changed on purpose (the Demo answers differently now) is fixed by pasting
the new output into the docstring; any other failure is a bug in the example or in the library.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

import nbconnect as nbc

#: where a new user starts: each must show a working example (a ``>>>`` line) in help()
ENTRY_POINTS = [
    "run",
    "arun",
    "estimate",
    "start",
    "Job",
    "Results",
    "judge",
    "Organization",
    "Score",
    "runs",
]


def _public() -> list[tuple[str, object]]:
    return [(name, getattr(nbc, name)) for name in nbc.__all__ if name != "__version__"]


@pytest.mark.parametrize(("name", "obj"), _public(), ids=[n for n, _ in _public()])
def test_every_public_name_has_a_docstring_of_its_own(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert len(doc.split()) >= 5, f"nbc.{name} has no docstring worth reading in help()"
    if inspect.isclass(obj) and obj.__doc__ is None:
        pytest.fail(f"nbc.{name} only inherits its docstring")


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_the_entry_points_show_an_example(name):
    assert ">>> " in (inspect.getdoc(getattr(nbc, name)) or ""), f"help(nbc.{name}) shows no example"


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(recurse=False)
    tests = []
    for name, obj in _public():
        for test in finder.find(obj, name=f"nbc.{name}", globs={"nbc": nbc}):
            if test.examples:
                tests.append(test)
    return tests


@pytest.mark.parametrize("test", _examples(), ids=lambda t: t.name)
def test_the_examples_run_as_written(test):
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
