"""Where nbconnect keeps its files: ``$NBCONNECT_HOME`` when set, else the platform's user folders.

One home for the rule, so the connection store and the run history always agree on it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["config_path", "data_path"]


def _home() -> Path | None:
    home = os.environ.get("NBCONNECT_HOME")
    return Path(home).expanduser() if home else None


def config_path(name: str) -> Path:
    """``$NBCONNECT_HOME/name``, else ``name`` in the user config dir (``~/.config/nbconnect``)."""
    home = _home()
    if home is not None:
        return home / name
    from platformdirs import user_config_dir  # only needed without NBCONNECT_HOME

    return Path(user_config_dir("nbconnect", appauthor=False)) / name


def data_path(name: str) -> Path:
    """``$NBCONNECT_HOME/name``, else ``name`` in the user data dir (``~/.local/share/nbconnect``)."""
    home = _home()
    if home is not None:
        return home / name
    from platformdirs import user_data_dir  # only needed without NBCONNECT_HOME

    return Path(user_data_dir("nbconnect", appauthor=False)) / name
