"""Uploads on a connection (protocol 1.2 "Media"): ``upload_media``, its binary
frames, and the ``media`` reply once the file is checked and stored.

The rules (limits, what a file may be, where it is kept) are quiz.media's;
this module only carries frames in and replies out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from quiz.core.commands import UploadMedia
from quiz.core.messages import ErrorCode
from quiz.media.model import MediaRefused
from quiz.media.service import MediaService
from quiz.media.store import StoreUnavailable
from quiz.media.uploads import Upload
from quiz.net.hub import Client, Hub
from quiz.wire.frames import encode

log = logging.getLogger("quiz.net.media")

Refuse = Callable[[Client, ErrorCode, str, str | None], object]


class MediaEntry:
    """Announcements, upload frames and replies for the server's connections."""

    def __init__(
        self,
        media: MediaService,
        hub: Hub,
        refuse: Refuse,
        spawn: Callable[[Awaitable[Any]], None],
    ) -> None:
        self.media = media
        self.hub = hub
        self.refuse = refuse
        self.spawn = spawn

    def announce(self, client: Client, command: UploadMedia) -> None:
        """``upload_media``: ``upload_ready``, or the refusal, before any byte."""
        rid = command.request_id
        try:
            ready = self.media.announce(client, client.peer.address, command.size, rid)
        except MediaRefused as exc:
            self.refuse(client, exc.code, exc.message, rid)
            return
        self.hub.send(client, encode(ready))

    def frame(self, client: Client, frame: bytes) -> None:
        """A binary frame of the connection's upload in progress."""
        try:
            upload = self.media.receive(client, frame)
        except MediaRefused as exc:
            self.refuse(client, exc.code, exc.message, exc.request_id)
            return
        if upload is not None:
            # Checked and stored on the side: the connection's other frames
            # (an answer, a ping) do not wait for Pillow.
            self.spawn(self._store(client, upload))

    async def _store(self, client: Client, upload: Upload) -> None:
        rid = upload.request_id
        try:
            reply = await self.media.complete(client, upload)
        except MediaRefused as exc:
            self.refuse(client, exc.code, exc.message, rid)
            return
        except StoreUnavailable:
            self.refuse(client, ErrorCode.SERVER_BUSY, "media are unavailable; retry shortly", rid)
            return
        except Exception:
            log.exception("internal error", extra={"action": "UploadMedia"})
            self.refuse(client, ErrorCode.INTERNAL_ERROR, "the server failed on this upload", rid)
            return
        self.hub.send(client, encode(reply))
