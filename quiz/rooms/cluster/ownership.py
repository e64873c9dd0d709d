"""Owning rooms in Redis mode: taking a room over, and letting a followed room go.

Losing a room is :meth:`quiz.rooms.cluster.node.Node.demote`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from quiz.rooms.cluster.replica import Replica
from quiz.rooms.cluster.scripts import key

if TYPE_CHECKING:
    from quiz.rooms.cluster.following import Following
    from quiz.rooms.cluster.node import Node

log = logging.getLogger("quiz.rooms.cluster")


class Ownership:
    """Changes of a room's owner, as seen from this server."""

    def __init__(self, node: Node, following: Following) -> None:
        self.node = node
        self.following = following

    async def take_over(self, replica: Replica) -> None:
        """Own ``replica``'s room if nobody does; give the lease back if that fails."""
        async with replica.lock:
            if replica.owned or replica.engine.closed or self.node.stopping:
                return
            try:
                status, holder = await self.node.leases.acquire(replica.room_id)
            except RedisError as exc:
                self.node.failed(exc)
                return
            if status == -1:
                self.node.vanished(replica.room_id)
                return
            if status == 0 and holder != replica.lease:
                return  # another server holds it
            replica.lease = holder
            try:
                await self._catch_up(replica)
            except Exception as exc:
                log.warning(
                    "taking a room over failed; giving its lease back",
                    extra={"room": replica.room_id, "error": type(exc).__name__},
                )
                with contextlib.suppress(RedisError):
                    await self.node.leases.release(replica.room_id, holder, "")
                replica.lease = None
                if isinstance(exc, RedisError):
                    self.node.failed(exc)
                return
            self._activate(replica, taken=status == 1)

    async def _catch_up(self, replica: Replica) -> None:
        if replica.stale:
            await self.following.refold(replica)
            return
        items = await self.node.redis.xrange(key(replica.room_id, "log"), min=f"({replica.cursor}")
        for stream_id, fields in items:
            entry = self.following.decode(replica.room_id, stream_id, fields)
            if entry is not None:
                replica.fold(stream_id, entry, None, None)

    def _activate(self, replica: Replica, *, taken: bool) -> None:
        engine = replica.engine
        engine.active = True
        replica.inbox_read = replica.inbox_cursor
        replica.incoming.clear()
        self.node.counters["rooms_owned"] += 1
        if taken:
            self.node.counters["takeovers"] += 1
            log.info("room taken over", extra={"room": replica.room_id, "lease": replica.lease})
        engine.schedule()
        engine.resume_generation()
        self.node.spawn(self.node.wake_reader())

    def forget_if_unused(self, replica: Replica) -> None:
        """A followed room with no player here any more is no longer read."""
        if (
            not replica.owned
            and not replica.forwarding
            and not replica.lock.locked()
            and not self.node.delivery.present(replica.room_id)
            and self.node.replicas.get(replica.room_id) is replica
        ):
            del self.node.replicas[replica.room_id]
