"""Connections found in environment variables, the ones the official SDKs read.

Which variables each provider is found from is declared on its connection class (``env_vars``,
``env_required``); this module only reads them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .._connections.base import Connection
from .._connections.providers import PROVIDERS
from .._errors import InvalidConnectionError

__all__ = ["ENV_VARIABLES", "connection_from_env", "connections_from_env"]

Env = Mapping[str, str]

ENV_VARIABLES: dict[str, tuple[str, ...]] = {
    cls.title: cls.env_variables() for cls in PROVIDERS.values() if cls.env_vars
}
"""Which variables each provider is discovered from, by title (documentation and messages)."""


def connection_from_env(cls: type[Connection], env: Env) -> Connection | None:
    """The ``cls`` connection ``env`` describes, or ``None`` when its required variables are not all
    set. An empty variable counts as unset; for a field with several variables the first set wins."""
    fields: dict[str, str] = {}
    for field, names in cls.env_vars.items():
        value = next((env[name] for name in names if env.get(name)), None)
        if value:
            fields[field] = value
    if not cls.env_vars or any(field not in fields for field in cls.env_required):
        return None
    return cls(**fields)


def connections_from_env(environ: Env | None = None) -> tuple[list[Connection], dict[str, str]]:
    """Connections the environment describes, and a problem message per provider whose variables
    are set but unusable (the message names the variables, never their values)."""
    env = os.environ if environ is None else environ
    found: list[Connection] = []
    problems: dict[str, str] = {}
    for cls in PROVIDERS.values():
        try:
            conn = connection_from_env(cls, env)
        except InvalidConnectionError as exc:
            reasons = "; ".join(exc.problems)
            problems[cls.title] = f"{', '.join(cls.env_variables())} are set but not usable: {reasons}"
            continue
        if conn is not None:
            conn._source = "environment"
            found.append(conn)
    return found, problems
