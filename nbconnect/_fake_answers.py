"""What the fake provider says: schema-true values and each provider's exact response bodies.

Everything here is a pure function of the request, so the HTTP server in ``_fake_server.py`` stays
small and these shapes can be checked without sockets. Wire shapes follow providers.md (§1-§6);
where the installed SDKs disagree with that document, the SDKs win (they are what users run).
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import math
import random
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

try:  # the regex parser lets us write strings that match a schema's `pattern`
    from re import _parser as _sre  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]

__all__ = [
    "WIRES",
    "Exchange",
    "Reply",
    "answer_for",
    "broken_answer",
    "openapi_to_json_schema",
]

# ---------------------------------------------------------------------------------------------
# Schema -> value
# ---------------------------------------------------------------------------------------------

_MAX_DEPTH = 5  # past this: only required properties, minimum array length, the null branch
_HARD_DEPTH = 40  # a schema with no way out (required self-reference) stops here with null
_WORD = re.compile(r"[^\W_][\w'-]*")


def answer_for(schema: Any, text: str) -> Any:
    """Return a JSON value that satisfies the JSON Schema ``schema``, chosen from ``text``.

    The same ``(schema, text)`` always gives the same value and different texts give different
    values (enum members, words taken from the text, numbers...), so rows of a table get
    distinguishable answers. Supports objects, arrays (``prefixItems``, ``minItems``/``maxItems``,
    ``uniqueItems``), ``enum``/``const``, strings (``format``, ``pattern``, lengths), numbers and
    integers (bounds, ``multipleOf``), booleans, null, type lists, ``anyOf``/``oneOf``/``allOf``
    and local ``$ref`` into ``$defs``/``definitions`` (recursion included). ``schema=None`` gives
    ``{"answer": "..."}``. For Gemini's OpenAPI-style ``responseSchema`` convert it first with
    :func:`openapi_to_json_schema`.
    """
    gen = _Gen(schema if isinstance(schema, Mapping) else {}, text)
    if schema is None:
        return {"answer": gen.phrase(2, 6)}
    return gen.value(schema, 0)


def broken_answer(schema: Any, text: str) -> Any:
    """Return JSON that does *not* satisfy ``schema``: a required key dropped, else a wrong type."""
    value = answer_for(schema, text)
    root = schema if isinstance(schema, Mapping) else {}
    if "$ref" in root:
        root = _Gen(root, text).resolve(root["$ref"])
    if isinstance(value, dict):
        required = [k for k in root.get("required") or [] if k in value]
        if required:
            del value[required[0]]
            return value
        for key, item in value.items():
            value[key] = 12345 if isinstance(item, str) else "not the right type"
            return value
    return ["not", "what", "the", "schema", "asked", "for"]


def openapi_to_json_schema(schema: Any) -> Any:
    """Convert Gemini's OpenAPI 3.0 ``responseSchema`` (``"type": "STRING"``, ``nullable``) to JSON Schema."""
    if isinstance(schema, list):
        return [openapi_to_json_schema(s) for s in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, val in schema.items():
        if key in ("properties", "$defs", "definitions") and isinstance(val, Mapping):
            out[key] = {name: openapi_to_json_schema(sub) for name, sub in val.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(val, Mapping):
            out[key] = openapi_to_json_schema(val)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(val, list):
            out[key] = [openapi_to_json_schema(sub) for sub in val]
        elif key == "type" and isinstance(val, str):
            if val.upper() != "TYPE_UNSPECIFIED":
                out[key] = val.lower()
        elif key in _INT_KEYWORDS and isinstance(val, str) and val.lstrip("-").isdigit():
            out[key] = int(val)  # proto JSON writes int64 as strings
        elif key == "nullable" or (key == "format" and val == "enum"):
            continue
        else:
            out[key] = val
    if schema.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    return out


_FORMATS = {  # formats we can write; the templates take a slug of a word from the text
    **dict.fromkeys(("date", "date-time", "time", "duration", "ipv4", "ipv6", "uuid"), ""),
    "email": "{}@example.com",
    "idn-email": "{}@example.com",
    "hostname": "{}.example.com",
    "idn-hostname": "{}.example.com",
    "uri": "https://example.com/{}",
    "url": "https://example.com/{}",
    "iri": "https://example.com/{}",
    "uri-reference": "/{}",
}
_INT_KEYWORDS = {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}


def _num(value: Any, default: Any = None) -> Any:
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class _Gen:
    """One walk over a schema; ``rng`` is seeded by the text, so the walk is deterministic."""

    def __init__(self, root: Mapping, text: str):
        self.root = root
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        self.rng = random.Random(int.from_bytes(digest[:8], "big"))
        self.words = _WORD.findall(text) or ["nothing"]

    # -- helpers -------------------------------------------------------------------------------
    def phrase(self, lo: int = 1, hi: int = 3) -> str:
        n = self.rng.randint(lo, hi)
        start = self.rng.randrange(len(self.words))
        return " ".join(self.words[(start + k) % len(self.words)] for k in range(n))

    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]", "", self.rng.choice(self.words).lower()) or "user"

    def resolve(self, ref: str) -> Any:
        if ref == "#":
            return self.root
        if ref.startswith("#/"):
            node: Any = self.root
            for part in ref[2:].split("/"):
                part = unquote(part).replace("~1", "/").replace("~0", "~")
                node = node[int(part)] if isinstance(node, list) else node[part]
            return node
        if ref.startswith("#"):
            found = _find_anchor(self.root, ref[1:])
            if found is not None:
                return found
        return {}  # an external or unknown ref: anything goes

    def _recursive(self, s: Any) -> bool:
        return isinstance(s, dict) and ("$ref" in s or any(k in s for k in ("properties", "items")))

    # -- the walk ------------------------------------------------------------------------------
    def value(self, s: Any, depth: int) -> Any:
        if depth > _HARD_DEPTH or s is False:
            return None
        if not isinstance(s, dict) or not s:
            return self.phrase()
        if "$ref" in s:
            target = self.resolve(s["$ref"])
            rest = {k: v for k, v in s.items() if k != "$ref"}
            merged = {**target, **rest} if rest and isinstance(target, dict) else target
            return self.value(merged, depth + 1)
        if "const" in s:
            return copy.deepcopy(s["const"])
        if isinstance(s.get("enum"), list) and s["enum"]:
            return copy.deepcopy(self.rng.choice(s["enum"]))
        if isinstance(s.get("allOf"), list):
            return self.value(self._merge(s), depth)
        for key in ("anyOf", "oneOf"):
            if isinstance(s.get(key), list) and s[key]:
                return self.value(self._choose(s[key], depth), depth + 1)
        kind = s.get("type")
        if isinstance(kind, list):
            kind = self._choose_type(kind, depth)
        if kind is None:
            if "properties" in s or "required" in s:
                kind = "object"
            elif "items" in s or "prefixItems" in s:
                kind = "array"
            elif any(k in s for k in ("minimum", "maximum", "multipleOf")):
                kind = "number"
            else:
                kind = "string"
        kind = str(kind).lower()
        if kind == "object":
            return self._object(s, depth)
        if kind == "array":
            return self._array(s, depth)
        if kind == "integer":
            return self._number(s, integer=True)
        if kind == "number":
            return self._number(s, integer=False)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(s)

    def _merge(self, s: Mapping) -> dict:
        out = {k: v for k, v in s.items() if k != "allOf"}
        for sub in s["allOf"]:
            while isinstance(sub, dict) and "$ref" in sub:
                sub = self.resolve(sub["$ref"])
            for key, val in (sub or {}).items():
                if key == "properties":
                    out["properties"] = {**out.get("properties", {}), **val}
                elif key == "required":
                    out["required"] = list(dict.fromkeys([*out.get("required", []), *val]))
                else:
                    out.setdefault(key, val)
        return out

    def _choose(self, options: list, depth: int) -> Any:
        nulls = [o for o in options if isinstance(o, dict) and o.get("type") == "null"]
        others = [o for o in options if o not in nulls] or options
        if nulls and (depth >= _MAX_DEPTH or self.rng.random() < 0.2):
            return nulls[0]
        if depth >= _MAX_DEPTH:
            flat = [o for o in others if not self._recursive(o)]
            others = flat or others
        return self.rng.choice(others)

    def _choose_type(self, kinds: list, depth: int) -> str | None:
        others = [k for k in kinds if k != "null"]
        if "null" in kinds and (not others or depth >= _MAX_DEPTH or self.rng.random() < 0.2):
            return "null"
        return self.rng.choice(others) if others else None

    def _object(self, s: Mapping, depth: int) -> dict:
        props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        required = [k for k in s.get("required") or [] if isinstance(k, str)]
        ordering = [k for k in s.get("propertyOrdering") or [] if k in props]
        deep = depth >= _MAX_DEPTH
        out: dict[str, Any] = {}
        for name in ordering + [k for k in props if k not in ordering]:
            if name in required or (not deep and self.rng.random() < 0.8):
                out[name] = self.value(props[name], depth + 1)
        extra = s.get("additionalProperties", True)
        for name in required:
            if name not in out:
                out[name] = self.value(extra if isinstance(extra, dict) else {}, depth + 1)
        want = int(_num(s.get("minProperties"), 0))
        i = 0
        while len(out) < want and extra is not False:
            out.setdefault(f"key{i}", self.value(extra if isinstance(extra, dict) else {}, depth + 1))
            i += 1
        return out

    def _array(self, s: Mapping, depth: int) -> list:
        lo_items, hi_items = int(_num(s.get("minItems"), 0)), _num(s.get("maxItems"))
        prefix = s.get("prefixItems") if isinstance(s.get("prefixItems"), list) else []
        items = s.get("items", {})
        if isinstance(items, list):  # draft-4 tuple form
            prefix, items = items, s.get("additionalItems", {})
        deep = depth >= _MAX_DEPTH
        lo = lo_items if deep else max(lo_items, 1)
        hi = lo if deep else max(lo, lo_items + 2)
        if hi_items is not None:
            hi, lo = min(hi, int(hi_items)), min(lo, int(hi_items))
        n = self.rng.randint(lo, max(lo, hi))
        out: list = []
        seen: set[str] = set()
        for i in range(n):
            sub = prefix[i] if i < len(prefix) else items
            if sub is False:
                break
            item = self.value(sub, depth + 1)
            if s.get("uniqueItems"):
                for _ in range(8):
                    key = json.dumps(item, sort_keys=True)
                    if key not in seen:
                        break
                    item = self.value(sub, depth + 1)
                else:
                    break  # no other distinct value to be found; stop here
                seen.add(key)
            out.append(item)
        return out

    def _string(self, s: Mapping) -> str:
        value = self._formatted(s.get("format"))
        if value is None and isinstance(s.get("pattern"), str):
            value = self._pattern(s["pattern"])
        if value is None:
            value = self.phrase()
        lo, hi = int(_num(s.get("minLength"), 0)), _num(s.get("maxLength"))
        while len(value) < lo:
            value += " " + self.rng.choice(self.words)
        if hi is not None:
            value = value[: int(hi)]
        return value

    def _formatted(self, fmt: Any) -> str | None:
        if fmt not in _FORMATS:
            return None
        r = self.rng
        if fmt in ("date", "date-time"):
            day = (_dt.date(2024, 1, 1) + _dt.timedelta(days=r.randrange(730))).isoformat()
            if fmt == "date":
                return day
            return f"{day}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
        if fmt == "time":
            return f"{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
        if fmt == "duration":
            return f"P{r.randint(1, 30)}DT{r.randint(0, 23)}H"
        if fmt == "ipv4":
            return f"192.0.2.{r.randint(1, 254)}"
        if fmt == "ipv6":
            return f"2001:db8::{r.randint(1, 0xFFFF):x}"
        if fmt == "uuid":
            return str(uuid.UUID(int=r.getrandbits(128), version=4))
        return _FORMATS[fmt].format(self.slug())

    def _pattern(self, pattern: str) -> str | None:
        try:
            value = self._emit(_sre.parse(pattern))
            return value if re.search(pattern, value) else None
        except Exception:  # an exotic pattern (lookaround, backrefs): fall back to plain words
            return None

    def _emit(self, items: Any) -> str:
        out = []
        for op, av in items:
            if op is _sre.LITERAL:
                out.append(chr(av))
            elif op is _sre.NOT_LITERAL:
                out.append("b" if chr(av) == "a" else "a")
            elif op is _sre.ANY:
                out.append("x")
            elif op is _sre.IN:
                out.append(self._char_in(av))
            elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
                lo, hi, sub = av
                hi = lo + 2 if hi is _sre.MAXREPEAT else min(hi, lo + 2)
                out.extend(self._emit(sub) for _ in range(self.rng.randint(lo, max(lo, hi))))
            elif op is _sre.SUBPATTERN or op is getattr(_sre, "ATOMIC_GROUP", None):
                out.append(self._emit(av[-1]))
            elif op is _sre.BRANCH:
                out.append(self._emit(self.rng.choice(av[1])))
            elif op is _sre.AT:
                continue
            else:
                raise ValueError(f"unsupported regex construct {op}")
        return "".join(out)

    def _char_in(self, items: list) -> str:
        negate = any(op is _sre.NEGATE for op, _ in items)
        items = [(op, av) for op, av in items if op is not _sre.NEGATE]
        if negate:
            for ch in "aZ0_- .xQ9":
                if not any(_char_matches(ch, op, av) for op, av in items):
                    return ch
            raise ValueError("negated class too wide")
        op, av = self.rng.choice(items)
        if op is _sre.LITERAL:
            return chr(av)
        if op is _sre.RANGE:
            return chr(self.rng.randint(av[0], min(av[1], av[0] + 25)))
        if op is _sre.CATEGORY:
            return {
                _sre.CATEGORY_DIGIT: str(self.rng.randrange(10)),
                _sre.CATEGORY_WORD: self.rng.choice("abcdefghijklmnopqrstuvwxyz"),
                _sre.CATEGORY_SPACE: " ",
                _sre.CATEGORY_NOT_DIGIT: "a",
                _sre.CATEGORY_NOT_WORD: "-",
                _sre.CATEGORY_NOT_SPACE: "a",
            }[av]
        raise ValueError(f"unsupported class item {op}")

    def _number(self, s: Mapping, integer: bool) -> int | float:
        lo, hi = _num(s.get("minimum")), _num(s.get("maximum"))
        xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        lo_ex = hi_ex = False
        if isinstance(xlo, bool):  # draft-4 style
            lo_ex = xlo
        elif _num(xlo) is not None and (lo is None or _num(xlo) >= lo):
            lo, lo_ex = _num(xlo), True
        if isinstance(xhi, bool):
            hi_ex = xhi
        elif _num(xhi) is not None and (hi is None or _num(xhi) <= hi):
            hi, hi_ex = _num(xhi), True
        if lo is None and hi is None:
            lo, hi = 0, 100
        elif lo is None:
            lo = hi - 100
        elif hi is None:
            hi = lo + 100
        step = _num(s.get("multipleOf"))
        if step:
            first = math.ceil(lo / step) + (1 if lo_ex and float(lo / step).is_integer() else 0)
            last = math.floor(hi / step) - (1 if hi_ex and float(hi / step).is_integer() else 0)
            ks = list(range(first, max(first, last) + 1))[:200]
            self.rng.shuffle(ks)
            for k in ks:
                value = k * step
                value = round(value) if integer else round(value, 10)
                if isinstance(value, int) or (value / step) == int(value / step):
                    return value
            return ks[0] * step
        if integer:
            first = math.floor(lo) + 1 if lo_ex or lo != math.floor(lo) else int(lo)
            last = math.ceil(hi) - 1 if hi_ex or hi != math.ceil(hi) else int(hi)
            return self.rng.randint(first, max(first, last))
        value = round(self.rng.uniform(lo, hi), 2)
        if value < lo or value > hi or (lo_ex and value == lo) or (hi_ex and value == hi):
            value = (lo + hi) / 2
        return value


def _char_matches(ch: str, op: Any, av: Any) -> bool:
    if op is _sre.LITERAL:
        return ch == chr(av)
    if op is _sre.RANGE:
        return av[0] <= ord(ch) <= av[1]
    if op is _sre.CATEGORY:
        word, digit, space = ch.isalnum() or ch == "_", ch.isdigit(), ch.isspace()
        return {
            _sre.CATEGORY_DIGIT: digit,
            _sre.CATEGORY_NOT_DIGIT: not digit,
            _sre.CATEGORY_WORD: word,
            _sre.CATEGORY_NOT_WORD: not word,
            _sre.CATEGORY_SPACE: space,
            _sre.CATEGORY_NOT_SPACE: not space,
        }.get(av, True)
    return True


def _find_anchor(node: Any, name: str) -> Any:
    if isinstance(node, Mapping):
        if node.get("$anchor") == name:
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_anchor(child, name)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------
# The request as the fake understood it, and the reply it sends
# ---------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """An HTTP response to send: status, body bytes, headers (lower-case names)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(status: int, obj: Any, headers: dict[str, str], ctype: str = "application/json") -> Reply:
    body = json.dumps(obj, ensure_ascii=False).encode()
    return Reply(status, body, {"content-type": ctype, **headers})


@dataclass
class Exchange:
    """What a generate request asked for, in wire-neutral terms."""

    family: str
    model: str
    schema: Any  # JSON Schema the answer must satisfy; None means free-form
    user_text: str  # the last user message: answers are a function of it
    prompt_text: str  # all text sent, for usage counts
    max_tokens: int | None = None
    tool: str | None = None  # Anthropic forced tool name (answer goes in a tool_use block)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        )
    return ""


def _tokens(text: str) -> int:
    return max(1, round(len(text) / 4))


def _usage_counts(ex: Exchange, text: str | None, truncated: bool) -> tuple[int, int]:
    prompt = _tokens(ex.prompt_text) + 7 + (40 if ex.schema is not None else 0)  # the schema costs tokens too
    completion = _tokens(text or "")
    if truncated and ex.max_tokens:
        completion = int(ex.max_tokens)
    return prompt, completion


def _content(ex: Exchange, kind: str, opts: Mapping) -> tuple[Any, str]:
    """The answer value and its JSON text for the content kinds (ok, truncated, broken_json)."""
    schema = ex.schema
    if kind == "ok" and "text" in opts:
        return None, str(opts["text"])
    if kind == "ok" and "value" in opts:
        value = opts["value"]
    elif kind == "broken_json":
        value = broken_answer(schema, ex.user_text)
    else:
        value = answer_for(schema, ex.user_text)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind == "truncated":
        text = text[: max(1, len(text) * 2 // 3)]
    return value, text


_IDS = random.Random()  # ids only need to look unique, not be secret: no syscall per character
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58(n: int) -> str:
    return "".join(_IDS.choices(_B58, k=n))


def _hex(n: int) -> str:
    return f"{_IDS.getrandbits(4 * n):0{n}x}"


def _uuid() -> str:
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


def _mask(key: str) -> str:
    return key[:8] + "*" * max(4, len(key) - 12) + key[-4:] if len(key) > 12 else "*" * len(key)


def _bearer(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else None


# ---------------------------------------------------------------------------------------------
# OpenAI format (OpenAI, compatible servers) and its Azure flavour
# ---------------------------------------------------------------------------------------------

_OPENAI_MESSAGES = {
    400: "Invalid request.",
    401: "Incorrect API key provided.",
    403: "You are not allowed to access this resource.",
    404: "The model does not exist or you do not have access to it.",
    409: "The request conflicted with another request.",
    422: "The request could not be processed.",
    429: "Rate limit reached for requests.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The server is overloaded or not ready yet.",
    504: "The server timed out while processing your request.",
}


class OpenAIWire:
    family = "openai"
    content_type = "application/json"

    # -- plumbing --------------------------------------------------------------------------------
    def ids(self) -> dict[str, str]:
        return {
            "x-request-id": f"req_{_hex(32)}",
            "openai-version": "2020-10-01",
            "openai-processing-ms": str(_IDS.randint(120, 900)),
        }

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return _bearer(headers) or headers.get("api-key")

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        code: Any = None,
        param: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        if type is None:
            type = (
                "server_error" if status >= 500 else "requests" if status == 429 else "invalid_request_error"
            )
        err = {
            "message": message or _OPENAI_MESSAGES.get(status, "Error."),
            "type": type,
            "param": param,
            "code": code,
        }
        return _json_reply(status, {"error": err}, {**self.ids(), **(headers or {})})

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return self.error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). "
                "You can obtain an API key from https://platform.openai.com/account/api-keys.",
            )
        return self.error(
            401,
            f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )

    # -- requests --------------------------------------------------------------------------------
    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        if not isinstance(body, Mapping):
            return self.error(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self.error(
                400,
                "Missing required parameter: 'messages'.",
                param="messages",
                code="missing_required_parameter",
            )
        model = body.get("model") or path_model
        if not model:
            return self.error(400, "You must provide a model parameter.")
        prompt = "\n".join(_text_of(m.get("content")) for m in messages if isinstance(m, Mapping))
        users = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "user"]
        user = _text_of(users[-1].get("content")) if users else ""
        fmt = body.get("response_format")
        ftype = fmt.get("type") if isinstance(fmt, Mapping) else None
        schema = None
        if ftype == "json_schema":
            wrapper = fmt.get("json_schema")
            if not isinstance(wrapper, Mapping):
                return self.error(
                    400,
                    "Missing required parameter: 'response_format.json_schema'.",
                    param="response_format.json_schema",
                    code="missing_required_parameter",
                )
            if not wrapper.get("name"):
                return self.error(
                    400,
                    "Missing required parameter: 'response_format.json_schema.name'.",
                    param="response_format.json_schema.name",
                    code="missing_required_parameter",
                )
            schema = wrapper.get("schema")
        elif ftype == "json_object":
            schema = fmt.get("schema")  # llama.cpp-style; plain OpenAI JSON mode has none
            if schema is None and "json" not in prompt.lower():
                return self.error(
                    400,
                    "'messages' must contain the word 'json' in some form, to use "
                    "'response_format' of type 'json_object'.",
                    param="messages",
                )
        elif ftype not in (None, "text"):
            return self.error(
                400,
                f"Invalid value: '{ftype}'. Supported values are: 'json_object', 'json_schema', and 'text'.",
                param="response_format.type",
                code="invalid_value",
            )
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        return Exchange(self.family, str(model), schema, user, prompt, _num(limit))

    # -- answers ---------------------------------------------------------------------------------
    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        if kind == "content_filter" and opts.get("prompt"):
            return self.prompt_filtered()
        _, text = _content(ex, kind, opts)
        content: str | None = text
        refusal = None
        finish = {"truncated": "length", "content_filter": "content_filter"}.get(kind, "stop")
        if kind == "refusal":
            content, refusal = None, opts.get("message") or "I'm sorry, but I can't help with that request."
        elif kind == "content_filter":
            content = None
        prompt, completion = _usage_counts(ex, content or refusal, kind == "truncated")
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
            "logprobs": None,
            "finish_reason": finish,
        }
        body: dict[str, Any] = {
            "id": f"chatcmpl-{_b58(29)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": ex.model,
            "choices": [choice],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": f"fp_{_hex(10)}",
        }
        self.decorate(body, choice, kind)
        return _json_reply(200, body, self.ids())

    def decorate(self, body: dict, choice: dict, kind: str) -> None:
        """Azure adds content-filter annotations; plain OpenAI does not."""

    def prompt_filtered(self) -> Reply:
        return self.error(
            400,
            "The response was filtered due to the prompt triggering the content management "
            "policy. Please modify your prompt and retry.",
            param="prompt",
            code="content_filter",
        )

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        headers = {
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": f"{int((delay or 1) * 1000)}ms",
        }
        headers.update(_retry_headers(opts))
        message = opts.get("message") or (
            f"Rate limit reached for {ex_model} in organization org-fake on requests per min (RPM): "
            f"Limit 500, Used 500, Requested 1. Please try again in {int((delay or 1) * 1000)}ms. "
            "Visit https://platform.openai.com/account/rate-limits to learn more."
        )
        return self.error(429, message, type="requests", code="rate_limit_exceeded", headers=headers)

    def quota(self, opts: Mapping) -> Reply:
        message = opts.get("message") or (
            "You exceeded your current quota, please check your plan and billing details. For more information "
            "on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
        )
        return self.error(429, message, type="insufficient_quota", code="insufficient_quota")

    def overloaded(self, opts: Mapping) -> Reply:
        return self.error(503, opts.get("message") or _OPENAI_MESSAGES[503])

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.error(status, opts.get("message") or _OPENAI_MESSAGES.get(status, _OPENAI_MESSAGES[500]))

    # -- models ----------------------------------------------------------------------------------
    def model_object(self, model_id: str, index: int, azure_classic: bool = False) -> dict:
        return {
            "id": model_id,
            "object": "model",
            "created": 1686935002 + index * 86400,
            "owned_by": "system",
        }

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        data = [self.model_object(m, i, path.startswith("/openai/")) for i, m in enumerate(ids)]
        return _json_reply(200, {"object": "list", "data": data}, self.ids())

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(
                404, f"The model '{model_id}' does not exist", code="model_not_found", param="model"
            )
        return _json_reply(200, self.model_object(model_id, ids.index(model_id)), self.ids())


_FILTER_CATEGORIES = ("hate", "self_harm", "sexual", "violence")


class AzureWire(OpenAIWire):
    """Azure OpenAI / Foundry: OpenAI bodies plus filter annotations; errors as {code, message}."""

    family = "azure"

    def ids(self) -> dict[str, str]:
        rid = _uuid()
        return {"apim-request-id": rid, "x-request-id": rid, "x-ms-region": "East US"}

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        code: Any = None,
        param: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        err: dict[str, Any] = {
            "code": code if code is not None else str(status),
            "message": message or _OPENAI_MESSAGES.get(status, "Error."),
        }
        if param is not None:
            err["param"] = param
        if type is not None:
            err["type"] = type
        if details is not None:
            err["innererror"] = details
        return _json_reply(status, {"error": err}, {**self.ids(), **(headers or {})})

    def auth_error(self, key: str | None) -> Reply:
        return self.error(
            401,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
            "to provide a valid key for an active subscription and use a correct regional API "
            "endpoint for your resource.",
        )

    def decorate(self, body: dict, choice: dict, kind: str) -> None:
        safe = {c: {"filtered": False, "severity": "safe"} for c in _FILTER_CATEGORIES}
        body.pop("service_tier", None)
        body["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": safe}]
        filtered = dict(safe)
        if kind == "content_filter":
            filtered["violence"] = {"filtered": True, "severity": "high"}
        choice["content_filter_results"] = filtered

    def prompt_filtered(self) -> Reply:
        result = {
            c: {"filtered": c == "violence", "severity": "high" if c == "violence" else "safe"}
            for c in _FILTER_CATEGORIES
        }
        return self.error(
            400,
            "The response was filtered due to the prompt triggering Azure OpenAI's content "
            "management policy. Please modify your prompt and retry. To learn more about our "
            "content filtering policies please read our documentation: "
            "https://go.microsoft.com/fwlink/?linkid=2198766",
            param="prompt",
            code="content_filter",
            details={"code": "ResponsibleAIPolicyViolation", "content_filter_result": result},
        )

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        seconds = 1 if delay is None else delay
        headers = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-remaining-tokens": "0"}
        if delay is not None and "retry_after_ms" not in opts:
            headers["retry-after-ms"] = str(int(seconds * 1000))  # Azure sends both
        headers.update(_retry_headers(opts))
        message = opts.get("message") or (
            "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have "
            "exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after "
            f"{math.ceil(seconds)} second. Please go here: https://aka.ms/oai/quotaincrease if you would like "
            "to further increase the default rate limit."
        )
        return self.error(429, message, headers=headers)

    def quota(self, opts: Mapping) -> Reply:
        return self.error(
            429,
            opts.get("message")
            or "You exceeded your current quota, please check your plan and billing details.",
            code="insufficient_quota",
            type="insufficient_quota",
        )

    def overloaded(self, opts: Mapping) -> Reply:
        return self.error(
            503,
            opts.get("message")
            or "The service is temporarily unable to process your request. Please try again later.",
            code="ServiceUnavailable",
        )

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.error(
            status,
            opts.get("message")
            or "The server had an error processing your request. "
            "Sorry about that! You can retry your request.",
            code="InternalServerError",
        )

    def model_object(self, model_id: str, index: int, azure_classic: bool = False) -> dict:
        if not azure_classic:
            return super().model_object(model_id, index)
        return {
            "id": model_id,
            "object": "model",
            "status": "succeeded",
            "capabilities": {
                "chat_completion": True,
                "completion": False,
                "embeddings": False,
                "fine_tune": False,
                "inference": True,
            },
            "lifecycle_status": "generally-available",
            "created_at": 1700000000 + index * 86400,
        }


