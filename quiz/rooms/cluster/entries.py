"""A room's log as Redis holds it: what an entry is, and how a room is
rebuilt from a snapshot and the entries after it. Pure: no I/O.

An entry is one applied command: its sequence number, the time it was
applied at, the player it came from, the command, and, for a command that
another server forwarded, which server and request it answers and which
inbox entry it consumed. Outputs are not logged: the rules are
deterministic, so every server folds the same commands at the same times
into the same room and derives the outputs for its own players itself. An
entry's size therefore does not grow with the room.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from quiz.core.commands import Command
from quiz.core.room import Room
from quiz.rooms.engine import Job
from quiz.wire import codec
from quiz.wire.frames import encode


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a forwarded command came from: the server, its request, the inbox entry."""

    server: str
    ref: str
    inbox: str


@dataclass(eq=False, slots=True)
class Forwarded(Job):
    """A command another server forwarded through the room's inbox.

    Its sender waits on that server: if this owner cannot apply it, the
    next owner takes it again from the inbox, so it is never refused here.
    """

    origin: Origin | None = None


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
        return encode(
            {
                "seq": self.seq,
                "now": self.now_ms,
                "pid": self.player_id,
                "cmd": codec.command_to_dict(self.command),
                "origin": self.origin,
                "ref": self.ref,
                "inbox": self.inbox,
            }
        )

    @classmethod
    def decode(cls, raw: str) -> Entry:
        """An entry from its JSON; ValueError (or KeyError, TypeError) if it is not one."""
        data = orjson.loads(raw)
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
    # The frames' encoder (orjson, with the standard library for what it
    # refuses): a room of 5,000 players is a megabyte, 16 ms with the
    # standard library and 2 with orjson, once a question in a big game.
    return encode({"seq": seq, "inbox": inbox, "room": codec.room_to_dict(room)})


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
