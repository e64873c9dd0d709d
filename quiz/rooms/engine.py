"""One room at work on this server: commands in, one at a time, outputs out.

A :class:`RoomEngine` holds a :class:`~quiz.core.room.Room`, applies the
commands given to it, delivers their outputs, keeps the room's timer and
asks for its questions. It applies a command on the spot: nothing awaits
between ``handle`` and delivery, so nothing can interleave. That is all a
room in memory needs.

A room whose commands must be recorded before their effects are seen (Redis
mode) uses :class:`~quiz.rooms.journaled.JournaledEngine`, which queues,
applies in batches and commits each batch before delivering it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quiz.core.commands import Command, QuestionsReady, Tick
from quiz.core.outputs import Generate, Output, RoomClosed
from quiz.core.room import Room
from quiz.rooms.contract import Delivery, RoomNotFound, Unavailable

if TYPE_CHECKING:
    import asyncio

    from quiz.llm import QuestionSource
    from quiz.ops.clock import Clock, Timer

log = logging.getLogger("quiz.rooms.engine")


@dataclass(eq=False, slots=True)
class Job:
    """One command on its way into a room, and who waits for its reply."""

    player_id: str | None
    command: Command
    conn: object | None = None
    token: str | None = None
    done: asyncio.Future[str | None] | None = None


@dataclass(slots=True)
class Applied:
    """A job applied at ``now_ms``, with what it yielded."""

    job: Job
    now_ms: int
    outputs: list[Output]


@dataclass(slots=True)
class EngineEnv:
    """What every engine of a server shares."""

    delivery: Delivery
    clock: Clock
    source: QuestionSource
    spawn: Callable[[Awaitable[Any]], None]
    closed: Callable[[RoomEngine], None]  # a room closed: forget it


class RoomEngine:
    """A room, applied on the spot, and its timer."""

    def __init__(self, room_id: str, room: Room, env: EngineEnv, *, active: bool = True) -> None:
        self.room_id = room_id
        self.room = room
        self.env = env
        self.active = active  # runs timers and generation
        self.closed = False
        self.timer: Timer | None = None
        self.timer_due: int | None = None

    async def submit(self, job: Job) -> str | None:
        """Apply ``job``; the reply frame for its sender."""
        if self.closed:
            raise RoomNotFound(self.room_id)
        if not self.active:
            raise Unavailable(f"room {self.room_id} is not run here")
        now = self.env.clock.now_ms()
        return self.deliver(Applied(job, now, self.room.handle(job.player_id, job.command, now)))

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
        request = self.room.play.pending_generate()
        if self.active and request is not None:
            self.env.spawn(self._generate(request))

    async def _generate(self, request: Generate) -> None:
        started = self.env.clock.monotonic()
        try:
            result = await self.env.source.generate(
                request.topic,
                request.count,
                request.difficulty,  # type: ignore[arg-type]
                language=request.language,
                exclude=request.exclude,
                sliders=request.sliders,
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
                "ms": round((self.env.clock.monotonic() - started) * 1000),
            },
        )
        await self.run(QuestionsReady(request.generation, questions))


def fail(job: Job, exc: Exception) -> None:
    """Tell whoever waits for ``job``'s reply that it was not applied."""
    if job.done is not None and not job.done.done():
        error = exc if isinstance(exc, Unavailable | RoomNotFound) else Unavailable(str(exc))
        job.done.set_exception(error)
