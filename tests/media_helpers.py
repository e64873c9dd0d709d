"""Uploading over a real WebSocket, as the protocol says, for the media tests."""

from __future__ import annotations

import itertools
from typing import Any

from tests.client import Player
from tests.conftest import Harness

FRAME = 64 * 1024  # MAX_MESSAGE_BYTES' default
_ids = itertools.count(1)


async def upload(
    player: Player,
    data: bytes,
    content_type: str = "application/octet-stream",
    *,
    frame: int = FRAME,
    size: int | None = None,
) -> dict[str, Any]:
    """Announce ``data`` (as ``size`` bytes), wait for ``upload_ready``, send it
    in frames; the server's last word on it: ``media`` or ``error``."""
    rid = f"u{next(_ids)}"
    await player.send(
        "upload_media",
        request_id=rid,
        size=len(data) if size is None else size,
        content_type=content_type,
    )
    ready = await player.expect_rid(rid)
    if ready["type"] != "upload_ready":
        return ready
    for start in range(0, len(data), frame):
        await player.send_raw(data[start : start + frame])
    return await player.expect_rid(rid)


async def stored(
    player: Player, data: bytes, content_type: str = "application/octet-stream"
) -> str:
    """Upload ``data``, which must be accepted; its id."""
    reply = await upload(player, data, content_type)
    assert reply["type"] == "media", reply
    return str(reply["id"])


async def from_address(quiz: Harness, ip: str) -> Player:
    """A client whose socket is bound to ``ip`` (any of 127.0.0.0/8 is this machine)."""
    return await quiz.player(local_addr=(ip, 0))
