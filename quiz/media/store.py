"""Where media live: one contract, three implementations (memory here, a
directory in :mod:`quiz.media.directory`, Redis in :mod:`quiz.media.redis_store`).

The server never asks which one it has. Every implementation keeps the same
rules:

- An item is stored under its id (the SHA-256 of its bytes); storing one
  that is there already stores nothing and refreshes it.
- An item expires ``ttl`` after it was stored or last *touched*. Touching is
  what keeps media alive while they are used: an upload of the same bytes,
  a ``create_room`` or ``set_questions`` naming them (the server touches the
  ids of the quiz, which also tells it which ids are unknown), and a fetch
  (at most once a minute per item and server, see quiz.media.service).
- The bytes stored in total stay within ``capacity``: an item that would go
  past it is refused (``FULL``) rather than evicting one that is not expired,
  since a quiz being written or played may name any of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from quiz.media.model import Media
from quiz.ops.clock import Clock


class PutResult(Enum):
    STORED = "stored"
    EXISTED = "existed"  # already there: refreshed, nothing more stored
    FULL = "full"  # would go past the store's capacity: not stored


class StoreUnavailable(Exception):
    """The store could not answer (Redis down, a disk error)."""


class MediaStore(ABC):
    """The storage contract."""

    kind: str = "?"

    def __init__(self, capacity: int, ttl_ms: int) -> None:
        self.capacity = capacity
        self.ttl_ms = ttl_ms

    async def start(self) -> None:  # noqa: B027 (most stores have nothing to ready)
        """Ready the store (a directory's index is read here)."""

    async def stop(self) -> None:  # noqa: B027 (nor anything to release)
        """Release what the store holds open."""

    @abstractmethod
    async def put(self, item: Media) -> PutResult:
        """Store ``item`` unless there already, then refresh it."""

    @abstractmethod
    async def get(self, media_id: str) -> Media | None:
        """The item, or None when unknown or expired. Does not refresh it."""

    @abstractmethod
    async def touch(self, ids: Sequence[str]) -> set[str]:
        """Refresh every item of ``ids`` there is; the ids that are not there."""

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """``items`` and ``bytes`` stored (as last known), for /healthz."""


@dataclass(slots=True)
class _Entry:
    item: Media
    expires_ms: int


class MemoryStore(MediaStore):
    """Media in this process's memory: the default, bounded by ``capacity``.

    Entries are kept in the order they were last refreshed; every refresh
    sets the expiry to now + ttl, so that order is also the order of expiry
    and expired entries are dropped from the front, O(1) each.
    """

    kind = "memory"

    def __init__(self, capacity: int, ttl_ms: int, clock: Clock) -> None:
        super().__init__(capacity, ttl_ms)
        self.clock = clock
        self.entries: OrderedDict[str, _Entry] = OrderedDict()
        self.bytes = 0

    async def put(self, item: Media) -> PutResult:
        now = self.clock.now_ms()
        self._expire(now)
        if self._refresh(item.id, now):
            return PutResult.EXISTED
        if self.bytes + len(item.body) > self.capacity:
            return PutResult.FULL
        self.entries[item.id] = _Entry(item, now + self.ttl_ms)
        self.bytes += len(item.body)
        return PutResult.STORED

    async def get(self, media_id: str) -> Media | None:
        entry = self.entries.get(media_id)
        if entry is None or entry.expires_ms <= self.clock.now_ms():
            return None
        return entry.item

    async def touch(self, ids: Sequence[str]) -> set[str]:
        now = self.clock.now_ms()
        self._expire(now)
        return {i for i in ids if not self._refresh(i, now)}

    def stats(self) -> dict[str, int]:
        return {"items": len(self.entries), "bytes": self.bytes}

    def _refresh(self, media_id: str, now: int) -> bool:
        entry = self.entries.get(media_id)
        if entry is None:
            return False
        entry.expires_ms = now + self.ttl_ms
        self.entries.move_to_end(media_id)
        return True

    def _expire(self, now: int) -> None:
        while self.entries:
            media_id, entry = next(iter(self.entries.items()))
            if entry.expires_ms > now:
                return
            del self.entries[media_id]
            self.bytes -= len(entry.item.body)
