"""Ownership of rooms: leases with fencing numbers, and servers' heartbeats.

A room has one owner at a time: the server holding its lease
(``server:fence``, renewed three times a lease). A new owner draws a higher
fence, and every write checks the lease it was made under, so an owner that
lost its lease while paused or cut off cannot write. A heartbeat per server
tells owners which servers died, so that their players can be marked
disconnected instead of holding every question to its deadline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quiz.rooms.cluster import scripts
from quiz.rooms.cluster.scripts import alive_key, key

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from quiz.ops.clock import Clock


class Leases:
    """This server's side of leases and heartbeats; raises RedisError."""

    def __init__(
        self, redis: aioredis.Redis, server_id: str, lease_ms: int, clock: Clock
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.sid = server_id
        self.lease_ms = lease_ms
        # Redis's clock minus ours, in ms: deadlines checked by Redis are set
        # on its clock, so a skew between hosts cannot refuse (or admit) them.
        self.offset_ms = 0
        self._acquire = redis.register_script(scripts.ACQUIRE)
        self._renew = redis.register_script(scripts.RENEW)
        self._release = redis.register_script(scripts.RELEASE)

    async def acquire(self, room_id: str) -> tuple[int, str]:
        """(1, lease) taken; (0, holder) held already; (-1, "") no such room."""
        status, holder = await self._acquire(
            keys=[key(room_id, "lease"), key(room_id, "fence"), key(room_id, "snap")],
            args=[self.sid, self.lease_ms],
        )
        return int(status), str(holder)

    async def renew(self, held: list[tuple[str, str]]) -> list[bool]:
        """Renew each (room, lease); False where it was lost."""
        if not held:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id, lease in held:
                await self._renew(
                    keys=[key(room_id, "lease")], args=[lease, self.lease_ms], client=pipe
                )
            return [bool(ok) for ok in await pipe.execute()]

    async def release(self, room_id: str, lease: str, snapshot: str) -> bool:
        return bool(
            await self._release(
                keys=[key(room_id, "lease"), key(room_id, "snap"), key(room_id, "prev")],
                args=[lease, snapshot],
            )
        )

    async def holders(self, room_ids: list[str]) -> list[str | None]:
        if not room_ids:
            return []
        return list(await self.redis.mget([key(r, "lease") for r in room_ids]))

    async def beat(self) -> None:
        """The heartbeat, and a fresh reading of Redis's clock.

        It lapses three leases after a crash; it outlives a graceful stop on
        purpose, so players told to come back are not marked gone at once.
        """
        before = self.clock.now_ms()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(alive_key(self.sid), "1", px=3 * self.lease_ms)
            pipe.time()
            _, (seconds, micros) = await pipe.execute()
        after = self.clock.now_ms()
        self.offset_ms = int(seconds) * 1000 + int(micros) // 1000 - (before + after) // 2

    async def dead(self, server_ids: list[str]) -> set[str]:
        """Those of ``server_ids`` whose heartbeat stopped."""
        if not server_ids:
            return set()
        beats = await self.redis.mget([alive_key(s) for s in server_ids])
        return {sid for sid, beat in zip(server_ids, beats, strict=True) if beat is None}
