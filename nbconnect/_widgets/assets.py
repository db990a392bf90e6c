"""The widgets' front-end files: find them, and join a view's ES modules into the one string anywidget loads.

The sources in ``js/`` are real ES modules (``import { h } from "./_shared.js"``), so node's test
runner imports them as they are. anywidget loads ``_esm`` as a single string, where relative imports
cannot resolve, so :func:`bundle` inlines each imported module once, inside its own function scope
(names private to one module cannot clash with another's), in dependency order. Only the one import
form the sources use is accepted; anything else is refused with the file and line, so a new file
cannot silently break the bundle.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

__all__ = ["asset", "bundle", "esm_text"]

_HERE = Path(__file__).resolve().parent

_IMPORT = re.compile(r'^import\s*\{(?P<names>[^}]*)\}\s*from\s*"\./(?P<file>[\w.-]+\.js)";?[ \t]*$', re.M)
_ANY_IMPORT = re.compile(r"^[ \t]*import\b.*$", re.M)
_EXPORT = re.compile(
    r"^export\s+(?P<kind>(?:async\s+)?function\*?|const|let|class)\s+(?P<name>[A-Za-z_$][\w$]*)", re.M
)
_OTHER_EXPORT = re.compile(r"^export\s+(?!(?:async\s+)?function|const\b|let\b|class\b).*$", re.M)


class BundleError(ValueError):
    """A front-end module uses a form the bundler does not inline."""


def asset(name: str) -> Path:
    """A front-end file: ``nbconnect/_static/NAME`` in a wheel, ``js/NAME`` in a source checkout."""
    for folder in (_HERE.parent / "_static", _HERE.parent.parent / "js"):
        path = folder / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"nbconnect front-end file {name!r} is missing; reinstall nbconnect")


def _imports(path: Path, text: str) -> list[tuple[str, list[tuple[str, str]], str]]:
    """``(line, [(exported, local)], file)`` for each import; any other import form is an error."""
    found = []
    for match in _IMPORT.finditer(text):
        names = []
        for part in filter(None, (p.strip() for p in match["names"].split(","))):
            exported, _, local = part.partition(" as ")
            names.append((exported.strip(), (local or exported).strip()))
        found.append((match[0], names, match["file"]))
    plain = {line.strip() for line, _, _ in found}
    for match in _ANY_IMPORT.finditer(text):
        if match[0].strip() not in plain:
            line = text.count("\n", 0, match.start()) + 1
            raise BundleError(
                f'{path.name}:{line}: only `import {{ a, b as c }} from "./file.js";` can be bundled, '
                f"got {match[0].strip()!r}"
            )
    return found


def _scope(stem: str) -> str:
    return "__nbc_" + re.sub(r"\W", "_", stem)


def esm_text(entry: str) -> str:
    """``entry`` with its relative imports inlined: one ES module, whose exports are the entry's."""
    order: list[Path] = []
    exports: dict[Path, list[str]] = {}

    def visit(path: Path, trail: tuple[Path, ...]) -> None:
        if path in trail:
            raise BundleError(f"import cycle: {' -> '.join(p.name for p in (*trail, path))}")
        if path in exports:
            return
        text = path.read_text(encoding="utf-8")
        for _, _, file in _imports(path, text):
            visit(asset(file), (*trail, path))
        exports[path] = [m["name"] for m in _EXPORT.finditer(text)]
        order.append(path)

    root = asset(entry)
    visit(root, ())
    parts = []
    for path in order:
        text = path.read_text(encoding="utf-8")
        for line, names, file in _imports(path, text):
            dep = asset(file)
            missing = [n for n, _ in names if n not in exports[dep]]
            if missing:
                raise BundleError(
                    f"{path.name} imports {', '.join(missing)} from {file}, which does not export it"
                )
            binding = ", ".join(n if n == local else f"{n}: {local}" for n, local in names)
            text = text.replace(line, f"const {{ {binding} }} = {_scope(dep.stem)};", 1)
        if path == root:
            parts.append(f"// ---- {path.name} ----\n{text}")
            continue
        other = _OTHER_EXPORT.search(text)
        if other:
            raise BundleError(f"{path.name}: a shared module exports only declarations, got {other[0]!r}")
        body = _EXPORT.sub(lambda m: f"{m['kind']} {m['name']}", text)
        parts.append(
            f"// ---- {path.name} ----\nconst {_scope(path.stem)} = (() => {{\n{body}\n"
            f"return {{ {', '.join(exports[path])} }};\n}})();"
        )
    return "\n".join(parts)


def _files(entry: str) -> list[Path]:
    """The entry and every module it imports, directly or not."""
    seen: list[Path] = []
    stack = [asset(entry)]
    while stack:
        path = stack.pop()
        if path not in seen:
            seen.append(path)
            stack += [asset(f) for _, _, f in _imports(path, path.read_text(encoding="utf-8"))]
    return seen


def bundle(*names: str) -> Any:
    """The front end for one widget: an ES module name (its imports inlined, see :func:`esm_text`) or
    style sheets (joined in order).

    With ``ANYWIDGET_HMR=1`` in a source checkout, the text is rebuilt and pushed to live widgets
    whenever one of its files changes (anywidget's hot reload).
    """
    if len(names) == 1 and names[0].endswith(".js"):
        paths = _files(names[0])

        def build() -> str:
            return esm_text(names[0])
    else:
        paths = [asset(name) for name in names]

        def build() -> str:
            return "\n".join(p.read_text(encoding="utf-8") for p in paths)

    text = build()
    if not os.environ.get("ANYWIDGET_HMR") or "site-packages" in str(paths[0]):
        return text
    from anywidget._file_contents import FileContents, VirtualFileContents

    virtual = VirtualFileContents(text)
    for path in paths:
        # the watcher threads keep themselves alive; a broken edit keeps the last good text
        FileContents(path).changed.connect(lambda _new: _rebuild(virtual, build))
    return virtual


def _rebuild(virtual: Any, build: Any) -> None:
    try:
        virtual.contents = build()
    except (BundleError, OSError) as exc:
        import logging

        logging.getLogger("nbconnect.widgets").warning("front-end rebuild failed: %s", exc)
