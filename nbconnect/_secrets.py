"""Secrets in text: the masked hint that tells keys apart, and scrubbing echoed secrets out.

The one home for both, so the panel, the picker, the adapters and the runner hide secrets the
same way. The list of secrets to scrub comes from ``Connection.secret_values()`` (and an adapter's
``secret_values()``, which adds short-lived tokens such as Vertex's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["mask", "scrub"]

# Conventional, non-secret prefixes worth keeping in a hint; longest first.
_PREFIXES = ("sk-ant-", "sk-proj-", "sk-", "AIza")


def mask(secret: str) -> str:
    """A hint that tells keys apart without revealing them: ``sk-…a1b2``.

    Short secrets show nothing (under 12 characters, the last 4 would be a third or more of the
    secret); the prefix is kept only when it is a conventional, non-secret one (``sk-``, ``AIza``...).
    """
    if len(secret) < 12:
        return "…"
    prefix = ""
    for known in _PREFIXES:
        if secret.startswith(known) and len(secret) >= len(known) + 12:
            prefix = known
            break
    return f"{prefix}…{secret[-4:]}"


# Providers quote a key they refused half masked: stars (``sk-bad-0*****XYZ2``) or three dots
# after a key-like prefix (``sk-...abcd``, ``AIza...abcd``). The dots form needs a dash-ended
# prefix (or Google's ``AIza``) so prose ("wait...then") survives, and only ASCII dots match:
# our own hint (``mask``: ``sk-…abcd``, one "…" character) is meant to be shown.
_PROVIDER_MASKED = re.compile(
    r"[\w-]{3,}\*{3,}[\w-]{0,8}"
    r"|\b(?:[A-Za-z]{2,}\w*-[\w-]*|AIza[\w-]*)\.{3}[\w-]{2,}"
)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace any secret a provider echoed back with a mark. Providers also quote bad keys half
    masked (``sk-bad-0*****XYZ2``, ``sk-...abcd``), showing more than our own hint does: those go too."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "<secret>")
    return _PROVIDER_MASKED.sub("<key>", text)
