"""The Demo connection: a built-in, offline stand-in provider."""

from __future__ import annotations

from pydantic import Field

from .._wire.demo import DemoAdapter
from .base import Connection

__all__ = ["Demo"]


class Demo(Connection):
    """A built-in, offline stand-in provider. No key, no network: answers are made up locally."""

    provider = "demo"
    title = "Demo (offline)"
    adapter_class = DemoAdapter
    secret_fields = ()
    one_per_org = True
    offline = True
    help_text = (
        "An offline stand-in: no key, no network, made-up answers. Use it to try a notebook end to end; "
        "it is labelled as a demo wherever it appears."
    )

    latency: float = Field(default=0.05, ge=0, le=10, description="Simulated seconds per answer (mean).")
    seed: int = Field(default=0, description="Changes which answers the fast model breaks.")

    @property
    def name(self) -> str:
        return self.provider
