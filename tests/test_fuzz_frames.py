"""Fuzzing over real sockets: malformed frames of every shape, from several
connections at once, while another room plays a game.

A seeded generator (not hypothesis: one server for all frames keeps the run
to a few seconds) makes each frame; every frame must get exactly one direct
reply, as the protocol says: never ``internal_error``, an error code from the
documented list, ``request_id`` echoed whenever it could be read. The game
in the other room must then finish as if nothing had happened.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from typing import Any

from quiz.core.messages import ErrorCode
from tests.client import Player
from tests.conftest import StartServer
from tests.test_ws_errors import still_works

SEEDS = (1, 2, 3)
FRAMES_PER_CONNECTION = 150
DIRECT = {"error", "room_created", "room_joined", "ack", "answer_received"}
CODES = {str(code) for code in ErrorCode} - {"internal_error"}

ACTIONS = {
    "create_room": {
        "name": "Fuzz",
        "topic": "space",
        "num_questions": 1,
        "time_per_question": 5,
        "difficulty": "easy",
        "reveal_seconds": 0,
    },
    "join_room": {"room_id": "ABCDE", "name": "Fuzz"},
    "rejoin": {"room_id": "ABCDE", "token": "t" * 32},
    "start_game": {},
    "submit_answer": {"question_index": 0, "answer": 0},
    "next_question": {},
    "kick_player": {"player_id": "p0"},
    "leave_room": {},
    "play_again": {},
}
STRING_FIELDS = [(a, f) for a, fs in ACTIONS.items() for f, v in fs.items() if isinstance(v, str)]

HOSTILE_STRINGS = [
    "\ud800",
    "a\udfffb",
    "\udc00\ud800",
    "\ud83d",  # half an emoji
    "",
    " ",
    "\u0000",
    "\u202eevil",
    "Ho\u200bsty",
    "\u3164",
    "x" * 300,
    "\ufeff",
    "\U0001f600" * 30,
    "room=FAKE level=CRITICAL",
    "\r\n",
]
HOSTILE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    3.5,
    1e308,
    10**40,
    [],
    {},
    [None],
    {"a": {"b": []}},
    *HOSTILE_STRINGS,
]


def frame_for(rng: random.Random) -> tuple[str | bytes, str | None, str | None]:
    """A frame, the request_id the server can read in it, and the field a
    bad_message must name (when exactly one field was made bad)."""
    shape = rng.randrange(10)
    if shape == 0:  # not JSON at all, or broken JSON
        return (
            rng.choice(["", "{", "nope", '{"action":', "[1,", "NaN", '{"a":Infinity}']),
            None,
            None,
        )
    if shape == 1:  # JSON, but not an object; or nested far too deep
        depth = rng.choice([1, 40, 900, 3000])
        return rng.choice(["[]", "1", '"s"', "null", "[" * depth + "]" * depth]), None, None
    if shape == 2:  # a binary frame
        return rng.randbytes(rng.randrange(1, 40)), None, None
    if shape == 3:  # a valid message with one string field holding a lone surrogate
        action, field = rng.choice(STRING_FIELDS)
        message = {"action": action, **ACTIONS[action], "request_id": f"s{rng.random()}"}
        message[field] = rng.choice(["\ud800", "a\udfffb", "\udc00"])
        return json.dumps(message), message["request_id"], field
    if shape == 4:  # a huge integer, written out
        digits = "9" * rng.choice([33, 4300, 4301, 20_000])
        text = '{"action":"create_room","name":"N","num_questions":' + digits + ',"request_id":"h"}'
        return text, "h", "num_questions"
    # A known or unknown action with fields of any type.
    action = rng.choice([*ACTIONS, "dance", "", "\ud800", "CREATE_ROOM"])
    message: dict[str, Any] = {"action": action, **ACTIONS.get(action, {})}
    for _ in range(rng.randrange(4)):
        field = rng.choice(
            [
                "name",
                "topic",
                "room_id",
                "token",
                "player_id",
                "num_questions",
                "answer",
                "question_index",
                "difficulty",
                "extra",
                "\ud800",
            ]
        )
        message[field] = rng.choice(HOSTILE_VALUES)
    rid: Any = rng.choice([f"r{rng.random()}", None, "", 7, "\ud800", "x" * 65])
    if rid is not None:
        message["request_id"] = rid
    readable = rid if isinstance(rid, str) and 1 <= len(rid) <= 64 and "\ud800" not in rid else None
    return json.dumps(message), readable, None


async def fuzz(player: Player, seed: int) -> Counter[str]:
    """Send frames one at a time; check the one direct reply of each.

    Returns how the server answered: a count per error code, or per reply
    type for a frame it accepted.
    """
    rng = random.Random(seed)
    answered: Counter[str] = Counter()
    for _ in range(FRAMES_PER_CONNECTION):
        frame, rid, field = frame_for(rng)
        await player.send_raw(frame)
        while True:
            reply = await player.next()
            if reply["type"] in DIRECT:
                break  # room messages (player_joined, question...) pass by
        context = (frame[:200] if isinstance(frame, str) else frame, reply)
        if reply["type"] == "error":
            assert reply["code"] in CODES, context
            assert reply["message"], context
        if rid is not None:
            assert reply.get("request_id") == rid, context
        if field is not None:
            assert reply["code"] == "bad_message", context
            assert reply["message"].startswith(field), context
        answered[reply["code"] if reply["type"] == "error" else reply["type"]] += 1
    # One reply per frame and never a second: a reply too many would still be
    # ahead of this last frame's.
    await player.send("no_such_action", request_id=f"last-{seed}")
    while (last := await player.next())["type"] not in DIRECT:
        pass
    assert last.get("request_id") == f"last-{seed}", last
    return answered


async def test_fuzzed_frames_are_answered_and_a_parallel_game_goes_on(
    start_server: StartServer,
) -> None:
    quiz = await start_server(rate_limit_per_second=10_000, rate_limit_burst=10_000)
    host, player = await quiz.room(2, num_questions=2, time_per_question=120, reveal_seconds=0)
    await host.request_any("start_game")
    first = await player.expect("question")
    await host.expect("question")

    fuzzers = [await quiz.player() for _ in SEEDS]
    answered = await asyncio.gather(
        *(fuzz(f, seed) for f, seed in zip(fuzzers, SEEDS, strict=True))
    )
    # Every kind of bad frame met its rejection: broken JSON, a bad field,
    # an unknown action, an action for a room the fuzzer is not in.
    seen = set().union(*answered)
    assert {"bad_json", "bad_message", "unknown_action", "not_in_room"} <= seen, answered

    # The game in the other room carries on to its end.
    for question in (first, None):
        if question is None:
            await host.request_any("next_question")
            question = await player.expect("question")
            await host.expect("question")
        for p in (host, player):
            reply = await p.request_any(
                "submit_answer", question_index=question["question_index"], answer=1
            )
            assert reply["type"] == "answer_received", reply
        await host.expect("question_result")
        await player.expect("your_result")
    await host.request_any("next_question")  # reveal_seconds 0: the host ends it
    over = await player.expect("game_over")
    assert sorted(row["name"] for row in over["leaderboard"]) == ["Host", "P1"]
    for f in fuzzers:
        await still_works(quiz, f)
