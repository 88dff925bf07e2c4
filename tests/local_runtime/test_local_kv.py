"""SqliteKV: Workers KV semantics on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeauth.runtime.local.kv import SqliteKV
from tests.local_runtime.support import ManualClock


@pytest.fixture
def kv(tmp_path: Path, clock: ManualClock) -> SqliteKV:
    return SqliteKV(tmp_path / "kv.sqlite", "CONFIG", clock)


async def test_put_get_delete(kv: SqliteKV) -> None:
    assert await kv.get("missing") is None
    await kv.put("t1:client:abc", '{"name": "x"}')
    assert await kv.get("t1:client:abc") == '{"name": "x"}'
    await kv.put("t1:client:abc", "v2")
    assert await kv.get("t1:client:abc") == "v2"
    await kv.delete("t1:client:abc")
    assert await kv.get("t1:client:abc") is None
    await kv.delete("t1:client:abc")  # deleting a missing key is fine


async def test_list_is_sorted_and_prefix_scoped(kv: SqliteKV) -> None:
    for key in ["t1:b", "t1:a", "t10:a", "t2:a", "t1:c:é", "t1:c:z"]:
        await kv.put(key, "v")
    assert await kv.list("t1:") == ["t1:a", "t1:b", "t1:c:z", "t1:c:é"]
    assert await kv.list("t10:") == ["t10:a"]
    assert await kv.list("") == sorted(["t1:b", "t1:a", "t10:a", "t2:a", "t1:c:é", "t1:c:z"])


async def test_prefix_wildcards_match_literally(kv: SqliteKV) -> None:
    """A tenant id containing LIKE wildcards must not see other tenants' keys."""
    await kv.put("a_%:key", "mine")
    await kv.put("abc:key", "theirs")
    await kv.put("A_%:key", "case differs")
    assert await kv.list("a_%:") == ["a_%:key"]
    assert await kv.list("a") == ["a_%:key", "abc:key"]


async def test_namespaces_in_one_file_are_separate(tmp_path: Path, clock: ManualClock) -> None:
    one = SqliteKV(tmp_path / "kv.sqlite", "ONE", clock)
    two = SqliteKV(tmp_path / "kv.sqlite", "TWO", clock)
    await one.put("k", "1")
    assert await two.get("k") is None
    assert await two.list("") == []


async def test_expired_entries_disappear(kv: SqliteKV, clock: ManualClock) -> None:
    await kv.put("t1:short", "v", ttl=60)
    await kv.put("t1:long", "v", ttl=3600)
    await kv.put("t1:forever", "v")
    clock.advance(59)
    assert await kv.get("t1:short") == "v"
    clock.advance(1)
    assert await kv.get("t1:short") is None
    assert await kv.list("t1:") == ["t1:forever", "t1:long"]
    clock.advance(3600)
    assert await kv.get("t1:long") is None
    assert await kv.list("t1:") == ["t1:forever"]


async def test_put_without_ttl_clears_an_earlier_expiry(kv: SqliteKV, clock: ManualClock) -> None:
    await kv.put("k", "v1", ttl=60)
    await kv.put("k", "v2")
    clock.advance(120)
    assert await kv.get("k") == "v2"


async def test_expired_rows_are_purged(tmp_path: Path, kv: SqliteKV, clock: ManualClock) -> None:
    await kv.put("k", "v", ttl=60)
    clock.advance(61)
    await kv.list("")
    reopened = SqliteKV(tmp_path / "kv.sqlite", "CONFIG", ManualClock(0))  # a clock before expiry
    assert await reopened.get("k") is None


@pytest.mark.parametrize("ttl", [0, 1, 59])
async def test_ttl_below_60_is_rejected(kv: SqliteKV, ttl: int) -> None:
    with pytest.raises(ValueError, match="Expiration TTL must be at least 60"):
        await kv.put("k", "v", ttl=ttl)
    assert await kv.get("k") is None


async def test_bad_keys_are_rejected(kv: SqliteKV) -> None:
    for key in ["", ".", "..", "x" * 513]:
        with pytest.raises(ValueError):
            await kv.put(key, "v")


async def test_survives_reopen(tmp_path: Path, kv: SqliteKV, clock: ManualClock) -> None:
    await kv.put("k", "v", ttl=600)
    kv.close()
    assert await SqliteKV(tmp_path / "kv.sqlite", "CONFIG", clock).get("k") == "v"
