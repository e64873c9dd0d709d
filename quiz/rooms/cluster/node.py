"""What the parts of Redis mode share: this server's name, its Redis
connections, its replicas, its health, and two hooks into ownership.

:class:`~quiz.rooms.cluster.rooms.RedisRooms` builds one :class:`Node` and hands
it to each part (the journal, forwarding, following, ownership, the
reader's streams, upkeep), so that no part needs to know the whole.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from quiz.rooms.cluster.scripts import wake_key
from quiz.rooms.contract import Unavailable

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from quiz.ops.clock import Clock
    from quiz.ops.metrics import Counters
    from quiz.rooms.cluster.leases import Leases
    from quiz.rooms.cluster.loops import Loops
    from quiz.rooms.cluster.replica import Replica
    from quiz.rooms.contract import Delivery
    from quiz.rooms.engine import EngineEnv

log = logging.getLogger("quiz.rooms.cluster")


def _unset(*_: object, **__: object) -> None:
    raise RuntimeError("a hook of the node was called before it was set")


@dataclass(eq=False)
class Node:
    """This server's side of Redis mode, shared by its parts."""

    sid: str
    lease_ms: int
    ttl_ms: int
    redis: aioredis.Redis
    counters: Counters
    clock: Clock
    delivery: Delivery
    spawn: Callable[[Awaitable[Any]], None]
    leases: Leases
    loops: Loops
    replicas: dict[str, Replica] = field(default_factory=dict)
    # Set once the engines' environment exists (it holds the journal).
    env: EngineEnv = field(init=False)
    healthy: bool = False
    stopping: bool = False  # handing over: no more takeovers
    wake_cursor: str = "0-0"
    # Ownership's, set by RedisRooms: a room this server ran must be folded
    # anew (lost=True: and its lease is gone); a room is gone from Redis.
    demote: Callable[..., None] = _unset
    vanished: Callable[[str], None] = _unset

    @property
    def wake_key(self) -> str:
        return wake_key(self.sid)

    def check(self) -> None:
        """Fail fast while Redis is known to be away: the player hears
        server_busy now, not after a timeout."""
        if not self.healthy:
            raise Unavailable("the game store is unreachable; retry shortly")

    def failed(self, exc: Exception) -> Unavailable:
        """Note a failed Redis call; the error to raise to the player."""
        self.counters["redis_errors"] += 1
        if self.healthy:
            log.warning("redis call failed", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
        self.healthy = False
        return Unavailable("the game store is unreachable; retry shortly")

    def redis_now_ms(self) -> int:
        """Redis's clock, as last measured against ours."""
        return time.time_ns() // 1_000_000 + self.leases.offset_ms

    async def wake_reader(self) -> None:
        """Make the reader pick up a change in the streams it reads."""
        # The reader blocks on a fixed set of streams; a line in its own
        # wake stream makes it come back and read the new set.
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.xadd(self.wake_key, {"w": "1"}, maxlen=16, approximate=True)
                # Every key expires: a server killed with -9 leaves nothing behind.
                pipe.pexpire(self.wake_key, 10 * self.lease_ms)
                await pipe.execute()
        except RedisError as exc:
            self.failed(exc)
