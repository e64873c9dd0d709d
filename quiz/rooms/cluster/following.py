"""Following rooms in Redis mode: loading a replica, folding the log into it.

A server follows a room as soon as one of its players enters it: it loads
the room from its snapshot and log, then folds every entry the owner
appends (read by :class:`~quiz.rooms.cluster.loops.Reader`). A replica that fell
out of step (a commit that failed, a gap) is folded anew from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import orjson
from redis.exceptions import RedisError

from quiz.core.outputs import Send
from quiz.rooms.cluster.entries import Entry, rebuild
from quiz.rooms.cluster.replica import Replica, Stale
from quiz.rooms.cluster.scripts import key
from quiz.rooms.contract import RoomNotFound
from quiz.rooms.journaled import JournaledEngine

if TYPE_CHECKING:
    from quiz.core.room import Room
    from quiz.rooms.cluster.forward import Forwarder
    from quiz.rooms.cluster.journal import RedisJournal
    from quiz.rooms.cluster.node import Node
    from quiz.rooms.engine import EngineEnv

log = logging.getLogger("quiz.rooms.cluster")


def _rebuild_at(
    snap: dict[str, Any], prev_raw: str | None, quiet: list[Entry], delivered: int
) -> tuple[Room, int, str]:
    """The room as of entry ``delivered`` (what players here have seen), or
    as near after it as the snapshots and the log allow.

    A snapshot written while this server was away is past ``delivered``:
    the one before it (``prev``) lets the entries in between be folded
    again, with their outputs delivered here, rather than skipped.
    """
    if snap["seq"] > delivered and prev_raw is not None:
        prev = orjson.loads(prev_raw)
        if prev["seq"] <= delivered:
            # A gap (the log trimmed past it) leaves the newer snapshot.
            with contextlib.suppress(RuntimeError):
                return rebuild(prev, quiet)
    return rebuild(snap, quiet)


class Following:
    """This server's replicas: how they come to be and stay in step."""

    def __init__(
        self, node: Node, forwarder: Forwarder, env: EngineEnv, journal: RedisJournal
    ) -> None:
        self.node = node
        self.forwarder = forwarder
        self.env = env
        self.journal = journal
        self._locks: dict[str, asyncio.Lock] = {}

    async def follow(self, room_id: str) -> tuple[Replica, bool]:
        """This server's replica of ``room_id``, loaded from Redis if need be,
        and whether the room has no owner now."""
        replica = self.node.replicas.get(room_id)
        if replica is not None and not replica.engine.closed:
            return replica, False
        self.node.check()
        lock = self._locks.setdefault(room_id, asyncio.Lock())
        try:
            async with lock:
                replica = self.node.replicas.get(room_id)
                if replica is not None:
                    return replica, False
                replica, holder = await self._load(room_id)
                return replica, holder is None
        finally:
            if not lock.locked():
                self._locks.pop(room_id, None)

    async def _load(self, room_id: str) -> tuple[Replica, str | None]:
        try:
            async with self.node.redis.pipeline(transaction=False) as pipe:
                pipe.get(key(room_id, "snap"))
                pipe.xrange(key(room_id, "log"))
                pipe.get(key(room_id, "lease"))
                snap_raw, items, holder = await pipe.execute()
        except RedisError as exc:
            raise self.node.failed(exc) from exc
        if snap_raw is None:
            raise RoomNotFound(room_id)
        snap = orjson.loads(snap_raw)
        entries = [e for e in (self.decode(room_id, i, f) for i, f in items) if e is not None]
        room, seq, inbox = rebuild(snap, entries)
        if room.state.closed:
            raise RoomNotFound(room_id)
        replica = Replica(
            JournaledEngine(room_id, room, self.env, self.journal, active=False),
            seq=seq,
            cursor=items[-1][0] if items else "0-0",
            inbox_cursor=inbox,
            snapshot_seq=snap["seq"],
        )
        self.node.replicas[room_id] = replica
        await self.node.wake_reader()
        return replica, holder

    async def refold(self, replica: Replica) -> None:
        """Fold the room anew from its snapshot and log (after a failed
        commit or a gap); players here get, in order, what they had not
        seen, then a fresh room state."""
        room_id = replica.room_id
        async with self.node.redis.pipeline(transaction=False) as pipe:
            pipe.get(key(room_id, "snap"))
            pipe.get(key(room_id, "prev"))
            pipe.xrange(key(room_id, "log"))
            snap_raw, prev_raw, items = await pipe.execute()
        if snap_raw is None:
            self.node.vanished(room_id)
            return
        snap = orjson.loads(snap_raw)
        delivered = replica.seq
        entries = [(i, e) for i, f in items if (e := self.decode(room_id, i, f)) is not None]
        quiet = [e for _, e in entries if e.seq <= delivered]
        room, seq, inbox = _rebuild_at(snap, prev_raw, quiet, delivered)
        engine = replica.engine
        engine.room = room
        replica.seq, replica.inbox_cursor, replica.snapshot_seq = seq, inbox, snap["seq"]
        replica.cursor = items[-1][0] if items else replica.cursor
        replica.stale = False
        for stream_id, entry in entries:
            if entry.seq > replica.seq:
                self.fold(replica, stream_id, entry)
        # What they missed while this server's state was not the log's.
        now = self.node.clock.now_ms()
        states = [
            Send({"type": "room_state", "room": room.views.state_for(pid, now)}, to=pid)
            for pid in list(self.node.delivery.present(room_id))
            if room.state.member(pid) is not None
        ]
        self.node.delivery.deliver(room_id, states, None, None)

    def fold(self, replica: Replica, stream_id: str, entry: Entry) -> None:
        waiter = self.forwarder.waiter(entry.ref) if entry.origin == self.node.sid else None
        try:
            frame = replica.fold(
                stream_id, entry, waiter.conn if waiter else None, waiter.token if waiter else None
            )
        except Stale:
            self.node.counters["log_gaps"] += 1
            self.node.spawn(self.resync(replica))
            return
        if waiter is not None and not waiter.done.done():
            waiter.done.set_result(frame)

    def decode(self, room_id: str, stream_id: str, fields: dict[str, str]) -> Entry | None:
        try:
            return Entry.decode(fields["e"])
        except Exception as exc:
            # One bad entry must not silence the room (or the server): say
            # so, skip it, go on with the next.
            self.node.counters["bad_entries"] += 1
            log.error(
                "skipping a log entry that cannot be decoded",
                extra={"room": room_id, "entry": stream_id, "error": type(exc).__name__},
            )
            return None

    async def resync(self, replica: Replica) -> None:
        """Fold a stale replica anew; upkeep tries again if Redis is away."""
        async with replica.lock:
            if not replica.stale or replica.owned:
                return
            try:
                await self.refold(replica)
            except RedisError as exc:
                self.node.failed(exc)
        await self.node.wake_reader()
