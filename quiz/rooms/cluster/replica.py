"""One room as this server holds it in Redis mode, and how log entries fold into it.

Every server with players in a room keeps a replica: the room folded from
the log up to some entry. The owner's replica is the one that applies
commands (its engine is active); the others fold the entries the owner logs,
which gives them, for their own players, exactly the outputs the owner had,
and one more: the ``your_result`` of a player connected here whom the room
counted as gone when a question closed (this server was paused or cut off
past its heartbeat, so the owner marked its players disconnected).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from quiz.core.outputs import Output, Send
from quiz.core.room import Room
from quiz.rooms.cluster.entries import Entry
from quiz.rooms.engine import Applied, Job
from quiz.rooms.journaled import JournaledEngine

log = logging.getLogger("quiz.rooms.cluster")


@dataclass(eq=False)
class Replica:
    """A room's state here, and where this server is in its streams."""

    engine: JournaledEngine
    lease: str | None = None  # held while this server owns the room
    seq: int = 0  # the last log entry folded in
    cursor: str = "0-0"  # that entry's stream id
    inbox_cursor: str = "0-0"  # the last inbox entry the log consumed
    inbox_read: str = "0-0"  # the last inbox entry read (owner)
    snapshot_seq: int = 0
    # The state is not the log's (a commit failed, or a gap): fold it again.
    stale: bool = False
    forwarding: int = 0  # commands of this server's players in flight
    incoming: collections.deque[tuple[str, dict[str, Any]]] = field(
        default_factory=collections.deque
    )
    taking: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def room_id(self) -> str:
        return self.engine.room_id

    @property
    def owned(self) -> bool:
        return self.engine.active

    def fold(
        self, stream_id: str, entry: Entry, sender: object | None, token: str | None
    ) -> str | None:
        """Fold the next entry in, delivering its outputs to players here;
        the entry's reply frame for ``sender``.

        Raises :class:`Stale` when the entry does not follow this replica's
        state (a gap) or cannot be folded: the replica must be folded anew.
        """
        self.cursor = stream_id
        if entry.seq <= self.seq:
            return None  # folded already (from a snapshot, or a catch-up)
        if entry.seq != self.seq + 1:
            self.stale = True
            raise Stale(f"gap in the log after {self.seq}")
        try:
            # Applied as its owner did; the outputs for the players here.
            room = self.engine.room
            outputs = room.handle(entry.player_id, entry.command, entry.now_ms)
            outputs = missed_results(room, outputs, self.engine.env.delivery.present(self.room_id))
            job = Job(entry.player_id, entry.command, sender, token)
            frame = self.engine.deliver(Applied(job, entry.now_ms, outputs))
        except Exception as exc:
            log.exception("could not fold a log entry", extra={"room": self.room_id})
            self.stale = True
            raise Stale(f"entry {entry.seq} failed to fold") from exc
        self.seq = entry.seq
        if entry.inbox:
            self.inbox_cursor = entry.inbox
        return frame


def missed_results(room: Room, outputs: list[Output], present: Collection[str]) -> list[Output]:
    """``outputs``, with a ``your_result`` for each player in ``present`` (connected
    to this server) who got none from a question that closed in them.

    The room sends ``your_result`` to the players it counts as connected.
    While this server was paused past its heartbeat, the owner marked its
    players disconnected, and a question may have closed without them; they
    were connected here all along, and get their result right after the
    question's, in order. Work only when a question closes.
    """
    closes = [i for i, output in enumerate(outputs) if _kind(output) == "question_result"]
    if not closes:
        return outputs
    at = closes[-1]
    result = outputs[at]
    assert isinstance(result, Send)
    state = room.state
    closed = result.message.get("question_index")
    if closed != state.question_index or not state.questions:
        return outputs  # moved past it in the same command: the state no longer says
    given = {o.to for o in outputs if isinstance(o, Send) and _kind(o) == "your_result"}
    missing = [pid for pid in present if pid not in given and pid in state.players]
    if not missing:
        return outputs
    extra = room.asking.late_results(missing)
    end = at + 1
    while end < len(outputs) and _kind(outputs[end]) == "your_result":
        end += 1
    return [*outputs[:end], *extra, *outputs[end:]]


def _kind(output: Output) -> str | None:
    """The type of a message a :class:`Send` carries; None for other outputs."""
    return output.message.get("type") if isinstance(output, Send) else None


class Stale(Exception):
    """A replica no longer follows its room's log."""
