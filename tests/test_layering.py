"""The layering rule (DEVELOP.md) holds: import-linter's contracts in pyproject.toml pass on the package,
and the same contracts break on a package that reaches up a layer. Plus the per-provider structure it
rests on: no provider branches in the wire, no provider table in the browser's form."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter import api as linter_api

import nbconnect

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
PACKAGE = Path(nbconnect.__file__).resolve().parent


def lint(config: Path, path: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on ``config`` with ``path`` first on sys.path, in a child process: the linter
    reconfigures logging (disabling every existing logger) and edits sys.path, which must not leak
    into the tests that run after this one."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True, no_logo=True))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=path, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_package_keeps_its_layers():
    result = lint(PYPROJECT, PACKAGE.parent)  # the nbconnect under test, not another installed copy
    assert result.returncode == 0, result.stdout + result.stderr  # names each import that breaks one
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def _probe_config(tmp_path: Path, package: str) -> Path:
    """pyproject's import-linter settings (session and contracts), pointed at ``package``."""
    options = linter_api.read_configuration(str(PYPROJECT))
    assert options["session_options"]["root_packages"] == ["nbconnect"]

    def table(header: str, values: dict) -> list[str]:
        renamed = json.loads(json.dumps(values).replace("nbconnect", package))
        return [header, *(f"{key} = {json.dumps(value)}" for key, value in renamed.items())]

    lines = table("[tool.importlinter]", options["session_options"])
    for contract in options["contracts_options"]:
        lines += table("[[tool.importlinter.contracts]]", contract)
    path = tmp_path / "probe.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _probe_package(tmp_path: Path, name: str, modules: dict[str, str]) -> None:
    """A package with nbconnect's subpackages and low modules (each holding a module ``x``), plus
    ``modules`` (dotted name -> source)."""
    top = tmp_path / name
    parts = [p.name.removesuffix(".py") for p in PACKAGE.iterdir() if not p.name.startswith("__")]
    for part in [p for p in parts if p.startswith("_") or (PACKAGE / p).is_dir()]:
        (top / part).mkdir(parents=True, exist_ok=True)
        (top / part / "__init__.py").write_text("")
        (top / part / "x.py").write_text("")
    (top / "__init__.py").write_text("")
    for dotted, source in modules.items():
        top.joinpath(*dotted.split(".")).with_suffix(".py").write_text(source)


_TYPE_CHECKING_ONLY = (
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .._connections import x\n"
)
PROBES = [
    ("wire_up_to_connections", {"_wire.adapter": "from .._connections import x\n"}, False),  # the old cycle
    ("wire_up_to_engine", {"_wire.http": "from .. import _version\nfrom .._engine import x\n"}, False),
    ("sibling_store_to_results", {"_store.org": "from .._results import x\n"}, False),
    ("engine_to_testing", {"_engine.plan": "from ..testing import x\n"}, False),  # a side package
    ("downward", {"_connections.openai": "from .._wire import x\nfrom .._secrets import x as y\n"}, True),
    ("type_checking_only", {"_wire.adapter": _TYPE_CHECKING_ONLY}, True),  # annotations may look up
]


@pytest.mark.parametrize(("name", "modules", "kept"), PROBES, ids=[p[0] for p in PROBES])
def test_the_contracts_break_on_an_import_that_reaches_up(tmp_path, name, modules, kept):
    package = f"layerprobe_{name}"
    _probe_package(tmp_path, package, modules)
    result = lint(_probe_config(tmp_path, package), tmp_path)
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 1: broken, not a crash
    assert (result.returncode == 0) is kept, result.stdout


def test_no_wire_module_branches_on_the_provider():
    wire = sorted((PACKAGE / "_wire").glob("*.py"))
    assert wire
    for path in wire:
        text = path.read_text()
        assert not re.search(r"provider\s*(==|!=|in\s*[(\[{])", text), path.name


def test_the_browser_form_holds_no_provider_table():
    """Every provider fact the form shows arrives in the panel's `providers` specs."""
    from nbconnect._connections.providers import PROVIDERS

    js = (ROOT / "js" / "connections.js").read_text()
    for provider in PROVIDERS:  # neither compared with nor as an object key
        quoted = rf"[\"'`]{provider}[\"'`]"
        assert not re.search(rf"(===?|!==?|case)\s*{quoted}|{quoted}\s*:|\b{provider}\s*:", js), provider
    assert "deployment" not in js  # the rule's words come as spec.rule


#: a module grown past this is split along a real seam (CONTEXT/DEVELOP: modules of about 400 lines)
MAX_MODULE_LINES = 410


def test_no_module_of_the_package_outgrows_the_size_limit():
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert len(sizes) > 50  # the package itself was read, not an empty folder
    over = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not over, f"split these along a seam (at most {MAX_MODULE_LINES} lines each): {over}"
