"""One room as this server holds it in Redis mode, and how log entries fold into it.

Every server with players in a room keeps a replica: the room folded from
the log up to some entry. The owner's replica is the one that applies
commands (its engine is active); the others fold the entries the owner logs,
which gives them, for their own players, exactly the outputs the owner had.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from dataclasses import dataclass, field
from typing import Any

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
            outputs = self.engine.room.handle(entry.player_id, entry.command, entry.now_ms)
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


class Stale(Exception):
    """A replica no longer follows its room's log."""
