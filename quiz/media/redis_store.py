"""Media in Redis (``REDIS_URL``): every server reads what any server stored,
and an item outlives the server that took its upload.

Keys share the hash tag ``{media}``, so that one script may touch them all
(Redis Cluster and Valkey alike; all media then live on one shard):

- ``quiz:{media}:item:<id>``  a hash: ``t`` content type, ``b`` the bytes,
  ``w``/``h``/``d`` width, height, duration; it expires at the item's expiry
  (``PEXPIREAT``), so Redis itself drops what nobody refreshed;
- ``quiz:{media}:expiry``  a sorted set: id -> expiry (ms);
- ``quiz:{media}:sizes``   a hash: id -> bytes;
- ``quiz:{media}:bytes``   the bytes stored in total, for the capacity.

The three index keys have no TTL: each ``PUT`` first forgets (up to 1,000)
entries whose expiry has passed, whose item keys Redis has already dropped.
Times are Redis's own (``TIME``), so servers whose clocks differ agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from quiz.media.model import Media
from quiz.media.store import MediaStore, PutResult, StoreUnavailable

PREFIX = "quiz:{media}"
EXPIRY = f"{PREFIX}:expiry"
SIZES = f"{PREFIX}:sizes"
TOTAL = f"{PREFIX}:bytes"


def item_key(media_id: str) -> str:
    return f"{PREFIX}:item:{media_id}"


_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS item expiry sizes total; ARGV id ttl_ms capacity type body width height duration
# Returns {0 stored | 1 existed | 2 full, bytes in total, items}.
PUT = (
    _NOW
    + """
local expires = now + tonumber(ARGV[2])
local old = redis.call('ZRANGE', KEYS[2], '-inf', now, 'BYSCORE', 'LIMIT', 0, 1000)
for _, id in ipairs(old) do
  redis.call('DECRBY', KEYS[4], tonumber(redis.call('HGET', KEYS[3], id) or '0'))
  redis.call('HDEL', KEYS[3], id)
end
if #old > 0 then redis.call('ZREM', KEYS[2], unpack(old)) end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIREAT', KEYS[1], expires)
  redis.call('ZADD', KEYS[2], expires, ARGV[1])
  return {1, tonumber(redis.call('GET', KEYS[4]) or '0'), redis.call('ZCARD', KEYS[2])}
end
-- Counted but gone before its time (Redis evicted it under maxmemory).
local stale = redis.call('HGET', KEYS[3], ARGV[1])
if stale then
  redis.call('DECRBY', KEYS[4], tonumber(stale))
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
local size = string.len(ARGV[5])
local total = tonumber(redis.call('GET', KEYS[4]) or '0')
if total + size > tonumber(ARGV[3]) then
  return {2, total, redis.call('ZCARD', KEYS[2])}
end
redis.call('HSET', KEYS[1], 't', ARGV[4], 'b', ARGV[5], 'w', ARGV[6], 'h', ARGV[7], 'd', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], expires)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], size)
return {0, redis.call('INCRBY', KEYS[4], size), redis.call('ZCARD', KEYS[2])}
"""
)

# KEYS expiry sizes total item...; ARGV ttl_ms id... Returns 1 or 0 per id:
# whether it is there. One that is not but is still counted (evicted under
# maxmemory) is forgotten, its bytes freed.
TOUCH = (
    _NOW
    + """
local expires = now + tonumber(ARGV[1])
local found = {}
for i = 4, #KEYS do
  local id = ARGV[i - 2]
  if redis.call('PEXPIREAT', KEYS[i], expires) == 1 then
    redis.call('ZADD', KEYS[1], expires, id)
    found[i - 3] = 1
  else
    local stale = redis.call('HGET', KEYS[2], id)
    if stale then
      redis.call('DECRBY', KEYS[3], tonumber(stale))
      redis.call('HDEL', KEYS[2], id)
      redis.call('ZREM', KEYS[1], id)
    end
    found[i - 3] = 0
  end
end
return found
"""
)


class RedisStore(MediaStore):
    """The storage contract over Redis, shared by every server."""

    kind = "redis"

    def __init__(self, redis: aioredis.Redis, capacity: int, ttl_ms: int) -> None:
        super().__init__(capacity, ttl_ms)
        self.redis = redis
        self._put = redis.register_script(PUT)
        self._touch = redis.register_script(TOUCH)
        self._stats = {"items": 0, "bytes": 0}

    async def stop(self) -> None:
        await self.redis.aclose()

    async def put(self, item: Media) -> PutResult:
        keys = [item_key(item.id), EXPIRY, SIZES, TOTAL]
        args = [
            item.id,
            self.ttl_ms,
            self.capacity,
            item.content_type,
            item.body,
            item.width,
            item.height,
            item.duration_ms,
        ]
        try:
            status, total, count = await self._put(keys=keys, args=args)
        except RedisError as exc:
            raise StoreUnavailable(f"Redis did not store the item: {type(exc).__name__}") from None
        self._stats = {"items": int(count), "bytes": int(total)}
        return (PutResult.STORED, PutResult.EXISTED, PutResult.FULL)[int(status)]

    async def get(self, media_id: str) -> Media | None:
        try:
            content_type, body = await self.redis.hmget(item_key(media_id), "t", "b")
        except RedisError as exc:
            raise StoreUnavailable(f"Redis did not answer: {type(exc).__name__}") from None
        if content_type is None or body is None:
            return None
        return Media(media_id, content_type.decode(), body)

    async def touch(self, ids: Sequence[str]) -> set[str]:
        unique = list(dict.fromkeys(ids))
        if not unique:
            return set()
        keys = [EXPIRY, SIZES, TOTAL, *(item_key(i) for i in unique)]
        try:
            found = await self._touch(keys=keys, args=[self.ttl_ms, *unique])
        except RedisError as exc:
            raise StoreUnavailable(f"Redis did not answer: {type(exc).__name__}") from None
        return {i for i, there in zip(unique, found, strict=True) if not int(there)}

    def stats(self) -> dict[str, int]:
        return dict(self._stats)
