"""Media with Redis: two real server processes on one real Redis. A picture
uploaded through A is served by B, and still after A is killed (kill -9);
a room created on B may name it. Then the storage contract, the same for
memory, a directory and Redis."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from quiz.media.directory import DirectoryStore
from quiz.media.model import IMAGE_TYPE, Media
from quiz.media.redis_store import RedisStore, item_key
from quiz.media.store import MediaStore, MemoryStore, PutResult
from quiz.ops.config import Settings
from quiz.rooms.backends import make_media
from tests import media_files as files
from tests.clock import ManualClock
from tests.http_client import http_request
from tests.media_helpers import stored
from tests.redis_server import RedisServer
from tests.test_cluster import fleet_of
from tests.test_media_http import picture_question


async def test_uploaded_through_a_served_by_b_even_after_a_dies(
    redis_server: RedisServer,
) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        uploader = await fleet.player("a")
        photo = files.photo(2000, 1500)
        media_id = await stored(uploader, photo, "image/jpeg")
        reply = await http_request(fleet.ports["b"], f"/media/{media_id}")
        assert reply.status == 200 and hashlib.sha256(reply.body).hexdigest() == media_id
        assert reply.headers["content-type"] == "image/webp"

        fleet.servers["a"].proc.kill()  # kill -9: nothing handed over
        await fleet.servers["a"].proc.wait()
        again = await http_request(fleet.ports["b"], f"/media/{media_id}")
        assert again.status == 200 and again.body == reply.body
        # B knows the item for a quiz too (it never saw the upload).
        host = await fleet.player("b")
        created = await host.create("Host", questions=[picture_question(media_id)])
        assert created["room"]["media"] == [media_id]
        missing = await host.error(
            "set_questions", "bad_message", questions=[picture_question("f" * 64)]
        )
        assert missing["message"].startswith("questions[0].image:")
    finally:
        await fleet.stop()


# The contract, on every store.

TTL_MS = 60_000


async def open_store(
    kind: str, tmp_path: Path, redis_server: RedisServer
) -> tuple[MediaStore, ManualClock]:
    clock = ManualClock()
    made: MediaStore
    if kind == "memory":
        made = MemoryStore(1000, TTL_MS, clock)
    elif kind == "directory":
        made = DirectoryStore(tmp_path / "media", 1000, TTL_MS, clock)
    else:
        settings = Settings(
            redis_url=redis_server.url, media_store_bytes=1000, media_ttl_seconds=TTL_MS / 1000
        )
        made = make_media(settings, clock)
        assert isinstance(made, RedisStore)
    await made.start()
    return made, clock


@pytest.fixture(params=["memory", "directory", "redis"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[MediaStore, Any]]:
    """Every store: the contract is the same for all three."""
    made, clock = await open_store(request.param, tmp_path, redis_server)
    yield made, clock
    await made.stop()


@pytest.fixture(params=["memory", "directory"])
async def local_store(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[MediaStore, Any]]:
    """The stores that keep time by the server's clock (Redis keeps its own)."""
    made, clock = await open_store(request.param, tmp_path, redis_server)
    yield made, clock
    await made.stop()


@pytest.fixture
async def redis_media(tmp_path: Path, redis_server: RedisServer) -> AsyncIterator[RedisStore]:
    made, _clock = await open_store("redis", tmp_path, redis_server)
    assert isinstance(made, RedisStore)
    yield made
    await made.stop()


def item(seed: int, size: int = 300) -> Media:
    return Media.of(bytes([seed]) * size, IMAGE_TYPE, width=1, height=1)


async def test_store_contract(store: tuple[MediaStore, Any]) -> None:
    media, _clock = store
    a, b, c, d = item(1), item(2), item(3), item(4)
    assert await media.put(a) is PutResult.STORED
    assert await media.put(a) is PutResult.EXISTED  # stored once
    assert await media.put(b) is PutResult.STORED
    assert await media.put(c) is PutResult.STORED
    assert await media.put(d) is PutResult.FULL  # 1,200 bytes would pass 1,000
    assert media.stats() == {"items": 3, "bytes": 900}
    got = await media.get(a.id)
    assert got is not None and got.body == a.body and got.content_type == IMAGE_TYPE
    assert await media.get(d.id) is None
    assert await media.touch([a.id, d.id, b.id]) == {d.id}


async def test_store_expiry_and_refresh(local_store: tuple[MediaStore, Any]) -> None:
    media, clock = local_store
    a, b, c = item(1), item(2), item(3)
    await media.put(a)
    await media.put(b)
    clock.advance(TTL_MS - 1000)
    assert await media.touch([a.id]) == set()  # used: a lives on
    clock.advance(2000)
    assert await media.get(a.id) is not None
    assert await media.get(b.id) is None
    # The expired one's bytes are free again.
    assert await media.put(c) is PutResult.STORED
    assert media.stats() == {"items": 2, "bytes": 600}


async def test_redis_expiry_and_refresh(redis_media: RedisStore) -> None:
    """Redis drops an item at its PEXPIREAT; time is Redis's own, so the test
    moves an item's expiry itself rather than waiting for it."""
    media = redis_media
    a, b, c, d = item(1), item(2), item(3), item(4)
    for each in (a, b, c):
        await media.put(each)
    key_a, key_b = item_key(a.id), item_key(b.id)
    assert TTL_MS - 5000 < await media.redis.pttl(key_a) <= TTL_MS
    await media.redis.pexpire(key_a, 5000)  # as if 55 s had passed
    assert await media.touch([a.id]) == set()  # used: refreshed to the full TTL
    assert await media.redis.pttl(key_a) > 5000
    await media.redis.delete(key_b)  # as if its time had come (or maxmemory evicted it)
    assert await media.get(b.id) is None
    assert await media.touch([b.id]) == {b.id}
    # Its bytes are free again: d fits where it would not have.
    assert await media.put(d) is PutResult.STORED
    assert media.stats() == {"items": 3, "bytes": 900}
