"""One room at work on this server: commands in, one at a time, outputs out.

A :class:`RoomEngine` holds a :class:`~quiz.core.room.Room` and is the only code
that calls its ``handle``. Both room backends use it: in memory every room
is an active engine; with Redis a room's owner runs it actively (timers,
question generation, commits to the log) and every other server with
players in the room runs a passive replica that folds the log's entries.

Ordering. Commands are applied in the order they reach the engine, one at a
time. When the journal needs no I/O (memory), a command is applied and
delivered on the spot: nothing awaits between ``handle`` and delivery, so
nothing can interleave. Otherwise commands queue, and one worker task takes
whatever has queued as a batch, applies it, commits the batch in one round
trip (group commit), and only then delivers the batch's outputs in order: a
client never sees the effect of a command that was not committed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from quiz.core.room import Command, Generate, Output, QuestionsReady, Room, RoomClosed, Tick
from quiz.rooms.contract import Delivery, RoomNotFound, Unavailable

if TYPE_CHECKING:
    from llm import QuestionSource
    from quiz.ops.clock import Clock, Timer

log = logging.getLogger("quiz.rooms.engine")

# Commands applied and committed together at most: bounds one log append.
MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a forwarded command came from: the server, its request, the inbox entry."""

    server: str
    ref: str
    inbox: str


@dataclass(eq=False, slots=True)
class Job:
    """One command on its way into a room."""

    player_id: str | None
    command: Command
    conn: object | None = None
    token: str | None = None
    origin: Origin | None = None
    done: asyncio.Future[str | None] | None = None


@dataclass(slots=True)
class Applied:
    """A job applied at ``now_ms``, with what it yielded."""

    job: Job
    now_ms: int
    outputs: list[Output]


class Journal(Protocol):
    """Where an active engine records what it applied."""

    # True: commits do no I/O, so commands are applied and delivered inline.
    inline: bool

    async def commit(self, engine: RoomEngine, batch: list[Applied]) -> None:
        """Record ``batch``; raise :class:`Unavailable` (or a subclass) if it
        was not recorded, in which case none of it may take effect."""
        ...

    def failed(self, engine: RoomEngine, exc: Exception) -> None:
        """A commit failed: the engine's state ran ahead of the record."""
        ...


@dataclass(slots=True)
class EngineEnv:
    """What every engine of a server shares."""

    delivery: Delivery
    clock: Clock
    source: QuestionSource
    spawn: Callable[[Awaitable[Any]], None]
    journal: Journal
    closed: Callable[[RoomEngine], None]  # a room closed: forget it


