"""The pure-Python paths Workers take for imported hashes WebCrypto cannot check (bcrypt without its
Pyodide build, PBKDF2 above 100 000 iterations), against the libraries CPython uses.

`edgeauth.runtime.cloudflare.slow_hashes` imports neither `js` nor `pyodide`, so it runs here too;
under Pyodide it is exercised by the edge-mode import test.
"""

from __future__ import annotations

import hashlib

import bcrypt
import pytest

from edgeauth.runtime.cloudflare.slow_hashes import bcrypt_in_python, pbkdf2_loop
from edgeauth.users import imported_hashes
from edgeauth.users.imported_hashes import ImportedHashError


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_pure_python_bcrypt_agrees_with_pyca(prefix: bytes) -> None:
    for password in (b"hello", b"", "pässwörd".encode(), b"x" * 72 + b"ignored past 72"):
        hashed = bcrypt.hashpw(password[:72], bcrypt.gensalt(4, prefix=prefix))  # pyca refuses more
        assert bcrypt_in_python(password[:72], hashed)
        assert not bcrypt_in_python(b"!" + password[:71], hashed)
    y = bcrypt.hashpw(b"hello", bcrypt.gensalt(4)).replace(b"$2b$", b"$2y$")
    assert bcrypt_in_python(b"hello", y)
    assert not bcrypt_in_python(b"hello", b"$2x$04$" + y[7:])
    assert not bcrypt_in_python(b"hello", b"not a hash")


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_pbkdf2_loop_agrees_with_hashlib(digest: str) -> None:
    for length in (20, 32, 64, 100):
        expected = hashlib.pbkdf2_hmac(digest, b"password", b"salt", 1_000, length)
        assert pbkdf2_loop(digest, b"password", b"salt", 1_000, length) == expected


@pytest.mark.parametrize(
    ("custom", "path"),
    [
        (
            {"algorithm": "sha256", "hash": {"value": "zz", "encoding": "hex"}},
            "custom_password_hash.hash.value",
        ),
        (
            {"algorithm": "sha256", "hash": {"value": "00", "encoding": "utf8"}},
            "custom_password_hash.hash.encoding",
        ),
        ({"algorithm": "bcrypt", "hash": {"value": "$2x$10$abc"}}, "custom_password_hash.hash.value"),
        (
            {"algorithm": "pbkdf2", "hash": {"value": "$pbkdf2-md5$i=1,l=16$c2FsdA$AAAA"}},
            "custom_password_hash.hash.value",
        ),
        (
            {
                "algorithm": "pbkdf2",
                "hash": {"value": "$pbkdf2-sha256$i=1$c2FsdA$AAAA"},
                "salt": {"value": "x"},
            },
            "custom_password_hash.salt",
        ),
        (
            {"algorithm": "hmac", "hash": {"value": "00", "encoding": "hex"}},
            "custom_password_hash.hash.digest",
        ),
        (
            {"algorithm": "scrypt", "hash": {"value": "00", "encoding": "hex"}},
            "custom_password_hash.algorithm",
        ),
        ({"algorithm": "rot13", "hash": {"value": "00"}}, "custom_password_hash.algorithm"),
        ({"algorithm": "md5"}, "custom_password_hash"),
    ],
)
def test_a_malformed_hash_is_refused_with_its_path(custom: dict, path: str) -> None:
    with pytest.raises(ImportedHashError) as refused:
        imported_hashes.from_custom(custom)
    assert refused.value.path == path
