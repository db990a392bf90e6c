"""The fallback-mode memory: which enforcement mode worked for an endpoint, model and schema.

Kept for the life of the process, so a fallback (a rejected JSON schema, say) is discovered once,
not on every call; tests clear it through :func:`remembered_modes`.
"""

from __future__ import annotations

__all__ = ["recall", "remember", "remembered_modes"]

Key = tuple[str, str, str, str]  # (provider, base URL, model, schema digest): Adapter.memory_key

# Enforcement modes that worked (or were forced on us by a rejection), per provider endpoint and
# model, for the life of the process: a fallback is discovered once, not on every call.
_REMEMBERED: dict[Key, str] = {}


def remembered_modes() -> dict[Key, str]:
    return _REMEMBERED


def recall(key: Key) -> str | None:
    """The mode remembered for ``key``, if any."""
    return _REMEMBERED.get(key)


def remember(key: Key, mode: str) -> None:
    _REMEMBERED[key] = mode
