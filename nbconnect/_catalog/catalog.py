"""The model catalog: supported base models, list prices, context sizes, native JSON support.

Loaded lazily from ``catalog.json`` in the package. Users add or override entries (prices for a
custom endpoint, a new model) with :meth:`Catalog.add`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

__all__ = ["Catalog", "MediaLimits", "ModelInfo", "catalog"]

# Azure deployments and Foundry models run the same base models as OpenAI; their prices are looked
# up under the model id the provider echoes in each answer.
_ALIASES = {"azure_openai": "openai", "azure_foundry": "openai"}


@dataclass(frozen=True)
class MediaLimits:
    """What a provider accepts as image and PDF input (the ``media`` block of ``catalog.json``,
    with its source). Sizes are bytes of the file as sent; ``max_image_pixels`` the longest side."""

    image_types: tuple[str, ...] = ("image/png", "image/jpeg", "image/webp", "image/gif")
    max_image_bytes: int | None = None
    max_document_bytes: int | None = None
    max_image_pixels: int | None = None
    max_request_bytes: int | None = None  # the whole request body, media base64-encoded
    image_urls: bool = True  # the provider fetches https image URLs itself
    document_urls: bool = True
    tokens: str = "openai_tiles"  # the image token rule (see _catalog/tokens.py)
    source: str | None = None
    as_of: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> MediaLimits:
        raw = dict(raw or {})
        raw["image_types"] = tuple(raw.get("image_types") or cls.image_types)
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ModelInfo:
    """One catalog entry. Prices are USD per million tokens."""

    provider: str
    id: str
    input_per_m: float | None = None
    output_per_m: float | None = None
    context: int | None = None
    native: bool = True
    reasoning: bool = False  # takes a reasoning effort (OpenAI reasoning models, thinking models)
    supported: bool = True
    as_of: str | None = None
    source: str | None = None
    cached_input_per_m: float | None = None  # prompt tokens read from the provider's cache
    cache_write_per_m: float | None = None  # prompt tokens written to it (Anthropic bills these)
    cache_as_of: str | None = None
    cache_source: str | None = None
    batch_discount: float | None = None  # batch price as a fraction of the list price (0.5 = half)
    batch_as_of: str | None = None
    batch_source: str | None = None
    media: tuple[str, ...] = ()  # the inputs besides text it takes: "image", "document" (PDF)
    limits: MediaLimits = field(default_factory=MediaLimits)

    def batch_cost(self, *tokens: int | None) -> float | None:
        """USD for one call sent through the provider's batch API (``None`` when the catalog has
        no batch price for this provider, or the call's cost is unknown). ``tokens`` are
        :meth:`cost`'s counts, in its order: the list price is worked out once, there."""
        usd = self.cost(*tokens)
        return None if usd is None or self.batch_discount is None else usd * self.batch_discount

    def cost(
        self,
        input_tokens: int | None,
        output_tokens: int | None,
        cached_tokens: int | None = None,
        cache_write_tokens: int | None = None,
    ) -> float | None:
        """USD for one call, or ``None`` when the price or the token counts are unknown.

        ``input_tokens`` is the whole prompt; ``cached_tokens`` and ``cache_write_tokens`` are the
        parts of it read from and written to the provider's cache, billed at their own prices
        (the input price where the catalog has none). ``output_tokens`` includes reasoning tokens,
        which every provider bills as output.
        """
        if (
            self.input_per_m is None
            or self.output_per_m is None
            or input_tokens is None
            or output_tokens is None
        ):
            return None
        read, write = max(0, cached_tokens or 0), max(0, cache_write_tokens or 0)
        plain = max(0, input_tokens - read - write)
        read_price = self.input_per_m if self.cached_input_per_m is None else self.cached_input_per_m
        write_price = self.input_per_m if self.cache_write_per_m is None else self.cache_write_per_m
        usd = plain * self.input_per_m + read * read_price + write * write_price
        return (usd + output_tokens * self.output_per_m) / 1_000_000


def _snapshot_of(model: str, base: str) -> bool:
    """``model`` is ``base`` with a snapshot suffix: ``-2024-08-06``, ``-20251001``, ``-001``."""
    rest = model[len(base) + 1 :]
    return model.startswith(base + "-") and rest[:1].isdigit()


