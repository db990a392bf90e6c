"""The Playground's prompt versions: saved under a name, kept on disk, run as ``variants=``.

"Save as version" keeps the editor's prompt, system text and settings (temperature, max tokens)
under a name. Versions live in one JSON file in nbconnect's data directory (``$NBCONNECT_HOME``
when set, else the user data directory, beside the run history), so a new Playground, after a
kernel restart too, sees them. Nothing in it is a secret: text and numbers only.

``pg.versions`` is a plain dict ``{name: {"template", "system", "temperature", "max_tokens"}}``,
usable as ``nbc.run(..., variants=pg.versions)``. In the widget, the versions ticked to run go
against every chosen model, except the (version, model) pairs unticked in the grid (``arms=``).
A mixin of :class:`~.playground.Playground`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import NbconnectError
from .._results.history import runs_dir

if TYPE_CHECKING:
    from .picker import ModelPicker
    from .playground_core import PlaygroundCore

__all__ = ["VERSION_KEYS", "VersionStore", "VersionsPanel", "data_dir", "versions_path"]

#: what a version keeps: the keys a variant may set that the Playground edits
VERSION_KEYS = ("template", "system", "temperature", "max_tokens")
FILE = "playground-versions.json"


def data_dir() -> Path:
    """nbconnect's data directory (``$NBCONNECT_HOME``, else the user data dir): the run history's parent."""
    return runs_dir().parent


def versions_path() -> Path:
    return data_dir() / FILE


class VersionStore:
    """The versions file: read whole, written whole (to a temporary file, then renamed, so a
    crash never leaves half a file)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else versions_path()

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise NbconnectError(
                f"the saved versions in {self.path} cannot be read ({exc}); fix or delete that file"
            ) from None
        if not isinstance(raw, dict):
            return {}
        return {
            str(k): {key: v.get(key) for key in VERSION_KEYS} for k, v in raw.items() if isinstance(v, dict)
        }

    def save(self, versions: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".versions-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(versions, out, indent=2, ensure_ascii=False)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise NbconnectError("name the version first, e.g. terse or with-examples")
    name = name.strip()
    if "|" in name:
        raise NbconnectError(f"a version name cannot hold '|' (it separates version and model): {name!r}")
    return name


class VersionsPanel:
    """Saved versions and which of them run on which models (mixed into :class:`Playground`)."""

    core: PlaygroundCore
    picker: ModelPicker
    _store: VersionStore
    _saved: dict[str, dict[str, Any]]

    @property
    def versions(self) -> dict[str, dict[str, Any]]:
        """The saved versions, ``{name: {"template", "system", "temperature", "max_tokens"}}``:
        pass it as ``variants=`` to ``nbc.run`` (a copy: changing it changes nothing saved)."""
        return {name: dict(spec) for name, spec in self._saved.items()}

    def save_version(self, name: str) -> dict[str, Any]:
        """Keep the editor's prompt, system text and settings as version ``name`` (replacing one
        of that name), on disk at once."""
        name = check_name(name)
        core = self.core
        if not core.template.strip():
            raise NbconnectError("write a prompt before saving it as a version")
        spec = {
            "template": core.template,
            "system": core.system or None,
            "temperature": core.temperature,
            "max_tokens": core.max_tokens,
        }
        self._saved = {**self._saved, name: spec}
        self._store.save(self._saved)
        self._show_versions()
        return spec

    def delete_version(self, name: str) -> None:
        if name not in self._saved:
            raise NbconnectError(f"no version named {name!r}")
        self._saved = {k: v for k, v in self._saved.items() if k != name}
        self._store.save(self._saved)
        self._show_versions()

    def _load_versions(self, path: Path | None = None) -> None:
        self._store = VersionStore(path)
        self._saved = self._store.load()
        self._show_versions()

    def _show_versions(self) -> None:
        core = self.core
        with core.batch():
            core.versions = [{"name": n, **spec} for n, spec in self._saved.items()]
            kept = [n for n in core.chosen_versions if n in self._saved]
            if kept != list(core.chosen_versions):
                core.chosen_versions = kept

    def _on_save_version(self, msg: dict[str, Any]) -> dict[str, Any]:
        name = check_name(msg.get("name"))
        self.save_version(name)
        if name not in self.core.chosen_versions:  # a version just saved is one to run
            self.core.chosen_versions = [*self.core.chosen_versions, name]
        return {"name": name}

    def _on_delete_version(self, msg: dict[str, Any]) -> dict[str, Any]:
        self.delete_version(str(msg.get("name")))
        return {}

    def _variant_kwargs(self) -> dict[str, Any]:
        """``variants=`` and ``arms=`` for the engine: the ticked versions on every chosen model but
        the unticked (version, model) pairs; nothing when no version is ticked (the editor runs)."""
        chosen = [n for n in self.core.chosen_versions if n in self._saved]
        if not chosen:
            return {}
        variants = {n: {k: v for k, v in self._saved[n].items() if v is not None} for n in chosen}
        off = set(self.core.excluded_arms)
        pairs = [(n, m) for n in chosen for m in self.picker.value if f"{n}|{m}" not in off]
        if not pairs:
            raise NbconnectError("every (version, model) pair is unticked: tick at least one to run")
        everything = len(pairs) == len(chosen) * len(self.picker.value)
        # system None: a version saved without system text runs without one, not with the editor's
        return {"variants": variants, "arms": None if everything else pairs, "system": None}

    def _run_settings(self) -> dict[str, Any]:
        """The run's own temperature and max tokens: the editor's, or none when versions run (each
        version carries its own; one saved with the provider's default must not take the editor's)."""
        if self._variant_kwargs():
            return {"temperature": None, "max_tokens": None}
        return {"temperature": self.core.temperature, "max_tokens": self.core.max_tokens}
