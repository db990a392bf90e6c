"""One schema, every provider: rewrite a JSON Schema into what each provider's structured output accepts.

Each ``for_*`` function takes the user's JSON Schema (``Schema.json``; never modified) and returns an
:class:`Adapted`: the schema to send, a list of human-readable ``changes``, and ``restore()``, which
undoes what the adaptation did to answers before they are validated against the *original* schema.

What each provider needs (see ``docs/providers.md``):

- OpenAI strict (§1.3), Azure (§2.4): ``additionalProperties: false`` on every object, every property
  required (optional ones become nullable, and ``restore()`` drops the nulls again), no ``allOf``,
  ``not``, ``if/then/else``, ``dependent*``; ``oneOf`` becomes ``anyOf``; a ``$ref`` has no siblings.
  Azure also refuses string/number/array/object size and pattern keywords.
- Anthropic ``output_config.format`` (§4.4): ``additionalProperties: false`` on every object, no
  numeric or length bounds, ``minItems`` only 0 or 1; optional properties stay optional.
- Gemini ``responseJsonSchema`` (§5.1): a JSON Schema subset; ``const`` becomes a one-value enum.
- Gemini ``responseSchema`` (§5.1, the older OpenAPI subset): no ``$ref`` (inlined), upper-case types,
  ``nullable`` instead of null unions, no ``additionalProperties``, ``propertyOrdering`` added.

A keyword the provider does not accept is not silently lost: its constraint is written into the
``description`` (so the model can still follow it) and recorded in ``changes``; answers are always
validated locally against the original schema, so the constraint is still enforced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .anthropic_gemini import Anthropic, Gemini, GeminiLegacy
from .openai import OpenAIStrict, Restorer
from .walk import JSON, resolve_ref

__all__ = ["Adapted", "for_anthropic", "for_gemini", "for_gemini_legacy", "for_openai_strict", "resolve_ref"]


@dataclass(frozen=True)
class Adapted:
    """A schema rewritten for one provider.

    ``schema`` is what to send; ``changes`` says, for people, what was changed and why.
    :meth:`restore` maps an answer back to the shape the original schema describes.
    """

    schema: JSON
    changes: list[str] = field(default_factory=list)
    # The original schema when the adaptation made optional properties nullable (OpenAI strict);
    # None when answers need no restoring.
    _nulls_for: JSON | None = field(default=None, repr=False, compare=False)

    def restore(self, value: Any) -> Any:
        """Undo the adaptation's effect on an answer (a new value; the argument is not modified).

        For OpenAI strict mode this drops ``"key": None`` wherever the original schema had ``key``
        optional and not accepting null: strict mode made it required-but-nullable, so null is the
        provider's way of saying "left out". It walks the original schema, following ``$ref``,
        ``allOf``, ``anyOf``/``oneOf`` (the variant that fits), ``items`` and ``prefixItems``.
        """
        if self._nulls_for is None:
            return value
        return Restorer(self._nulls_for).restore(value, self._nulls_for, 0)


def for_openai_strict(schema: JSON, *, azure: bool = False) -> Adapted:
    """The schema for ``response_format: {"type": "json_schema", "strict": true}`` (OpenAI, Azure)."""
    walker = OpenAIStrict(_json_of(schema), azure=azure)
    return Adapted(walker.run(), walker.changes, _json_of(schema))


def for_anthropic(schema: JSON) -> Adapted:
    """The schema for Anthropic's ``output_config.format`` (and strict tools)."""
    walker = Anthropic(_json_of(schema))
    return Adapted(walker.run(), walker.changes)


def for_gemini(schema: JSON) -> Adapted:
    """The schema for Gemini's ``generationConfig.responseJsonSchema``."""
    walker = Gemini(_json_of(schema))
    return Adapted(walker.run(), walker.changes)


def for_gemini_legacy(schema: JSON) -> Adapted:
    """The schema for Gemini's older ``generationConfig.responseSchema`` (an OpenAPI subset)."""
    walker = GeminiLegacy(_json_of(schema))
    return Adapted(walker.run(), walker.changes)


def _json_of(schema: Any) -> JSON:
    # Adapters hold a Schema; accepting it here too saves them a ".json" and a class of mistakes.
    return schema.json if hasattr(schema, "json") and isinstance(schema.json, dict) else schema
