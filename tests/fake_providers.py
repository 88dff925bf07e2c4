"""A local server that answers as Google, Microsoft, Apple, GitHub and Facebook do (their token,
profile and key formats), under `/<provider>/…`, for the social preset tests. It checks what a real
provider checks: the client's secret (Apple's ES256 client-secret JWT), PKCE, the redirect URI."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from edgeauth.runtime.local.process import free_port
from tests.json_http import send_json

CLIENT_ID, CLIENT_SECRET = "social-client", "social-secret"
APPLE_TEAM, APPLE_KEY_ID = "TEAM123456", "KEY1234567"
MICROSOFT_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


@dataclass
class Grant:
    """What the provider remembers of an authorization: the user's answer and the request's bits."""

    profile: dict[str, Any]
    nonce: str
    challenge: str
    redirect_uri: str


@dataclass
class FakeProviders:
    port: int = field(default_factory=free_port)
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # by access token

    def __post_init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apple_key = ec.generate_private_key(ec.SECP256R1())
        self.apple_p8 = self.apple_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        providers = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                providers.answer(self, "GET", b"")

            def do_POST(self) -> None:
                providers.answer(self, "POST", self.rfile.read(int(self.headers.get("content-length", "0"))))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def issuer(self, provider: str) -> str:
        return {
            "google": f"{self.origin}/google",
            "microsoft": f"{self.origin}/microsoft/{MICROSOFT_TENANT}/v2.0",
            "apple": f"{self.origin}/apple",
        }[provider]

    def jwks(self) -> dict[str, Any]:
        numbers = self.rsa.public_key().public_numbers()

        def b64(value: int) -> str:
            return (
                base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big"))
                .rstrip(b"=")
                .decode()
            )

        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": "fake-1",
                    "use": "sig",
                    "alg": "RS256",
                    "n": b64(numbers.n),
                    "e": b64(numbers.e),
                }
            ]
        }

    def authorize(self, query: dict[str, str], profile: dict[str, Any]) -> str:
        """The user consented at the provider: a code for this authorization request."""
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            profile, query.get("nonce", ""), query["code_challenge"], query["redirect_uri"]
        )
        return code

    # --- the wire -------------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        url = urlsplit(handler.path)
        provider, _, rest = url.path.strip("/").partition("/")
        if rest.endswith("openid-configuration"):
            return self.send(handler, 200, self.discovery(provider))
        if rest == "jwks":
            return self.send(handler, 200, self.jwks())
        if rest == "token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.token_requests.append({"provider": provider, **form})
            return self.token(handler, provider, form)
        if rest in ("user", "user/emails", "me"):
            return self.profile_api(handler, provider, rest)
        return self.send(handler, 404, {"error": "not_found"})

    def discovery(self, provider: str) -> dict[str, Any]:
        base = f"{self.origin}/{provider}"
        issuer = (
            f"{self.origin}/microsoft/{{tenantid}}/v2.0" if provider == "microsoft" else self.issuer(provider)
        )
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "userinfo_endpoint": f"{base}/userinfo",
        }

    def client_authenticated(self, provider: str, form: dict[str, str]) -> bool:
        if provider != "apple":
            return form.get("client_secret") == CLIENT_SECRET and form.get("client_id") == CLIENT_ID
        try:  # Apple: an ES256 JWT signed with the developer's key
            claims = jwt.decode(
                form.get("client_secret", ""),
                self.apple_key.public_key(),
                algorithms=["ES256"],
                audience="https://appleid.apple.com",
                issuer=APPLE_TEAM,
            )
            header = jwt.get_unverified_header(form["client_secret"])
        except jwt.PyJWTError:
            return False
        return claims["sub"] == CLIENT_ID and header.get("kid") == APPLE_KEY_ID

    def token(self, handler: BaseHTTPRequestHandler, provider: str, form: dict[str, str]) -> None:
        grant = self.grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not self.client_authenticated(provider, form):
            return self.send(handler, 401, {"error": "invalid_client"})
        if grant is None or grant.challenge != challenge or grant.redirect_uri != form.get("redirect_uri"):
            return self.send(handler, 400, {"error": "invalid_grant"})
        access_token = f"{provider}-token-{secrets.token_hex(8)}"
        self.profiles[access_token] = grant.profile
        tokens: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3599}
        if provider in ("google", "microsoft", "apple"):
            now = int(time.time())
            claims = {
                **grant.profile,
                "iss": self.issuer(provider),
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 3600,
                "nonce": grant.nonce,
            }
            if provider == "microsoft":
                claims["tid"] = MICROSOFT_TENANT
            tokens["id_token"] = jwt.encode(claims, self.rsa, algorithm="RS256", headers={"kid": "fake-1"})
        return self.send(handler, 200, tokens)

    def profile_api(self, handler: BaseHTTPRequestHandler, provider: str, rest: str) -> None:
        token = handler.headers.get("authorization", "").removeprefix("Bearer ")
        profile = self.profiles.get(token)
        if profile is None:
            return self.send(handler, 401, {"message": "Bad credentials"})
        if provider == "github" and rest == "user/emails":
            return self.send(handler, 200, profile["emails"])
        return self.send(handler, 200, {k: v for k, v in profile.items() if k != "emails"})

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        send_json(handler, status, body)
