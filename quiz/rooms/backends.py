"""The one place that knows which room backends exist: picks one from the settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from quiz.rooms.cluster.rooms import RedisRooms
from quiz.rooms.contract import Delivery, Rooms
from quiz.rooms.memory import LocalRooms

if TYPE_CHECKING:
    from llm import QuestionSource
    from quiz.ops.clock import Clock
    from quiz.ops.config import Settings
    from quiz.ops.metrics import Counters


def make_rooms(
    settings: Settings,
    delivery: Delivery,
    source: QuestionSource,
    clock: Clock,
    counters: Counters,
    spawn: Callable[[Awaitable[Any]], None],
) -> Rooms:
    """The rooms the settings ask for: in Redis with ``REDIS_URL``, else in memory."""
    if settings.redis_url:
        return RedisRooms(settings, delivery, source, clock, counters, spawn)
    return LocalRooms(settings, delivery, source, clock, counters, spawn)
