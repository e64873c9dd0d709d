"""A media item as stored and served, and why an upload is refused. No I/O."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from quiz.core.messages import ErrorCode, Message

# The lowercase hex SHA-256 of the stored bytes (quiz.core.parse checks the
# same shape in a question; this is the one the HTTP route accepts).
MEDIA_ID = re.compile(r"[0-9a-f]{64}")

# What the server stores and serves, by content type. Images are re-encoded
# to WebP whatever they came as (quiz.media.images says why); audio is kept
# as uploaded, under the type its bytes show.
IMAGE_TYPE = "image/webp"
AUDIO_TYPES = {"mp3": "audio/mpeg", "ogg": "audio/ogg", "m4a": "audio/mp4"}
SERVED_TYPES = frozenset({IMAGE_TYPE, *AUDIO_TYPES.values()})


def media_id(body: bytes) -> str:
    """The id of ``body``: its SHA-256, lowercase hex."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Media:
    """A stored item: its bytes, their type, and for the upload's reply its size.

    ``width``/``height`` for an image, ``duration_ms`` for audio; a store may
    give back 0 for them (the ``GET`` route needs only the type and bytes).
    """

    id: str
    content_type: str
    body: bytes
    width: int = 0
    height: int = 0
    duration_ms: int = 0

    @classmethod
    def of(
        cls,
        body: bytes,
        content_type: str,
        *,
        width: int = 0,
        height: int = 0,
        duration_ms: int = 0,
    ) -> Media:
        return cls(media_id(body), content_type, body, width, height, duration_ms)

    def reply(self, request_id: str | None) -> Message:
        """The ``media`` message that answers ``upload_media``."""
        out: Message = {
            "type": "media",
            "id": self.id,
            "content_type": self.content_type,
            "bytes": len(self.body),
        }
        if self.content_type == IMAGE_TYPE:
            out["width"], out["height"] = self.width, self.height
        else:
            out["duration_ms"] = self.duration_ms
        if request_id is not None:
            out["request_id"] = request_id
        return out


class MediaRefused(Exception):
    """An upload the server will not store; becomes an ``error`` reply."""

    def __init__(self, code: ErrorCode, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id  # the upload's, when a frame ends it


def unsupported(why: str) -> MediaRefused:
    return MediaRefused(ErrorCode.MEDIA_UNSUPPORTED, why)


def too_large(why: str) -> MediaRefused:
    return MediaRefused(ErrorCode.MEDIA_TOO_LARGE, why)
