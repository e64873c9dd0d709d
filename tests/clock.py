"""A clock the test moves by hand, for the server's timed rules.

:class:`ManualClock` implements :class:`quiz.ops.clock.Clock`. Time stands still
until the test calls :meth:`ManualClock.advance`, which runs every callback
that falls due, in time order, with ``now_ms()`` set to each one's due time
while it runs. A test of a deadline, a reveal, a reconnect grace or an idle
expiry advances the clock and then awaits the resulting message with
``Player.expect``: no sleep, no tiny real timeout.

The callbacks run synchronously inside ``advance``; the room engine's timer
callback only spawns a task that applies a Tick, so the message comes once
the test awaits.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

# An arbitrary, realistic epoch in ms (2026-01-01T00:00:00Z): deadlines on
# the wire look like real ones.
START_MS = 1_767_225_600_000


@dataclass(eq=False, slots=True)
class ManualTimer:
    """One pending callback; ``cancel()`` makes ``advance`` skip it."""

    due_ms: int
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """Milliseconds that move only when the test says so."""

    def __init__(self, start_ms: int = START_MS) -> None:
        self._now = start_ms
        # (due, sequence, timer): ties fire in the order they were scheduled,
        # as asyncio's do.
        self._timers: list[tuple[int, int, ManualTimer]] = []
        self._seq = itertools.count()
        self.fired = 0  # callbacks run so far, for tests of the clock itself

    def now_ms(self) -> int:
        return self._now

    def monotonic(self) -> float:
        return self._now / 1000

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> ManualTimer:
        # Round up, as a timer never fires early (0.0004 s is due at the next
        # millisecond), but forgive float noise: 0.3 * 1000 is 300.00000000000006.
        delay_ms = max(0, math.ceil(delay_s * 1000 - 1e-6))
        timer = ManualTimer(self._now + delay_ms, callback)
        heapq.heappush(self._timers, (timer.due_ms, next(self._seq), timer))
        return timer

    def pending(self) -> list[int]:
        """Due times of the callbacks not yet run nor cancelled, soonest first."""
        return sorted(t.due_ms for _, _, t in self._timers if not t.cancelled)

    def advance(self, ms: int) -> int:
        """Move ``ms`` forward, running what falls due; how many callbacks ran.

        A callback scheduled by another one runs too if it falls due within
        the same span.
        """
        if ms < 0:
            raise ValueError("time does not go backwards")
        end = self._now + ms
        ran = 0
        while self._timers and self._timers[0][0] <= end:
            _, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, timer.due_ms)
            timer.callback()
            ran += 1
        self._now = end
        self.fired += ran
        return ran
