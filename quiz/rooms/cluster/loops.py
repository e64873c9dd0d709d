"""Background loops that must keep running, and the one that reads Redis.

A loop that dies is logged and started again after a pause that grows with
each failure; while it is down, :attr:`Loops.down` names it and the server
answers ``/readyz`` with 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

log = logging.getLogger("quiz.rooms.cluster")

RESTART_FIRST = 0.1
RESTART_MAX = 5.0
READ_BLOCK_MS = 5_000
READ_COUNT = 500
# The reader tries to reconnect at least this often while Redis is away, so
# it is back (and /readyz is 200) within about this of Redis answering again.
READ_RETRY_MAX = 0.5


class Loops:
    """Named loops, each restarted when it fails."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        self._tasks.append(asyncio.create_task(self._keep(name, body), name=name))

    def up(self, name: str) -> None:
        """``name`` did its work again: no longer down."""
        if name in self.down:
            self.down.discard(name)
            log.info("loop running again", extra={"loop": name})

    async def _keep(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        pause = RESTART_FIRST
        while True:
            try:
                await body()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                self.down.add(name)
                log.exception("loop failed; restarting it", extra={"loop": name, "in_s": pause})
            await asyncio.sleep(pause)
            pause = min(pause * 2, RESTART_MAX)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, RedisError):
                await task
        self._tasks.clear()


Handler = Callable[[str, list[tuple[str, dict[str, str]]]], None]


class Reader:
    """One blocking ``XREAD`` over every stream this server follows.

    ``streams()`` names the streams and where to read each from; ``handle``
    gets each stream's new entries, in order. A stream whose entries fail
    to be handled is logged and skipped: one room never silences the others.
    """

    def __init__(
        self,
        client: object,
        streams: Callable[[], dict[str, str]],
        handle: Handler,
        loops: Loops,
        counters: Counter[str],
    ) -> None:
        self.client = client
        self.streams = streams
        self.handle = handle
        self.loops = loops
        self.counters = counters

    async def run(self) -> None:
        backoff = 0.1
        while True:
            # Back from a failure, the first read does not block: it says at
            # once that the connection works again. A blocking read would say
            # so only when an entry came or READ_BLOCK_MS ran out (5 s of a
            # 503 /readyz after Redis came back, on a quiet server).
            down = "reader" in self.loops.down
            try:
                result = await self.client.xread(  # type: ignore[attr-defined]
                    self.streams(), count=READ_COUNT, block=None if down else READ_BLOCK_MS
                )
                backoff = 0.1
            except RedisError as exc:
                self.counters["redis_errors"] += 1
                if not down:
                    log.warning(
                        "redis reader lost its connection; reconnecting",
                        extra={"error": type(exc).__name__},
                    )
                self.loops.down.add("reader")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, READ_RETRY_MAX)
                continue
            self.loops.up("reader")
            for stream, items in result or []:
                try:
                    self.handle(stream, items)
                except Exception:
                    log.exception("could not handle a stream's entries", extra={"stream": stream})