@dataclass(eq=False)
class RoomEngine:
    """A room, its command queue and its timer."""

    room_id: str
    room: Room
    env: EngineEnv
    active: bool = True  # runs timers and generation, commits what it applies
    closed: bool = False
    queue: collections.deque[Job] = field(default_factory=collections.deque)
    working: bool = False
    quiet: asyncio.Event = field(default_factory=asyncio.Event)
    timer: Timer | None = None
    timer_due: int | None = None

    def __post_init__(self) -> None:
        self.quiet.set()

    # Active: commands from this server's players, timers and the inbox.

    async def submit(self, job: Job) -> str | None:
        """Apply ``job`` in its turn; the reply frame for its sender."""
        if self.closed:
            raise RoomNotFound(self.room_id)
        if not self.active:
            raise Unavailable(f"room {self.room_id} is not run here")
        if self.env.journal.inline and not self.working:
            now = self.env.clock.now_ms()
            return self.deliver(Applied(job, now, self._handle(job, now)))
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
                    batch.append(Applied(job, now, self._handle(job, now)))
                try:
                    await self.env.journal.commit(self, batch)
                except Exception as exc:
                    # Not recorded, so not applied: every job is told so, and
                    # the backend brings the state back to the record.
                    self.env.journal.failed(self, exc)
                    for job in jobs:
                        # A forwarded command was taken by this owner: the
                        # next owner takes it again and its sender still
                        # waits. Our own are refused for good.
                        if job.origin is None:
                            _fail(job, exc)
                    break
                for applied in batch:
                    frame = self.deliver(applied)
                    if applied.job.done is not None and not applied.job.done.done():
                        applied.job.done.set_result(frame)
        finally:
            self.working = False
            self.quiet.set()
            # Whatever is still queued was not applied: this engine stopped.
            while self.queue:
                job = self.queue.popleft()
                if job.origin is None:
                    _fail(job, Unavailable("the room moved to another server; retry"))

    def _handle(self, job: Job, now_ms: int) -> list[Output]:
        return self.room.handle(job.player_id, job.command, now_ms)

    # Passive: a replica folds the log's entries.

    def replay(
        self,
        player_id: str | None,
        command: Command,
        now_ms: int,
        sender: object | None,
        token: str | None,
    ) -> str | None:
        """Apply one logged command as its owner did; deliver to players here."""
        outputs = self.room.handle(player_id, command, now_ms)
        return self.deliver(Applied(Job(player_id, command, sender, token), now_ms, outputs))

    # Outputs.

    def deliver(self, applied: Applied) -> str | None:
        job = applied.job
        frame: str | None = None
        try:
            frame = self.env.delivery.deliver(self.room_id, applied.outputs, job.conn, job.token)
        except Exception:
            # A failure to reach connections never stops the room's game.
            log.exception("delivery failed", extra={"room": self.room_id})
        for output in applied.outputs:
            if isinstance(output, Generate) and self.active:
                self.env.spawn(self._generate(output))
            elif isinstance(output, RoomClosed):
                self.close(output.reason)
        if self.active and not self.closed:
            self.schedule()
        return frame

    def close(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.stop_timers()
        self.env.closed(self)
        log.info("room closed", extra={"room": self.room_id, "reason": reason})

    # Time.

    def schedule(self) -> None:
        """Wake up at the room's next timed transition."""
        due = self.room.next_wakeup_ms()
        if due == self.timer_due and self.timer is not None:
            return
        self.stop_timers()
        if due is not None:
            self.timer_due = due
            delay = max(0.0, (due - self.env.clock.now_ms()) / 1000)
            self.timer = self.env.clock.call_later(delay, self._on_timer)

    def stop_timers(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.timer_due = None

    def _on_timer(self) -> None:
        self.timer = self.timer_due = None
        self.env.spawn(self.run(Tick()))

    async def run(self, command: Command, player_id: str | None = None) -> None:
        """Apply a command of the server's own (a tick, questions, presence)."""
        # The room moved or closed: its new owner keeps time.
        with contextlib.suppress(Unavailable, RoomNotFound):
            await self.submit(Job(player_id, command))

    def resume_generation(self) -> None:
        """Taken over while asking for questions: the previous owner's
        request died with it, so ask again."""
        request = self.room.pending_generate()
        if self.active and request is not None:
            self.env.spawn(self._generate(request))

    async def _generate(self, request: Generate) -> None:
        started = time.monotonic()
        try:
            result = await self.env.source.generate(
                request.topic,
                request.count,
                request.difficulty,  # type: ignore[arg-type]
                language=request.language,
                exclude=request.exclude,
            )
            questions = result.questions
        except Exception:
            # The source falls back by itself; this is the last line of defence.
            log.exception("question generation failed", extra={"room": self.room_id})
            questions = ()
        log.info(
            "questions ready",
            extra={
                "room": self.room_id,
                "count": len(questions),
                "llm": sum(1 for q in questions if q.source == "llm"),
                "ms": round((time.monotonic() - started) * 1000),
            },
        )
        await self.run(QuestionsReady(request.generation, questions))


def _fail(job: Job, exc: Exception) -> None:
    if job.done is not None and not job.done.done():
        error = exc if isinstance(exc, Unavailable | RoomNotFound) else Unavailable(str(exc))
        job.done.set_exception(error)
