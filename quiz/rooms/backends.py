"""The one place that knows which backends exist: picks them from the settings.

Rooms live in memory, or in Redis with ``REDIS_URL``; generated questions
are cached in this process, or in that Redis too, shared by every server.
Nothing else in the server asks which one it has (python-socketio's
``AsyncServer(client_manager=...)`` is the model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm import MAX_POOL, QuestionSource
from llm.cache import QuestionCache, RedisQuestionCache
from quiz.rooms.cluster.rooms import RedisRooms, redis_client
from quiz.rooms.contract import Rooms, RoomsEnv
from quiz.rooms.memory import LocalRooms

if TYPE_CHECKING:
    from quiz.ops.config import Settings

# Connections of the question cache's own Redis client: a cache read or
# write per generated game at most.
CACHE_CONNECTIONS = 4


def make_rooms(settings: Settings, env: RoomsEnv) -> Rooms:
    """The rooms the settings ask for: in Redis with ``REDIS_URL``, else in memory."""
    if settings.redis_url:
        return RedisRooms(settings, env)
    return LocalRooms(settings, env)


def question_cache(settings: Settings) -> QuestionCache | None:
    """Where generated questions are kept: in Redis with ``REDIS_URL`` (every
    server shares them), else None (the source keeps its own, in memory)."""
    if not settings.redis_url:
        return None
    client = redis_client(settings, CACHE_CONNECTIONS)
    return RedisQuestionCache(client, max_questions=MAX_POOL, owned=True)


def make_source(settings: Settings) -> QuestionSource:
    """The question source the settings ask for (GROQ_*, LLM_*), with its cache."""
    return QuestionSource(
        api_key=settings.groq_api_key,
        model=settings.groq_model,
        base_url=settings.groq_base_url,
        timeout=settings.llm_timeout_seconds,
        max_concurrency=settings.llm_max_concurrency,
        cache=question_cache(settings),
    )
