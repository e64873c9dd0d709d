"""A cache of generated questions per (topic, difficulty), bounded in size and age.

A replayed topic then costs no API call. The cache holds the model's
questions as validated, options in the model's order; every draw samples and
shuffles anew, so a replay gets a different selection and order.

:class:`QuestionCache` is the interface; :class:`MemoryCache` keeps entries in
this process; :class:`RedisQuestionCache` keeps them in Redis, shared by every
server, so a topic generated on one server is a cache hit on all the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from quiz.core.parse import question_from_dict
from quiz.core.question import DIFFICULTIES, Question

log = logging.getLogger("quiz.llm.cache")


class QuestionCache(Protocol):
    """Where generated questions are kept between games."""

    async def get(self, key: str) -> tuple[Question, ...] | None:
        """The questions stored under ``key``, or None when absent or expired."""
        ...

    async def put(self, key: str, questions: tuple[Question, ...]) -> None:
        """Store ``questions`` under ``key``, replacing what was there."""
        ...

    async def aclose(self) -> None:
        """Release what the cache holds (connections it owns)."""
        ...


class MemoryCache:
    """An LRU of question pools in this process, each entry living ``ttl`` seconds."""

    def __init__(
        self,
        max_entries: int = 256,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, tuple[Question, ...]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> tuple[Question, ...] | None:
        """The pool under ``key`` if younger than ``ttl``; a hit refreshes its LRU place."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, questions = entry
        if self._clock() - stored_at >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return questions

    async def put(self, key: str, questions: tuple[Question, ...]) -> None:
        """Store a pool, evicting the least recently used entries beyond ``max_entries``."""
        self._entries[key] = (self._clock(), questions)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        return None


class RedisQuestionCache:
    """Question pools in Redis, one string key per (difficulty, topic), shared by servers.

    Each key is ``quiz:llm:{difficulty}:{sha256 of the normalised topic}``
    (hashed: a topic is the host's free text, and must not shape key names)
    and holds the pool as JSON. Bounded in age: every ``put`` sets the key's
    TTL to ``ttl`` seconds (a ``get`` does not extend it, as in
    :class:`MemoryCache`). Bounded in size: a pool keeps at most
    ``max_questions`` questions, the most recent ones, and at most
    ``max_bytes`` of JSON. The number of keys is bounded by how many topics
    are played within a TTL; Redis's ``maxmemory`` policy is the last resort.

    The cache never fails a generation: a Redis error or a slow Redis (past
    ``timeout`` seconds) counts as a miss on ``get`` and is skipped on ``put``,
    logged once until Redis answers again. ``redis`` is the client to use;
    the cache closes it in :meth:`aclose` only when ``owned``.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        ttl: float = 3600.0,
        max_questions: int = 100,
        max_bytes: int = 256 * 1024,
        timeout: float = 1.0,
        prefix: str = "quiz:llm",
        owned: bool = False,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        if max_questions < 1:
            raise ValueError("max_questions must be at least 1")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.redis = redis
        self.owned = owned
        self.ttl_ms = max(1, round(ttl * 1000))
        self.max_questions = max_questions
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.prefix = prefix
        self._failing = False

    async def aclose(self) -> None:
        if self.owned:
            await self.redis.aclose()

    def redis_key(self, key: str) -> str:
        """The Redis key for a cache key ``"{difficulty}:{normalised topic}"``."""
        difficulty, sep, topic = key.partition(":")
        if sep and difficulty in DIFFICULTIES:
            return f"{self.prefix}:{difficulty}:{_digest(topic)}"
        return f"{self.prefix}:{_digest(key)}"

    async def get(self, key: str) -> tuple[Question, ...] | None:
        """The pool under ``key``, or None when absent, expired, unreadable or unreachable."""
        name = self.redis_key(key)
        try:
            async with asyncio.timeout(self.timeout):
                raw = await self.redis.get(name)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("read", exc)
            return None
        self._recovered()
        if raw is None:
            return None
        try:
            items = json.loads(raw)
            questions = tuple(question_from_dict(item) for item in items)
        except (ValueError, TypeError) as exc:
            log.warning("unreadable question pool in %s (%r): ignored", name, exc)
            return None
        return questions or None

    async def put(self, key: str, questions: tuple[Question, ...]) -> None:
        """Store the last ``max_questions`` of ``questions`` for ``ttl`` seconds."""
        kept = list(questions[-self.max_questions :])
        body = _encode(kept)
        while len(kept) > 1 and len(body.encode()) > self.max_bytes:
            kept = kept[len(kept) // 4 or 1 :]  # the oldest go first
            body = _encode(kept)
        if not kept or len(body.encode()) > self.max_bytes:
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self.redis.set(self.redis_key(key), body, px=self.ttl_ms)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("write", exc)
            return
        self._recovered()

    def _failed(self, what: str, exc: BaseException) -> None:
        if not self._failing:
            log.warning(
                "question cache: Redis %s failed (%s: %s); generating without it",
                what,
                type(exc).__name__,
                str(exc)[:200],
            )
        self._failing = True

    def _recovered(self) -> None:
        if self._failing:
            log.info("question cache: Redis answers again")
        self._failing = False


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _encode(questions: list[Question]) -> str:
    return json.dumps([q.to_dict() for q in questions], separators=(",", ":"), ensure_ascii=False)
