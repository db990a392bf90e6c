"""The Demo connection: a built-in, offline stand-in provider."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .._wire.demo import DemoAdapter
from .base import Connection

__all__ = ["Demo"]


class Demo(Connection):
    """A built-in, offline stand-in provider. No key, no network: answers are made up locally."""

    provider: ClassVar[str] = "demo"
    title: ClassVar[str] = "Demo (offline)"
    adapter_class: ClassVar[type[DemoAdapter]] = DemoAdapter
    secret_fields: ClassVar[tuple[str, ...]] = ()
    one_per_org: ClassVar[bool] = True
    offline: ClassVar[bool] = True
    help_text: ClassVar[str] = (
        "An offline stand-in: no key, no network, made-up answers. Use it to try a notebook end to end; "
        "it is labelled as a demo wherever it appears."
    )

    latency: float = Field(default=0.05, ge=0, le=10, description="Simulated seconds per answer (mean).")
    seed: int = Field(default=0, description="Changes which answers the fast model breaks.")

    @property
    def name(self) -> str:
        return self.provider
