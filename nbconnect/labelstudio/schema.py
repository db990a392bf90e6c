"""Labeling config -> the JSON Schema a run asks models to answer with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .config import Config, parse

__all__ = ["schema"]


def schema(config: str | Config, *, ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The response schema for a Label Studio labeling config: one property per control, named
    like the control (so answers and truth columns line up with ``from_name``), of the shape
    :mod:`nbconnect.labelstudio.controls` lists; controls marked ``required="true"`` are required.

    ``ignore`` names controls to leave out. An unsupported control, a config without controls or
    XML that does not parse raise :class:`~nbconnect.SchemaError` naming the problem.
    """
    cfg = parse(config, ignore=ignore)
    props: dict[str, Any] = {}
    for c in cfg.controls:
        node = c.kind.schema(c)
        hint = c.attrs.get("hint")  # Label Studio's tooltip is the best description a config has
        props[c.name] = {**node, "description": hint} if hint else node
    return {
        "type": "object",
        "title": "label_studio",
        "properties": props,
        "required": [c.name for c in cfg.controls if c.required],
        "additionalProperties": False,
    }
