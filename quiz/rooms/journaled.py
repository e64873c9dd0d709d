"""A room whose commands are recorded before anyone sees their effects.

:class:`JournaledEngine` is the :class:`~quiz.rooms.engine.RoomEngine` of a
backend that records what a room applied (Redis mode: the room's log).

Ordering. Commands queue, and one worker task takes whatever has queued as
a batch, applies it, commits the batch in one round trip (group commit),
and only then delivers the batch's outputs in order: a client never sees
the effect of a command that was not committed. A batch the journal refuses
was not applied anywhere: the journal brings the state back to the record,
and decides what becomes of each job (refused for good, or carried to the
room's new owner).
"""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING, Protocol

from quiz.rooms.contract import Unavailable
from quiz.rooms.engine import Applied, EngineEnv, Job, RoomEngine, fail

if TYPE_CHECKING:
    from quiz.core.room import Room

# Commands applied and committed together at most: bounds one log append.
MAX_BATCH = 256


class Moved(Unavailable):
    """The engine stopped running the room (it lost it, or hands it over)
    before this job's turn: the job was not applied."""


class Journal(Protocol):
    """Where a journaled engine records what it applied."""

    async def commit(self, engine: JournaledEngine, batch: list[Applied]) -> None:
        """Record ``batch``; raise :class:`Unavailable` (or a subclass) if it
        was not recorded, in which case none of it may take effect."""
        ...

    def failed(self, engine: JournaledEngine, exc: Exception) -> None:
        """A commit failed: the engine's state ran ahead of the record."""
        ...

    def refused(self, engine: JournaledEngine, job: Job, exc: Exception) -> None:
        """``job`` was not applied here: tell its sender, or have it applied
        elsewhere (the journal knows which jobs the room's owner can still take)."""
        ...


class JournaledEngine(RoomEngine):
    """A room's engine that commits every batch before delivering it."""

    def __init__(
        self, room_id: str, room: Room, env: EngineEnv, journal: Journal, *, active: bool = True
    ) -> None:
        super().__init__(room_id, room, env, active=active)
        self.journal = journal
        self.queue: collections.deque[Job] = collections.deque()
        self.working = False
        self.quiet = asyncio.Event()
        self.quiet.set()

    async def submit(self, job: Job) -> str | None:
        """Apply ``job`` in its turn, once committed; the reply frame for its sender."""
        if self.closed or not self.active:
            await super().submit(job)  # raises why not
        job.done = asyncio.get_running_loop().create_future()
        self.enqueue(job)
        return await job.done

    def enqueue(self, job: Job) -> None:
        """Queue ``job`` for the worker; nobody here waits for its reply."""
        self.queue.append(job)
        if not self.working:
            self.working = True
            self.quiet.clear()
            self.env.spawn(self._work())

    async def idle(self) -> None:
        """Wait for the batch in flight, if any, to be committed or refused."""
        await self.quiet.wait()

    async def _work(self) -> None:
        # One worker per room at a time (``working``): batches never overlap,
        # so sequence numbers are assigned and committed strictly in order.
        try:
            while self.queue and self.active and not self.closed:
                jobs = [self.queue.popleft() for _ in range(min(len(self.queue), MAX_BATCH))]
                batch = []
                for job in jobs:
                    now = self.env.clock.now_ms()
                    outputs = self.room.handle(job.player_id, job.command, now)
                    batch.append(Applied(job, now, outputs))
                try:
                    await self.journal.commit(self, batch)
                except Exception as exc:
                    # Not recorded, so not applied: every job is told so, and
                    # the journal brings the state back to the record.
                    self.journal.failed(self, exc)
                    for job in jobs:
                        self.journal.refused(self, job, exc)
                    break
                for applied in batch:
                    frame = self.deliver(applied)
                    if applied.job.done is not None and not applied.job.done.done():
                        applied.job.done.set_result(frame)
        finally:
            self.working = False
            self.quiet.set()
            # Whatever is still queued was not applied: this engine stopped.
            moved = Moved("the room moved to another server; retry")
            while self.queue:
                self.journal.refused(self, self.queue.popleft(), moved)


__all__ = ["MAX_BATCH", "Journal", "JournaledEngine", "Moved", "fail"]