def _retry_headers(opts: Mapping) -> dict[str, str]:
    out = {}
    if opts.get("retry_after") is not None:
        out["retry-after"] = _fmt_seconds(opts["retry_after"])
    if opts.get("retry_after_ms") is not None:
        out["retry-after-ms"] = _fmt_seconds(opts["retry_after_ms"])
    return out


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{float(value):g}"


# ---------------------------------------------------------------------------------------------
# Anthropic Messages
# ---------------------------------------------------------------------------------------------

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class AnthropicWire:
    family = "anthropic"

    def ids(self) -> dict[str, str]:
        return {"request-id": f"req_011C{_b58(20)}", "anthropic-organization-id": _uuid()}

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return headers.get("x-api-key") or _bearer(headers)

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        code: Any = None,
        param: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        ids = self.ids()
        err_type = (
            type
            or code
            or _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        )
        body = {
            "type": "error",
            "error": {"type": err_type, "message": message or "Error"},
            "request_id": ids["request-id"],
        }
        return _json_reply(status, body, {**ids, **(headers or {})})

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return self.error(401, "x-api-key header is required")
        return self.error(401, "invalid x-api-key")

    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        if "anthropic-version" not in headers:
            return self.error(400, "anthropic-version: header is required")
        if not isinstance(body, Mapping):
            return self.error(400, "There was an error parsing the body of your request")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return self.error(400, f"{name}: Field required")
        messages = body["messages"] if isinstance(body["messages"], list) else []
        users = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "user"]
        user = _text_of(users[-1].get("content")) if users else ""
        prompt = "\n".join([_text_of(body.get("system")), *(_text_of(m.get("content")) for m in users)])
        schema, tool = None, None
        fmt = (body.get("output_config") or {}).get("format") or body.get("output_format")
        if fmt is not None:
            if not isinstance(fmt, Mapping) or fmt.get("type") != "json_schema":
                return self.error(400, "output_config.format.type: Input should be 'json_schema'")
            if "schema" not in fmt:
                return self.error(400, "output_config.format.schema: Field required")
            schema = fmt["schema"]
        tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
        choice = body.get("tool_choice") or {"type": "auto"}
        forced = choice.get("type") in ("any", "tool")
        if forced and (body.get("thinking") or {}).get("type") in ("enabled", "adaptive"):
            return self.error(400, "Thinking may not be enabled when tool_choice forces tool use.")
        if tools and choice.get("type") != "none" and (forced or fmt is None):
            named = [t for t in tools if t.get("name") == choice.get("name")]
            if choice.get("type") == "tool" and not named:
                return self.error(400, f"tool_choice: tool '{choice.get('name')}' not found in 'tools'")
            picked = named[0] if named else tools[0]
            schema, tool = picked.get("input_schema"), str(picked.get("name"))
        return Exchange(
            self.family, str(body["model"]), schema, user, prompt, _num(body.get("max_tokens")), tool
        )

    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        value, text = _content(ex, kind, opts)
        stop = "tool_use" if ex.tool else "end_turn"
        extra: dict[str, Any] = {}
        if kind in ("refusal", "content_filter"):
            content: list = []
            stop, text = "refusal", ""
            extra["stop_details"] = {
                "type": "refusal",
                "category": opts.get("category"),
                "explanation": opts.get("message") or "This request was declined.",
            }
        elif ex.tool:
            tool_input = {} if kind == "truncated" else value if value is not None else json.loads(text)
            content = [
                {"type": "tool_use", "id": f"toolu_01{_b58(22)}", "name": ex.tool, "input": tool_input}
            ]
        else:
            content = [{"type": "text", "text": text}]
        if kind == "truncated":
            stop = "max_tokens"
        prompt, completion = _usage_counts(ex, text, kind == "truncated")
        body = {
            "id": f"msg_01{_b58(22)}",
            "type": "message",
            "role": "assistant",
            "model": ex.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            **extra,
            "usage": {
                "input_tokens": prompt,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": completion,
                "service_tier": "standard",
            },
        }
        return _json_reply(200, body, self.ids())

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        reset = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=delay or 1)
        headers = {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **_retry_headers(opts),
        }
        message = opts.get("message") or (
            "This request would exceed the rate limit for your organization of 50 requests per minute. "
            "For details, refer to: https://docs.claude.com/en/api/rate-limits."
        )
        return self.error(429, message, headers=headers)

    def quota(self, opts: Mapping) -> Reply:
        return self.error(
            400,
            opts.get("message")
            or "Your credit balance is too low to access the Anthropic "
            "API. Please go to Plans & Billing to upgrade or purchase credits.",
        )

    def overloaded(self, opts: Mapping) -> Reply:
        return self.error(529, opts.get("message") or "Overloaded")

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.error(status, opts.get("message") or "Internal server error")

    def _model(self, model_id: str, index: int) -> dict:
        created = _dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(days=30 * index)
        return {
            "type": "model",
            "id": model_id,
            "display_name": model_id.replace("-", " ").title(),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        limit = int(_num(query.get("limit"), 20))
        start = ids.index(query["after_id"]) + 1 if query.get("after_id") in ids else 0
        end = ids.index(query["before_id"]) if query.get("before_id") in ids else len(ids)
        page = ids[start:end][:limit]
        data = [self._model(m, ids.index(m)) for m in page]
        body = {
            "data": data,
            "has_more": start + len(page) < end,
            "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None,
        }
        return _json_reply(200, body, self.ids())

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(404, f"model: {model_id}")
        return _json_reply(200, self._model(model_id, ids.index(model_id)), self.ids())


# ---------------------------------------------------------------------------------------------
# Google: Gemini API and Vertex AI (same bodies, different auth and extras)
# ---------------------------------------------------------------------------------------------

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_SAFETY = [
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
]


def _has_key(node: Any, name: str) -> bool:
    if isinstance(node, Mapping):
        return name in node or any(_has_key(v, name) for v in node.values())
    if isinstance(node, list):
        return any(_has_key(v, name) for v in node)
    return False


class GeminiWire:
    family = "gemini"
    service = "generativelanguage.googleapis.com"

    def ids(self) -> dict[str, str]:
        return {
            "vary": "Origin, X-Origin, Referer",
            "server": "scaffolding on HTTPServer2",
            "server-timing": f"gfet4t7; dur={_IDS.randint(200, 1500)}",
        }

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return headers.get("x-goog-api-key") or query.get("key")

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        code: Any = None,
        param: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        err: dict[str, Any] = {
            "code": status,
            "message": message or "Error.",
            "status": type or code or _GOOGLE_STATUS.get(status, "UNKNOWN"),
        }
        if details:
            err["details"] = list(details)
        return _json_reply(
            status, {"error": err}, {**self.ids(), **(headers or {})}, "application/json; charset=UTF-8"
        )

    def auth_error(self, key: str | None) -> Reply:
        if key is None:
            return self.error(
                403,
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        message = "API key not valid. Please pass a valid API key."
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": self.service},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            },
        ]
        return self.error(400, message, details=details)

    def parse(
        self, path: str, headers: Mapping[str, str], body: Any, path_model: str | None
    ) -> Exchange | Reply:
        if not isinstance(body, Mapping):
            return self.error(400, "Invalid JSON payload received. Unexpected token.")
        contents = body.get("contents")
        if isinstance(contents, Mapping):
            contents = [contents]
        if not contents:
            return self.error(400, "* GenerateContentRequest.contents: contents is not specified\n")
        config = body.get("generationConfig") or body.get("generation_config") or {}
        json_schema = config.get("responseJsonSchema", config.get("response_json_schema"))
        api_schema = config.get("responseSchema", config.get("response_schema"))
        if (
            api_schema is not None
            and self.family == "gemini"
            and _has_key(api_schema, "additionalProperties")
        ):
            return self.error(
                400,
                'Invalid JSON payload received. Unknown name "additionalProperties" at '
                "'generation_config.response_schema': Cannot find field.",
            )
        schema = json_schema if json_schema is not None else openapi_to_json_schema(api_schema)
        turns = [c for c in contents if isinstance(c, Mapping)]
        users = [c for c in turns if c.get("role", "user") == "user"]
        user = _text_of((users[-1] if users else {}).get("parts"))
        system = body.get("systemInstruction") or body.get("system_instruction") or {}
        system_text = _text_of(system.get("parts")) if isinstance(system, Mapping) else str(system)
        prompt = "\n".join([system_text, *(_text_of(c.get("parts")) for c in turns)])
        limit = _num(config.get("maxOutputTokens", config.get("max_output_tokens")))
        return Exchange(self.family, str(path_model), schema, user, prompt, limit)

    def extras(self, body: dict, candidate: dict | None) -> None:
        """Vertex adds createTime, avgLogprobs and trafficType."""

    def answer(self, ex: Exchange, kind: str, opts: Mapping) -> Reply:
        _, text = _content(ex, kind, opts)
        candidate: dict[str, Any] | None = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "finishReason": "MAX_TOKENS" if kind == "truncated" else "STOP",
            "index": 0,
        }
        body: dict[str, Any] = {}
        if kind in ("refusal", "content_filter"):
            text = ""
            if opts.get("prompt"):
                candidate = None
                body["promptFeedback"] = {"blockReason": "SAFETY", "safetyRatings": _SAFETY}
            else:
                candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": _SAFETY}
        prompt, completion = _usage_counts(ex, text, kind == "truncated")
        usage: dict[str, Any] = {"promptTokenCount": prompt}
        if candidate is not None:
            body["candidates"] = [candidate]
            usage["candidatesTokenCount"] = completion
        usage["totalTokenCount"] = prompt + (completion if candidate is not None else 0)
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
        body["usageMetadata"] = usage
        body["modelVersion"] = ex.model
        body["responseId"] = _b58(22)
        self.extras(body, candidate)
        return _json_reply(200, body, self.ids(), "application/json; charset=UTF-8")

    def _retry_details(self, delay: float | None, model: str, daily: bool) -> list:
        period = "PerDay" if daily else "PerMinute"
        details: list[dict[str, Any]] = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": f"{self.service}/generate_content_free_tier_requests",
                        "quotaId": f"GenerateRequests{period}PerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": model},
                        "quotaValue": "15",
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                    }
                ],
            },
        ]
        if delay is not None:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{delay:g}s"})
        return details

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        message = opts.get("message") or (
            "You exceeded your current quota, please check your plan and billing details. For more "
            "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
        )
        details = self._retry_details(delay, ex_model, daily=False)
        return self.error(429, message, details=details)

    def quota(self, opts: Mapping) -> Reply:
        message = opts.get("message") or (
            "You exceeded your current quota, please check your plan and billing details. For more "
            "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
        )
        return self.error(429, message, details=self._retry_details(None, "gemini", daily=True))

    def overloaded(self, opts: Mapping) -> Reply:
        return self.error(503, opts.get("message") or "The model is overloaded. Please try again later.")

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.error(
            status,
            opts.get("message")
            or "An internal error has occurred. Please retry or "
            "report in https://developers.generativeai.google/guide/troubleshooting",
        )

    def _model(self, model_id: str) -> dict:
        embedding = "embedding" in model_id
        return {
            "name": f"models/{model_id}",
            "version": "001",
            "displayName": model_id.replace("-", " ").title(),
            "description": f"Fake {model_id}",
            "inputTokenLimit": 2048 if embedding else 1048576,
            "outputTokenLimit": 1 if embedding else 65536,
            "supportedGenerationMethods": ["embedContent"]
            if embedding
            else ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
            **(
                {}
                if embedding
                else {"temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": True}
            ),
        }

    def _page(self, ids: list[str], query: Mapping[str, str]) -> tuple[list[str], str | None]:
        size = int(_num(query.get("pageSize"), 50)) or 50
        start = int(_num(query.get("pageToken"), 0) or 0)
        page = ids[start : start + size]
        return page, str(start + size) if start + size < len(ids) else None

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        page, token = self._page(ids, query)
        body: dict[str, Any] = {"models": [self._model(m) for m in page]}
        if token:
            body["nextPageToken"] = token
        return _json_reply(200, body, self.ids(), "application/json; charset=UTF-8")

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(
                404,
                f"models/{model_id} is not found for API version v1beta, or is not "
                "supported for generateContent.",
            )
        return _json_reply(200, self._model(model_id), self.ids(), "application/json; charset=UTF-8")


