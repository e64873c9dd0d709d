"""Pictures for the media scenarios: made here, uploaded to the quiz server, given to the floor.

Each picture is a 1,200 x 900 photo-like image (gradients and blurred
noise, different for each seed) encoded as WebP at quality 80, about what
the quiz server stores for a phone photo scaled down (docs/scaling.md:
about 150 KB a picture at 1,600 px). The quiz server gets it through the
protocol's upload (``upload_media``, binary frames, ``media``) and serves
its own re-encoding; the floor serves these bytes as they are, from
``FLOOR_MEDIA_DIR``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
from pathlib import Path
from typing import Any

import orjson
from PIL import Image, ImageFilter
from websockets.asyncio.client import connect

SIZE = (1200, 900)


def picture(seed: int) -> bytes:
    """A WebP picture, the same bytes for the same seed."""
    rng = random.Random(seed)
    small = Image.new("RGB", (48, 36))
    small.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(48 * 36)]
    )
    image = small.resize(SIZE, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(SIZE, 24).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    image = Image.blend(image, grain, 0.25)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()


def media_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_floor_media(folder: Path, pictures: list[bytes]) -> list[str]:
    """The pictures as files named by their id, for the floor; their ids in order."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for data in pictures:
        ident = media_id(data)
        (folder / ident).write_bytes(data)
        ids.append(ident)
    return ids


async def upload(port: int, data: bytes, limit_s: float = 60.0) -> str:
    """Upload ``data`` to the quiz server on ``port`` as the editor does; its media id."""
    async with connect(f"ws://127.0.0.1:{port}/", open_timeout=limit_s) as ws:
        announce = {"action": "upload_media", "size": len(data), "content_type": "image/webp"}
        await ws.send(orjson.dumps({**announce, "request_id": "u"}).decode())
        ready = await _expect(ws, "upload_ready", limit_s)
        step = int(ready.get("max_frame_bytes", 65536))
        for start in range(0, len(data), step):
            await ws.send(data[start : start + step])
        stored = await _expect(ws, "media", limit_s)
        return str(stored["id"])


async def _expect(ws: Any, kind: str, limit_s: float) -> dict[str, Any]:
    async with asyncio.timeout(limit_s):
        while True:
            message = orjson.loads(await ws.recv())
            if message.get("type") == kind:
                return dict(message)
            if message.get("type") == "error":
                raise RuntimeError(
                    f"upload refused: {message.get('code')} {message.get('message')}"
                )


def quiz_questions(ids: list[str]) -> list[dict[str, Any]]:
    """A quiz of one picture question per id (the quiz format of docs/quiz-format.md)."""
    return [
        {
            "text": f"What is in picture {i + 1}?",
            "options": ["A lake", "A forest", "A city", "A desert"],
            "correct": 0,
            "image": ident,
            "image_alt": f"Picture {i + 1}",
        }
        for i, ident in enumerate(ids)
    ]
