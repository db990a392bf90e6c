"""A loopback OAuth2 token endpoint that checks service-account JWT grants as Google's does.

It verifies the assertion's RS256 signature with the account's public key and its claims,
then answers like https://oauth2.googleapis.com/token. ``mode`` makes it misbehave.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def new_rsa_key() -> tuple[str, rsa.RSAPublicKey]:
    """A fresh 2048-bit RSA key: (PKCS8 PEM text of the private key, public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return pem, key.public_key()


def service_account_info(private_pem: str, token_uri: str, **extra: Any) -> dict[str, Any]:
    info = {
        "type": "service_account",
        "project_id": "nbconnect-test",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": private_pem,
        "client_email": "notebooks@nbconnect-test.iam.gserviceaccount.com",
        "client_id": "104242424242424242424",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    info.update(extra)
    return info


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    form: dict[str, str]
    claims: dict[str, Any] | None = None


@dataclass
class TokenServer:
    public_key: rsa.RSAPublicKey
    client_email: str = "notebooks@nbconnect-test.iam.gserviceaccount.com"
    key_id: str = "0123456789abcdef0123456789abcdef01234567"
    expires_in: int = 3600
    delay: float = 0.0
    # "ok" | "invalid_grant" | "echo_assertion" (refuses, quoting the assertion back)
    # | "server_error" | "redirect" | "no_token"
    mode: str = "ok"
    seen: list[Seen] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)  # why a grant failed verification

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.token_uri = f"http://127.0.0.1:{self.port}/token"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> TokenServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # cut short any delay still running
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    @property
    def token_requests(self) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.path == "/token")

    def requests_to(self, path: str) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.path == path)

    # -- the endpoint --------------------------------------------------------------------

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
        try:
            self.public_key.verify(
                _b64decode(signature_b64),
                f"{header_b64}.{payload_b64}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise ValueError("bad signature") from None
        claims = json.loads(_b64decode(payload_b64))
        now = time.time()
        problems = []
        if claims.get("iss") != self.client_email:
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
        if problems:
            raise ValueError("bad claims: " + ", ".join(problems))
        return claims

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode("utf-8")
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        seen = Seen(handler.path, {k.lower(): v for k, v in handler.headers.items()}, form)
        with self._lock:
            self.seen.append(seen)
        if self.delay:
            self._stop.wait(self.delay)

        if handler.path != "/token":
            return self._send(handler, 404, {"error": "not_found"})
        if self.mode == "redirect":
            return self._send(handler, 307, {}, {"Location": f"http://127.0.0.1:{self.port}/elsewhere"})
        if self.mode == "server_error":
            return self._send(handler, 500, {"error": "internal_failure"})
        if form.get("grant_type") != JWT_GRANT or "assertion" not in form:
            return self._send(handler, 400, {"error": "unsupported_grant_type"})
        if self.mode == "echo_assertion":
            description = f"Invalid JWT {form['assertion']}"
            return self._send(handler, 400, {"error": "invalid_grant", "error_description": description})
        if self.mode == "invalid_grant":
            return self._invalid(handler)
        try:
            seen.claims = self.verify(form["assertion"])
        except ValueError as exc:
            with self._lock:
                self.rejections.append(str(exc))
            return self._invalid(handler)
        if self.mode == "no_token":
            return self._send(handler, 200, {"token_type": "Bearer"})
        token = "ya29.test-" + secrets.token_urlsafe(24)
        with self._lock:
            self.issued.append(token)
        self._send(
            handler, 200, {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        )

    def _invalid(self, handler: BaseHTTPRequestHandler) -> None:
        self._send(handler, 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})

    @staticmethod
    def _send(handler, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (timeout tests)


def _handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            server.answer(self)

        def do_GET(self) -> None:
            server.answer(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
