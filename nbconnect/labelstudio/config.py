"""A Label Studio labeling config, read once through ``label_studio_sdk``'s ``LabelInterface``.

:func:`parse` turns the XML into a :class:`Config`: the task variables its object tags read
(``$text`` -> ``text``) and one :class:`Control` per control tag nbconnect can answer, each with
the :class:`~nbconnect.labelstudio.controls.Kind` that knows its schema, truth and result format.
The XML is never parsed by hand: the SDK is what Label Studio itself ships for this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .._errors import ConfigError, SchemaError
from .controls import KINDS, Kind

__all__ = ["Config", "Control", "interface", "parse"]

_INSTALL = "Label Studio support needs label-studio-sdk: pip install 'nbconnect[labelstudio]'"
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def interface(xml: str) -> Any:
    """The SDK's ``LabelInterface`` for ``xml`` (imported here: the SDK takes seconds to import)."""
    try:
        from label_studio_sdk.label_interface import LabelInterface
    except ImportError as exc:
        raise ImportError(_INSTALL) from exc
    if not isinstance(xml, str) or not xml.strip():
        raise SchemaError(f"a Label Studio labeling config is XML text; got {type(xml).__name__} {xml!r:.60}")
    try:
        return LabelInterface(xml)
    except Exception as exc:  # the SDK raises its own XML and validation errors; name the cause
        raise SchemaError(f"cannot read the Label Studio labeling config: {exc}") from exc


@dataclass(frozen=True)
class Control:
    """One control tag: ``name`` (the answer field and ``from_name``), ``tag`` as written in the
    config (``Choices``), ``to_name`` (the object tags it labels), ``variables`` (the task data
    keys those objects show, same order), ``labels`` (its Choice/Label values, aliases where
    given, as Label Studio stores them), ``attrs`` (the XML attributes), ``required``."""

    name: str
    tag: str
    kind: Kind
    to_name: tuple[str, ...]
    variables: tuple[str | None, ...]
    labels: tuple[str, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    required: bool = False

    @property
    def variable(self) -> str | None:
        """The data key of the first object (the text a span's offsets count in)."""
        return self.variables[0] if self.variables else None


@dataclass(frozen=True)
class Config:
    """A parsed labeling config: its ``xml``, ``controls`` (in config order) and ``variables``
    (every ``$name`` the object tags read, in config order)."""

    xml: str
    controls: tuple[Control, ...]
    variables: tuple[str, ...]
    li: Any = field(repr=False, compare=False)

    def control(self, name: str) -> Control:
        for c in self.controls:
            if c.name == name:
                return c
        raise KeyError(name)


def _variables(li: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for obj in li.objects or ():
        for name in _VARIABLE.findall(str(getattr(obj, "value", "") or "")):
            seen.setdefault(name, None)
    return tuple(seen)


def _control(tag: Any, objects: dict[str, Any]) -> Control:
    kind = KINDS.get(tag.tag.lower())
    if kind is None:
        raise SchemaError(
            f'Label Studio control <{tag.tag} name="{tag.name}"> is not supported: nbconnect answers '
            f"{', '.join(k.tag for k in KINDS.values())}; leave it out with ignore=[{tag.name!r}]"
        )
    to_name = tuple(tag.to_name or ())
    variables = tuple(
        objects[n].value_name if n in objects and objects[n].value_is_variable else None for n in to_name
    )
    control = Control(
        name=tag.name,
        tag=tag.tag,
        kind=kind,
        to_name=to_name,
        variables=variables,
        labels=tuple(str(v) for v in (tag.labels or ())),
        attrs={str(k): str(v) for k, v in (tag.attr or {}).items()},
        required=bool(tag.is_output_required),
    )
    kind.check(control, {n: objects[n].tag for n in to_name if n in objects})
    return control


def parse(xml: str | Config, *, ignore: Iterable[str] = ()) -> Config:
    """Read ``xml`` into a :class:`Config`; ``ignore`` names controls to leave out (an unsupported
    one, or one a model should not answer). Problems raise :class:`SchemaError` naming the tag."""
    if isinstance(xml, Config):
        return xml
    if isinstance(ignore, str):
        ignore = [ignore]
    ignored = set(ignore)
    li = interface(xml)
    objects = {o.name: o for o in (li.objects or ())}
    tags = list(li.controls or ())
    unknown = sorted(ignored - {t.name for t in tags})
    if unknown:
        raise ConfigError(f"ignore= names {unknown} but the config's controls are {[t.name for t in tags]}")
    controls = tuple(_control(t, objects) for t in tags if t.name not in ignored)
    if not controls:
        what = "all its controls are ignored" if tags else "it has no control tags"
        raise SchemaError(
            f"the labeling config gives nothing to answer: {what}; add a control such as "
            '<Choices name="label" toName="text">...</Choices> that points at an object tag'
        )
    clash = [c.name for c in controls if "." in c.name]
    if clash:
        raise SchemaError(
            f"control name(s) {clash} contain a dot, which nbconnect uses for nested fields; rename them"
        )
    return Config(xml=xml, controls=controls, variables=_variables(li), li=li)
