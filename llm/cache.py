"""A cache of generated questions per (topic, difficulty), bounded in size and age.

A replayed topic then costs no API call. The cache holds the model's
questions as validated, options in the model's order; every draw samples and
shuffles anew, so a replay gets a different selection and order.

:class:`QuestionCache` is the interface; :class:`MemoryCache` keeps entries in
this process. A Redis implementation (shared by every server) can take its
place without the caller changing: the methods are already coroutines.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from llm.types import Question


class QuestionCache(Protocol):
    """Where generated questions are kept between games."""

    async def get(self, key: str) -> tuple[Question, ...] | None:
        """The questions stored under ``key``, or None when absent or expired."""
        ...

    async def put(self, key: str, questions: tuple[Question, ...]) -> None:
        """Store ``questions`` under ``key``, replacing what was there."""
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
