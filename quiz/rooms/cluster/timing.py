"""Timing every round trip to Redis, for /metrics.

redis-py has no hook for it: the connection class of a client's pool is
replaced by a subclass that times send-to-reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def time_round_trips(redis: Any, observe: Callable[[float], None]) -> None:
    """Call ``observe(seconds)`` for every round trip of a ``redis.asyncio.Redis`` client."""
    pool = redis.connection_pool
    pool.connection_class = _timed(pool.connection_class, observe)


def _timed(base: type, observe: Callable[[float], None]) -> type:
    """A subclass of a redis-py async connection class that times send-to-reply."""

    class TimedConnection(base):  # type: ignore[valid-type, misc]
        _sent_at: float | None = None

        async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            self._sent_at = time.perf_counter()
            await super().send_packed_command(command, check_health)

        async def read_response(self, *args: Any, **kwargs: Any) -> Any:
            response = await super().read_response(*args, **kwargs)
            # A pipeline is one send and several replies: one round trip, timed
            # to its first reply.
            if self._sent_at is not None:
                observe(time.perf_counter() - self._sent_at)
                self._sent_at = None
            return response

    TimedConnection.__name__ = f"Timed{base.__name__}"
    return TimedConnection
