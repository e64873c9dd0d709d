"""What the parts of Redis mode share: this server's name, its Redis
connections, its replicas and its health.

:class:`~quiz.rooms.cluster.rooms.RedisRooms` builds one :class:`Node` and hands
it to each part (the journal, forwarding, following, ownership, the
reader's streams, upkeep), so that no part needs to know the whole. A part
that finds a room out of step says so here (:meth:`Node.demote`,
:meth:`Node.vanished`); upkeep, woken at once, brings it back in step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from quiz.core.commands import Tick
from quiz.core.messages import CloseCode
from quiz.core.outputs import Output, Release, RoomClosed
from quiz.rooms.cluster.scripts import wake_key
from quiz.rooms.contract import Unavailable
from quiz.rooms.engine import Applied, Job

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from quiz.ops.clock import Clock
    from quiz.ops.metrics import Counters
    from quiz.rooms.cluster.leases import Leases
    from quiz.rooms.cluster.loops import Loops
    from quiz.rooms.cluster.replica import Replica
    from quiz.rooms.contract import Delivery

log = logging.getLogger("quiz.rooms.cluster")


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
    healthy: bool = False
    stopping: bool = False  # handing over: no more takeovers
    wake_cursor: str = "0-0"
    # Set when a replica fell out of step: upkeep runs at once, not a second later.
    attention: asyncio.Event = field(default_factory=asyncio.Event)

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
        return self.clock.now_ms() + self.leases.offset_ms

    def demote(self, room_id: str, why: str, *, lost: bool = True) -> None:
        """This server lost the room (or its state ran ahead of the log):
        stop running it; upkeep folds it anew from the log, keeping its
        players, and takes it back if nobody else holds it.

        ``lost``: its lease is gone too. Otherwise the lease is still ours and
        upkeep takes the room back as soon as its state is the log's again,
        without waiting for the lease to run out.
        """
        replica = self.replicas.get(room_id)
        if replica is None or not replica.owned:
            return
        log.warning("lost a room's lease", extra={"room": room_id, "why": why})
        replica.engine.active = False
        replica.engine.stop_timers()
        if lost:
            replica.lease = None
        replica.stale = True
        replica.incoming.clear()
        self.attention.set()

    def vanished(self, room_id: str) -> None:
        """The room is gone from Redis (expired, or its data lost): let its players go."""
        replica = self.replicas.get(room_id)
        if replica is None:
            return
        log.warning("room vanished from redis", extra={"room": room_id})
        outputs: list[Output] = [
            Release(pid, CloseCode.ROOM_CLOSED, "room closed")
            for pid in list(self.delivery.present(room_id))
        ]
        outputs.append(RoomClosed("vanished"))
        replica.engine.deliver(Applied(Job(None, Tick()), self.clock.now_ms(), outputs))

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
