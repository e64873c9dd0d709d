"""Media as files in a directory (``MEDIA_DIR``): they outlive a restart.

One file per item, ``<id>.<ext>`` (the extension gives the content type
back); its modification time is when it was last refreshed, so the expiry
survives a restart too. The index (id, size, type, expiry) lives in memory,
read from the directory at start: an unknown id never touches the disk, and
one process owns the directory (``MEDIA_DIR`` with ``REDIS_URL`` is refused
at start). Every disk operation runs in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quiz.media.model import AUDIO_TYPES, IMAGE_TYPE, Media
from quiz.media.store import MediaStore, PutResult, StoreUnavailable
from quiz.ops.clock import Clock

log = logging.getLogger("quiz.media.directory")

_EXTENSIONS = {IMAGE_TYPE: "webp", **{t: ext for ext, t in AUDIO_TYPES.items()}}
_TYPES = {ext: t for t, ext in _EXTENSIONS.items()}
_FILE = re.compile(r"([0-9a-f]{64})\.(" + "|".join(_TYPES) + r")")


@dataclass(slots=True)
class _Entry:
    size: int
    content_type: str
    expires_ms: int


class DirectoryStore(MediaStore):
    """The storage contract over a folder of files."""

    kind = "directory"

    def __init__(self, folder: Path, capacity: int, ttl_ms: int, clock: Clock) -> None:
        super().__init__(capacity, ttl_ms)
        self.folder = folder
        self.clock = clock
        # In the order of refresh, hence of expiry (see quiz.media.store.MemoryStore).
        self.index: OrderedDict[str, _Entry] = OrderedDict()
        self.bytes = 0
        self._writing = asyncio.Lock()

    async def start(self) -> None:
        found = await asyncio.to_thread(self._scan, self.clock.now_ms())
        for media_id, entry in sorted(found.items(), key=lambda kv: kv[1].expires_ms):
            self.index[media_id] = entry
            self.bytes += entry.size
        log.info("media directory read", extra={"items": len(self.index), "bytes": self.bytes})

    async def put(self, item: Media) -> PutResult:
        async with self._writing:
            now = self.clock.now_ms()
            await self._expire(now)
            if item.id in self.index:
                await self._refresh([item.id], now)
                return PutResult.EXISTED
            if self.bytes + len(item.body) > self.capacity:
                return PutResult.FULL
            try:
                await asyncio.to_thread(
                    self._write, self._path(item.id, item.content_type), item.body
                )
            except OSError as exc:
                raise StoreUnavailable(f"cannot write to MEDIA_DIR: {exc.strerror}") from None
            self.index[item.id] = _Entry(len(item.body), item.content_type, now + self.ttl_ms)
            self.bytes += len(item.body)
            return PutResult.STORED

    async def get(self, media_id: str) -> Media | None:
        entry = self.index.get(media_id)
        if entry is None or entry.expires_ms <= self.clock.now_ms():
            return None
        path = self._path(media_id, entry.content_type)
        try:
            body = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None  # removed by hand; dropped from the index when it expires
        except OSError as exc:
            raise StoreUnavailable(f"cannot read MEDIA_DIR: {exc.strerror}") from None
        return Media(media_id, entry.content_type, body)

    async def touch(self, ids: Sequence[str]) -> set[str]:
        now = self.clock.now_ms()
        await self._expire(now)
        present = [i for i in dict.fromkeys(ids) if i in self.index]
        await self._refresh(present, now)
        return set(ids) - set(present)

    def stats(self) -> dict[str, int]:
        return {"items": len(self.index), "bytes": self.bytes}

    # Internals.

    def _path(self, media_id: str, content_type: str) -> Path:
        return self.folder / f"{media_id}.{_EXTENSIONS[content_type]}"

    async def _refresh(self, ids: list[str], now: int) -> None:
        paths = []
        for media_id in ids:
            entry = self.index[media_id]
            entry.expires_ms = now + self.ttl_ms
            self.index.move_to_end(media_id)
            paths.append(self._path(media_id, entry.content_type))
        if paths:
            await asyncio.to_thread(_set_mtimes, paths, now / 1000)

    async def _expire(self, now: int) -> None:
        gone = []
        while self.index:
            media_id, entry = next(iter(self.index.items()))
            if entry.expires_ms > now:
                break
            del self.index[media_id]
            self.bytes -= entry.size
            gone.append(self._path(media_id, entry.content_type))
        if gone:
            await asyncio.to_thread(_remove, gone)

    def _scan(self, now: int) -> dict[str, _Entry]:
        """In a thread: the folder's items; expired ones and leftovers removed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        found: dict[str, _Entry] = {}
        for path in self.folder.iterdir():
            match = _FILE.fullmatch(path.name)
            if path.name.endswith(".tmp"):
                _remove([path])  # a write cut short by a crash
                continue
            if match is None or not path.is_file():
                continue
            stat = path.stat()
            expires = int(stat.st_mtime * 1000) + self.ttl_ms
            if expires <= now:
                _remove([path])
                continue
            found[match.group(1)] = _Entry(stat.st_size, _TYPES[match.group(2)], expires)
        return found

    @staticmethod
    def _write(path: Path, body: bytes) -> None:
        """In a thread: write whole or not at all (a reader never sees half a file)."""
        temp = path.with_name(path.name + ".tmp")
        temp.write_bytes(body)
        os.replace(temp, path)


def _set_mtimes(paths: list[Path], seconds: float) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.utime(path, (seconds, seconds))


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
