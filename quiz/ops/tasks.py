"""Background tasks of one server: kept referenced, failures logged, cancelled at the end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("quiz.ops.tasks")


class Background:
    """Tasks a server runs on the side (timers' ticks, closes, generation)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(self, awaitable: Awaitable[Any]) -> None:
        """Run ``awaitable`` in the background, logging a failure."""
        task = asyncio.ensure_future(awaitable)
        # Keep a reference: the loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def __len__(self) -> int:
        return len(self._tasks)


class Ticker:
    """Calls ``tick(late)`` every ``interval`` seconds, from :meth:`start` until stopped.

    ``late`` is how many seconds after its time the loop woke the ticker: the
    loop-lag measure reads it, the others ignore it. A failing tick is logged
    and the ticker goes on.
    """

    def __init__(self, interval: float, tick: Callable[[float], None]) -> None:
        self.interval = interval
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            try:
                self.tick(max(0.0, loop.time() - start - self.interval))
            except Exception:
                log.exception("a periodic task failed")
