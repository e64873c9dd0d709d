"""The connection hub's side of big rooms, on a real server with real clients.

answer_progress in a large room comes once a second, spread over most of
it, and a question's result drops what is left of it (on a clock the test
moves by hand); a connection that stops reading is cut by the
sweep, not checked on every send; the heap is frozen (gc.freeze) while a
large room fills and plays. (The game core's own large-room rules are
tested in tests/test_game.py.)
"""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import pytest

from quiz.core.state import LARGE_COUNT_MS, LARGE_ROOM
from quiz.net import fanout
from quiz.ops import gcwindow
from quiz.wire import protocol
from tests.client import Player
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer


async def fill(harness: Harness, n: int, **settings: Any) -> list[Player]:
    """A host and ``n - 1`` players, the joins sent together."""
    # max_queue=None: these clients read lazily, and a bounded queue would stop
    # them reading the socket (and the closing handshake) behind unread messages.
    host = await harness.player(max_queue=None)
    await host.create("Host", **settings)
    players = [await harness.player(max_queue=None) for _ in range(n - 1)]
    await asyncio.gather(
        *(p.send("join_room", room_id=host.room_id, name=f"P{i}") for i, p in enumerate(players))
    )
    for p in players:
        await p.expect("room_joined")
    return [host, *players]


