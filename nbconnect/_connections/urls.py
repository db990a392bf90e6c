"""Endpoint checks: https by default, http only to this machine unless the user opts in,
and the URL shapes Azure portals hand out, reduced to what the adapters need."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from .._wire.http import is_loopback  # the transport's rule; re-exported for the URL checks' callers

__all__ = [
    "AzureTarget",
    "InsecureHttpError",
    "check_url",
    "is_loopback",
    "parse_azure_openai",
    "parse_foundry",
]


class InsecureHttpError(ValueError):
    """Plain http to another host without the opt-in. Carries its parts (field, host, the https form)
    so a form can word the fix as its own checkbox instead of a keyword argument."""

    def __init__(self, field: str, host: str, fixed: str) -> None:
        self.field, self.host, self.fixed = field, host, fixed
        super().__init__(
            f"{field} uses plain http to {host}, which would send the key unencrypted. "
            f"Use {fixed}, or pass allow_insecure_http=True if this host is on a network you trust."
        )


def check_url(url: str, *, field: str = "endpoint", allow_insecure_http: bool = False) -> str:
    """Return ``url`` without a trailing slash, or raise ValueError saying what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise ValueError(f"{field} is empty; give a URL such as https://host/path")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        # The value is not echoed: a key pasted into the wrong field must not end up in the message.
        raise ValueError(f"{field} is not an http(s) URL; expected something like https://host/path")
    if parts.username or parts.password:
        raise ValueError(f"{field} must not carry a user name or password; put credentials in the key fields")
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not allow_insecure_http:
        raise InsecureHttpError(field, parts.hostname, "https" + url[4:])
    return url.rstrip("/")


@dataclass(frozen=True)
class AzureTarget:
    """What a pasted Azure URL tells us: the resource root, and any deployment / version it names."""

    endpoint: str
    deployment: str | None = None
    api_version: str | None = None
    route: str = "deployments"  # "deployments" (classic), "v1" (OpenAI v1), "models" (Foundry inference)


def _root(url: str) -> tuple[str, list[str], str | None]:
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    version = parse_qs(parts.query).get("api-version", [None])[0]
    return f"{parts.scheme}://{parts.netloc}", segments, version


def parse_azure_openai(url: str) -> AzureTarget:
    """Accept the resource URL or the full target URI from the portal.

    ``https://r.openai.azure.com``, ``.../openai/deployments/D/chat/completions?api-version=V``
    and ``.../openai/v1/...`` all reduce to the resource root plus what the path and query say.
    """
    root, seg, version = _root(url)
    if not seg:
        return AzureTarget(root, api_version=version)
    if seg[0] != "openai":
        raise ValueError(
            f"endpoint path /{'/'.join(seg)} is not an Azure OpenAI path; give the resource URL "
            f"({root}) or the target URI that starts with {root}/openai/"
        )
    if len(seg) >= 3 and seg[1] == "deployments":
        return AzureTarget(root, deployment=seg[2], api_version=version)
    if len(seg) >= 2 and seg[1] == "v1":
        return AzureTarget(root, api_version=version, route="v1")
    return AzureTarget(root, api_version=version)


def parse_foundry(url: str) -> AzureTarget:
    """Reduce an Azure AI Foundry target URI to the base URL under which ``/chat/completions`` lives.

    Forms: ``https://r.services.ai.azure.com/models[/chat/completions]?api-version=V`` (model
    inference), ``https://e.region.models.ai.azure.com[/chat/completions]`` (serverless),
    ``https://r.services.ai.azure.com/openai/v1[/chat/completions]`` (OpenAI v1), and the classic
    ``/openai/deployments/D/...`` form.
    """
    root, seg, version = _root(url)
    tail = ["chat", "completions"]
    if seg[-2:] == tail:
        seg = seg[:-2]
    if seg[:2] == ["openai", "v1"]:
        return AzureTarget(root + "/openai/v1", api_version=version, route="v1")
    if seg[:2] == ["openai", "deployments"] and len(seg) >= 3:
        return AzureTarget(root, deployment=seg[2], api_version=version, route="deployments")
    if seg in ([], ["models"]):
        base = root + ("/models" if seg else "")
        return AzureTarget(base, api_version=version, route="models")
    raise ValueError(
        f"endpoint path /{'/'.join(seg)} is not a Foundry route; paste the Target URI from the "
        f"deployment's Details page, e.g. {root}/models/chat/completions?api-version=2024-05-01-preview"
    )
