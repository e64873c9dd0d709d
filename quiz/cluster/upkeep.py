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
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from quiz.game import Disconnected, Output, Present, Release
from quiz.protocol import CloseCode
from quiz.rooms import RoomNotFound, Unavailable

if TYPE_CHECKING:
    from quiz.cluster.replica import Replica
    from quiz.cluster.rooms import RedisRooms

log = logging.getLogger("quiz.cluster")

UPKEEP_INTERVAL_S = 1.0
# Redis trouble is noticed within about a probe interval plus its timeout.
PROBE_INTERVAL_S = 0.25


class Upkeep:
    """The periodic side of :class:`~quiz.cluster.rooms.RedisRooms`."""

    def __init__(self, rooms: RedisRooms) -> None:
        self.rooms = rooms

    async def run(self) -> None:
        rooms = self.rooms
        interval = min(UPKEEP_INTERVAL_S, rooms.lease_ms / 3000)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.once()
                rooms.loops.up("upkeep")
            except RedisError as exc:
                rooms.failed(exc)

    async def probe(self) -> None:
        """PING on a connection of its own, a few times a second."""
        rooms = self.rooms
        while True:
            try:
                await rooms.probe.ping()
                if not rooms.healthy:
                    log.info("redis reachable again")
                rooms.healthy = True
            except RedisError as exc:
                if rooms.healthy:
                    log.warning("redis unreachable", extra={"error": type(exc).__name__})
                    rooms.counters["redis_errors"] += 1
                rooms.healthy = False
            await asyncio.sleep(PROBE_INTERVAL_S)

    async def once(self) -> None:
        rooms = self.rooms
        await rooms.leases.beat()
        owned = [r for r in rooms.replicas.values() if r.owned and r.lease]
        renewed = await rooms.leases.renew([(r.room_id, r.lease or "") for r in owned])
        for replica, ok in zip(owned, renewed, strict=True):
            if not ok:
                rooms.demote(replica.room_id, "renewal refused")
        await self._mark_stranded([r for r in owned if r.owned])
        if not rooms.stopping:
            followed = [r for r in rooms.replicas.values() if not r.owned]
            holders = await rooms.leases.holders([r.room_id for r in followed])
            for replica, holder in zip(followed, holders, strict=True):
                if holder is None or holder == replica.lease:
                    rooms.spawn(rooms.take_over(replica))  # folds a stale replica first
                elif replica.stale and not replica.lock.locked():
                    rooms.spawn(self.resync(replica))
        for replica in list(rooms.replicas.values()):
            self._reconcile(replica)
            rooms.forget_if_unused(replica)

    async def resync(self, replica: Replica) -> None:
        """Fold a stale replica anew; upkeep tries again if Redis is away."""
        async with replica.lock:
            if not replica.stale or replica.owned:
                return
            try:
                await self.rooms.refold(replica)
            except RedisError as exc:
                self.rooms.failed(exc)
        await self.rooms.wake_reader()

    async def _mark_stranded(self, owned: list[Replica]) -> None:
        via: dict[str, list[tuple[Replica, str]]] = {}
        for replica in owned:
            room = replica.engine.room
            for player in itertools.chain(room.players.values(), room.watchers.values()):
                if player.connected and player.via and player.via != self.rooms.sid:
                    via.setdefault(player.via, []).append((replica, player.id))
        for sid in await self.rooms.leases.dead(list(via)):
            log.warning(
                "a server stopped beating; its players are disconnected",
                extra={"server": sid, "players": len(via[sid])},
            )
            for replica, player_id in via[sid]:
                self.rooms.spawn(self._tell(replica, player_id, Disconnected(sid)))

    def _reconcile(self, replica: Replica) -> None:
        """Bring the room's view of this server's players in line with its connections."""
        rooms = self.rooms
        engine = replica.engine
        # Mid-batch, the room may already hold a seat whose connection is
        # bound only once the batch is committed: look again next round.
        if replica.stale or engine.closed or engine.working:
            return
        room = engine.room
        here = set(rooms.delivery.present(replica.room_id))
        stray: list[Output] = []
        for player_id in here:
            player = room.member(player_id)
            if player is None:
                # Removed while this server could not speak for them.
                stray.append(
                    Release(player_id, CloseCode.ROOM_CLOSED, "removed from the room while away")
                )
            elif not player.connected:
                rooms.spawn(self._tell(replica, player_id, Present(rooms.sid)))
            elif player.via != rooms.sid:
                stray.append(
                    Release(player_id, CloseCode.REPLACED, "rejoined on another connection")
                )
        for player in itertools.chain(room.players.values(), room.watchers.values()):
            if player.connected and player.via == rooms.sid and player.id not in here:
                rooms.spawn(self._tell(replica, player.id, Disconnected(rooms.sid)))
        if stray:
            rooms.delivery.deliver(replica.room_id, stray, None, None)

    async def _tell(
        self, replica: Replica, player_id: str, command: Present | Disconnected
    ) -> None:
        with contextlib.suppress(Unavailable, RoomNotFound):  # else: next round
            await self.rooms.tell(replica, player_id, command)
