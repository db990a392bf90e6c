"""The installed version, read once from the package metadata (a low module: the User-Agent needs it
without importing the package's public surface)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("nbconnect")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