async def started(start_server: StartServer) -> tuple[list[Player], ManualClock]:
    """A large room on a server that keeps time by hand, its first question open."""
    clock = ManualClock()
    harness = await start_server(clock=clock, countdown_seconds=0)
    everyone = await fill(harness, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    await everyone[0].request_any("start_game")
    for p in everyone:
        await p.expect("question", question_index=0)
    return everyone, clock


def counts(player: Player) -> list[int]:
    return [m["answered"] for m in player.log if m["type"] == "answer_progress"]


async def test_a_large_room_counts_answers_once_a_second_after_the_question(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 connections a slice: the 102 of this room get a count in 6 slices,
    # spread over 0.8 s (0.16 s apart), not in one burst.
    monkeypatch.setattr(fanout, "SLICE", 20)
    everyone, clock = await started(start_server)
    first, last = everyone[1], everyone[-1]
    for p in everyone[1:31]:
        await p.request_any("submit_answer", question_index=0, answer=0)
    # Every answer acknowledged, no count yet: the first comes an interval
    # after the question, not in the middle of its slices.
    clock.advance(LARGE_COUNT_MS - 1)
    assert counts(first) == []
    clock.advance(1)
    assert (await first.expect("answer_progress"))["answered"] == 30
    assert counts(last) == []  # later slices are still to come
    clock.advance(159)
    assert counts(last) == []
    clock.advance(640)
    assert (await last.expect("answer_progress"))["answered"] == 30
    # Answers in the next second: coalesced into one count, a second after the first.
    for p in everyone[31:61]:
        await p.request_any("submit_answer", question_index=0, answer=0)
    clock.advance(200)  # 1,999 ms after the question
    await everyone[61].request_any("submit_answer", question_index=0, answer=0)
    assert counts(first) == [30]
    clock.advance(1)
    assert (await first.expect("answer_progress", answered=61))["total"] == LARGE_ROOM + 2
    assert counts(first) == [30, 61]


async def test_the_result_drops_what_is_left_of_a_count(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "SLICE", 20)
    everyone, clock = await started(start_server)
    host, first, last = everyone[0], everyone[1], everyone[-1]
    await first.request_any("submit_answer", question_index=0, answer=0)
    clock.advance(LARGE_COUNT_MS)
    await first.expect("answer_progress", answered=1)
    # The question closes while the count is still being spread: the last
    # slices never get a count that the result made moot.
    await host.request_any("close_question")
    await last.expect("question_result", question_index=0)
    clock.advance(LARGE_COUNT_MS)
    await last.expect("your_result", question_index=0)
    assert counts(last) == []


async def test_a_connection_that_stops_reading_is_cut(start_server: StartServer) -> None:
    quiz = await start_server(rate_limit_per_second=10_000, rate_limit_burst=100_000)
    quiz.server.sweep.limit = 16 * 1024
    reader = await quiz.player()
    # max_queue=1: the client stops reading from its socket after one unread
    # message; the kernel buffers fill, then the server's write buffer grows.
    stalled = await Player.connect(quiz.url, max_queue=1)
    quiz.players.append(stalled)
    local = stalled.ws.local_address
    server_ws = next(c.ws for c in quiz.server.hub.clients if c.ws.remote_address == local)
    junk = json.dumps(
        {"action": "join_room", "room_id": "ZZZZZ", "name": "x", "request_id": "r" * 64}
    )
    # Each gets a room_not_found error of about 160 bytes: 6 MB in all, past what
    # the kernel's socket buffers hold (up to 4 MB of send buffer).
    for _ in range(40_000):
        await stalled.send_raw(junk)
    await asyncio.wait_for(server_ws.wait_closed(), 30)
    assert quiz.server.sweep.cut == 1
    # A connection that reads is untouched.
    await reader.create("Host")
    assert reader.room_id is not None


async def test_the_heap_is_frozen_while_a_large_room_fills_and_plays(quiz: Harness) -> None:
    small = await fill(quiz, LARGE_ROOM, num_questions=1, time_per_question=30)
    assert gc.get_freeze_count() == 0
    await small[0].request_any("leave_room")
    everyone = await fill(quiz, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    host = everyone[0]
    # Everything alive when the room grew large is out of the collector's way...
    frozen = gc.get_freeze_count()
    assert frozen > 10_000
    window = quiz.server.hub.gc_window
    await host.request_any("start_game")
    for p in everyone:
        await p.expect("question", question_index=0)
    # ...and, while it plays, the collector is off and what each second
    # brings is frozen too.
    assert not gc.isenabled()
    freezes = window.freezes
    for p in everyone[1:3]:  # two counts: the second comes a second after the first
        await p.request_any("submit_answer", question_index=0, answer=0)
        await p.expect("answer_progress", answered=int(p is everyone[2]) + 1)
    assert window.freezes > freezes and gc.get_freeze_count() >= frozen
    await host.request_any("end_game")
    for p in everyone:
        await p.expect("game_over")
    # Given back when it ended, so its garbage is still collected.
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert not window.ticker.running


async def test_a_server_stopped_mid_game_turns_the_collector_back_on(quiz: Harness) -> None:
    everyone = await fill(quiz, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    await everyone[0].request_any("start_game")
    await everyone[1].expect("question", question_index=0)
    assert not gc.isenabled()
    await quiz.server.shutdown()
    assert gc.isenabled() and gc.get_freeze_count() == 0


async def test_a_connection_keeps_who_it_is_but_not_its_handshake_headers(
    start_server: StartServer,
) -> None:
    quiz = await start_server(trusted_proxy_hops=1)
    player = await quiz.player(additional_headers={"X-Forwarded-For": "203.0.113.9"})
    await player.create("Host")
    (client,) = quiz.server.hub.clients
    assert client.peer.address == "203.0.113.9"
    assert client.ws.request is not None and not list(client.ws.request.headers.raw_items())
    # The connection goes on as before.
    assert (await player.request_any("lock_room"))["type"] == "ack"


async def test_room_size_is_paced_and_never_overtaken(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "SLICE", 20)
    everyone = await fill(quiz, LARGE_ROOM + 2)
    host, first, last = everyone[0], everyone[1], everyone[-1]
    # The 103rd seat: room_size for the 102 others, 20 at a time over 0.8 s.
    late = await quiz.player(max_queue=None)
    await late.join(host.room_id, "Late")
    await first.expect("room_size", players=LARGE_ROOM + 3)
    # The host locks the room before the last slices are due: its room_state
    # must not overtake the count.
    await host.request_any("lock_room")
    for p in (first, last):
        await p.expect("room_state")
        seen = [m for m in p.log if m["type"] in ("room_size", "room_state")]
        assert seen[-1]["type"] == "room_state"
        assert seen[-2] == {"type": "room_size", "players": LARGE_ROOM + 3, "connected": 103}
    assert not any(m["type"] == "room_size" for m in host.log[-3:])


async def test_an_answer_is_acknowledged_while_a_large_room_still_gets_its_question(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One connection a slice: the question reaches the 102 of this room over
    # 102 turns of the event loop, and the room's round stays on its way.
    everyone = await fill(quiz, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    monkeypatch.setattr(fanout, "SLICE", 1)
    host, first = everyone[0], everyone[1]
    rounds = quiz.server.hub.rounds
    await host.send("start_game")
    question = await first.expect("question", question_index=0)
    reply = await first.request_any("submit_answer", question_index=0, answer=0)
    assert reply["type"] == "answer_received"
    # Read, applied and acknowledged between two slices of the question.
    (part,) = rounds[host.room_id].paced.parts
    assert part.frame is not None and json.loads(part.frame) == question
    for p in everyone[2:]:
        await p.expect("question", question_index=0)


async def test_what_goes_to_one_player_never_overtakes_what_went_to_the_room(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "SLICE", 20)
    everyone = await fill(quiz, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    host = everyone[0]
    await host.request_any("start_game")
    for p in everyone:
        await p.expect("question", question_index=0)
    # The last answer ends the question: question_result to the room in
    # slices, then each player's own your_result, in the same breath.
    await asyncio.gather(
        *(p.send("submit_answer", question_index=0, answer=0) for p in everyone)
    )
    for p in everyone:
        await p.expect("your_result", question_index=0)
        seen = [m["type"] for m in p.log if m["type"] in ("question_result", "your_result")]
        assert seen == ["question_result", "your_result"]


async def test_the_heap_is_frozen_while_the_server_holds_many_connections(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many small rooms hold a heap as big as one large room: 24 connections
    # here stand for a thousand.
    monkeypatch.setattr(gcwindow, "HEAVY_CONNECTIONS", 20)
    window = quiz.server.hub.gc_window
    few: asyncio.Event = asyncio.Event()
    seen = window.connections

    def connections(count: int) -> None:
        seen(count)
        if count <= 10:
            few.set()

    monkeypatch.setattr(window, "connections", connections)
    rooms = [await quiz.room(4) for _ in range(6)]  # six rooms of four
    assert window.busy and gc.get_freeze_count() > 0 and window.ticker.running
    # A server that stays busy still collects its cyclic garbage now and
    # then, and freezes again right after.
    monkeypatch.setattr(gcwindow, "FULL_PASS_SECONDS", 0.0)
    full = gc.get_stats()[2]["collections"]
    window._tick()
    assert gc.get_stats()[2]["collections"] == full + 1 and gc.get_freeze_count() > 0
    # No longer busy: everything back to the collector.
    for room in rooms[:4]:
        for p in room:
            await p.ws.close()
    await asyncio.wait_for(few.wait(), 10)
    assert not window.busy and gc.get_freeze_count() == 0
    assert not window.ticker.running


async def test_sends_to_a_large_room_in_a_row_keep_their_order(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each goes in line behind the one before, in slices of 20: none is
    # flushed in one go, and every player sees them in the order sent.
    monkeypatch.setattr(fanout, "SLICE", 20)
    everyone = await fill(quiz, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    await everyone[0].send("start_game")
    order = ["generating_questions", "questions_generated", "countdown", "question"]
    for p in everyone:
        await p.expect("question", question_index=0)
        assert [m["type"] for m in p.log if m["type"] in order] == order


async def test_a_frame_that_cannot_be_encoded_still_reaches_a_large_room(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The small room's guarantee (tests/test_hostile_text.py) on the sliced
    # path: a lone surrogate that got past the boundary goes out as U+FFFD
    # to every player of a large room, rather than to nobody.
    monkeypatch.setattr(protocol, "_clean_text", lambda value, path: value)
    host = await quiz.player(max_queue=None)
    await host.send_raw(
        '{"action":"create_room","name":"Host","topic":"Z\\ud800","num_questions":1,'
        '"request_id":"c"}'
    )
    created = await host.expect_rid("c")
    assert created["type"] == "room_created", created
    host._seat(created)
    players = [await quiz.player(max_queue=None) for _ in range(LARGE_ROOM + 1)]
    await asyncio.gather(*(p.join(host.room_id, f"P{i}") for i, p in enumerate(players)))
    await host.request_any("start_game")
    for p in [host, *players]:
        generating = await p.expect("generating_questions")
        assert generating["topic"] == "Z\ufffd"
