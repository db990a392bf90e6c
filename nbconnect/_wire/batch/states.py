"""The normalised batch states every provider's batch API maps its own words onto.

A module of their own so each provider module reads them as ``states.DONE`` beside its mapping.
"""

from __future__ import annotations

__all__ = [
    "CANCELLED",
    "CANCELLING",
    "DONE",
    "EXPIRED",
    "FAILED",
    "FINALIZING",
    "IN_PROGRESS",
    "STATES",
    "TERMINAL",
    "VALIDATING",
]

VALIDATING, IN_PROGRESS, FINALIZING, DONE = "validating", "in_progress", "finalizing", "done"
EXPIRED, CANCELLING, CANCELLED, FAILED = "expired", "cancelling", "cancelled", "failed"
#: every normalised batch state, in the order a progress line shows them
STATES = (VALIDATING, IN_PROGRESS, FINALIZING, DONE, EXPIRED, CANCELLING, CANCELLED, FAILED)
#: states after which a batch changes no more: its results (possibly partial) can be collected
TERMINAL = frozenset({DONE, EXPIRED, CANCELLED, FAILED})
