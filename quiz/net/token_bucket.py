"""A token bucket. Pure: time comes in as an argument."""

from __future__ import annotations

from dataclasses import dataclass


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
        return self.tokens >= 1

    def _refill(self, now: float) -> None:
        if self.tokens < 0:  # first use: a full bucket
            self.tokens, self.stamp = float(self.burst), now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            self.strikes = 0
            return True
        self.strikes += 1
        return False
