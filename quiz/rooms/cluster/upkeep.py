"""What a server does in Redis mode every second, and the health probe.

- heartbeat, and a reading of Redis's clock;
- lease renewals, at three times a lease, so a renewal may be late by two
  thirds of the lease before it is lost;
- players connected through a server that stopped beating are marked
  disconnected (nobody else would tell, and every question would wait for
  them to its deadline);
- rooms whose owner is gone are taken over by a server with players in them;
- presence follows connections: a player connected here whom the room shows
  as gone (marked so while this server was paused or cut off) is present
  again, and one the room shows connected here without a connection is
  disconnected;
- followed rooms nobody here plays in any more are forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from quiz.core.commands import Command, Disconnected, Present
from quiz.core.messages import CloseCode
from quiz.core.outputs import Output, Release
from quiz.rooms.contract import RoomNotFound, Unavailable

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from quiz.rooms.cluster.following import Following
    from quiz.rooms.cluster.node import Node
    from quiz.rooms.cluster.ownership import Ownership
    from quiz.rooms.cluster.replica import Replica

log = logging.getLogger("quiz.rooms.cluster")

UPKEEP_INTERVAL_S = 1.0
# Redis trouble is noticed within about a probe interval plus its timeout.
PROBE_INTERVAL_S = 0.25


class Upkeep:
    """The periodic side of :class:`~quiz.rooms.cluster.node.RedisRooms`."""

    def __init__(
        self,
        node: Node,
        ownership: Ownership,
        following: Following,
        probe: aioredis.Redis,
        tell: Callable[[Replica, str | None, Command], Awaitable[None]],
    ) -> None:
        self.node = node
        self.ownership = ownership
        self.following = following
        self.probe_client = probe
        self.tell = tell

    async def run(self) -> None:
        node = self.node
        interval = min(UPKEEP_INTERVAL_S, node.lease_ms / 3000)
        while True:
            # Every interval, or at once when a replica fell out of step.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await node.attention.wait()
            node.attention.clear()
            try:
                await self.once()
                node.loops.up("upkeep")
            except RedisError as exc:
                node.failed(exc)

    async def probe(self) -> None:
        """PING on a connection of its own, a few times a second."""
        node = self.node
        while True:
            try:
                await self.probe_client.ping()
                if not node.healthy:
                    log.info("redis reachable again")
                node.healthy = True
            except RedisError as exc:
                if node.healthy:
                    log.warning("redis unreachable", extra={"error": type(exc).__name__})
                    node.counters["redis_errors"] += 1
                node.healthy = False
            await asyncio.sleep(PROBE_INTERVAL_S)

    async def once(self) -> None:
        node = self.node
        await node.leases.beat()
        owned = [r for r in node.replicas.values() if r.owned and r.lease]
        renewed = await node.leases.renew([(r.room_id, r.lease or "") for r in owned])
        for replica, ok in zip(owned, renewed, strict=True):
            if not ok:
                node.demote(replica.room_id, "renewal refused")
        await self._mark_stranded([r for r in owned if r.owned])
        if not node.stopping:
            followed = [r for r in node.replicas.values() if not r.owned]
            holders = await node.leases.holders([r.room_id for r in followed])
            for replica, holder in zip(followed, holders, strict=True):
                if holder is None or holder == replica.lease:
                    node.spawn(self.ownership.take_over(replica))  # folds a stale replica first
                elif replica.stale and not replica.lock.locked():
                    node.spawn(self.following.resync(replica))
        for replica in list(node.replicas.values()):
            self._reconcile(replica)
            self.ownership.forget_if_unused(replica)

    async def _mark_stranded(self, owned: list[Replica]) -> None:
        via: dict[str, list[tuple[Replica, str]]] = {}
        for replica in owned:
            room = replica.engine.room.state
            for player in itertools.chain(room.players.values(), room.watchers.values()):
                if player.connected and player.via and player.via != self.node.sid:
                    via.setdefault(player.via, []).append((replica, player.id))
        for sid in await self.node.leases.dead(list(via)):
            log.warning(
                "a server stopped beating; its players are disconnected",
                extra={"server": sid, "players": len(via[sid])},
            )
            for replica, player_id in via[sid]:
                self.node.spawn(self._tell(replica, player_id, Disconnected(sid)))

    def _reconcile(self, replica: Replica) -> None:
        """Bring the room's view of this server's players in line with its connections."""
        node = self.node
        engine = replica.engine
        # Mid-batch, the room may already hold a seat whose connection is
        # bound only once the batch is committed: look again next round.
        if replica.stale or engine.closed or engine.working:
            return
        room = engine.room.state
        here = set(node.delivery.present(replica.room_id))
        stray: list[Output] = []
        for player_id in here:
            player = room.member(player_id)
            if player is None:
                # Removed while this server could not speak for them.
                stray.append(
                    Release(player_id, CloseCode.ROOM_CLOSED, "removed from the room while away")
                )
            elif not player.connected:
                node.spawn(self._tell(replica, player_id, Present(node.sid)))
            elif player.via != node.sid:
                stray.append(
                    Release(player_id, CloseCode.REPLACED, "rejoined on another connection")
                )
        for player in itertools.chain(room.players.values(), room.watchers.values()):
            if player.connected and player.via == node.sid and player.id not in here:
                node.spawn(self._tell(replica, player.id, Disconnected(node.sid)))
        if stray:
            node.delivery.deliver(replica.room_id, stray, None, None)

    async def _tell(
        self, replica: Replica, player_id: str, command: Present | Disconnected
    ) -> None:
        with contextlib.suppress(Unavailable, RoomNotFound):  # else: next round
            await self.tell(replica, player_id, command)