class VertexWire(GeminiWire):
    family = "vertex"
    service = "aiplatform.googleapis.com"

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return _bearer(headers)

    def auth_error(self, key: str | None) -> Reply:
        missing = key is None
        message = (
            f"Request {'is missing required authentication credential' if missing else 'had invalid authentication credentials'}. "
            "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
            "See https://developers.google.com/identity/sign-in/web/devconsole-project."
        )
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "CREDENTIALS_MISSING" if missing else "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": self.service,
                    "method": "google.cloud.aiplatform.v1.PredictionService.GenerateContent",
                },
            }
        ]
        return self.error(401, message, details=details)

    def extras(self, body: dict, candidate: dict | None) -> None:
        body["createTime"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body["usageMetadata"]["trafficType"] = "ON_DEMAND"
        if candidate is not None and "content" in candidate:
            candidate["avgLogprobs"] = -0.0123

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        message = opts.get("message") or (
            "Resource exhausted. Please try again later. Please refer to "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
        )
        details = None
        if delay is not None:
            details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{delay:g}s"}]
        return self.error(429, message, details=details)

    def list_models(self, ids: list[str], query: Mapping[str, str], path: str) -> Reply:
        page, token = self._page(ids, query)
        models = [
            {
                "name": f"publishers/google/models/{m}",
                "versionId": "001",
                "openSourceCategory": "PROPRIETARY",
                "launchStage": "GA",
                "publisherModelTemplate": f"projects/{{project}}/locations/{{location}}/publishers/google/models/{m}@001",
            }
            for m in page
        ]
        body: dict[str, Any] = {"publisherModels": models}
        if token:
            body["nextPageToken"] = token
        return _json_reply(200, body, self.ids(), "application/json; charset=UTF-8")

    def get_model(self, ids: list[str], model_id: str, path: str) -> Reply:
        if model_id not in ids:
            return self.error(404, f"Publisher Model `publishers/google/models/{model_id}` not found.")
        return _json_reply(
            200,
            {"name": f"publishers/google/models/{model_id}", "versionId": "001", "launchStage": "GA"},
            self.ids(),
            "application/json; charset=UTF-8",
        )


WIRES: dict[str, Any] = {
    "openai": OpenAIWire(),
    "azure": AzureWire(),
    "anthropic": AnthropicWire(),
    "gemini": GeminiWire(),
    "vertex": VertexWire(),
}
