"""Time for the asyncio layers: the wall clock, or one a test moves by hand.

The game core takes time as an argument; the layers around it take it from
one :class:`Clock` (the server, the hub, the rooms and Redis mode), so that a
test of a rule that waits (a deadline, a reveal, a reconnect grace, an idle
expiry, a paced send, a rate limit) advances time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """Wall-clock milliseconds, and callbacks after a delay on that clock."""

    def now_ms(self) -> int: ...

    def monotonic(self) -> float:
        """Seconds that never go backwards, for intervals (rate limits, pacing)."""
        ...

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> Timer: ...


class SystemClock:
    """The real clock: ``time.time_ns`` and the running loop's timers."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic(self) -> float:
        return time.monotonic()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(delay_s, callback)
