"""The upload in progress on each connection, and the limits uploads are held to.

An upload is announced (``upload_media`` with ``size``), then its bytes come
in binary frames; once ``size`` bytes are in, it is handed on to be
processed. What one client may do, and when it is refused:

- per connection: one upload at a time (``bad_message``); each binary frame
  but the last carries at least :data:`MIN_FRAME` bytes (``bad_message``,
  so that a file cannot cost a million tiny frames); no more bytes than
  announced (``media_too_large``); the whole file within
  ``MEDIA_UPLOAD_TIMEOUT_SECONDS`` of the announcement (``bad_message``);
- per upload: at most ``MEDIA_MAX_BYTES``, refused from the announced size
  before any byte is read (``media_too_large``);
- per client address: ``MEDIA_UPLOADS_PER_HOUR`` uploads and
  ``MEDIA_BYTES_PER_HOUR`` bytes announced, each a bucket that refills
  evenly over the hour (``media_quota``);
- per server: at most ``MEDIA_UPLOADING_BYTES`` announced by uploads still
  arriving or being processed, which bounds the memory they hold whatever
  the number of addresses (``media_quota``).

Allowances are taken when an upload is announced and not given back: the
work of reading and checking was done, whatever the outcome. Pure but for
the clock's timers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from quiz.core.messages import ErrorCode
from quiz.media.model import MediaRefused, too_large
from quiz.ops.clock import Clock, Timer

MIN_FRAME = 1024  # bytes; MAX_MESSAGE_BYTES is at least this
MAX_ADDRESSES = 100_000  # addresses remembered, least recently seen forgotten first
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class UploadRules:
    """The limits, from the settings (see the module's docstring)."""

    max_bytes: int
    uploads_per_hour: int
    bytes_per_hour: int
    uploading_bytes: int
    timeout_s: float


@dataclass(slots=True)
class Allowance:
    """A bucket of ``burst`` that refills at ``rate`` a second; ``now`` in seconds."""

    rate: float
    burst: float
    level: float = -1.0
    stamp: float = 0.0

    def has(self, now: float, amount: float) -> bool:
        if self.level < 0:  # first use: full
            self.level, self.stamp = self.burst, now
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.level >= amount

    def take(self, amount: float) -> None:
        self.level -= amount


@dataclass(eq=False, slots=True)
class Upload:
    """One announced file and the bytes of it that have come."""

    size: int
    request_id: str | None
    data: bytearray = field(default_factory=bytearray)
    timer: Timer | None = None
    processing: bool = False  # every byte is in: being checked and stored


class Uploads:
    """Uploads in progress by connection (any hashable key), and the allowances."""

    def __init__(
        self,
        rules: UploadRules,
        clock: Clock,
        on_timeout: Callable[[Hashable, Upload], None],
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.rules = rules
        self.clock = clock
        self.on_timeout = on_timeout
        self.max_addresses = max_addresses
        self.active: dict[Hashable, Upload] = {}
        self.uploading = 0  # bytes announced by the uploads in self.active
        self._addresses: OrderedDict[str, tuple[Allowance, Allowance]] = OrderedDict()

    def receiving(self, conn: Hashable) -> bool:
        """Whether ``conn``'s binary frames are the bytes of its upload."""
        upload = self.active.get(conn)
        return upload is not None and not upload.processing

    def begin(self, conn: Hashable, address: str, size: int, request_id: str | None) -> Upload:
        """Announce an upload, or :class:`MediaRefused` before any byte is read."""
        rules = self.rules
        if conn in self.active:
            raise MediaRefused(
                ErrorCode.BAD_MESSAGE,
                "upload_media: this connection has an upload in progress; wait for its reply",
            )
        if size > rules.max_bytes:
            raise too_large(f"the file is {size} bytes; at most {rules.max_bytes} are accepted")
        if self.uploading + size > rules.uploading_bytes:
            raise MediaRefused(
                ErrorCode.MEDIA_QUOTA,
                "the server is receiving too many uploads at once: try again in a minute",
            )
        count, volume = self._allowances(address)
        now = self.clock.monotonic()
        if not count.has(now, 1):
            raise MediaRefused(
                ErrorCode.MEDIA_QUOTA,
                f"more than {rules.uploads_per_hour} uploads an hour from your address: "
                "wait a few minutes",
            )
        if not volume.has(now, size):
            raise MediaRefused(
                ErrorCode.MEDIA_QUOTA,
                f"more than {rules.bytes_per_hour} bytes an hour uploaded from your address: "
                "wait a few minutes",
            )
        count.take(1)
        volume.take(size)
        upload = Upload(size, request_id)
        upload.timer = self.clock.call_later(rules.timeout_s, lambda: self._late(conn, upload))
        self.active[conn] = upload
        self.uploading += size
        return upload

    def receive(self, conn: Hashable, frame: bytes) -> Upload | None:
        """Add a binary frame; the upload once complete, else None.

        :class:`MediaRefused` ends the upload (nothing is kept of it).
        """
        upload = self.active[conn]
        have = len(upload.data) + len(frame)
        if have > upload.size:
            self.end(conn, upload)
            refusal = too_large(f"more bytes came than the {upload.size} announced")
            refusal.request_id = upload.request_id
            raise refusal
        if have < upload.size and len(frame) < MIN_FRAME:
            self.end(conn, upload)
            raise MediaRefused(
                ErrorCode.BAD_MESSAGE,
                f"upload_media: every binary frame but the last must hold at least "
                f"{MIN_FRAME} bytes",
                upload.request_id,
            )
        upload.data += frame
        if have < upload.size:
            return None
        upload.processing = True
        if upload.timer is not None:
            upload.timer.cancel()
        return upload

    def end(self, conn: Hashable, upload: Upload) -> None:
        """``upload`` is over (stored, refused, abandoned): forget it, free its bytes."""
        if upload.timer is not None:
            upload.timer.cancel()
        if self.active.get(conn) is upload:
            del self.active[conn]
            self.uploading -= upload.size
        upload.data = bytearray()

    def closed(self, conn: Hashable) -> None:
        """``conn`` is gone: an upload still arriving is dropped, nothing stored.

        One being processed finishes (its bytes all came) and ends itself.
        """
        upload = self.active.get(conn)
        if upload is not None and not upload.processing:
            self.end(conn, upload)

    def _late(self, conn: Hashable, upload: Upload) -> None:
        if self.active.get(conn) is upload and not upload.processing:
            self.end(conn, upload)
            self.on_timeout(conn, upload)

    def _allowances(self, address: str) -> tuple[Allowance, Allowance]:
        pair = self._addresses.get(address)
        if pair is None:
            rules = self.rules
            pair = (
                Allowance(rules.uploads_per_hour / HOUR, rules.uploads_per_hour),
                Allowance(rules.bytes_per_hour / HOUR, rules.bytes_per_hour),
            )
            self._addresses[address] = pair
            if len(self._addresses) > self.max_addresses:
                self._addresses.popitem(last=False)
        else:
            self._addresses.move_to_end(address)
        return pair
