"""Google's OAuth2 token endpoint, as :class:`FakeProvider` serves it at ``POST /token``.

It checks a service-account JWT grant the way https://oauth2.googleapis.com/token does: the
RS256 signature with the account's public key, then the claims (issuer, audience, scope,
issued-at and expiry), and answers with an access token that the server's Vertex routes then
accept. :attr:`TokenEndpoint.mode` makes it misbehave. Key helpers for tests are here too.

The signature check needs ``cryptography`` (a dependency of google-auth's RSA signer, and of
nbconnect's ``dev`` extra); it is imported only when a grant is checked.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ._http import Reply, Request
from ._wire import ErrorSpec, Wire, json_reply

if TYPE_CHECKING:
    from ._server import FakeProvider

__all__ = [
    "CLOUD_PLATFORM",
    "GOOGLE_TOKEN_AUDIENCE",
    "JWT_GRANT",
    "TokenEndpoint",
    "TokenRequest",
    "new_rsa_key",
    "service_account_info",
]

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
TOKEN_MODES = ("ok", "invalid_grant", "echo_assertion", "server_error", "redirect", "no_token")
_EMAIL = "notebooks@nbconnect-test.iam.gserviceaccount.com"
_KEY_ID = "0123456789abcdef0123456789abcdef01234567"


def new_rsa_key() -> tuple[str, Any]:
    """A fresh 2048-bit RSA key: (PKCS8 PEM text of the private key, its ``cryptography`` public key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return pem, key.public_key()


def service_account_info(private_pem: str, token_uri: str, **extra: Any) -> dict[str, Any]:
    """A service-account key file's fields (as Google writes them), for ``VertexAI(credentials=...)``."""
    info = {
        "type": "service_account",
        "project_id": "nbconnect-test",
        "private_key_id": _KEY_ID,
        "private_key": private_pem,
        "client_email": _EMAIL,
        "client_id": "104242424242424242424",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    info.update(extra)
    return info


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class TokenRequest:
    """One grant the endpoint received: its headers, form fields and (once verified) JWT claims."""

    path: str
    headers: dict[str, str]
    form: dict[str, str]
    claims: dict[str, Any] | None = None


class TokenEndpoint(Wire):
    """The ``/token`` route of one :class:`FakeProvider` (``server.oauth``).

    Set :attr:`public_key` (or call :meth:`FakeProvider.service_account`) before the first grant.
    :attr:`mode`: ``ok``; ``invalid_grant`` (refuses every grant); ``echo_assertion`` (refuses,
    quoting the assertion back, as a careless proxy might); ``server_error`` (500s);
    ``redirect`` (307 to ``/elsewhere``); ``no_token`` (200 without ``access_token``).
    :attr:`delay` holds every token answer back that many seconds.
    """

    family = "oauth"

    def __init__(self, server: FakeProvider) -> None:
        self._server = server
        self._lock = threading.Lock()
        self.public_key: Any = None
        """The ``cryptography`` RSA public key of the one service account accepted."""
        self.client_email: str = _EMAIL
        self.key_id: str = _KEY_ID
        self.expires_in: int = 3600
        self.delay: float = 0.0
        self.mode: str = "ok"
        self.seen: list[TokenRequest] = []
        """Every request to ``/token``, oldest first."""
        self.issued: list[str] = []
        """Every access token handed out (the server's Vertex routes accept them)."""
        self.rejections: list[str] = []
        """Why grants failed verification ("bad signature", "bad claims: ...")."""

    @property
    def provider(self) -> FakeProvider:
        """The server this endpoint is a route of."""
        return self._server

    @property
    def token_uri(self) -> str:
        return f"{self._server.url}/token"

    @property
    def token_requests(self) -> int:
        with self._lock:
            return len(self.seen)

    def requests_to(self, path: str) -> int:
        """How many requests the server received on exactly ``path``."""
        return sum(1 for r in self._server.requests if r.path == path)

    def accepts(self, token: str | None) -> bool:
        with self._lock:
            return token is not None and token in self.issued

    # -- the endpoint --------------------------------------------------------------------------
    def answer_token(self, req: Request) -> Reply:
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        seen = TokenRequest(req.path, dict(req.headers), form)
        with self._lock:
            self.seen.append(seen)
        if self.mode == "redirect":
            return json_reply(307, {}, {"location": f"{self._server.url}/elsewhere"})
        if self.mode == "server_error":
            return self.oauth_error(500, "internal_failure")
        if form.get("grant_type") != JWT_GRANT or "assertion" not in form:
            return self.oauth_error(400, "unsupported_grant_type")
        if self.mode == "echo_assertion":
            return self.oauth_error(400, "invalid_grant", f"Invalid JWT {form['assertion']}")
        if self.mode == "invalid_grant":
            return self.oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            seen.claims = self.verify(form["assertion"])
        except ValueError as exc:
            with self._lock:
                self.rejections.append(str(exc))
            return self.oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if self.mode == "no_token":
            return json_reply(200, {"token_type": "Bearer"}, {})
        token = "ya29.test-" + secrets.token_urlsafe(24)
        with self._lock:
            self.issued.append(token)
        body = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        return json_reply(200, body, {}, self.content_type)

    def verify(self, assertion: str) -> dict[str, Any]:
        """The assertion's claims, or ValueError naming what Google would object to."""
        try:
            header_b64, payload_b64, signature_b64 = assertion.split(".")
        except ValueError:
            raise ValueError("not a three-part JWT") from None
        header = json.loads(_b64decode(header_b64))
        if header.get("alg") != "RS256" or header.get("typ") != "JWT":
            raise ValueError(f"unexpected JWT header {header}")
        if header.get("kid") != self.key_id:
            raise ValueError(f"kid {header.get('kid')!r} is not the key's private_key_id")
        self._check_signature(f"{header_b64}.{payload_b64}".encode("ascii"), _b64decode(signature_b64))
        claims = json.loads(_b64decode(payload_b64))
        problems = _claim_problems(claims, self.client_email)
        if problems:
            raise ValueError("bad claims: " + ", ".join(problems))
        return claims

    def _check_signature(self, signed: bytes, signature: bytes) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        if self.public_key is None:
            raise ValueError("no service account registered (set server.oauth.public_key)")
        try:
            self.public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise ValueError("bad signature") from None

    # -- the Wire interface, so scripted Faults on /token get OAuth-shaped errors ---------------
    content_type = "application/json; charset=utf-8"

    def ids(self) -> dict[str, str]:
        return {}

    def key(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        return None  # the grant is the credential

    def oauth_error(self, status: int, code: str, description: str | None = None) -> Reply:
        body = {"error": code, **({"error_description": description} if description else {})}
        return json_reply(status, body, {}, self.content_type)

    def error_body(self, err: ErrorSpec, ids: Mapping[str, str]) -> dict:
        code = err.code or ("internal_failure" if err.status >= 500 else "invalid_request")
        return {"error": code, **({"error_description": err.message} if err.message else {})}

    def rate_limit(self, ex_model: str, delay: float | None, opts: Mapping) -> Reply:
        return self.fault_error(429, opts, "Rate Limit Exceeded", code="rate_limit_exceeded")

    def quota(self, opts: Mapping) -> Reply:
        return self.fault_error(429, opts, "Quota exceeded", code="quota_exceeded")

    def overloaded(self, opts: Mapping) -> Reply:
        return self.fault_error(503, opts, "Service unavailable", code="temporarily_unavailable")

    def server_error(self, status: int, opts: Mapping) -> Reply:
        return self.fault_error(status, opts, "Internal failure", code="internal_failure")


def _claim_problems(claims: Mapping[str, Any], client_email: str) -> list[str]:
    now = time.time()
    problems = []
    if claims.get("iss") != client_email:
        problems.append(f"iss {claims.get('iss')!r}")
    # google-auth signs for Google's token endpoint whatever token_uri says
    if claims.get("aud") != GOOGLE_TOKEN_AUDIENCE:
        problems.append(f"aud {claims.get('aud')!r}")
    if CLOUD_PLATFORM not in str(claims.get("scope", "")).split():
        problems.append(f"scope {claims.get('scope')!r}")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not (isinstance(iat, int) and isinstance(exp, int)):
        problems.append("iat/exp missing")
    else:
        if abs(iat - now) > 120:
            problems.append(f"iat {iat} is {iat - now:+.0f}s from now")
        if not 3590 <= exp - iat <= 3610:
            problems.append(f"exp-iat is {exp - iat}")
    return problems
