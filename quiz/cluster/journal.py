"""A room's log in Redis: what an entry holds, how a room is rebuilt from
it, and the fenced group commit that writes it.

An entry is one applied command: its sequence number, the time it was
applied at, the player it came from, the command, and, for a command that
another server forwarded, which server and request it answers and which
inbox entry it consumed. Outputs are not logged: the rules are
deterministic, so every server folds the same commands at the same times
into the same room and derives the outputs for its own players itself. An
entry's size therefore does not grow with the room.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from quiz import codec
from quiz.cluster import scripts
from quiz.cluster.scripts import key
from quiz.engine import Applied, RoomEngine
from quiz.game import Command, RoomClosed
from quiz.rooms import Unavailable

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from quiz.cluster.rooms import RedisRooms
    from quiz.game import Room

log = logging.getLogger("quiz.cluster")

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


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    now_ms: int
    player_id: str | None
    command: Command
    origin: str  # the server whose player sent it
    ref: str  # its request there, "" when nobody waits for a reply
    inbox: str  # the inbox entry it consumed, "" if none

    def encode(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "now": self.now_ms,
                "pid": self.player_id,
                "cmd": codec.command_to_dict(self.command),
                "origin": self.origin,
                "ref": self.ref,
                "inbox": self.inbox,
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, raw: str) -> Entry:
        """An entry from its JSON; ValueError (or KeyError, TypeError) if it is not one."""
        data = json.loads(raw)
        return cls(
            int(data["seq"]),
            int(data["now"]),
            data["pid"],
            codec.command_from_dict(data["cmd"]),
            str(data["origin"]),
            str(data["ref"]),
            str(data["inbox"]),
        )


def snapshot(room: Room, seq: int, inbox: str) -> str:
    """The room as JSON, as of log entry ``seq``."""
    return json.dumps(
        {"seq": seq, "inbox": inbox, "room": codec.room_to_dict(room)}, separators=(",", ":")
    )


def rebuild(snap: dict[str, Any], entries: list[Entry]) -> tuple[Room, int, str]:
    """The room folded from a snapshot and the log entries after it.

    Returns the room, the last sequence number applied and the last inbox
    entry consumed. Entries the snapshot already holds are skipped; a gap
    in the numbers is an error, never a silently different room.
    """
    room = codec.room_from_dict(snap["room"])
    seq, inbox = snap["seq"], snap["inbox"]
    for entry in entries:
        if entry.seq <= seq:
            continue
        if entry.seq != seq + 1:
            raise RuntimeError(f"room {room.room_id}: log gap after {seq}")
        room.handle(entry.player_id, entry.command, entry.now_ms)
        seq, inbox = entry.seq, entry.inbox or inbox
    return room, seq, inbox


def stream_order(stream_id: str) -> tuple[int, int]:
    """A stream entry id ("1700000000000-3") as something that sorts right."""
    ms, _, n = stream_id.partition("-")
    return int(ms), int(n or 0)


class RedisJournal:
    """The :class:`~quiz.engine.Journal` of rooms this server owns: every
    batch is appended to the room's log in one fenced script call."""

    inline = False

    def __init__(self, rooms: RedisRooms, redis: aioredis.Redis, ttl_ms: int) -> None:
        self.rooms = rooms
        self.ttl_ms = ttl_ms
        self._append = redis.register_script(scripts.APPEND)

    async def commit(self, engine: RoomEngine, batch: list[Applied]) -> None:
        replica = self.rooms.replicas[engine.room_id]
        if replica.lease is None:
            raise NotOwner(engine.room_id)
        first = replica.seq + 1
        entries = [self._entry(self.rooms.sid, first + i, a) for i, a in enumerate(batch)]
        closing = any(isinstance(o, RoomClosed) for a in batch for o in a.outputs)
        last = entries[-1].seq
        every = max(SNAPSHOT_EVERY, len(engine.room.players))
        inbox = next((e.inbox for e in reversed(entries) if e.inbox), replica.inbox_cursor)
        due = last - replica.snapshot_seq >= every
        snap = snapshot(engine.room, last, inbox) if due or closing else ""
        deadline = self.rooms.redis_now_ms() + COMMIT_BUDGET_MS
        try:
            result = await self._append(
                keys=[key(engine.room_id, p) for p in ("lease", "log", "snap", "seq", "fence")]
                + [key(engine.room_id, "inbox")],
                args=[
                    replica.lease,
                    first,
                    deadline,
                    snap,
                    CLOSED_TTL_MS if closing else self.ttl_ms,
                    # Keeps every entry since the last snapshot, with room to spare.
                    2 * every + 100 + len(entries),
                    *(e.encode() for e in entries),
                ],
            )
        except RedisError as exc:
            raise self.rooms.failed(exc) from exc
        if result == -1:
            raise NotOwner("lease lost")
        if result == -2:
            raise NotOwner(f"sequence {first} is not next")
        if result == -3:
            raise TooLate("the store was too slow to answer")
        self.rooms.counters["redis_appends"] += 1
        self.rooms.counters["commands_logged"] += len(entries)
        replica.seq = last
        replica.cursor = result
        replica.inbox_cursor = inbox
        if snap:
            replica.snapshot_seq = last

    @staticmethod
    def _entry(sid: str, seq: int, applied: Applied) -> Entry:
        job = applied.job
        origin = job.origin
        return Entry(
            seq,
            applied.now_ms,
            job.player_id,
            job.command,
            origin.server if origin else sid,
            origin.ref if origin else "",
            origin.inbox if origin else "",
        )

    def failed(self, engine: RoomEngine, exc: Exception) -> None:
        # The state ran ahead of the log: this server stops running the room
        # and folds it from the log again (taking it back if nobody else did).
        lost = isinstance(exc, NotOwner)
        self.rooms.demote(engine.room_id, f"{type(exc).__name__}: {exc}", lost=lost)
