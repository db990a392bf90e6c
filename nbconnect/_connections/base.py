"""The base class every provider connection shares: secrets, hints, store round-trips."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretStr, ValidationError

if TYPE_CHECKING:
    from .._wire.adapter import Verification

__all__ = ["Connection", "mask"]


def mask(secret: str) -> str:
    """A hint that tells keys apart without revealing them: ``sk-…a1b2``.

    Short secrets show nothing (under 12 characters, the last 4 would be a third or more of the
    secret); the prefix is kept only when it is a conventional, non-secret one (``sk-``, ``AIza``...).
    """
    if len(secret) < 12:
        return "…"
    prefix = ""
    for known in ("sk-ant-", "sk-proj-", "sk-", "AIza"):
        if secret.startswith(known) and len(secret) >= len(known) + 12:
            prefix = known
            break
    return f"{prefix}…{secret[-4:]}"


class Connection(BaseModel):
    """One set of credentials for one provider.

    Subclasses declare their fields; secrets are :class:`pydantic.SecretStr`, so they print as
    ``**********`` everywhere. Unknown keyword arguments are rejected, and validation errors never
    echo the value that failed (``hide_input_in_errors``), so a mistyped key is not printed.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        str_strip_whitespace=True,
    )

    provider: ClassVar[str]
    """Stable provider id, e.g. ``"openai"``."""
    title: ClassVar[str]
    """Human name for forms and messages, e.g. ``"Azure OpenAI"``."""
    wire: ClassVar[str]
    """Which adapter speaks to it: ``"openai"``, ``"anthropic"`` or ``"google"``."""
    one_per_org: ClassVar[bool] = False
    """True when an organization may hold only one connection of this provider."""
    single_model: ClassVar[bool] = False
    """True when the connection serves exactly one model (Azure deployment, Foundry model, custom)."""
    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    docs_url: ClassVar[str] = ""

    _source: str = PrivateAttr(default="explicit")

    if TYPE_CHECKING:  # each subclass defines ``name`` as a field or a property

        @property
        def name(self) -> str: ...

    @property
    def source(self) -> str:
        """Where this connection came from: ``"explicit"``, ``"store"`` or ``"environment"``."""
        return self._source

    @property
    def hint(self) -> str:
        """Masked form of the main secret, for display (``""`` when there is none)."""
        for field in self.secret_fields:
            value = getattr(self, field, None)
            if isinstance(value, SecretStr) and value.get_secret_value():
                return mask(value.get_secret_value())
        return ""

    def secret(self, field: str) -> str | None:
        """The clear value of a secret field, for the adapters that must send it."""
        value = getattr(self, field)
        return value.get_secret_value() if isinstance(value, SecretStr) else None

    def describe(self) -> dict[str, Any]:
        """The non-secret fields plus the hint: safe to show or sync to a browser."""
        data = self.model_dump(exclude=set(self.secret_fields), mode="json", exclude_none=True)
        return {
            "provider": self.provider,
            "name": self.name,
            "hint": self.hint,
            "source": self.source,
            **data,
        }

    # -- talking to the provider ------------------------------------------------------------
    async def averify(
        self, *, client: httpx.AsyncClient | None = None, timeout: float = 30.0
    ) -> Verification:
        """Check the credentials with the cheapest real request; returns, never raises, a Verification."""
        from .._wire.lookup import adapter_for

        async with adapter_for(self, client=client, timeout=timeout) as adapter:
            return await adapter.verify()

    def verify(self, *, timeout: float = 30.0) -> Verification:
        """Sync :meth:`averify` (works inside a notebook's running event loop too)."""
        from .._sync import run_sync

        return run_sync(self.averify(timeout=timeout))

    async def alist_models(
        self, *, client: httpx.AsyncClient | None = None, timeout: float = 30.0
    ) -> list[str]:
        """Model ids the provider lists for these credentials (raises ProviderError on failure)."""
        from .._wire.lookup import adapter_for

        async with adapter_for(self, client=client, timeout=timeout) as adapter:
            return await adapter.list_models()

    def list_models(self, *, timeout: float = 30.0) -> list[str]:
        """Sync :meth:`alist_models`."""
        from .._sync import run_sync

        return run_sync(self.alist_models(timeout=timeout))

    # -- store round trip ------------------------------------------------------------------
    def to_store(self) -> dict[str, Any]:
        """Everything needed to rebuild this connection, secrets in clear (only for the 0600 store)."""
        data = self.model_dump(mode="json", exclude_none=True)
        for field in self.secret_fields:
            value = self.secret(field)
            if value is not None:
                data[field] = value
        return {"provider": self.provider, "fields": data}

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic's "Instance is frozen" error repeats the assigned value whatever
        # hide_input_in_errors says, so `conn.api_key = "sk-..."` would print the key: raise the
        # same error without the input. Private attributes and class variables keep pydantic's path.
        if not name.startswith("_") and name not in type(self).__class_vars__:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [{"type": "frozen_instance", "loc": (name,), "input": value}],
                hide_input=True,
            )
        super().__setattr__(name, value)

    def __repr_args__(self):  # show each secret's own hint instead of SecretStr('**********')
        for key, value in super().__repr_args__():
            if key in self.secret_fields and value is not None:
                # the main secret may have its own hint (Vertex: the account e-mail); others are masked
                clear = self.secret(key)
                main = key == self.secret_fields[0] and self.hint
                yield key, f"<secret {main or mask(clear)}>" if clear else "<secret>"
            else:
                yield key, value
