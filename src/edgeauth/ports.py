"""The ports: what the core needs from a runtime, with Python semantics (docs/architecture.md, "One core,
two runtimes").

The core only ever talks to these protocols. `edgeauth.runtime.local` implements them on SQLite files
(the embedded default) and `edgeauth.runtime.cloudflare` on the Workers bindings. Values that cross a
port are plain JSON-like Python data (dict, list, str, int, float, bool, None).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = Any
SqlParam = str | int | float | bytes | None


class KeyValueStore(Protocol):
    """Workers KV: eventually consistent strings with optional expiry (TTL ≥ 60 s on Cloudflare)."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, prefix: str) -> list[str]: ...


class Database(Protocol):
    """D1: SQLite, one statement per call or a batch in one transaction."""

    async def all(self, sql: str, *params: SqlParam) -> list[dict[str, Any]]: ...

    async def first(self, sql: str, *params: SqlParam) -> dict[str, Any] | None: ...

    async def run(self, sql: str, *params: SqlParam) -> int:
        """Execute one statement; return the number of rows changed."""
        ...

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlParam]]]) -> None:
        """Execute statements atomically (D1 `batch`)."""
        ...


class ObjectStub(Protocol):
    """A stub of one Durable Object: RPC by method name, arguments and result JSON-like."""

    async def call(self, method: str, *args: JSON) -> JSON:
        """Run `method` on the object. Tuples arrive as lists; a method outside the class's
        `RPC_METHODS` raises `TypeError` or `ValueError`; built-in exceptions raised by the object
        (ValueError, KeyError, TypeError, …) come back as themselves, any other as `RuntimeError`."""
        ...


class ObjectNamespace(Protocol):
    """A Durable Object namespace binding (`env.USERS`)."""

    def id_from_name(self, name: str) -> str:
        """Deterministic 64-hex object id for a name (`idFromName(...).toString()`)."""
        ...

    def get(self, object_id: str) -> ObjectStub:
        """Stub for an id previously returned by `id_from_name`; `ValueError` for a malformed id."""
        ...

    def get_by_name(self, name: str) -> ObjectStub: ...


class ObjectStorage(Protocol):
    """What a Durable Object sees of its own storage: synchronous SQL plus one alarm.

    Portable guarantee: statements run between two `await`s of one call are atomic, and the
    object's calls do not interleave while it awaits only its own storage. The local runtime is
    stronger (a call is one transaction until it sends to a queue; calls never interleave); core
    code must not rely on that: write first, then await outside work (queue sends) whose loss a
    reconcile can repair.
    """

    def exec(self, sql: str, *params: SqlParam) -> list[dict[str, Any]]:
        """Run one statement; return its rows (empty for writes)."""
        ...

    async def set_alarm(self, epoch_ms: int) -> None: ...

    async def get_alarm(self) -> int | None: ...

    async def delete_alarm(self) -> None: ...


class ObjectState(Protocol):
    """`ctx` of a Durable Object: its id and storage."""

    @property
    def id(self) -> str: ...

    @property
    def storage(self) -> ObjectStorage: ...


class QueueProducer(Protocol):
    """A Queue producer binding: JSON bodies, at-least-once delivery."""

    async def send(self, body: JSON) -> None: ...

    async def send_batch(self, bodies: Sequence[JSON]) -> None: ...


class QueueMessage(Protocol):
    """One delivered message. When the handler returns, every message not retried is acked;
    when it raises, every message not acked is retried (Cloudflare Queues)."""

    @property
    def id(self) -> str: ...

    @property
    def body(self) -> JSON: ...

    @property
    def attempts(self) -> int: ...

    def ack(self) -> None: ...

    def retry(self, delay_seconds: int = 0) -> None: ...


class Crypto(Protocol):
    """Crypto that differs per runtime: WebCrypto on Workers, `cryptography`/hashlib on CPython."""

    async def generate_rs256_key(self) -> dict[str, str]:
        """A new RSA-2048 private key as a JWK (RFC 7517 §6.3: n, e, d, p, q, dp, dq, qi)."""
        ...

    async def sign_rs256(self, private_jwk: dict[str, str], data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)."""
        ...

    async def sign_es256(self, private_key_pem: str, data: bytes) -> bytes:
        """ECDSA P-256 with SHA-256 (RFC 7518 §3.4), the 64-byte `r || s` JWS form, with a PKCS#8
        PEM key (Apple's `.p8`); `ValueError` for a key that is not one."""
        ...

    async def verify_signature(
        self, alg: int, public_jwk: dict[str, str], data: bytes, signature: bytes
    ) -> bool:
        """Whether `signature` over `data` verifies with the public JWK: COSE `alg` -7 (ECDSA P-256
        with SHA-256, `r || s`) or -257 (RSASSA-PKCS1-v1_5 with SHA-256); False for a bad key."""
        ...

    async def seal(self, plaintext: bytes) -> str:
        """Encrypt and authenticate with the deployment's secret key (AES-256-GCM); URL-safe text."""
        ...

    async def unseal(self, sealed: str) -> bytes:
        """Inverse of `seal`; raises `ValueError` when the text was not sealed by this key."""
        ...

    async def pbkdf2(
        self, password: bytes, salt: bytes, iterations: int, *, digest: str = "sha256", length: int = 32
    ) -> bytes:
        """PBKDF2-HMAC (RFC 8018 §5.2) with `digest` sha1, sha256, sha384 or sha512; Workers'
        WebCrypto stops at 100 000 iterations (more, imported from elsewhere, take a slower path)."""
        ...

    async def bcrypt_matches(self, password: bytes, hashed: bytes) -> bool:
        """Whether `password` matches a `$2a$`/`$2b$`/`$2y$` bcrypt hash (imported users)."""
        ...

    async def argon2_matches(self, password: bytes, encoded: str) -> bool:
        """Whether `password` matches an argon2 PHC string (imported users); `UnsupportedHash`
        where the runtime has no argon2."""
        ...


class UnsupportedHash(Exception):
    """A password hash this runtime cannot verify (argon2 without its package)."""


@dataclass(frozen=True)
class HttpResponse:
    """What an outbound request brought back: the status, lower-cased headers and the (capped) body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class HttpFetcher(Protocol):
    """Outbound HTTP (Workers `fetch`) to URLs tenants configure: JSON documents, provider token
    and email APIs. Both runtimes refuse what `edgeauth.outbound.check_url` refuses (loopback only
    with `allow_loopback`, a tenant in dev mode), before any connection."""

    async def get(
        self, url: str, headers: dict[str, str] | None = None, *, allow_loopback: bool = False
    ) -> HttpResponse:
        """GET a URL (default `Accept: application/json`), redirects not followed."""
        ...

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool = False
    ) -> HttpResponse:
        """POST `body` with `headers` (Content-Type included), redirects not followed.

        Both: `UnsafeUrl` (a `ValueError`) for a URL that may not be fetched, `OSError` when no
        response arrived (refused, timed out); a 4xx/5xx is a response, not an exception."""
        ...

    async def patch(
        self, url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool = False
    ) -> HttpResponse:
        """PATCH, as `post` (a Management API client's updates)."""
        ...


class EmailBinding(Protocol):
    """Cloudflare Email Service's `send_email` binding: `send({from, to, subject, html, text})`."""

    async def send(self, message: dict[str, str]) -> None: ...


Clock = Callable[[], float]
# Work whose result the response does not need (queueing an email, a log event): Workers'
# `ctx.waitUntil` keeps it running after the response; the local runtime simply awaits it.
Deferrer = Callable[[Awaitable[None]], Awaitable[None]]
