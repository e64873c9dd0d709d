"""One contract, two implementations: the same tests against rooms in memory
and rooms in a real Redis (two servers sharing it, players on both).

Over real sockets: whole games, rejoin, deduplication, host handover and
concurrency. Then a hypothesis state machine drives commands through the
:class:`~quiz.rooms.contract.Rooms` contract itself (no sockets) and checks every
output against the pure :class:`~quiz.core.room.Room` fed the same commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.client import Player
from tests.conftest import Harness, StartServer
from tests.redis_server import RedisServer

Backend = Callable[..., Awaitable[tuple[Harness, Harness]]]


@pytest.fixture(params=["memory", "redis"])
async def servers(
    request: pytest.FixtureRequest, start_server: StartServer
) -> AsyncIterator[Backend]:
    """Two entry points to the same rooms: one server twice in memory, or
    two servers sharing one Redis (the second follows what the first owns)."""
    redis: RedisServer | None = None

    async def start(**settings: Any) -> tuple[Harness, Harness]:
        nonlocal redis
        if request.param == "memory":
            one = await start_server(**settings)
            return one, one
        redis = RedisServer()
        await redis.start()
        a = await start_server(redis_url=redis.url, server_id="a", **settings)
        b = await start_server(redis_url=redis.url, server_id="b", **settings)
        return a, b

    yield start
    if redis is not None:
        await redis.stop()
        redis.cleanup()


async def seat(a: Harness, b: Harness, n: int, **settings: Any) -> list[Player]:
    """A host on ``a`` and ``n - 1`` players alternating between ``b`` and ``a``."""
    host = await a.player()
    await host.create("Host", **settings)
    players = [host]
    for i in range(1, n):
        p = await (b if i % 2 else a).player()
        await p.join(host.room_id, f"P{i}")
        players.append(p)
    return players


async def test_whole_game(servers: Backend) -> None:
    a, b = await servers()
    players = await seat(a, b, 4, num_questions=2, reveal_seconds=0, time_per_question=60)
    host = players[0]
    assert (await host.request_any("start_game"))["type"] == "ack"
    for qi in range(2):
        for i, p in enumerate(players):
            await p.expect("question", question_index=qi)
            reply = await p.request_any("submit_answer", question_index=qi, answer=i % 2)
            assert reply["type"] == "answer_received", reply
        results = [await p.expect("question_result", question_index=qi) for p in players]
        assert all(r == results[0] for r in results)
        assert results[0]["answer_counts"][:2] == [2, 2]
        yours = [await p.expect("your_result", question_index=qi) for p in players]
        assert [y["answered"] for y in yours] == [True] * 4
        await host.request_any("next_question")
    overs = [await p.expect("game_over") for p in players]
    assert all(o == overs[0] for o in overs)
    last = {p.player_id: y for p, y in zip(players, yours, strict=True)}
    for entry in overs[0]["leaderboard"]:
        assert entry["score"] == last[entry["player_id"]]["score"]


async def test_rejoin_keeps_seat_and_score(servers: Backend) -> None:
    a, b = await servers()
    host, p1 = await seat(a, b, 2, num_questions=1, reveal_seconds=0, time_per_question=60)
    await host.request_any("start_game")
    await p1.expect("question")
    await p1.request_any("submit_answer", question_index=0, answer=1)
    await p1.close()
    gone = await host.expect("player_disconnected")
    assert gone["player"]["id"] == p1.player_id
    back = await a.player()
    reply = await back.rejoin(host.room_id, p1.token)
    assert reply["resumed"] is True and reply["room"]["your_answer"] == 1
    await host.expect("player_reconnected")
    await host.request_any("submit_answer", question_index=0, answer=1)
    result = await back.expect("question_result")
    assert result["answer_counts"][1] == 2


async def test_retried_request_is_applied_once(servers: Backend) -> None:
    a, b = await servers()
    host, p1, p2 = await seat(a, b, 3, num_questions=1, reveal_seconds=0, time_per_question=60)
    await host.request_any("start_game")
    await p1.expect("question")
    await p1.send("submit_answer", question_index=0, answer=0, request_id="once")
    first = await p1.expect_rid("once")
    await p1.send("submit_answer", question_index=0, answer=3, request_id="once")
    assert await p1.expect_rid("once") == first
    # ...and after a rejoin through the other entry point.
    again = await a.player()
    await again.rejoin(host.room_id, p1.token)
    await again.send("submit_answer", question_index=0, answer=2, request_id="once")
    assert await again.expect_rid("once") == first
    for p in (host, p2):
        await p.request_any("submit_answer", question_index=0, answer=0)
    result = await host.expect("question_result")
    assert result["answer_counts"] == [3, 0, 0, 0]


async def test_host_leaves_and_the_longest_seated_takes_over(servers: Backend) -> None:
    a, b = await servers()
    host, p1, p2 = await seat(a, b, 3)
    assert (await host.request_any("leave_room"))["type"] == "ack"
    for p in (p1, p2):
        changed = await p.expect("host_changed")
        assert changed["host_id"] == p1.player_id
    assert (await p2.request_any("start_game"))["code"] == "not_host"
    assert (await p1.request_any("start_game"))["type"] == "ack"
    await p2.expect("question")


async def test_two_starts_at_once_apply_once(servers: Backend) -> None:
    a, b = await servers()
    host, p1 = await seat(a, b, 2)
    # Sent back to back, without waiting: the room must apply them one
    # after the other, whatever its store does between apply and delivery.
    await host.send("start_game", request_id="s1")
    await host.send("start_game", request_id="s2")
    await p1.send("start_game", request_id="s3")
    replies = [await host.expect_rid("s1"), await host.expect_rid("s2")]
    kinds = sorted(r.get("code", r["type"]) for r in replies)
    assert kinds == ["ack", "wrong_phase"], replies
    assert (await p1.expect_rid("s3"))["code"] == "not_host"
    await p1.expect("question")
    assert sum(1 for m in p1.log if m["type"] == "generating_questions") == 1
    assert sum(1 for m in p1.log if m["type"] == "question") == 1


async def test_concurrent_answers_from_many_players(servers: Backend) -> None:
    a, b = await servers()
    players = await seat(a, b, 12, num_questions=1, reveal_seconds=0, time_per_question=60)
    await players[0].request_any("start_game")
    for p in players:
        await p.expect("question")
    # Everyone answers at once, each twice: only first answers count, each
    # player hears one answer_received, then a refusal (already answered, or
    # too late: the question closed once everyone had answered).
    await asyncio.gather(
        *(
            p.send("submit_answer", question_index=0, answer=i % 4, request_id="x")
            for i, p in enumerate(players)
        ),
        *(
            p.send("submit_answer", question_index=0, answer=(i + 1) % 4, request_id="y")
            for i, p in enumerate(players)
        ),
    )
    for p in players:
        first, second = await p.expect_rid("x"), await p.expect_rid("y")
        assert first["type"] == "answer_received", first
        assert second["code"] in ("already_answered", "wrong_phase"), second
        mine = await p.expect("your_result")
        assert mine["answered"] is True
    result = await players[0].expect("question_result")
    assert result["answer_counts"] == [3, 3, 3, 3]
    progress = [m["answered"] for m in players[0].log if m["type"] == "answer_progress"]
    assert progress == sorted(progress)  # counts never go back
