"""Numbers a server reports about itself at /healthz."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections import Counter


class LoopLag:
    """How late the event loop runs a timer: a direct measure of blocking.

    Sleeps ``interval`` seconds in a loop and records by how much each wake-up
    came late. Keeps the last ``window`` samples for a p99 and the all-time max.
    """

    def __init__(self, interval: float = 0.1, window: int = 600) -> None:
        self.interval = interval
        self.samples: collections.deque[float] = collections.deque(maxlen=window)
        self.max_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            lag_ms = max(0.0, (loop.time() - start - self.interval) * 1000)
            self.samples.append(lag_ms)
            self.max_ms = max(self.max_ms, lag_ms)

    def report(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
        last = self.samples[-1] if self.samples else 0.0
        return {"last": round(last, 2), "p99": round(p99, 2), "max": round(self.max_ms, 2)}


class Counters(Counter[str]):
    """Named event counts (messages in, frames out, errors by code...)."""
