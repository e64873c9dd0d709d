"""``GET /media/<id>`` and ``HEAD``: headers, ETag and 304, ranges, 404s and
path tricks; a quiz naming media the server does not hold; how long media
live (memory with a hand-moved clock, and a directory across a restart)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests import media_files as files
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer
from tests.http_client import http_request
from tests.media_helpers import stored, upload

MISSING = "0" * 64


def picture_question(image: str, options: list[str | None] | None = None) -> dict[str, Any]:
    question: dict[str, Any] = {
        "text": "Which flag is this?",
        "options": ["France", "Italy", "Peru"],
        "correct": 0,
        "image": image,
        "image_alt": "A flag of three vertical bands",
    }
    if options is not None:
        question["option_images"] = options
    return question


async def test_get_serves_the_item_with_its_headers(quiz: Harness) -> None:
    media_id = await stored(await quiz.player(), files.photo(1200, 900), "image/jpeg")
    reply = await http_request(quiz.server.port, f"/media/{media_id}")
    assert reply.status == 200
    assert hashlib.sha256(reply.body).hexdigest() == media_id
    headers = reply.headers
    assert headers["content-type"] == "image/webp"
    assert headers["content-length"] == str(len(reply.body))
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["etag"] == f'"{media_id}"'
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    # One Cache-Control, not the no-cache of other responses as well.
    reader, writer = await asyncio.open_connection("127.0.0.1", quiz.server.port)
    writer.write(f"HEAD /media/{media_id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    writer.close()
    assert head.count("\r\ncache-control:") == 1, head


async def test_head_etag_304_and_ranges(quiz: Harness) -> None:
    clip = files.mp3(3)
    media_id = await stored(await quiz.player(), clip, "audio/mpeg")
    port, path = quiz.server.port, f"/media/{media_id}"
    head = await http_request(port, path, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(clip))
    assert head.headers["content-type"] == "audio/mpeg"
    for tag in (f'"{media_id}"', f'W/"{media_id}"', f'"other", "{media_id}"', "*"):
        again = await http_request(port, path, headers={"If-None-Match": tag})
        assert again.status == 304 and again.body == b"", tag
        assert again.headers["etag"] == f'"{media_id}"'
    changed = await http_request(port, path, headers={"If-None-Match": '"other"'})
    assert changed.status == 200
    # Safari plays <audio> only from a server that answers byte ranges.
    part = await http_request(port, path, headers={"Range": "bytes=0-9"})
    assert part.status == 206 and part.body == clip[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(clip)}"
    tail = await http_request(port, path, headers={"Range": "bytes=-100"})
    assert tail.status == 206 and tail.body == clip[-100:]
    beyond = await http_request(port, path, headers={"Range": f"bytes={len(clip)}-"})
    assert beyond.status == 416 and beyond.headers["content-range"] == f"bytes */{len(clip)}"
    several = await http_request(port, path, headers={"Range": "bytes=0-1,5-6"})
    assert several.status == 200 and several.body == clip


@pytest.mark.parametrize(
    "path",
    [
        f"/media/{MISSING}",
        "/media/",
        "/media",
        f"/media/{MISSING.upper()}",
        f"/media/{MISSING}.webp",
        f"/media/{MISSING}/",
        "/media/../quiz_server.py",
        "/media/%2e%2e/quiz_server.py",
        "/media/..%2fREADME.md",
        "/media/index.html",
        "/media//etc/passwd",
    ],
)
async def test_nothing_else_under_media_is_reachable(quiz: Harness, path: str) -> None:
    reply = await http_request(quiz.server.port, path)
    assert reply.status == 404, (path, reply.status)
    assert reply.headers["x-content-type-options"] == "nosniff"


async def test_an_item_by_any_other_method_is_405(quiz: Harness) -> None:
    media_id = await stored(await quiz.player(), files.png())
    reply = await http_request(quiz.server.port, f"/media/{media_id}", method="DELETE")
    assert reply.status == 405
    assert (await http_request(quiz.server.port, f"/media/{media_id}")).status == 200


async def test_a_quiz_naming_unknown_media_is_refused_by_field(quiz: Harness) -> None:
    host = await quiz.player()
    known = await stored(host, files.png(seed=1))
    flag = await stored(host, files.png(seed=2))
    unknown_image = [picture_question(known), picture_question(MISSING)]
    error = await host.error("create_room", "bad_message", name="Host", questions=unknown_image)
    assert error["message"].startswith("questions[1].image:"), error
    unknown_option = [picture_question(known, [flag, MISSING, None])]
    error = await host.error("create_room", "bad_message", name="Host", questions=unknown_option)
    assert error["message"].startswith("questions[0].option_images[1]:"), error
    unknown_audio = [{**picture_question(known), "audio": MISSING}]
    error = await host.error("create_room", "bad_message", name="Host", questions=unknown_audio)
    assert error["message"].startswith("questions[0].audio:"), error
    assert quiz.server.rooms.count == 0
    # Known media: the room is made, and its state lists them to fetch ahead.
    created = await host.create("Host", questions=[picture_question(known, [flag, None, known])])
    assert created["room"]["media"] == [known, flag]
    error = await host.error("set_questions", "bad_message", questions=[picture_question(MISSING)])
    assert error["message"].startswith("questions[0].image:"), error
    reply = await host.request_any("set_questions", questions=[picture_question(flag)])
    assert reply["type"] != "error", reply


async def test_media_expire_unless_a_room_or_a_fetch_uses_them(start_server: StartServer) -> None:
    clock = ManualClock()
    quiz = await start_server(clock=clock, media_ttl_seconds=3600)
    host = await quiz.player()
    used = await stored(host, files.png(seed=1))
    fetched = await stored(host, files.png(seed=2))
    forgotten = await stored(host, files.png(seed=3))
    clock.advance(3000_000)
    # A room is made with one, another is fetched: both are refreshed.
    await host.create("Host", questions=[picture_question(used)])
    assert (await http_request(quiz.server.port, f"/media/{fetched}")).status == 200
    clock.advance(1000_000)  # an hour after the uploads, 1000 s after the refresh
    assert (await http_request(quiz.server.port, f"/media/{forgotten}")).status == 404
    assert (await http_request(quiz.server.port, f"/media/{used}")).status == 200
    assert (await http_request(quiz.server.port, f"/media/{fetched}")).status == 200
    other = await quiz.player()
    error = await other.error(
        "create_room", "bad_message", name="Late", questions=[picture_question(forgotten)]
    )
    assert "questions[0].image" in error["message"]
    assert quiz.server.media.store.stats()["items"] == 2


async def test_an_item_the_store_let_expire_is_not_served_from_the_cache(
    start_server: StartServer,
) -> None:
    # Served once (so it is in the server's read cache), then left alone past
    # its time: the store forgets it, and so must every answer about it.
    clock = ManualClock()
    quiz = await start_server(clock=clock, media_ttl_seconds=3600)
    media_id = await stored(await quiz.player(), files.png(seed=4))
    assert (await http_request(quiz.server.port, f"/media/{media_id}")).status == 200
    clock.advance(3601_000)
    assert (await http_request(quiz.server.port, f"/media/{media_id}")).status == 404
    head = await http_request(quiz.server.port, f"/media/{media_id}", method="HEAD")
    assert head.status == 404


async def test_the_store_is_bounded(start_server: StartServer) -> None:
    quiz = await start_server(media_store_bytes=1024)  # a few small drawings
    player = await quiz.player()
    kept = []
    for seed in range(10):
        reply = await upload(player, files.png(seed=seed))
        if reply["type"] == "error":
            break
        kept.append(reply["id"])
    assert 1 < len(kept) < 10
    assert reply["code"] == "media_quota" and "store is full" in reply["message"], reply
    assert quiz.server.media.store.stats()["bytes"] <= 1024
    # Nothing that is not expired was evicted for it.
    for media_id in kept:
        assert (await http_request(quiz.server.port, f"/media/{media_id}")).status == 200


async def test_a_media_directory_outlives_a_restart(
    start_server: StartServer, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    first = await start_server(media_dir=str(folder))
    media_id = await stored(await first.player(), files.photo(900, 600), "image/jpeg")
    assert [p.name for p in folder.iterdir()] == [f"{media_id}.webp"]
    await first.server.shutdown()
    second = await start_server(media_dir=str(folder))
    reply = await http_request(second.server.port, f"/media/{media_id}")
    assert reply.status == 200 and hashlib.sha256(reply.body).hexdigest() == media_id
    assert second.server.media.store.stats()["items"] == 1
