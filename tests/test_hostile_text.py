"""Hostile text over real sockets: surrogates, look-alike names, odd JSON.

Each test ends with proof that the room, another room and the server still
work (``room_plays`` and ``still_works``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os

import pytest

from quiz.wire import protocol
from tests.client import Player
from tests.conftest import Harness
from tests.test_ws_errors import still_works


async def room_plays(host: Player, *others: Player) -> None:
    """The room's game runs: a question opens, everyone answers, it closes."""
    await host.request_any("start_game")
    for player in (host, *others):
        question = await player.expect("question")
        reply = await player.request_any(
            "submit_answer", question_index=question["question_index"], answer=0
        )
        assert reply["type"] == "answer_received", reply
    for player in (host, *others):
        await player.expect("question_result")


async def test_lone_surrogate_name_is_refused_naming_the_field(quiz: Harness) -> None:
    host = await quiz.player()
    await host.create("Host", num_questions=1)
    stranger = await quiz.player()
    # The JSON escape \ud800 decodes to a lone surrogate: not a character.
    await stranger.send_raw(
        '{"action":"join_room","room_id":"'
        + str(host.room_id)
        + '","name":"\\ud800","request_id":"j1"}'
    )
    reply = await stranger.next()
    assert reply["code"] == "bad_message" and reply["message"].startswith("name:"), reply
    assert reply["request_id"] == "j1"
    await room_plays(host)
    await still_works(quiz, stranger)


@pytest.mark.parametrize(
    "field", ["name", "topic", "room_id", "token", "player_id", "request_id", "action", "extra"]
)
async def test_lone_surrogate_in_any_string_field_is_bad_message(quiz: Harness, field: str) -> None:
    player = await quiz.player()
    message = {"action": "rejoin", "room_id": "ABCDE", "token": "t" * 32, "name": "x"}
    message[field] = "a\udc00b"
    await player.send_raw(json.dumps(message))  # ensure_ascii: escapes \udc00
    reply = await player.next()
    assert reply["code"] == "bad_message", reply
    assert reply["message"].startswith(field + ":"), reply
    await still_works(quiz, player)


async def test_a_frame_that_cannot_be_encoded_does_not_stall_the_room(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a lone surrogate get past the boundary, the room still plays."""
    # Fault injection: the boundary's text check is switched off, as if a
    # future field forgot it.
    monkeypatch.setattr(protocol, "_clean_text", lambda value, path: value)
    host = await quiz.player()
    await host.send_raw(
        '{"action":"create_room","name":"Host","topic":"Z\\ud800","num_questions":1,'
        '"request_id":"c"}'
    )
    created = await host.expect_rid("c")
    assert created["type"] == "room_created", created
    assert created["room"]["topic"] == "Z\ufffd"
    host._seat(created)
    p1 = await quiz.player()
    await p1.join(host.room_id, "P1")
    await room_plays(host, p1)
    generating = await p1.expect("generating_questions")
    assert generating["topic"] == "Z\ufffd"
    await still_works(quiz)


@pytest.mark.parametrize(
    "name",
    [
        "Hosty\u200b",  # zero-width space
        "\u202eytsoH",  # right-to-left override: shows as "Hosty"
        "Ho\u2066sty",  # direction isolate
        "Hosty\ufe01",  # variation selector
        "\u3164",  # Hangul filler: a blank
    ],
)
async def test_invisible_characters_in_a_name_are_refused(quiz: Harness, name: str) -> None:
    host = await quiz.player()
    await host.create("Hosty")
    other = await quiz.player()
    reply = await other.request_any("join_room", room_id=host.room_id, name=name)
    assert reply["code"] == "bad_message" and reply["message"].startswith("name:"), reply
    await still_works(quiz, other)


@pytest.mark.parametrize(
    "name",
    [
        "\u041d\u043esty",  # Cyrillic En and O: "Hosty"
        "\uff28\uff4f\uff53\uff54\uff59",  # full-width "Hosty"
        "HOSTY",
        "H\u043esty",  # one Cyrillic o
        "HOST\u03a5",  # Greek capital Upsilon for Y
        " Hosty ",
    ],
)
async def test_look_alike_names_are_taken(quiz: Harness, name: str) -> None:
    host = await quiz.player()
    await host.create("Hosty", num_questions=1)
    other = await quiz.player()
    await other.error("join_room", "name_taken", room_id=host.room_id, name=name)
    # A name that only resembles in spelling is fine.
    await other.join(host.room_id, "Hasty")
    await room_plays(host, other)
    await still_works(quiz)


async def test_names_are_nfkc_and_nfc_folded(quiz: Harness) -> None:
    host = await quiz.player()
    created = await host.create("Jose\u0301")  # e + combining acute
    assert created["room"]["players"][0]["name"] == "Jos\u00e9"
    other = await quiz.player()
    await other.error("join_room", "name_taken", room_id=host.room_id, name="Jos\u00e9")


async def test_explicit_null_for_an_optional_field_is_bad_message(quiz: Harness) -> None:
    player = await quiz.player()
    for field in ("topic", "num_questions", "time_per_question", "difficulty", "reveal_seconds"):
        reply = await player.request_any("create_room", name="N", **{field: None})
        assert reply["code"] == "bad_message" and reply["message"].startswith(field), reply
    await still_works(quiz, player)


CREATE = '{"action":"create_room","name":"x",'


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        (CREATE + '"num_questions":' + "7" * 4300 + "}", "num_questions"),
        (
            CREATE + '"num_questions":-' + "7" * 5000 + "}",
            "num_questions",
        ),
        (
            CREATE + '"deep":' + "[" * 900 + "]" * 900 + "}",
            "nests deeper",
        ),
        (
            CREATE + '"d":' + '{"a":' * 950 + "1" + "}" * 951,
            "nests deeper",
        ),
        ("[" * 5000 + "]" * 5000, "nests deeper"),
        ('{"action":"create_room","name":' + "9" * 40 + "}", "name: must be a string"),
    ],
    ids=[
        "4300-digits",
        "5000-digits-negative",
        "900-lists",
        "950-objects",
        "5000-lists",
        "huge-number-as-name",
    ],
)
async def test_valid_json_that_is_too_big_or_too_deep_is_bad_message(
    quiz: Harness, frame: str, says: str
) -> None:
    player = await quiz.player()
    await player.send_raw(frame)
    reply = await player.next()
    assert reply["code"] == "bad_message", reply
    assert says in reply["message"], reply
    await still_works(quiz, player)


async def test_an_unknown_field_with_a_huge_number_is_ignored(quiz: Harness) -> None:
    player = await quiz.player()
    await player.send_raw('{"action":"create_room","name":"x","junk":' + "1" * 4301 + "}")
    assert (await player.next())["type"] == "room_created"


async def test_a_text_frame_that_is_not_utf8_closes_with_1007(quiz: Harness) -> None:
    player = await quiz.player()
    await player.ws.send(b'{"action":"create_room","name":"\xff\xfe"}', text=True)
    assert await player.closed() == 1007
    await still_works(quiz)


async def test_a_frame_breaking_the_websocket_protocol_closes_with_1002(quiz: Harness) -> None:
    port = quiz.server.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    writer.write(handshake.encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    writer.write(b"\x81\x02hi")  # a text frame without the client's mask
    frame = await asyncio.wait_for(reader.read(4), 10)
    assert frame[0] == 0x88  # a close frame...
    assert int.from_bytes(frame[2:4], "big") == 1002  # ...with 1002
    writer.close()
    await still_works(quiz)
