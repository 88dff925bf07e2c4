"""A hypothesis-driven fuzzer of the Authentication API: every endpoint, hostile parameters.

Each example is one request: an endpoint, then parameters that are sometimes right (the seeded
app's `client_id`, its callback, real grant types) and otherwise nested JSON, oversized strings,
wrong types, unicode (lone surrogates, right-to-left marks, NULs), forged Hosts and cookies. The
one property: the server never answers 5xx (and never drops the connection).

`make fuzz` runs it at length (`python -m tests.fuzz_auth_api --requests 100000`) beside
schemathesis on `/api/v2`; `tests/test_fuzz.py` runs a short version in CI.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass
class Target:
    """The server under test and what a fuzzer may know of it (to get past the first checks)."""

    base_url: str
    host: str
    client_id: str
    callback: str
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


TEXT = st.text(max_size=40)
HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=60),
    st.sampled_from(["\x00", "\ud800", "\u202e", "' OR 1=1 --", "<script>", "%00", "../../x", "a" * 5000]),
    st.builds(lambda n: "x" * n, st.integers(min_value=1000, max_value=80_000)),
)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, HOSTILE_TEXT)


def _wrap(depth: int, leaf: Any, as_object: bool) -> Any:
    """`leaf` inside `depth` lists (or single-key objects)."""
    for _ in range(depth):
        leaf = {"a": leaf} if as_object else [leaf]
    return leaf


SHALLOW = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
)
DEEP = st.builds(_wrap, st.integers(min_value=30, max_value=800), SCALAR, st.booleans())
JSON_VALUE = st.one_of(SCALAR, SHALLOW, DEEP)

GRANT_TYPES = [
    "client_credentials",
    "authorization_code",
    "refresh_token",
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
    "urn:ietf:params:oauth:grant-type:device_code",
]
# Endpoint → its method and the parameter names it reads.
ENDPOINTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "/authorize": (
        "GET",
        (
            "client_id",
            "redirect_uri",
            "response_type",
            "response_mode",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "prompt",
            "max_age",
            "login_hint",
            "screen_hint",
            "audience",
            "ui_locales",
            "connection",
            "login_ticket",
            "id_token_hint",
        ),
    ),
    "/oauth/token": (
        "POST",
        (
            "grant_type",
            "client_id",
            "client_secret",
            "code",
            "redirect_uri",
            "code_verifier",
            "refresh_token",
            "username",
            "password",
            "realm",
            "otp",
            "audience",
            "scope",
        ),
    ),
    "/oauth/revoke": ("POST", ("client_id", "client_secret", "token", "token_type_hint")),
    "/userinfo": ("GET", ("access_token",)),
    "/v2/logout": ("GET", ("client_id", "returnTo", "federated")),
    "/oidc/logout": ("GET", ("client_id", "post_logout_redirect_uri", "id_token_hint", "state")),
    "/dbconnections/signup": (
        "POST",
        ("client_id", "email", "password", "connection", "username", "given_name", "user_metadata", "name"),
    ),
    "/dbconnections/change_password": ("POST", ("client_id", "email", "connection")),
    "/passwordless/start": ("POST", ("client_id", "connection", "email", "send", "authParams")),
    "/passwordless/verify_redirect": ("GET", ("token", "verification_code", "connection")),
    "/co/authenticate": ("POST", ("client_id", "username", "password", "otp", "realm", "credential_type")),
    "/co/verify": ("POST", ("state", "verifier")),
    "/u/login": ("POST", ("state", "email", "password", "action", "connection")),
    "/u/signup": ("POST", ("state", "email", "password")),
    "/lo/reset": ("POST", ("ticket", "password", "confirm")),
    "/u/email-verification": ("GET", ("ticket",)),
    "/login/callback": ("POST", ("state", "code", "error", "error_description", "user")),
    "/.well-known/openid-configuration": ("GET", ()),
    "/.well-known/jwks.json": ("GET", ()),
}


@st.composite
def parameter(draw: st.DrawFn, name: str, target: Target) -> Any:
    """A value for `name`: plausible often enough to reach deep checks, hostile otherwise."""
    plausible = {
        "client_id": [target.client_id],
        "redirect_uri": [target.callback],
        "returnTo": [target.callback, "http://[::1/", "javascript:alert(1)"],
        "post_logout_redirect_uri": [target.callback],
        "response_type": ["code", "token", "id_token", "id_token token", "code id_token"],
        "response_mode": ["query", "fragment", "form_post", "web_message"],
        "grant_type": GRANT_TYPES,
        "scope": ["openid", "openid profile email offline_access"],
        "code_challenge_method": ["S256", "plain"],
        "prompt": ["none", "login", "none login"],
        "max_age": ["0", "9" * 5000, "-1", "²"],
        "connection": ["Username-Password-Authentication", "email", "google-oauth2"],
        "realm": ["Username-Password-Authentication", "email"],
        "send": ["code", "link"],
        "email": ["fuzz@example.com", "not-an-email"],
        "access_token": ["a.b.c"],
    }.get(name)
    choices = [JSON_VALUE, HOSTILE_TEXT, TEXT]
    if plausible:
        choices.insert(0, st.sampled_from(plausible))
    return draw(st.one_of(*choices))


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@st.composite
def fuzz_request(draw: st.DrawFn, target: Target) -> dict[str, Any]:
    path = draw(st.sampled_from(sorted(ENDPOINTS)))
    method, names = ENDPOINTS[path]
    method = draw(st.sampled_from([method] * 6 + ["GET", "POST", "OPTIONS", "PUT"]))
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))) if names else []
    params = {name: draw(parameter(name, target)) for name in chosen}
    headers = {"Host": draw(st.sampled_from([target.host] * 8 + ["evil.com", "a:@b", "x" * 300]))}
    if draw(st.booleans()):
        headers["Origin"] = draw(st.sampled_from(["https://evil.example", target.callback, "null"]))
    if draw(st.integers(0, 4)) == 0:
        headers["Authorization"] = (
            draw(st.sampled_from(["Bearer ", "Basic !!!", "Basic Zm9vOmJhcg=="]))
            + _as_text(draw(HOSTILE_TEXT))[:2000]
        )
    if draw(st.integers(0, 4)) == 0:
        headers["Cookie"] = (
            "edgeauth_session=" + _as_text(draw(HOSTILE_TEXT)).encode("ascii", "replace").decode()[:2000]
        )
    request: dict[str, Any] = {"method": method, "url": path, "headers": headers}
    if method == "GET":  # a URL stays under what clients send (httpx refuses 64 KiB queries)
        request["params"] = {k: _as_text(v)[: 20_000 // max(len(params), 1)] for k, v in params.items()}
    else:
        body = draw(st.sampled_from(["json", "form", "raw"]))
        if body == "json":
            request["content"] = json.dumps(params if draw(st.booleans()) else draw(JSON_VALUE)).encode()
            headers["Content-Type"] = JSON_TYPE
        elif body == "form":
            request["data"] = {k: _as_text(v) for k, v in params.items()}
        else:
            request["content"] = draw(st.binary(max_size=2000))
            headers["Content-Type"] = draw(
                st.sampled_from([JSON_TYPE, FORM_TYPE, "text/plain", "multipart/form-data"])
            )
    return request


def _safe(request: dict[str, Any]) -> dict[str, Any]:
    """httpx refuses header values it cannot encode; those never reach a server anyway."""
    request["headers"] = {
        k: bytes(b for b in v.encode("latin-1", "replace") if b >= 0x20 and b != 0x7F)
        for k, v in request["headers"].items()
    }
    for key in ("params", "data"):
        if key in request:
            request[key] = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in request[key].items()}
    return request


def send(client: httpx.Client, target: Target, request: dict[str, Any]) -> None:
    try:
        response = client.request(**_safe(request))
    except (httpx.InvalidURL, httpx.LocalProtocolError):
        return  # the client itself refuses to send it: no server would see it
    except httpx.TransportError as exc:
        target.statuses[599] += 1
        target.failures.append(f"{request['method']} {request['url']}: connection {exc!r}")
        return
    target.statuses[response.status_code] += 1
    if response.status_code >= 500:
        target.failures.append(
            f"{request['method']} {request['url']}: {response.status_code} {response.text[:300]}"
        )


def run_fuzz(target: Target, examples: int, seed: int = 0) -> Target:
    """Send `examples` generated requests; the counts land in `target`."""
    with httpx.Client(base_url=target.base_url, timeout=30) as client:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=seed == 0,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(st.data())
        def one(data: st.DataObject) -> None:
            send(client, target, data.draw(fuzz_request(target)))

        one()
    return target


def main(argv: list[str] | None = None) -> int:
    """`make fuzz`: a local server, the seeded app, N requests; prints the counts."""
    from edgeauth.runtime.local.process import ServerProcess
    from tests.conftest import run_cli

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, ServerProcess(Path(folder), "--test-scheduled") as server:
        callback = "https://fuzz.example/cb"
        run_cli(
            Path(folder), "users", "create", "--email", "fuzz@example.com", "--password", "fuzz password 1"
        )
        app = run_cli(
            Path(folder), "apps", "create", "--name", "Fuzz", "--type", "spa", "--callbacks", callback
        )
        run_cli(Path(folder), "connections", "create", "--name", "email", "--strategy", "email")
        target = Target(server.base_url, f"localhost:{server.port}", app["client_id"], callback)
        started = time.monotonic()
        batch = 0
        while target.requests < args.requests:  # some examples are refused by the HTTP client itself
            batch += 1
            run_fuzz(target, int((args.requests - target.requests) * 1.15) + 1, seed=batch)
        elapsed = time.monotonic() - started
    print(
        f"Authentication API fuzz: {target.requests} requests in {elapsed:.0f} s,"
        f" {target.server_errors} answered 5xx"
    )
    print("statuses:", dict(sorted(target.statuses.items())))
    for failure in target.failures[:20]:
        print("  ", failure)
    return 1 if target.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
