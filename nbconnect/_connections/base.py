"""The base class every provider connection shares: its declared facts, secrets, hints, store round-trips.

Each provider class declares its facts once, as class variables (the habit of simonw/llm's
``needs_key`` / ``key_env_var``): which fields are secret, the environment variables it is found
from, help text and links for the panel, the key page and the fix a rejected key needs, which field
names it, the organization's rule, and the wire adapter that speaks for it. Environment discovery,
the panel (and through it the browser), the wire adapters' error hints and the engine read them
from here instead of keeping their own tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretStr, ValidationError

from .._secrets import mask
from .invalid import invalid_connection

if TYPE_CHECKING:
    from .._wire.adapter import Adapter, Verification

__all__ = ["Connection", "EnvVars"]

EnvVars = dict[str, tuple[str, ...]]
"""A connection field -> the environment variables it is read from (a class variable of each provider)."""


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
    """Stable provider id, e.g. ``"openai"``: the store, the catalog and the panel key on it."""
    title: ClassVar[str]
    """Human name for forms and messages, e.g. ``"Azure OpenAI"``."""
    adapter_class: ClassVar[type[Adapter]]
    """The wire adapter that speaks for this provider (a small subclass per provider)."""
    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    """Fields holding secrets: SecretStr, never in ``describe()``, masked in hints, scrubbed from errors."""
    env_vars: ClassVar[EnvVars] = {}
    """Field -> the environment variables (the ones the official SDK reads) it is found in, first set wins."""
    env_required: ClassVar[tuple[str, ...]] = ()
    """Fields whose variables must be set before the environment is taken to describe a connection."""
    help_text: ClassVar[str] = ""
    """Where the values are found, in the words of the provider's docs (shown by the panel)."""
    links: ClassVar[tuple[tuple[str, str], ...]] = ()
    """``(label, https URL)`` pairs for the panel: key pages, setup guides."""
    key_url: ClassVar[str] = ""
    """The page where a key for this provider is made ("" when there is none)."""
    key_fix: ClassVar[str] = "check the key"
    """What to do when the provider does not accept the key (the "Fix:" of a 401 message)."""
    name_field: ClassVar[str | None] = None
    """The field that names the connection (``deployment``, ``model``, ``name``); ``None`` when the
    connection is named after its provider."""
    one_per_org: ClassVar[bool] = False
    """The organization's rule: True when it may hold only one connection of this provider; otherwise
    one per value of ``name_field``."""
    single_model: ClassVar[bool] = False
    """True when the connection serves exactly one model (Azure deployment, Foundry model, custom)."""
    offline: ClassVar[bool] = False
    """True for the built-in Demo: no key, no network, made-up answers from the catalog's models only.
    It needs no setup (``"demo:<model>"`` works without an organization) and is labelled as a demo."""

    _source: str = PrivateAttr(default="explicit")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:  # nbconnect's error, in its words, every field at once
            raise invalid_connection(type(self), data, exc) from None

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

    def secret_values(self) -> list[str]:
        """The clear value of every filled secret field: what to scrub from any text shown or logged."""
        return [v for v in (self.secret(f) for f in self.secret_fields) if v]

    @classmethod
    def env_variables(cls) -> tuple[str, ...]:
        """Every environment variable this provider is discovered from, in declaration order."""
        return tuple(name for names in cls.env_vars.values() for name in names)

    @classmethod
    def org_rule(cls) -> str:
        """The organization's rule in words: ``"one per organization"``, ``"one per deployment"``..."""
        return "one per organization" if cls.one_per_org else f"one per {cls.name_field or 'name'}"

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
    def adapter(self, *, client: httpx.AsyncClient | None = None, timeout: float | None = None) -> Adapter:
        """The wire adapter for this connection. Pass ``client`` to control HTTP yourself."""
        return self.adapter_class(self, client=client, timeout=timeout)

    async def averify(
        self, *, client: httpx.AsyncClient | None = None, timeout: float = 30.0
    ) -> Verification:
        """Check the credentials with the cheapest real request; returns, never raises, a Verification."""
        async with self.adapter(client=client, timeout=timeout) as adapter:
            return await adapter.verify()

    def verify(self, *, timeout: float = 30.0) -> Verification:
        """Sync :meth:`averify` (works inside a notebook's running event loop too)."""
        from .._sync import run_sync

        return run_sync(self.averify(timeout=timeout))

    async def alist_models(
        self, *, client: httpx.AsyncClient | None = None, timeout: float = 30.0
    ) -> list[str]:
        """Model ids the provider lists for these credentials (raises ProviderError on failure)."""
        async with self.adapter(client=client, timeout=timeout) as adapter:
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
