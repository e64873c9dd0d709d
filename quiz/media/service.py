"""What the server calls for media: uploads, the check of a quiz's media, and
reading an item for ``GET /media/<id>``.

Processing (Pillow, mutagen) runs in a small thread pool of its own
(``MEDIA_THREADS``): decoding and re-encoding a 12-megapixel photo is a
quarter of a second of CPU, which on the event loop would stall every room.
Pillow and mutagen run in C or on bytes in memory, and Pillow lets go of the
GIL while it decodes, resizes and encodes, so the loop keeps its pace (see
docs/performance.md). Uploads waiting for a thread are bounded by
``MEDIA_UPLOADING_BYTES``.

Reading is cached: an item never changes (its id is its hash), so this
server keeps the most recently fetched ones (``MEDIA_CACHE_BYTES``) and
loads each at most once at a time, however many phones ask for it at once.
A fetch refreshes the item in the store at most once a minute per server.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from quiz.core.messages import ErrorCode, Message
from quiz.core.question import Question
from quiz.media.model import Media, MediaRefused
from quiz.media.process import Limits, process
from quiz.media.store import MediaStore, PutResult, StoreUnavailable
from quiz.media.uploads import Upload, UploadRules, Uploads
from quiz.ops.clock import Clock
from quiz.ops.config import Settings

log = logging.getLogger("quiz.media")

# A fetched item is refreshed in the store at most this often per server.
REFRESH_S = 60.0
# Ids whose last refresh this server remembers (least recent forgotten first).
REFRESHED_MAX = 10_000

Refuse = Callable[[Any, ErrorCode, str, str | None], None]


class ReadCache:
    """The most recently fetched items, within ``capacity`` bytes, each for
    at most ``max_age`` seconds since the store last confirmed it: an item
    the store has let expire is never served from here."""

    def __init__(self, capacity: int, max_age: float) -> None:
        self.capacity = capacity
        self.max_age = max_age
        self.items: OrderedDict[str, tuple[Media, float]] = OrderedDict()
        self.bytes = 0

    def get(self, media_id: str, now: float) -> Media | None:
        entry = self.items.get(media_id)
        if entry is None:
            return None
        item, confirmed = entry
        if now - confirmed >= self.max_age:
            self.drop(media_id)  # the store may have let it go: ask it again
            return None
        self.items.move_to_end(media_id)
        return item

    def add(self, item: Media, now: float) -> None:
        if len(item.body) > self.capacity or item.id in self.items:
            return
        self.items[item.id] = (item, now)
        self.bytes += len(item.body)
        while self.bytes > self.capacity:
            _, (old, _at) = self.items.popitem(last=False)
            self.bytes -= len(old.body)

    def confirm(self, media_id: str, now: float) -> None:
        """The store still holds it (and its time starts again)."""
        entry = self.items.get(media_id)
        if entry is not None:
            self.items[media_id] = (entry[0], now)

    def drop(self, media_id: str) -> None:
        entry = self.items.pop(media_id, None)
        if entry is not None:
            self.bytes -= len(entry[0].body)


class MediaService:
    """Uploads, checks and reads, over one :class:`MediaStore`."""

    def __init__(
        self,
        settings: Settings,
        store: MediaStore,
        clock: Clock,
        refuse: Refuse,
        spawn: Callable[[Awaitable[Any]], None],
    ) -> None:
        self.store = store
        self.clock = clock
        self.refuse = refuse
        self.spawn = spawn
        self.max_frame = settings.max_message_bytes
        self.limits = Limits(settings.media_max_pixels, settings.media_audio_max_seconds)
        self.uploads = Uploads(
            UploadRules(
                max_bytes=settings.media_max_bytes,
                uploads_per_hour=settings.media_uploads_per_hour,
                bytes_per_hour=settings.media_bytes_per_hour,
                uploading_bytes=settings.media_uploading_bytes,
                timeout_s=settings.media_upload_timeout_seconds,
            ),
            clock,
            self._late,
        )
        self.executor = ThreadPoolExecutor(settings.media_threads, thread_name_prefix="media")
        # Confirmed by the store at least once a REFRESH_S (a fetch refreshes
        # it), so a cached item is never older than the store's own TTL.
        self.cache = ReadCache(
            settings.media_cache_bytes, max(REFRESH_S, settings.media_ttl_seconds - REFRESH_S)
        )
        self._loading: dict[str, asyncio.Task[Media | None]] = {}
        self._refreshed: OrderedDict[str, float] = OrderedDict()
        self.counts = {"uploads": 0, "stored": 0, "refused": 0}

    async def start(self) -> None:
        await self.store.start()

    async def stop(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.store.stop()

    def health(self) -> dict[str, object]:
        return {
            "store": self.store.kind,
            **self.store.stats(),
            "uploading": len(self.uploads.active),
            **self.counts,
        }

    # Uploads.

    def announce(self, conn: Hashable, address: str, size: int, rid: str | None) -> Message:
        """``upload_media``: the ``upload_ready`` reply, or :class:`MediaRefused`."""
        self.counts["uploads"] += 1
        self.uploads.begin(conn, address, size, rid)
        ready: Message = {"type": "upload_ready", "size": size, "max_frame_bytes": self.max_frame}
        if rid is not None:
            ready["request_id"] = rid
        return ready

    def receiving(self, conn: Hashable) -> bool:
        """Whether ``conn``'s binary frames belong to its upload."""
        return self.uploads.receiving(conn)

    def receive(self, conn: Hashable, frame: bytes) -> Upload | None:
        """A binary frame of ``conn``'s upload; the upload once every byte is in."""
        return self.uploads.receive(conn, frame)

    async def complete(self, conn: Hashable, upload: Upload) -> Message:
        """Check and store a whole upload: the ``media`` reply, or
        :class:`MediaRefused` / :class:`StoreUnavailable`. Ends the upload."""
        try:
            data = bytes(upload.data)
            upload.data = bytearray()  # one copy of the file in memory, not two
            loop = asyncio.get_running_loop()
            item = await loop.run_in_executor(self.executor, process, data, self.limits)
            if await self.store.put(item) is PutResult.FULL:
                raise MediaRefused(
                    ErrorCode.MEDIA_QUOTA, "the server's media store is full: try again later"
                )
        except MediaRefused:
            self.counts["refused"] += 1
            raise
        finally:
            self.uploads.end(conn, upload)
        self.counts["stored"] += 1
        log.info(
            "media stored",
            extra={"media": item.id[:12], "type": item.content_type, "bytes": len(item.body)},
        )
        return item.reply(upload.request_id)

    def closed(self, conn: Hashable) -> None:
        """``conn`` closed: an upload still arriving is dropped, nothing stored."""
        self.uploads.closed(conn)

    def _late(self, conn: Hashable, upload: Upload) -> None:
        why = "upload_media: the file did not all arrive in time; send it again"
        self.refuse(conn, ErrorCode.BAD_MESSAGE, why, upload.request_id)

    # A quiz's media.

    async def unknown(self, questions: Sequence[Question], path: str = "questions") -> str | None:
        """Why ``questions`` cannot be played here: the first field naming a
        media id this server does not hold, or None. Refreshes those it holds.

        One call to the store for the whole quiz: O(media), whatever the room.
        """
        ids = [media_id for question in questions for media_id in question.media()]
        if not ids:
            return None
        missing = await self.store.touch(ids)
        if not missing:
            return None
        for field, media_id in _fields(questions, path):
            if media_id in missing:
                return f"{field}: the server has no media {media_id[:12]}...: upload it again"
        return None

    # Reads.

    async def fetch(self, media_id: str) -> Media | None:
        """The item for ``GET /media/<id>``, or None. :class:`StoreUnavailable` if
        the store cannot answer."""
        item = self.cache.get(media_id, self.clock.monotonic())
        if item is None:
            task = self._loading.get(media_id)
            if task is None:
                task = asyncio.ensure_future(self._load(media_id))
                self._loading[media_id] = task
                task.add_done_callback(lambda done: self._loaded(media_id, done))
            # One client giving up must not cancel the load the others wait for.
            item = await asyncio.shield(task)
            if item is None:
                return None
        self._refresh(media_id)
        return item

    async def _load(self, media_id: str) -> Media | None:
        item = await self.store.get(media_id)
        if item is not None:
            self.cache.add(item, self.clock.monotonic())
        return item

    def _loaded(self, media_id: str, task: asyncio.Task[Media | None]) -> None:
        self._loading.pop(media_id, None)
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have gone

    def _refresh(self, media_id: str) -> None:
        now = self.clock.monotonic()
        last = self._refreshed.get(media_id)
        if last is not None and now - last < REFRESH_S:
            return
        self._refreshed[media_id] = now
        self._refreshed.move_to_end(media_id)
        if len(self._refreshed) > REFRESHED_MAX:
            self._refreshed.popitem(last=False)
        self.spawn(self._touch(media_id))

    async def _touch(self, media_id: str) -> None:
        try:
            if await self.store.touch([media_id]):
                self.cache.drop(media_id)  # expired in the store meanwhile: gone here too
            else:
                self.cache.confirm(media_id, self.clock.monotonic())
        except StoreUnavailable:
            log.debug("could not refresh a media item", extra={"media": media_id[:12]})


def _fields(questions: Sequence[Question], path: str) -> list[tuple[str, str]]:
    """Every media field of the quiz, as a path (``questions[2].image``) and an id."""
    return [
        (f"{path}[{i}].{field}", media_id)
        for i, question in enumerate(questions)
        for field, media_id in question.media_fields_named()
    ]