class Catalog:
    """Lookup of :class:`ModelInfo` by provider and model id."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], ModelInfo] | None = None
        self._limits: dict[str, MediaLimits] = {}
        # get()'s answers: every reply is priced, and a miss scans the whole catalog (~50 us)
        self._found: dict[tuple[str, str], ModelInfo | None] = {}

    def _load(self) -> dict[tuple[str, str], ModelInfo]:
        if self._entries is None:
            raw = json.loads(
                resources.files("nbconnect._catalog").joinpath("catalog.json").read_text("utf-8")
            )
            entries: dict[tuple[str, str], ModelInfo] = {}
            for provider, block in raw["providers"].items():
                limits = self._limits[provider] = MediaLimits.from_json(block.get("media"))
                for m in block["models"]:
                    entries[(provider, m["id"])] = ModelInfo(
                        provider=provider,
                        id=m["id"],
                        input_per_m=m.get("input"),
                        output_per_m=m.get("output"),
                        context=m.get("context"),
                        native=m.get("native", True),
                        reasoning=m.get("reasoning", False),
                        as_of=block.get("as_of"),
                        source=block.get("source"),
                        cached_input_per_m=m.get("cached_input"),
                        cache_write_per_m=m.get("cache_write"),
                        cache_as_of=block.get("cache_as_of"),
                        cache_source=block.get("cache_source"),
                        batch_discount=block.get("batch_discount"),
                        batch_as_of=block.get("batch_as_of"),
                        batch_source=block.get("batch_source"),
                        media=tuple(m.get("media") or ()),
                        limits=limits,
                    )
            self._entries = entries
        return self._entries

    def get(self, provider: str, model: str | None) -> ModelInfo | None:
        """The entry for ``model``; dated snapshots (``gpt-4o-2024-08-06``) match their base id."""
        if not model:
            return None
        key = (provider, model)
        if key not in self._found:
            self._found[key] = self._find(provider, model)
        return self._found[key]

    def _find(self, provider: str, model: str) -> ModelInfo | None:
        entries = self._load()
        for prov in (provider, _ALIASES.get(provider)):
            if prov is None:
                continue
            if (prov, model) in entries:
                return entries[(prov, model)]
            # longest catalog id that the echoed id starts with: "claude-haiku-4-5-20251001" -> "claude-haiku-4-5".
            # Only a dated or numbered snapshot (a digit after the dash) is the same model: "gpt-4.1-mni" is a
            # typo and "gpt-4o-audio-preview" another model, and neither may borrow gpt-4.1's or gpt-4o's prices
            best = max(
                (info for (p, mid), info in entries.items() if p == prov and _snapshot_of(model, mid)),
                key=lambda info: len(info.id),
                default=None,
            )
            if best is not None:
                return best
        return None

    def limits(self, provider: str) -> MediaLimits:
        """The provider's media limits (generic ones for a provider the catalog has no block for)."""
        self._load()
        return self._limits.get(provider) or self._limits.get(_ALIASES.get(provider, "")) or MediaLimits()

    def models(self, provider: str) -> list[ModelInfo]:
        """The catalog's models for a provider, in catalog order."""
        return [info for (p, _), info in self._load().items() if p == _ALIASES.get(provider, provider)]

    def add(
        self,
        provider: str,
        model: str,
        *,
        input_per_m: float | None = None,
        output_per_m: float | None = None,
        context: int | None = None,
        native: bool | None = None,
        reasoning: bool | None = None,
        cached_input_per_m: float | None = None,
        cache_write_per_m: float | None = None,
        media: Sequence[str] | None = None,
        source: str = "user",
    ) -> ModelInfo:
        """Add a model or override fields of an existing entry; returns the new entry.

        ``media=["image", "document"]`` says the model takes images and PDFs (say so for a vision
        model the catalog does not list, e.g. on a custom server).
        """
        entries = self._load()
        old = entries.get((provider, model)) or ModelInfo(
            provider=provider, id=model, supported=False, limits=self.limits(provider)
        )
        changes = {
            "input_per_m": input_per_m,
            "output_per_m": output_per_m,
            "context": context,
            "native": native,
            "reasoning": reasoning,
            "cached_input_per_m": cached_input_per_m,
            "cache_write_per_m": cache_write_per_m,
            "media": None if media is None else tuple(media),
        }
        info = replace(old, source=source, **{k: v for k, v in changes.items() if v is not None})
        entries[(provider, model)] = info
        self._found.clear()
        return info

    def reset(self) -> None:
        """Forget user additions and reload the shipped catalog."""
        self._entries = None
        self._found.clear()


catalog = Catalog()
"""The process-wide catalog used for prices and model tags."""
