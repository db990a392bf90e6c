"""jsonschema, imported without paying for its slowest optional format module up front.

With Jupyter's usual packages installed (``jsonschema[format-nongpl]``), ``import jsonschema``
imports ``rfc3987_syntax``, which compiles its lark grammars at import: 0.7-4 s, nearly all of
jsonschema's import time, paid by the first run of every fresh kernel although only the "iri" and
"iri-reference" formats use it. :func:`jsonschema` imports jsonschema with a stand-in for that
module whose ``is_valid_syntax`` imports the real one on its first call, so every format check
stays as jsonschema defines it; the stand-in leaves ``sys.modules`` once jsonschema holds it, so
anyone importing ``rfc3987_syntax`` afterwards gets the real module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

__all__ = ["jsonschema"]

_DEFERRED = "rfc3987_syntax"
_lock = threading.Lock()


def _stand_in() -> types.ModuleType:
    module = types.ModuleType(_DEFERRED, "nbconnect's stand-in: imports rfc3987_syntax on first use")

    def is_valid_syntax(term: str, value: str) -> Any:
        return importlib.import_module(_DEFERRED).is_valid_syntax(term, value)

    module.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    return module


def jsonschema() -> types.ModuleType:
    """The jsonschema module (imported on the first call, with ``rfc3987_syntax`` deferred).

    Always through the lock and an import statement, never a bare ``sys.modules`` look-up: the
    warm-up thread (``http.warm_up``) may be halfway through the import, and only the import
    statement waits for the module to be complete."""
    with _lock:
        defer = "jsonschema" not in sys.modules and _DEFERRED not in sys.modules
        stand_in = _stand_in() if defer and importlib.util.find_spec(_DEFERRED) is not None else None
        if stand_in is not None:
            sys.modules[_DEFERRED] = stand_in
        try:
            import jsonschema as module
        finally:
            if stand_in is not None and sys.modules.get(_DEFERRED) is stand_in:
                del sys.modules[_DEFERRED]
    return module
