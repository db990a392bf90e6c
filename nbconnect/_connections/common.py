"""Fields and mixins several provider classes share: API-key fields, the http opt-in, base URLs, naming."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, SecretStr, ValidationInfo, model_validator

from .base import Connection
from .urls import check_url

__all__ = [
    "HTTP_OPT_IN",
    "ApiKey",
    "BaseUrlMixin",
    "EndpointMixin",
    "NamedByField",
    "OnePerOrg",
    "OptionalApiKey",
]


def _key_checker(*, optional: bool):
    """A before-validator refusing key text no provider would accept, naming the field and the fix.

    Outer whitespace (a paste's trailing newline) is stripped by the model's ``str_strip_whitespace``;
    what is left must be one printable ASCII word: a line break, space or tab inside means two things
    were pasted, and a non-ASCII character (``…`` from a masked hint, a typographic quote) cannot be
    sent in an HTTP header at all. The messages never repeat the value.
    """

    def check(value: Any, info: ValidationInfo) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str):
            return value  # SecretStr's own validation names the wrong type
        field = info.field_name or "key"
        text = text.strip()
        if not text:
            tail = f"; to send no key, leave {field} out" if optional else ""
            raise ValueError(f"{field} is empty; paste the whole key{tail}")
        if any(c.isspace() for c in text):
            raise ValueError(
                f"{field} has a line break or space inside; paste the key again as a single line "
                "(a key has no spaces: two values may have been pasted together)"
            )
        if not (text.isascii() and text.isprintable()):
            raise ValueError(
                f"{field} has a character a key cannot contain (not plain ASCII, or invisible); paste "
                "the key itself, not its masked hint (sk-…abcd) or a copy with typographic quotes"
            )
        return text

    return BeforeValidator(check)


ApiKey = Annotated[SecretStr, _key_checker(optional=False)]
"""A required key or token field."""
OptionalApiKey = Annotated[SecretStr, _key_checker(optional=True)]
"""An optional key or token field (use as ``OptionalApiKey | None``)."""

HTTP_OPT_IN = Field(
    default=False,
    description="Allow plain http:// to a host that is not this machine (the key travels unencrypted).",
)


class EndpointMixin(Connection):
    """A connection whose ``endpoint`` URL is checked first (https, or http to this machine unless
    ``allow_insecure_http``), then normalised by the subclass's :meth:`normalise`."""

    @model_validator(mode="before")
    @classmethod
    def _check_endpoint(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            return data  # pydantic reports the missing or mistyped field
        url = check_url(data["endpoint"], allow_insecure_http=bool(data.get("allow_insecure_http")))
        return cls.normalise({**data, "endpoint": url}, url)

    @classmethod
    def normalise(cls, data: dict[str, Any], url: str) -> dict[str, Any]:
        """The input with ``endpoint`` reduced to what the adapter needs (``url`` is it, checked)."""
        return data


class BaseUrlMixin(Connection):
    base_url: str | None = Field(
        default=None, description="Override the API base URL (gateway, proxy, tests)."
    )
    allow_insecure_http: bool = HTTP_OPT_IN

    @model_validator(mode="after")
    def _check_base_url(self):
        if self.base_url is not None:
            object.__setattr__(
                self,
                "base_url",
                check_url(self.base_url, field="base_url", allow_insecure_http=self.allow_insecure_http),
            )
        return self


class OnePerOrg(BaseUrlMixin):
    """A provider an organization holds once: its connection is named after the provider."""

    one_per_org: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return self.provider


class NamedByField(Connection):
    """A provider an organization holds many of, one per value of ``name_field`` (one model each)."""

    single_model: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return getattr(self, self.name_field or "")
