"""A token bucket. Pure: time comes in as an argument."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Refills add fractions (a rate of 10 a minute is 0.1666... a second): a
# bucket a float's rounding short of a whole token counts as holding it, or a
# timer set for its wait_s (0.0000000001 s) would find it still empty, and
# set itself again, forever on a clock that moves in whole milliseconds.
WHOLE = 1 - 1e-9


@dataclass(slots=True)
class TokenBucket:
    """``rate`` messages a second on average, ``burst`` at once.

    :meth:`take` answers whether one more message may pass now. ``strikes``
    counts messages refused since the last one that passed: the server
    closes a connection whose strikes keep growing (1008) rather than
    answering a flood forever.
    """

    rate: float
    burst: int
    tokens: float = -1.0
    stamp: float = 0.0
    strikes: int = 0

    def peek(self, now: float) -> bool:
        """Whether :meth:`take` would pass now, taking nothing."""
        self._refill(now)
        return self.tokens >= WHOLE

    def _refill(self, now: float) -> None:
        if self.tokens < 0:  # first use: a full bucket
            self.tokens, self.stamp = float(self.burst), now
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= WHOLE:
            self.tokens = max(0.0, self.tokens - 1)
            self.strikes = 0
            return True
        self.strikes += 1
        return False

    def give_back(self, now: float) -> None:
        """Return a token taken for something that did not happen after all."""
        self._refill(now)
        self.tokens = min(float(self.burst), self.tokens + 1)

    def wait_s(self, now: float) -> float:
        """Seconds until :meth:`take` would pass: 0 when it would now."""
        self._refill(now)
        return 0.0 if self.tokens >= WHOLE else (1 - self.tokens) / self.rate

    def full(self, now: float) -> bool:
        """Whether the bucket holds its whole burst: nothing drawn lately."""
        self._refill(now)
        return self.tokens >= self.burst


def ms(seconds: float) -> int:
    """Seconds as the whole milliseconds of a ``retry_after_ms``: never 0."""
    return max(1, math.ceil(seconds * 1000))
