"""The prescribed stack's floor for a token (bench only): Starlette under uvicorn reading the form
and signing one RS256 JWT with `cryptography`, and nothing else (no tenant, no client check, no log
event). `make bench` runs it next to edgeauth: what is left between the two is edgeauth's own work.
"""

from __future__ import annotations

import base64
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


HEADER = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "floor"}).encode())


async def token(request: Request) -> JSONResponse:
    form = await request.form()
    client_id, now = str(form["client_id"]), int(time.time())
    claims = {
        "iss": "http://127.0.0.1/",
        "sub": f"{client_id}@clients",
        "aud": str(form["audience"]),
        "iat": now,
        "exp": now + 86400,
        "jti": secrets.token_urlsafe(16),
        "azp": client_id,
        "gty": "client-credentials",
    }
    signing_input = f"{HEADER}.{b64url(json.dumps(claims).encode())}"
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    access_token = f"{signing_input}.{b64url(signature)}"
    body = {"access_token": access_token, "expires_in": 86400, "token_type": "Bearer"}
    return JSONResponse(body, headers={"cache-control": "no-store"})


app = Starlette(routes=[Route("/oauth/token", token, methods=["POST"])])
