"""Reading a Google service-account key given as JSON text, a dict, or a file path.

Errors name the missing or wrong fields and never repeat the key's contents.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["REQUIRED_KEY_FIELDS", "load_service_account"]

REQUIRED_KEY_FIELDS = ("type", "client_email", "private_key", "token_uri")


def load_service_account(value: Any) -> str:
    """Return the key as compact JSON text, or raise ValueError explaining what is wrong."""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if isinstance(value, (os.PathLike, Path)):
        value = _read_file(Path(value))
    elif isinstance(value, str):
        text = value.strip().lstrip("\ufeff").strip()  # a BOM from an editor is not part of the key
        if not text:
            raise ValueError(
                "credentials are empty; paste the service-account key JSON or give its file path"
            )
        if text.startswith(("{", "[")):  # JSON (a list gets the "must be an object" message below)
            value = text
        elif "{" in text or "\n" in text or len(text) > 4096:
            # pasted text that is not a bare JSON object (quoted, a PEM block...): never a file path
            raise ValueError(
                "credentials are neither JSON text nor a file path; paste the whole service-account "
                "key file, from { to }, or give the path of the .json file"
            )
        else:
            value = _read_file(Path(text).expanduser())
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            # exc.msg/lineno/colno only: the exception's str() would be fine, but its doc is the key
            raise ValueError(
                f"credentials are not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                "paste the whole service-account key file, from { to }"
            ) from None
    if not isinstance(value, dict):
        raise ValueError(
            "credentials must be a JSON object (the service-account key file), not a list or number"
        )
    missing = [f for f in REQUIRED_KEY_FIELDS if not value.get(f)]
    if value.get("type") and value.get("type") != "service_account":
        kind = value["type"]
        # name the type only when it looks like one ("authorized_user"), never an arbitrary value
        ok = isinstance(kind, str) and re.fullmatch(r"[a-z_]{1,40}", kind)
        shown = f"type {kind!r}" if ok else "an unexpected type"
        raise ValueError(
            f"credentials have {shown}, but a service-account key (type "
            "'service_account') is needed; create one in the Cloud console under IAM > Service accounts > Keys"
        )
    if missing:
        raise ValueError(
            f"credentials lack {', '.join(missing)}; this does not look like a service-account key file. "
            "Download a new JSON key under IAM > Service accounts > Keys"
        )
    if not str(value["private_key"]).lstrip().startswith("-----BEGIN"):
        raise ValueError(
            "credentials: private_key is not a PEM key (PEM text starts with five dashes and BEGIN PRIVATE KEY)"
        )
    return json.dumps(value, separators=(",", ":"))


def _read_file(path: Path) -> str:
    try:
        exists = path.is_file()
    except (OSError, ValueError):  # name too long, NUL byte: their messages would repeat the text
        exists = False
    if not exists:
        # Echo the text only when it plainly is a key file's name: a mistaken paste could be a secret
        # (a private key holds "/" characters, so a separator proves nothing).
        text = str(path)
        shown = (
            repr(text)
            if text.lower().endswith(".json") and not any(c.isspace() for c in text)
            else "that path"
        )
        raise ValueError(
            f"credentials are neither JSON text nor an existing file (no file at {shown}); "
            "give the path of the key file, or paste its JSON text"
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"credentials: cannot read {str(path)!r} ({type(exc).__name__})") from None
