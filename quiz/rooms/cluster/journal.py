"""The fenced group commit: how the owner of a room writes its log.

See :mod:`quiz.rooms.cluster.entries` for what an entry holds.

A batch the fence refuses was applied nowhere. Its players' commands are
not refused for that: this server lost the room (a pause past its lease, a
successor took over) or was too late to write, so it carries each of them
to the room's owner through the inbox, as any follower does, under the
same request id. The room remembers request ids per player, so a command
the player also retried elsewhere is still applied once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from quiz.core.outputs import RoomClosed
from quiz.rooms.cluster import scripts
from quiz.rooms.cluster.entries import Entry, Forwarded, snapshot
from quiz.rooms.cluster.scripts import key
from quiz.rooms.contract import RoomNotFound, Unavailable
from quiz.rooms.engine import Applied, Job, fail
from quiz.rooms.journaled import JournaledEngine, Moved

if TYPE_CHECKING:
    from quiz.rooms.cluster.forward import Forwarder
    from quiz.rooms.cluster.node import Node

log = logging.getLogger("quiz.rooms.cluster")

# Log entries between snapshots: at least 50, and at least one per player,
# so a big room (a snapshot of 10,000 players is megabytes) writes about one
# snapshot a question rather than hundreds.
SNAPSHOT_EVERY = 50
CLOSED_TTL_MS = 60_000
# A batch must be committed within this of being applied, by Redis's clock;
# a command's client is told it failed only later (the socket timeout).
COMMIT_BUDGET_MS = 800


class NotOwner(Unavailable):
    """This server does not (or no longer) own the room: the write was refused."""


class TooLate(Unavailable):
    """The batch reached Redis after its deadline and was refused."""


class RedisJournal:
    """The :class:`~quiz.rooms.journaled.Journal` of rooms this server owns: every
    batch is appended to the room's log in one fenced script call."""

    def __init__(self, node: Node, forwarder: Forwarder) -> None:
        self.node = node
        self.forwarder = forwarder
        self._append = node.redis.register_script(scripts.APPEND)

    async def commit(self, engine: JournaledEngine, batch: list[Applied]) -> None:
        replica = self.node.replicas[engine.room_id]
        if replica.lease is None:
            raise NotOwner(engine.room_id)
        first = replica.seq + 1
        entries = [self._entry(self.node.sid, first + i, a) for i, a in enumerate(batch)]
        closing = any(isinstance(o, RoomClosed) for a in batch for o in a.outputs)
        last = entries[-1].seq
        every = max(SNAPSHOT_EVERY, len(engine.room.state.players))
        inbox = next((e.inbox for e in reversed(entries) if e.inbox), replica.inbox_cursor)
        due = last - replica.snapshot_seq >= every
        snap = snapshot(engine.room, last, inbox) if due or closing else ""
        deadline = self.node.redis_now_ms() + COMMIT_BUDGET_MS
        try:
            result = await self._append(
                keys=[
                    key(engine.room_id, p)
                    for p in ("lease", "log", "snap", "seq", "fence", "inbox", "prev")
                ],
                args=[
                    replica.lease,
                    first,
                    deadline,
                    snap,
                    CLOSED_TTL_MS if closing else self.node.ttl_ms,
                    # Keeps every entry since the last snapshot, with room to spare.
                    2 * every + 100 + len(entries),
                    *(e.encode() for e in entries),
                ],
            )
        except RedisError as exc:
            raise self.node.failed(exc) from exc
        if result == -1:
            raise NotOwner("lease lost")
        if result == -2:
            raise NotOwner(f"sequence {first} is not next")
        if result == -3:
            raise TooLate("the store was too slow to answer")
        self.node.counters["redis_appends"] += 1
        self.node.counters["commands_logged"] += len(entries)
        replica.seq = last
        replica.cursor = result
        replica.inbox_cursor = inbox
        if snap:
            replica.snapshot_seq = last

    @staticmethod
    def _entry(sid: str, seq: int, applied: Applied) -> Entry:
        job = applied.job
        origin = job.origin if isinstance(job, Forwarded) else None
        return Entry(
            seq,
            applied.now_ms,
            job.player_id,
            job.command,
            origin.server if origin else sid,
            origin.ref if origin else "",
            origin.inbox if origin else "",
        )

    def failed(self, engine: JournaledEngine, exc: Exception) -> None:
        # The state ran ahead of the log: this server stops running the room
        # and folds it from the log again (taking it back if nobody else did).
        lost = isinstance(exc, NotOwner)
        self.node.demote(engine.room_id, f"{type(exc).__name__}: {exc}", lost=lost)

    def refused(self, engine: JournaledEngine, job: Job, exc: Exception) -> None:
        # A forwarded command was taken by this owner: the next owner takes it
        # again from the inbox and its sender still waits.
        if isinstance(job, Forwarded):
            return
        # A player's command, surely not applied (the fence or the deadline
        # refused it, or it never came to its turn): the room's owner, whoever
        # it is now (this server again, once it has caught up), applies it.
        # Not while handing rooms over: the player is told to come back and
        # retries with the same request id. A write that failed in flight may
        # have been applied: server_busy, and the player's retry is deduplicated.
        if (
            isinstance(exc, NotOwner | TooLate | Moved)
            and job.conn is not None
            and job.done is not None
            and not self.node.stopping
        ):
            self.node.spawn(self._pass_on(engine.room_id, job))
            return
        fail(job, exc)

    async def _pass_on(self, room_id: str, job: Job) -> None:
        """Carry ``job`` to the room's owner; its reply to whoever waits for it."""
        self.node.counters["commands_passed_on"] += 1
        replica = self.node.replicas.get(room_id)
        if replica is not None:
            replica.forwarding += 1  # keeps the replica while the reply is due
        try:
            frame = await self.forwarder.send(
                room_id, job.player_id, job.command, job.conn, job.token
            )
        except (Unavailable, RoomNotFound) as exc:
            fail(job, exc)
            return
        finally:
            if replica is not None:
                replica.forwarding -= 1
        if job.done is not None and not job.done.done():
            job.done.set_result(frame)
