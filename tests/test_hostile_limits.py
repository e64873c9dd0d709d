"""One client must not fill the server or guess its way in: per-connection and
per-address limits, abandoned lobbies, rejoin answers that reveal nothing.

Different client addresses are real: the loopback network is 127.0.0.0/8, so
a client bound to 127.0.0.2 is another peer for the server.
"""

from __future__ import annotations

import asyncio

from tests.client import Player
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer
from tests.test_hostile_text import room_plays
from tests.test_ws_errors import still_works


async def wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Poll a server-side condition that no message announces."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "condition not reached in time"
        await asyncio.sleep(0.02)


async def from_address(quiz: Harness, ip: str, **kwargs: object) -> Player:
    player = await quiz.player(local_addr=(ip, 0), **kwargs)
    return player


async def test_one_address_cannot_fill_the_server_with_rooms(start_server: StartServer) -> None:
    quiz = await start_server(max_rooms=500, create_room_per_minute=20)
    codes = []
    for _attempt in range(10_000):
        # Create a room, drop the connection, again: each time a new socket.
        attacker = await quiz.player()
        reply = await attacker.request_any("create_room", name="Spam")
        await attacker.close()
        codes.append(reply.get("code", reply["type"]))
        if reply.get("code") == "rate_limited":
            break
    assert codes == ["room_created"] * 20 + ["rate_limited"], codes
    assert quiz.server.rooms.count <= 20 < quiz.server.settings.max_rooms
    # Someone else, from another address, still creates and plays.
    teacher = await from_address(quiz, "127.0.0.2")
    await teacher.create("Teacher", num_questions=1)
    pupil = await from_address(quiz, "127.0.0.2")
    await pupil.join(teacher.room_id, "Pupil")
    await room_plays(teacher, pupil)


async def test_one_connection_cannot_create_rooms_without_end(start_server: StartServer) -> None:
    quiz = await start_server(create_room_per_minute=1000)
    player = await quiz.player()
    replies = []
    for _ in range(6):
        reply = await player.request_any("create_room", name="Loop")
        replies.append(reply.get("code", reply["type"]))
        if reply["type"] == "room_created":
            await player.request_any("leave_room")
    assert replies == ["room_created"] * 5 + ["rate_limited"], replies
    await still_works(quiz, player)


async def test_abandoned_lobbies_go_away_and_others_stay(start_server: StartServer) -> None:
    quiz = await start_server(abandoned_lobby_seconds=0.3)
    kept, _friend = await quiz.room(2, num_questions=1)
    dropped = await quiz.player()
    await dropped.create("Gone")
    gone_id = dropped.room_id
    await dropped.close()
    await wait_for(lambda: gone_id not in quiz.server.rooms.rooms)
    assert kept.room_id in quiz.server.rooms.rooms
    await room_plays(kept, _friend)
    await still_works(quiz)


async def test_wrong_guesses_cost_the_guesser_never_a_right_token_or_code(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    quiz = await start_server(clock=clock, wrong_code_per_minute=3)
    # The room is made on the staff network: its code is new to the school's.
    host = await from_address(quiz, "127.0.0.2")
    await host.create("Host", num_questions=1)
    traveller = await from_address(quiz, "127.0.0.4")
    await traveller.join(host.room_id, "Traveller")
    # A pupil guesses codes from the school's address: three are looked up
    # (the address's allowance), the next one waits for the next allowance
    # and, after HOLD_S, is turned away without being looked up.
    guesser = await from_address(quiz, "127.0.0.3")
    for letter in "ABC":
        await guesser.error("join_room", "room_not_found", room_id=f"ZZZZ{letter}", name="G")
    # A code no room could have (no 0, O, 1 or I; five characters) is
    # answered at once, allowance or not: it tells nobody anything.
    other = await from_address(quiz, "127.0.0.3")
    await other.error("join_room", "room_not_found", room_id="ZZZZ0", name="G")
    await guesser.send("join_room", room_id="ZZZZD", name="G", request_id="held")
    # The traveller's phone moves to the school's Wi-Fi: a right token is
    # never held back by the guesses.
    await traveller.close()
    back = await from_address(quiz, "127.0.0.3")
    await back.rejoin(host.room_id, traveller.token)
    # A classmate types the room's code: it waits for the allowance (it is
    # not known at the school's address yet), and the next one is its own.
    classmate = await from_address(quiz, "127.0.0.3")
    await classmate.send("join_room", room_id=host.room_id, name="Classmate", request_id="c1")
    clock.advance(20_000)  # 3 a minute: one back
    assert (await classmate.expect_rid("c1"))["type"] == "room_joined"
    held = await guesser.expect_rid("held")
    assert held["code"] == "rate_limited" and held["reason"] == "wrong_codes"
    assert held["retry_after_ms"] > 0
    # Now the code is the school's: the rest of the class goes in at once,
    # however many wrong codes are being tried.
    for i in range(5):
        pupil = await from_address(quiz, "127.0.0.3")
        await pupil.join(host.room_id, f"Pupil{i}")
    # The guesser's own connection runs out of wrong tokens, nobody else's.
    tokens = await from_address(quiz, "127.0.0.3")
    for i in range(10):
        await tokens.error("rejoin", "invalid_token", room_id=host.room_id, token=f"guess{i}")
    spent = await tokens.error("rejoin", "rate_limited", room_id=host.room_id, token="x")
    assert spent["retry_after_ms"] == 6_000 and spent["reason"] == "wrong_codes"
    again = await from_address(quiz, "127.0.0.3")
    await again.error("rejoin", "invalid_token", room_id=host.room_id, token="guess10")
    # Everyone got in, the traveller with the same seat.
    assert (await back.request_any("leave_room"))["type"] == "ack"
    left = await host.expect("player_left")
    assert left["player"]["id"] == traveller.player_id


async def test_a_failed_rejoin_says_nothing_about_which_rooms_exist(quiz: Harness) -> None:
    host = await quiz.player()
    await host.create("Host")
    probe = await quiz.player()
    existing = await probe.error("rejoin", "invalid_token", room_id=host.room_id, token="x" * 32)
    missing = await probe.error("rejoin", "invalid_token", room_id="ZZZZZ", token="x" * 32)
    assert existing["message"].replace(host.room_id, "?") == missing["message"].replace(
        "ZZZZZ", "?"
    )
    assert set(existing) == set(missing)
    # A display screen's link, likewise.
    shown = await probe.error("watch", "invalid_token", room_id=host.room_id, display_token="x")
    absent = await probe.error("watch", "invalid_token", room_id="ZZZZZ", display_token="x")
    assert shown["message"] == absent["message"]


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(start_server: StartServer) -> None:
    # Not trusted (the default): a made-up header does not escape the limit.
    quiz = await start_server(create_room_per_minute=2)
    for i in range(3):
        player = await quiz.player(additional_headers={"X-Forwarded-For": f"10.0.0.{i}"})
        reply = await player.request_any("create_room", name="N")
        assert reply["type"] == ("room_created" if i < 2 else "error"), reply
    # Behind one proxy: the address the proxy appended (last) is the client;
    # what the client wrote in front of it changes nothing.
    quiz = await start_server(create_room_per_minute=2, trusted_proxy_hops=1)
    results = []
    for i in range(3):
        forwarded = f"10.9.9.{i}, 203.0.113.7"
        player = await quiz.player(additional_headers={"X-Forwarded-For": forwarded})
        results.append((await player.request_any("create_room", name="N"))["type"])
    assert results == ["room_created", "room_created", "error"]
    other = await quiz.player(additional_headers={"X-Forwarded-For": "203.0.113.8"})
    await other.create("Other")
