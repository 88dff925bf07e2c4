"""The `Crypto` port on Workers: WebCrypto (`crypto.subtle`) at native speed.

Interchangeable with `edgeauth.runtime.local.crypto.CPythonCrypto`: the same private-JWK shape
for RS256 keys, the same signatures (RSASSA-PKCS1-v1_5 is deterministic), and the same sealed
text, `base64url(iv[12] || ciphertext || tag[16])` from AES-256-GCM without associated data,
which is exactly what `cryptography`'s `AESGCM.encrypt` returns after the IV.
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from typing import Any

import js
from pyodide.ffi import JsException, JsProxy, to_js

from edgeauth.encoding import b64url_decode, b64url_encode
from edgeauth.ports import UnsupportedHash
from edgeauth.runtime.cloudflare.convert import js_bytes
from edgeauth.runtime.cloudflare.slow_hashes import bcrypt_in_python, pbkdf2_in_python

_WEBCRYPTO_HASHES = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
PBKDF2_MAX_ITERATIONS = 100_000
"""Production WebCrypto refuses PBKDF2 above 100 000 iterations (workerd issue #1346);
local workerd does not, so the cap is enforced here."""
IV_BYTES = 12
TAG_BYTES = 16
RSA_JWK_FIELDS = ("kty", "n", "e", "d", "p", "q", "dp", "dq", "qi")

_RSASSA = {"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}
# COSE algorithm numbers (RFC 9053 §2.1, RFC 8812 §2).
ES256 = -7
RS256 = -257
_MAX_CACHED_KEYS = 16

# Imported CryptoKeys are not bound to a request, so they are reused across requests.
_SIGNING_KEYS: OrderedDict[tuple[str, str], JsProxy] = OrderedDict()
_AES_KEYS: dict[bytes, JsProxy] = {}


def _js_object(value: dict[str, Any]) -> JsProxy:
    """A plain JS object (not a Map / PyProxy), as WebCrypto's dictionaries require."""
    return to_js(value, dict_converter=js.Object.fromEntries)


def _usages(*names: str) -> JsProxy:
    """A JS array of key usages."""
    return to_js(list(names))


def random_bytes(count: int) -> bytes:
    """`crypto.getRandomValues(new Uint8Array(n))`; request scope only (no entropy at import)."""
    buffer = js.Uint8Array.new(count)
    js.crypto.getRandomValues(buffer)
    return buffer.to_bytes()


async def _signing_key(private_jwk: dict[str, str]) -> JsProxy:
    """`crypto.subtle.importKey("jwk", ...)` for signing, cached by (n, d)."""
    cache_key = (private_jwk["n"], private_jwk["d"])
    key = _SIGNING_KEYS.get(cache_key)
    if key is not None:
        _SIGNING_KEYS.move_to_end(cache_key)
        return key
    jwk = {name: private_jwk[name] for name in RSA_JWK_FIELDS if name in private_jwk}
    jwk["kty"] = "RSA"
    key = await js.crypto.subtle.importKey(
        "jwk", _js_object(jwk), _js_object(_RSASSA), False, _usages("sign")
    )
    _SIGNING_KEYS[cache_key] = key
    while len(_SIGNING_KEYS) > _MAX_CACHED_KEYS:
        _SIGNING_KEYS.popitem(last=False)
    return key


async def _aes_key(secret: bytes) -> JsProxy:
    """`crypto.subtle.importKey("raw", secret, "AES-GCM", ...)`, cached per secret."""
    key = _AES_KEYS.get(secret)
    if key is None:
        key = await js.crypto.subtle.importKey(
            "raw", js_bytes(secret), _js_object({"name": "AES-GCM"}), False, _usages("encrypt", "decrypt")
        )
        _AES_KEYS[secret] = key
    return key


class WebCrypto:
    """`edgeauth.ports.Crypto` over WebCrypto, keyed by the deployment secret (32 bytes)."""

    def __init__(self, secret_key: bytes) -> None:
        if len(secret_key) != 32:
            raise ValueError("the secret key must be 32 bytes (AES-256)")
        self._secret = bytes(secret_key)

    async def generate_rs256_key(self) -> dict[str, str]:
        """`crypto.subtle.generateKey` RSA-2048, e = 65537, exported as a private JWK
        (RFC 7518 §6.3.2; WebCrypto's extra `alg`/`key_ops`/`ext` members dropped)."""
        params = {
            "name": "RSASSA-PKCS1-v1_5",
            "modulusLength": 2048,
            "publicExponent": js_bytes(b"\x01\x00\x01"),
            "hash": "SHA-256",
        }
        pair = await js.crypto.subtle.generateKey(_js_object(params), True, _usages("sign", "verify"))
        exported = (await js.crypto.subtle.exportKey("jwk", pair.privateKey)).to_py()
        return {name: str(exported[name]) for name in RSA_JWK_FIELDS}

    async def sign_rs256(self, private_jwk: dict[str, str], data: bytes) -> bytes:
        """`crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, data)` with SHA-256 (RFC 7518 §3.3)."""
        key = await _signing_key(private_jwk)
        signature = await js.crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, js_bytes(data))
        return signature.to_bytes()

    async def sign_es256(self, private_key_pem: str, data: bytes) -> bytes:
        """`crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, key, data)` with the PKCS#8 key;
        WebCrypto's ECDSA signature already is the JWS `r || s` form (RFC 7518 §3.4)."""
        body = "".join(line for line in private_key_pem.strip().splitlines() if not line.startswith("-----"))
        try:
            der = base64.b64decode(body, validate=True)
            params = _js_object({"name": "ECDSA", "namedCurve": "P-256"})
            key = await js.crypto.subtle.importKey("pkcs8", js_bytes(der), params, False, _usages("sign"))
        except (ValueError, JsException) as exc:
            raise ValueError("not a PKCS#8 P-256 private key") from exc
        algorithm = _js_object({"name": "ECDSA", "hash": "SHA-256"})
        signature = await js.crypto.subtle.sign(algorithm, key, js_bytes(data))
        return signature.to_bytes()

    async def verify_signature(
        self, alg: int, public_jwk: dict[str, str], data: bytes, signature: bytes
    ) -> bool:
        """`crypto.subtle.verify` with the public JWK imported: ECDSA P-256 (`r || s`, WebCrypto's
        own form) or RSASSA-PKCS1-v1_5, both with SHA-256."""
        members: tuple[str, ...]
        if alg == ES256 and public_jwk.get("crv") == "P-256":
            members = ("kty", "crv", "x", "y")
            imported = {"name": "ECDSA", "namedCurve": "P-256"}
            algorithm: dict[str, Any] = {"name": "ECDSA", "hash": "SHA-256"}
        elif alg == RS256 and public_jwk.get("kty") == "RSA":
            members, imported, algorithm = ("kty", "n", "e"), _RSASSA, {"name": "RSASSA-PKCS1-v1_5"}
        else:
            return False
        try:
            jwk = _js_object({name: public_jwk[name] for name in members})
            key = await js.crypto.subtle.importKey("jwk", jwk, _js_object(imported), False, _usages("verify"))
            verified = await js.crypto.subtle.verify(
                _js_object(algorithm), key, js_bytes(signature), js_bytes(data)
            )
        except (KeyError, JsException):
            return False
        return bool(verified)

    async def seal(self, plaintext: bytes) -> str:
        """AES-256-GCM (`crypto.subtle.encrypt`), random 96-bit IV prefixed, no associated data,
        128-bit tag appended, base64url without padding."""
        key = await _aes_key(self._secret)
        iv = random_bytes(IV_BYTES)
        params = _js_object({"name": "AES-GCM", "iv": js_bytes(iv)})
        sealed = await js.crypto.subtle.encrypt(params, key, js_bytes(plaintext))
        return b64url_encode(iv + sealed.to_bytes())

    async def unseal(self, sealed: str) -> bytes:
        """Inverse of `seal`; ValueError when the text was not sealed by this key
        (WebCrypto's OperationError on a failed tag check, or malformed input)."""
        try:
            raw = b64url_decode(sealed)
        except (ValueError, TypeError) as exc:
            raise ValueError("not sealed by this deployment's key") from exc
        if len(raw) < IV_BYTES + TAG_BYTES:
            raise ValueError("not sealed by this deployment's key")
        key = await _aes_key(self._secret)
        params = _js_object({"name": "AES-GCM", "iv": js_bytes(raw[:IV_BYTES])})
        try:
            plaintext = await js.crypto.subtle.decrypt(params, key, js_bytes(raw[IV_BYTES:]))
        except JsException as exc:
            raise ValueError("not sealed by this deployment's key") from exc
        return plaintext.to_bytes()

    async def pbkdf2(
        self, password: bytes, salt: bytes, iterations: int, *, digest: str = "sha256", length: int = 32
    ) -> bytes:
        """`crypto.subtle.deriveBits` PBKDF2-HMAC (RFC 8018 §5.2). Production Workers throw
        NotSupportedError above 100 000 iterations, so an imported hash with more runs in Python
        (`pbkdf2_in_python`: seconds of CPU, once per user, before it is rehashed)."""
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise ValueError(f"invalid PBKDF2 iteration count: {iterations!r}")
        if digest not in _WEBCRYPTO_HASHES:
            raise ValueError(f"unsupported PBKDF2 digest: {digest!r}")
        if iterations > PBKDF2_MAX_ITERATIONS:
            return pbkdf2_in_python(digest, password, salt, iterations, length)
        base = await js.crypto.subtle.importKey(
            "raw", js_bytes(password), "PBKDF2", False, _usages("deriveBits")
        )
        params = {
            "name": "PBKDF2",
            "hash": _WEBCRYPTO_HASHES[digest],
            "salt": js_bytes(salt),
            "iterations": iterations,
        }
        bits = await js.crypto.subtle.deriveBits(_js_object(params), base, length * 8)
        return bits.to_bytes()

    async def bcrypt_matches(self, password: bytes, hashed: bytes) -> bool:
        """The Pyodide build of pyca `bcrypt` where the bundle has it (pywrangler vendors it from
        Pyodide's index); else bcrypt in pure Python (libpass), seconds of CPU once per user."""
        try:
            import bcrypt
        except ImportError:
            return bcrypt_in_python(password, hashed)
        try:
            return bool(bcrypt.checkpw(password, hashed))
        except ValueError:
            return False

    async def argon2_matches(self, password: bytes, encoded: str) -> bool:
        """The Pyodide build of `argon2-cffi` where the bundle has it; argon2 is memory-hard, so
        there is no pure-Python path within Workers limits (`UnsupportedHash`)."""
        try:
            import argon2
        except ImportError as exc:
            raise UnsupportedHash("argon2 is not available in this Worker") from exc
        try:
            return bool(argon2.PasswordHasher().verify(encoded, password))
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
