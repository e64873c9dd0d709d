"""``WORKERS=N``: N server processes on one port, kept alive, stopped together.

Each worker is this same program started again with ``QUIZ_WORKER`` set; it
binds the port with ``SO_REUSEPORT`` (see :mod:`quiz.net.server`), so the kernel
spreads new connections across the workers. Rooms live in Redis (``WORKERS``
above 1 refuses to start without it), so a player may land on any worker.

We supervise by hand rather than with a process manager: the platforms we
deploy to run one command per dyno or container, and the whole job here is
to start N copies, pass SIGTERM on, and restart a copy that dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field

from quiz.ops.config import Settings

log = logging.getLogger("quiz.ops.supervisor")

WORKER_ENV = "QUIZ_WORKER"
STOP_TIMEOUT = 9.0  # SIGTERM to exit within 10 s, as the protocol promises


@dataclass
class Backoff:
    """How long to wait before restarting a worker that exited.

    1 s, then twice as long after each exit, up to ``cap``: a worker that
    cannot start (Redis down, a bad deploy) is retried forever, but without
    flooding the log or the machine. A worker that had stayed up
    ``stable_after`` seconds was healthy: its next restart starts over at
    ``first``.

    Hand-written rather than from a retry library (tenacity, backoff): those
    wrap one call and retry it on an exception; here the "call" is a process
    that may run for days, and whether to reset depends on how long it ran.
    """

    first: float = 1.0
    cap: float = 30.0
    stable_after: float = 30.0
    _next: float = field(init=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def after_exit(self, uptime_s: float) -> float:
        """The delay before the next start, for a worker that ran ``uptime_s``."""
        if uptime_s >= self.stable_after:
            self._next = self.first
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay


async def _spawn(index: int, settings: Settings) -> asyncio.subprocess.Process:
    env = {**os.environ, WORKER_ENV: str(index), "SERVER_ID": f"{settings.server_id}-w{index}"}
    return await asyncio.create_subprocess_exec(sys.executable, *sys.argv, env=env)


async def supervise(settings: Settings) -> int:
    """Run ``settings.workers`` workers until SIGTERM/SIGINT; 0 on a clean stop."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)

    async def keep(index: int) -> None:
        backoff = Backoff()
        while not stopping.is_set():
            proc = await _spawn(index, settings)
            started = loop.time()
            log.info("worker started", extra={"worker": index, "pid": proc.pid})
            waiter = asyncio.ensure_future(proc.wait())
            stop = asyncio.ensure_future(stopping.wait())
            await asyncio.wait({waiter, stop}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.is_set():
                stop.cancel()
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(waiter, STOP_TIMEOUT)
                except TimeoutError:
                    log.error("worker did not stop in time; killing it", extra={"worker": index})
                    proc.kill()
                    await proc.wait()
                return
            stop.cancel()
            uptime = loop.time() - started
            delay = backoff.after_exit(uptime)
            log.error(
                "worker exited; restarting",
                extra={
                    "worker": index,
                    "code": proc.returncode,
                    "uptime_s": round(uptime, 1),
                    "delay_s": delay,
                },
            )
            # SIGTERM during the wait stops at once, without starting it again.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)

    log.info("supervising workers", extra={"workers": settings.workers, "port": settings.port})
    await asyncio.gather(*(keep(i) for i in range(settings.workers)))
    log.info("all workers stopped")
    return 0


def is_worker() -> bool:
    return WORKER_ENV in os.environ
