"""jsonschema is imported without compiling rfc3987-syntax's grammars (seconds in a fresh kernel),
and every format check still works, the deferred "iri" ones included."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

CODE = """
import sys
from nbconnect._schema.schema import as_schema

plain = as_schema("label: positive|negative, score: float")
assert plain.validate({"label": "positive", "score": 1.0}) == []
assert plain.validate({"label": "x", "score": 1.0})  # validation really ran
print("deferred", "rfc3987_syntax" not in sys.modules and "lark" not in sys.modules)

iri = as_schema({"type": "object", "properties": {"u": {"type": "string", "format": "iri"},
                                                   "d": {"type": "string", "format": "date"}}})
print("iri", iri.validate({"u": "not an iri"}), iri.validate({"u": "https://example.org/ä"}))
print("date", iri.validate({"d": "2026-13-45"}))
import rfc3987_syntax
print("real", hasattr(rfc3987_syntax, "RFC3987_SYNTAX_TERMS"))
"""


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987-syntax not installed")
def test_first_validation_skips_the_grammars_and_formats_still_check():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120, check=True
    )
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["deferred"] == "True"
    assert lines["iri"] == "[\"u: 'not an iri' is not a 'iri'\"] []"
    assert "is not a 'date'" in lines["date"]
    assert lines["real"] == "True"  # the stand-in left sys.modules: later imports get the real module
