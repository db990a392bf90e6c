"""The exceptions nbconnect raises.

    NbconnectError
    ├── ConfigError (also ValueError) ....... a connection, URL, template or option is wrong
    │   ├── InvalidConnectionError .......... a connection's fields; ``errors()`` lists each field's problem
    │   ├── SchemaError ..................... a schema is malformed (DSL syntax errors carry a position)
    │   ├── TemplateError ................... a prompt template names columns the data lacks
    │   └── UnknownModelError (also LookupError)  a model reference resolves to nothing
    ├── OrganizationRuleError .............. a second connection where the rules allow one
    ├── StoreError ......................... the saved store is unreadable, corrupt or unsafe
    └── ProviderError ...................... a provider call failed; carries provider, connection, status
        ├── AuthenticationError ............ bad or missing key (401, Gemini's 400 API_KEY_INVALID)
        ├── PermissionDeniedError .......... 403
        ├── NotFoundError .................. unknown model, deployment or route (404)
        ├── BadRequestError ................ 400/422 the provider would not accept
        │   └── SchemaRejectedError ........ ... because of the response schema / JSON mode
        ├── RateLimitError ................. 429 that will clear: retry after `retry_after` seconds
        ├── QuotaExceededError ............. out of credit or daily quota: retrying will not help
        ├── OverloadedError ................ 503 / Anthropic 529
        ├── ServerError .................... other 5xx
        ├── RequestTimeout ................. no answer in time
        └── NetworkError ................... could not connect, TLS failure, connection reset

Messages are written for people: they name what failed and how to fix it, and never hold a secret.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "InvalidConnectionError",
    "NbconnectError",
    "NetworkError",
    "NotFoundError",
    "OrganizationRuleError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "QuotaExceededError",
    "RateLimitError",
    "RequestTimeout",
    "SchemaError",
    "SchemaRejectedError",
    "ServerError",
    "StoreError",
    "TemplateError",
    "UnknownModelError",
]


class NbconnectError(Exception):
    """Base class of every error nbconnect raises on purpose."""


class ConfigError(NbconnectError, ValueError):
    """Something the user configured is wrong; the message says what and how to fix it."""


class InvalidConnectionError(ConfigError):
    """A connection was given values it cannot use (``nbc.OpenAI(api_key="")``). The message lists
    every field's problem and fix; ``errors()`` gives them one per field, in the shape of pydantic's
    ``ValidationError.errors()`` (``type``, ``loc``, ``msg``, ``ctx``), without the values given and
    without links, so a form can show each one under its field; ``problems`` are the message's lines."""

    def __init__(self, message: str, *, errors: list[dict[str, Any]], problems: list[str]) -> None:
        super().__init__(message)
        self._errors = errors
        self.problems = problems

    def errors(
        self, *, include_input: bool = False, include_url: bool = False, include_context: bool = True
    ) -> list[dict[str, Any]]:
        """One dict per problem; ``loc`` is ``(field,)``, or ``()`` for the connection as a whole.
        The keyword arguments are pydantic's; the values given and links are never included."""
        return [{k: v for k, v in e.items() if include_context or k != "ctx"} for e in self._errors]


class SchemaError(ConfigError):
    """A schema is malformed. For the short text form, ``position`` is the 0-based offset."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class TemplateError(ConfigError):
    """A prompt template does not fit the data."""


class UnknownModelError(ConfigError, LookupError):
    """A model reference names no connection or model of the organization."""

    def __str__(self) -> str:  # LookupError would otherwise repr() the message like a KeyError
        return str(self.args[0]) if self.args else ""


class OrganizationRuleError(NbconnectError):
    """Adding the connection would break a rule of the organization (one key per provider...)."""


class StoreError(NbconnectError):
    """The connection store on disk cannot be used as it is."""


class ProviderError(NbconnectError):
    """A call to a provider failed.

    ``retryable`` says whether trying the same request again later may succeed.
    """

    retryable: bool = False
    from_storage: bool = False
    """The failure was the batch's Cloud Storage bucket, not the model API: it says nothing about
    the key or the model (no refusal follows), and the batch job itself is still known."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        connection: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        if retryable is not None:  # the provider said so (x-should-retry), or the status class decides
            self.retryable = retryable
        self.message = message
        self.provider = provider
        self.connection = connection
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f"{self.provider} connection '{self.connection}'" if self.connection else self.provider
        status = f"HTTP {self.status}: " if self.status else ""
        prefix = f"[{where}] " if where else ""
        return f"{prefix}{status}{self.message}"

    @property
    def kind(self) -> str:
        """A short, stable name for the error type (used in Results' ``_error_type``)."""
        return _KINDS.get(type(self), type(self).__name__)


class AuthenticationError(ProviderError):
    """The provider did not accept the credentials."""


class PermissionDeniedError(ProviderError):
    """The credentials are valid but may not do this."""


class NotFoundError(ProviderError):
    """Unknown model, deployment or route."""


class BadRequestError(ProviderError):
    """The provider refused the request as malformed or unsupported."""


class SchemaRejectedError(BadRequestError):
    """The provider refused the response schema or the JSON mode."""


class RateLimitError(ProviderError):
    """Too many requests for now; ``retry_after`` holds the provider's hint when it gave one."""

    retryable = True


class QuotaExceededError(ProviderError):
    """Out of credit or out of a daily quota; retrying soon will not help."""


class OverloadedError(ProviderError):
    """The provider is overloaded (503, Anthropic 529)."""

    retryable = True


class ServerError(ProviderError):
    """The provider failed on its side (5xx)."""

    retryable = True


class RequestTimeout(ProviderError):
    """No answer within the timeout."""

    retryable = True


class NetworkError(ProviderError):
    """Could not reach the provider: DNS, refused connection, TLS failure, reset."""

    retryable = True


_KINDS: dict[type, str] = {
    AuthenticationError: "authentication",
    PermissionDeniedError: "permission",
    NotFoundError: "not_found",
    BadRequestError: "bad_request",
    SchemaRejectedError: "schema_rejected",
    RateLimitError: "rate_limited",
    QuotaExceededError: "quota_exceeded",
    OverloadedError: "overloaded",
    ServerError: "server_error",
    RequestTimeout: "timeout",
    NetworkError: "network",
    ProviderError: "provider_error",
}
