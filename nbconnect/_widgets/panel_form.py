"""The ConnectionsPanel's forms: one spec per provider from its pydantic fields, and validation errors
worded for the form (every field's problem at once, by its field, in the form's own words; the
connection classes' InvalidConnectionError already lists them per field).

The connection classes stay the one source of truth for what a provider asks; this module only
translates their JSON Schema and their errors for a person filling in the form.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .._connections.base import Connection
from .._connections.invalid import URL_FIELDS
from .._connections.urls import InsecureHttpError
from .._errors import InvalidConnectionError

__all__ = ["URL_FIELDS", "FormErrors", "form_errors", "form_spec", "label"]

# Shown inside a "More options" disclosure: rarely needed, but a gateway or a test server needs them.
_ADVANCED = frozenset({"base_url", "allow_insecure_http", "api_version", "json_mode", "storage_url"})

_LABELS = {
    "api_key": "API key",
    "auth_token": "Auth token",
    "base_url": "Base URL",
    "api_version": "API version",
    "json_mode": "JSON mode",
    "allow_insecure_http": "Allow plain http to other hosts",
    "credentials": "Service-account key (JSON)",
    "project": "Project ID",
    "organization": "Organization ID",
    "name": "Name (model id)",
    "batch_bucket": "Batch bucket (gs://…)",
    "storage_url": "Cloud Storage URL",
}


def _field_spec(cls: type[Connection], name: str, prop: dict[str, Any], required: bool) -> dict[str, Any]:
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    kind_of = options[0] if options else {}
    secret = name in cls.secret_fields
    if secret:
        kind = "credentials" if name == "credentials" else "password"
    elif "enum" in kind_of:
        kind = "select"
    elif kind_of.get("type") == "boolean":
        kind = "checkbox"
    elif kind_of.get("type") in ("number", "integer"):
        kind = kind_of["type"]
    elif name in URL_FIELDS:
        kind = "url"
    else:
        kind = "text"
    spec: dict[str, Any] = {
        "name": name,
        "label": label(cls, name),
        "kind": kind,
        "secret": secret,
        "required": required,
        "advanced": name in _ADVANCED and not required,
        "description": prop.get("description", ""),
        "default": None if secret else prop.get("default"),
    }
    if kind == "select":
        spec["options"] = list(kind_of["enum"])
    for bound in ("minimum", "maximum"):
        if bound in kind_of:
            spec[bound] = kind_of[bound]
    return spec


def form_spec(cls: type[Connection]) -> dict[str, Any]:
    """The browser's form for one provider, derived from the connection class's JSON Schema."""
    schema = cls.model_json_schema()
    required = set(schema.get("required", []))
    fields = [_field_spec(cls, n, p, n in required) for n, p in schema.get("properties", {}).items()]
    fields.sort(key=lambda f: f["advanced"])  # stable: declaration order, advanced ones last
    return {
        "provider": cls.provider,
        "title": cls.title,
        "one_per_org": cls.one_per_org,
        "single_model": cls.single_model,
        "name_field": cls.name_field,
        "rule": cls.org_rule(),
        "demo": cls.offline,
        "help": cls.help_text,
        "links": [{"text": label, "href": href} for label, href in cls.links],
        "env": list(cls.env_variables()),
        "fields": fields,
    }


def label(cls: type[Connection], name: str) -> str:
    """The form's label for field ``name`` of ``cls`` (what its input is labelled in the browser)."""
    prop = _properties(cls).get(name, {})
    return _LABELS.get(name, prop.get("title") or name)


@functools.cache
def _properties(cls: type[Connection]) -> dict[str, Any]:
    return cls.model_json_schema().get("properties", {})


class FormErrors(dict[str, str]):
    """Field -> message; ``show`` lists fields the fix involves (so a folded "More options" opens)."""

    show: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.show = []


def form_errors(cls: type[Connection], exc: InvalidConnectionError) -> FormErrors:
    """Every field's problem at once (the error lists them by field, each model-level one on the
    field it names: see ``_connections/invalid.py``), worded for the form; the first per field."""
    errors = FormErrors()
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "_form"
        errors.setdefault(name, _worded(cls, name, err, errors))
    return errors


def _text(err: dict[str, Any]) -> str:
    return re.sub(r"^(Value|Assertion) error, ", "", err["msg"])


def _worded(cls: type[Connection], name: str, err: dict[str, Any], errors: FormErrors) -> str:
    """One error in the form's words: its labels, its checkbox, no Python keyword arguments."""
    if err["type"] == "missing":
        return "required"
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, InsecureHttpError) and "allow_insecure_http" in cls.model_fields:
        opt_in = label(cls, "allow_insecure_http")
        where = " under More options" if "allow_insecure_http" in _ADVANCED else ""
        errors.show.append("allow_insecure_http")
        return (
            f"Plain http to {cause.host} would send the key unencrypted. Use {cause.fixed}, or tick "
            f"“{opt_in}”{where} if this host is on a network you trust."
        )
    message = _text(err)
    # "api_key has a line break…" / "key has…" (a field checked alone): the label, capitalised
    for prefix in (name, "key") if name in cls.secret_fields else (name,):
        if re.match(rf"{re.escape(prefix)}\b", message):
            message = label(cls, name) + message[len(prefix) :]
            break
    else:
        message = message[:1].upper() + message[1:]
    return message
