"""The one place that knows which backends exist: picks them from the settings.

Rooms live in memory, or in Redis with ``REDIS_URL``; generated questions
are cached in this process, or in that Redis too, shared by every server;
media (pictures and sound) live in memory, in ``MEDIA_DIR``, or in that Redis.
Nothing else in the server asks which one it has (python-socketio's
``AsyncServer(client_manager=...)`` is the model).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from quiz.llm import MAX_POOL, QuestionSource
from quiz.llm.cache import QuestionCache, RedisQuestionCache
from quiz.media.directory import DirectoryStore
from quiz.media.redis_store import RedisStore
from quiz.media.store import MediaStore, MemoryStore
from quiz.ops.clock import Clock
from quiz.rooms.cluster.rooms import RedisRooms, redis_client
from quiz.rooms.contract import Rooms, RoomsEnv
from quiz.rooms.memory import LocalRooms

if TYPE_CHECKING:
    from quiz.ops.config import Settings

# Connections of the question cache's own Redis client: a cache read or
# write per generated game at most.
CACHE_CONNECTIONS = 4
# Connections of the media store's own Redis client: an upload's write, a
# quiz's check, and a read per item the first time a server serves it.
MEDIA_CONNECTIONS = 8
# A media write may carry MEDIA_MAX_BYTES (10 MiB by default): longer than a
# game command's 1 s to a Redis across a network.
MEDIA_REDIS_TIMEOUT_S = 10.0


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


def make_media(settings: Settings, clock: Clock) -> MediaStore:
    """Where media live: in ``MEDIA_DIR`` when set, else in Redis with
    ``REDIS_URL`` (every server serves every item), else in this process's memory.

    (quiz.ops.config refuses ``MEDIA_DIR`` with ``REDIS_URL``.)
    """
    ttl_ms = int(settings.media_ttl_seconds * 1000)
    capacity = settings.media_store_bytes
    if settings.media_dir:
        return DirectoryStore(Path(settings.media_dir), capacity, ttl_ms, clock)
    if settings.redis_url:
        client = redis_client(
            settings,
            MEDIA_CONNECTIONS,
            decode_responses=False,
            socket_timeout=MEDIA_REDIS_TIMEOUT_S,
        )
        return RedisStore(client, capacity, ttl_ms)
    return MemoryStore(capacity, ttl_ms, clock)
