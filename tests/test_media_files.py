"""What the server stores of an upload, judged by its bytes alone: real files
made with Pillow (tests/media_files.py), sent over a real WebSocket to a real
server, read back over HTTP and opened again with Pillow and mutagen."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pytest
from mutagen.mp3 import MP3
from PIL import Image

from tests import media_files as files
from tests.conftest import Harness, StartServer
from tests.http_client import http_request
from tests.media_helpers import upload


async def fetched(quiz: Harness, media_id: str) -> bytes:
    reply = await http_request(quiz.server.port, f"/media/{media_id}")
    assert reply.status == 200, reply
    return reply.body


async def test_a_big_photo_comes_back_small_upright_and_without_exif(quiz: Harness) -> None:
    original = files.photo(4000, 3000, orientation=6)  # taken with the phone on its side
    assert b"GPS" in original or Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    player = await quiz.player()
    reply = await upload(player, original, "image/jpeg")
    assert reply["type"] == "media", reply
    # Orientation 6: the stored picture is the 3000 x 4000 portrait, at most 1600 px.
    assert (reply["width"], reply["height"]) == (1200, 1600)
    assert reply["content_type"] == "image/webp"
    body = await fetched(quiz, reply["id"])
    assert len(body) == reply["bytes"] < len(original) // 10
    assert hashlib.sha256(body).hexdigest() == reply["id"]
    picture = Image.open(io.BytesIO(body))
    assert picture.format == "WEBP" and picture.size == (1200, 1600)
    # No metadata of any kind: no EXIF (no GPS), no XMP, no ICC profile.
    assert not picture.getexif()
    assert not {"exif", "xmp", "icc_profile"} & set(picture.info)
    assert b"Exif" not in body and b"TestCam" not in body and b"XMP" not in body
    # Upright: the blue square drawn at the stored file's top left is at the
    # top right once the picture is turned as the camera was held.
    picture = picture.convert("RGB")
    r, g, b = picture.getpixel((1200 - 20, 20))
    assert b > 150 and r < 80, (r, g, b)


async def test_a_png_named_jpeg_is_stored_as_the_png_it_is(quiz: Harness) -> None:
    player = await quiz.player()
    reply = await upload(player, files.png(300, 200, transparent=True), "image/jpeg")
    assert reply["type"] == "media", reply
    assert (reply["width"], reply["height"]) == (300, 200)
    picture = Image.open(io.BytesIO(await fetched(quiz, reply["id"])))
    # Read as a PNG (a JPEG has no transparency): its transparent half still is.
    assert picture.mode == "RGBA"
    assert picture.getpixel((250, 100))[3] == 0 and picture.getpixel((50, 100))[3] == 255


async def test_a_gif_gives_its_first_frame(quiz: Harness) -> None:
    player = await quiz.player()
    reply = await upload(player, files.gif(frames=3), "image/gif")
    assert reply["type"] == "media", reply
    picture = Image.open(io.BytesIO(await fetched(quiz, reply["id"])))
    assert getattr(picture, "n_frames", 1) == 1
    assert picture.convert("RGB").getpixel((60, 40)) == (255, 0, 0)


# Made when the test runs, not when the tests are collected (the zip takes a second).
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "svg": (lambda: files.SVG, "image/svg+xml"),
    "svg claimed as png": (lambda: files.SVG, "image/png"),
    "html": (lambda: files.HTML, "text/html"),
    "html as mp3": (lambda: files.HTML_AS_MP3, "audio/mpeg"),
    "zip bomb": (files.zip_bomb, "image/jpeg"),
    "truncated jpeg": (lambda: files.photo(800, 600)[:30_000], "image/jpeg"),
    "mp4 film": (lambda: files.m4a(3, video=True), "audio/mp4"),
    # Pictures Pillow reads but the server does not accept: only four decoders are tried.
    "bmp": (lambda: files.other_format("BMP"), "image/bmp"),
    "tiff": (lambda: files.other_format("TIFF"), "image/tiff"),
    "ico": (lambda: files.other_format("ICO"), "image/x-icon"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_what_is_not_a_picture_or_a_clip_is_refused(quiz: Harness, name: str) -> None:
    make, claimed = HOSTILE[name]
    data = make()
    player = await quiz.player()
    reply = await upload(player, data, claimed)
    assert reply["type"] == "error" and reply["code"] == "media_unsupported", (name, reply)
    assert quiz.server.media.store.stats() == {"items": 0, "bytes": 0}


async def test_a_pixel_bomb_is_refused_from_its_header(start_server: StartServer) -> None:
    quiz = await start_server(media_max_pixels=20_000_000)
    player = await quiz.player()
    # 30,000 x 30,000 pixels in a few kilobytes: 2.7 GB once decoded.
    bomb = files.pixel_bomb(30_000, 30_000)
    assert len(bomb) < 200_000
    reply = await upload(player, bomb, "image/png")
    assert reply["code"] == "media_too_large", reply
    # Under Pillow's own threshold, the server's limit is what refuses, by name.
    reply = await upload(player, files.pixel_bomb(5000, 5000), "image/png")
    assert reply["code"] == "media_too_large", reply
    assert "5000 x 5000" in reply["message"]
    assert quiz.server.media.store.stats()["items"] == 0


async def test_the_same_picture_twice_is_one_item(quiz: Harness) -> None:
    player = await quiz.player()
    picture = files.photo(1000, 750)
    first = await upload(player, picture, "image/jpeg")
    second = await upload(await quiz.player(), picture, "image/jpeg")
    assert first["type"] == second["type"] == "media"
    assert first["id"] == second["id"]
    assert quiz.server.media.store.stats() == {"items": 1, "bytes": first["bytes"]}


@pytest.mark.parametrize(
    ("data", "content_type", "duration_ms"),
    [
        (files.mp3(5), "audio/mpeg", 5000),
        (files.ogg_vorbis(2.5), "audio/ogg", 2500),
        (files.m4a(4), "audio/mp4", 4000),
    ],
    ids=["mp3", "ogg", "m4a"],
)
async def test_sound_clips_are_stored_as_uploaded(
    quiz: Harness, data: bytes, content_type: str, duration_ms: int
) -> None:
    player = await quiz.player()
    reply = await upload(player, data, "application/octet-stream")
    assert reply["type"] == "media", reply
    assert reply["content_type"] == content_type
    assert abs(reply["duration_ms"] - duration_ms) < 60
    assert reply["id"] == hashlib.sha256(data).hexdigest()
    response = await http_request(quiz.server.port, f"/media/{reply['id']}")
    assert response.body == data and response.headers["content-type"] == content_type


async def test_a_clip_over_the_duration_limit_is_refused(start_server: StartServer) -> None:
    quiz = await start_server(media_audio_max_seconds=10)
    player = await quiz.player()
    reply = await upload(player, files.mp3(12), "audio/mpeg")
    assert reply["code"] == "media_too_large", reply
    assert "10 s" in reply["message"]
    ok = await upload(player, files.mp3(9), "audio/mpeg")
    assert ok["type"] == "media"
    assert MP3(io.BytesIO(await fetched(quiz, ok["id"]))).info.length < 10
