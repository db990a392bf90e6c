"""Bad connection input as nbconnect's own error: every field's problem at once, in nbconnect's words.

pydantic validates the connection classes, but its ``ValidationError`` is not an ``NbconnectError``
(``except nbc.ConfigError`` would miss it), its text ends in links to pydantic's site, and it stops
at the first failing model-level check (the endpoint's, which runs before the fields). Here each
field is also checked on its own, each URL field with the rule the class applies, and the result is
an :class:`~nbconnect._errors.InvalidConnectionError`: a message with one line per field, and
``errors()`` by field for the ConnectionsPanel. No value given is ever repeated.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import TypeAdapter, ValidationError

from .._errors import InvalidConnectionError
from .._secrets import scrub
from .urls import check_url

if TYPE_CHECKING:
    from .base import Connection

__all__ = ["URL_FIELDS", "invalid_connection"]

URL_FIELDS = frozenset({"endpoint", "base_url", "storage_url"})


def invalid_connection(
    cls: type[Connection], data: dict[str, Any], exc: ValidationError
) -> InvalidConnectionError:
    """The error for ``cls(**data)`` failing with ``exc``."""
    secrets = _secret_texts(cls, data)
    errors = _every_error(cls, data, exc)
    problems = [scrub(_line(cls, e), secrets) for e in errors]
    for err in errors:
        err["msg"] = scrub(str(err["msg"]), secrets)
    head = f"{cls.__name__}: " if len(problems) == 1 else f"{cls.__name__} is not valid:\n- "
    return InvalidConnectionError(head + "\n- ".join(problems), errors=errors, problems=problems)


def _every_error(cls: type[Connection], data: dict[str, Any], exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors (each model-level one put on the field it names), then the first error of
    every field not named yet, checked alone; ``loc`` ``()`` when no field is to blame."""
    names = list(cls.model_fields)
    out = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = err["loc"][0] if err["loc"] else None
        if loc not in names and err["type"] != "extra_forbidden":
            loc = _named_in(_text(err), names)
        out.append({**err, "loc": (loc,) if loc is not None else ()})
    named = {e["loc"][0] for e in out if e["loc"]}
    for name in names:
        if name in named:
            continue
        if name not in data:
            if cls.model_fields[name].is_required():
                out.append({"type": "missing", "loc": (name,), "msg": "Field required"})
            continue
        err = _alone(cls, name, data)
        if err is not None:
            out.append({**err, "loc": (name,)})
    for name in data:  # pydantic names extra arguments only when the model-level checks passed
        if name not in names and name not in named and not any(e["loc"] == (name,) for e in out):
            out.append({"type": "extra_forbidden", "loc": (name,), "msg": "Extra inputs are not permitted"})
    return out


def _named_in(message: str, fields: list[str]) -> str | None:
    """The field a model-level message is about: it starts with it ("endpoint is empty"; "the key
    has no project_id") or tells what to pass ("pass project=...")."""
    for f in sorted(fields, key=len, reverse=True):
        if re.match(rf"(the key has no )?{f}\b", message):
            return f
    return next((f for f in fields if f"{f}=" in message), None)


def _alone(cls: type[Connection], name: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The first error of field ``name`` validated by itself (URL fields by the URL rule too)."""
    try:
        value = data[name]
        for check in _field_checks(cls, name, "before"):  # a key file's path or dict becomes its text
            value = check(value)
        value = _adapter(cls, name).validate_python(value)
        for check in _field_checks(cls, name, "after"):
            check(value)
        if name in URL_FIELDS and isinstance(data[name], str):
            check_url(data[name], field=name, allow_insecure_http=bool(data.get("allow_insecure_http")))
    except ValidationError as exc:
        return exc.errors(include_input=False, include_url=False)[0]
    except ValueError as exc:
        return {"type": "value_error", "msg": str(exc), "ctx": {"error": exc}}
    return None


def _field_checks(cls: type[Connection], name: str, mode: str) -> list[Any]:
    """The class's own ``field_validator`` checks of ``name`` that run in ``mode`` (bound, value only)."""
    decorators = cls.__pydantic_decorators__.field_validators.values()
    return [getattr(cls, d.cls_var_name) for d in decorators if name in d.info.fields and d.info.mode == mode]


@functools.cache
def _adapter(cls: type[Connection], name: str) -> TypeAdapter[Any]:
    info = cls.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


def _text(err: dict[str, Any]) -> str:
    """pydantic's message without its "Value error, " prefix."""
    return re.sub(r"^(Value|Assertion) error, ", "", str(err["msg"]))


def _line(cls: type[Connection], err: dict[str, Any]) -> str:
    """One problem in Python's words: the field, what is wrong, what to pass."""
    field = str(err["loc"][0]) if err["loc"] else ""
    if err["type"] == "missing":
        found = cls.env_vars.get(field, ())
        env = f", or set {' or '.join(found)}" if found else ""
        return f"{field} is required; pass {field}=...{env}"
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(field, list(cls.model_fields), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return (
            f"{field} is not a field of {cls.__name__}{hint}; its fields are: {', '.join(cls.model_fields)}"
        )
    message = _text(err)
    if field in cls.secret_fields and message.startswith("key "):  # a key field checked alone
        message = field + message[3:]
    if not field or re.match(rf"{re.escape(field)}\b", message):
        return message  # nbconnect's own checks name their field first
    info = cls.model_fields.get(field)
    what = f" ({info.description.rstrip('.')})" if info is not None and info.description else ""
    if message.startswith(("Input should", "String should", "Value should")):  # pydantic's type checks
        return f"{field} should{message.split('should', 1)[1]}{what}"
    return f"{field}: {message}{what}"


def _secret_texts(cls: type[Connection], data: dict[str, Any]) -> list[str]:
    """The secret values given (a service-account dict's strings too): never in a message. A path
    to a key file (``*.json``) is not the secret, its content is: the loader names it on purpose."""
    out: list[str] = []
    for name in cls.secret_fields:
        value = data.get(name)
        if hasattr(value, "get_secret_value"):  # a SecretStr passed as it is
            value = value.get_secret_value()
        values = value.values() if isinstance(value, dict) else [value]
        out += [v for v in values if isinstance(v, str) and not v.strip().endswith(".json")]
    return out
