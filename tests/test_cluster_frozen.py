"""An owner frozen past its lease (SIGSTOP: a VM paused for migration, a
stop-the-world pause), and Redis coming back: real server processes, a
real Redis.

- What the frozen owner's players sent while it slept is carried to the
  room's new owner when it wakes, under the same request ids: each answer
  counted once, even one the player also retried through another server.
- Its players get every result of the questions that closed while it slept,
  in order, even when the room wrote a new snapshot meanwhile.
- /readyz is 200 again within 2 s of Redis answering.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import Any

import redis.asyncio as aioredis
from websockets.exceptions import ConnectionClosed

from tests.client import Player
from tests.http_client import http_request
from tests.redis_server import RedisServer
from tests.test_cluster import Fleet, wait_ready

LEASE = 2.0  # seconds: the shortest a loaded test machine keeps without false takeovers
ENV = {"REDIS_LEASE_SECONDS": str(LEASE)}


def results(player: Player, kind: str) -> list[int]:
    """The question indexes of the ``kind`` messages a player got, in order."""
    return [m["question_index"] for m in player.log if m["type"] == kind]


async def test_answers_sent_into_a_frozen_owner_count_once_when_it_wakes(
    redis_server: RedisServer,
) -> None:
    fleet = Fleet(redis_server)
    await fleet.start("a", **ENV)
    await fleet.start("b", **ENV)
    try:
        host, a1, a2, b1 = await fleet.seat(
            "a", "a", "a", "b", num_questions=2, reveal_seconds=0, time_per_question=60
        )
        players = [host, a1, a2, b1]
        await host.request_any("start_game")
        for p in players:
            await p.expect("question", question_index=0)

        owner = fleet.servers["a"].proc
        owner.send_signal(signal.SIGSTOP)
        # Its players keep answering through it: the frames wait in its socket.
        await a1.send("submit_answer", question_index=0, answer=1, request_id="a1-q0")
        await a2.send("submit_answer", question_index=0, answer=1, request_id="a2-q0")
        await fleet.servers["b"].line("room taken over", timeout=4 * LEASE)
        # a2's phone gives up on a and sends the same answer through b.
        a2b = await fleet.player("b")
        await a2b.rejoin(host.room_id, a2.token)
        await a2b.send("submit_answer", question_index=0, answer=1, request_id="a2-q0")
        retried = await a2b.expect_rid("a2-q0")
        assert retried["type"] == "answer_received", retried
        await b1.request_any("submit_answer", question_index=0, answer=1)

        owner.send_signal(signal.SIGCONT)
        # a finds its lease gone and carries what it holds to b: answered,
        # not server_busy.
        assert (await a1.expect_rid("a1-q0", timeout=15))["type"] == "answer_received"
        # a2's first answer goes to b under its request id: b's room knows
        # it already and does not count it again. Its old socket is closed
        # (4003: the player is on b now), with the room's first reply if that
        # came first.
        try:
            assert await a2.expect_rid("a2-q0", timeout=15) == retried
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4003
        await host.request_any("submit_answer", question_index=0, answer=1, timeout=15)
        first = await b1.expect("question_result", question_index=0, timeout=15)
        assert first["answer_counts"] == [0, 4, 0, 0]  # host, a1, a2 once, b1

        await host.request_any("next_question")
        for p in (host, a1, a2b, b1):
            await p.expect("question", question_index=1)
            await p.request_any("submit_answer", question_index=1, answer=0)
        second = await b1.expect("question_result", question_index=1)
        assert second["answer_counts"][0] == 4
        for p in (host, a1, b1):
            await p.expect("your_result", question_index=1)
            assert results(p, "question_result") == [0, 1]
            assert results(p, "your_result") == [0, 1]
            assert [m["answered"] for m in p.log if m["type"] == "your_result"] == [True, True]
        assert not [m for p in players for m in p.log if m.get("code") == "server_busy"]
        health = json.loads((await http_request(fleet.ports["a"], "/healthz")).body)
        assert health["counters"]["commands_passed_on"] >= 2
    finally:
        await fleet.stop()


async def snapshot_seq(client: aioredis.Redis, room_id: str, part: str) -> int | None:
    raw = await client.get(f"quiz:{{{room_id}}}:{part}")
    return None if raw is None else int(json.loads(raw)["seq"])


async def test_a_long_frozen_owners_players_get_every_result_they_missed(
    redis_server: RedisServer,
) -> None:
    """Frozen past its heartbeat: the new owner marks its players gone and
    the question closes without them, while the room writes a new snapshot.
    Awake, their server gives them the result, theirs included, in order."""
    fleet = Fleet(redis_server)
    await fleet.start("a", **ENV)
    await fleet.start("b", **ENV)
    admin = aioredis.Redis(port=redis_server.port)
    try:
        host, *mine = await fleet.seat(
            "a", "a", "a", num_questions=2, reveal_seconds=1, time_per_question=60
        )
        theirs = [await fleet.player("b") for _ in range(30)]
        for i, p in enumerate(theirs):
            await p.join(host.room_id, f"B{i}")
        everyone = [host, *mine, *theirs]
        await host.request_any("start_game")
        for p in everyone:
            await p.expect("question", question_index=0)
        seq = int(await admin.get(f"quiz:{{{host.room_id}}}:seq"))

        owner = fleet.servers["a"].proc
        owner.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        await mine[0].send("submit_answer", question_index=0, answer=2, request_id="late")
        # Past its heartbeat, b marks a's players gone; b's players answer
        # and the question closes without a's.
        gone = {(await theirs[0].expect("player_disconnected", timeout=6 * LEASE))["player"]["id"]}
        while len(gone) < 3:
            gone.add((await theirs[0].expect("player_disconnected", timeout=LEASE))["player"]["id"])
        assert gone == {host.player_id, *(p.player_id for p in mine)}
        await asyncio.gather(
            *(p.request_any("submit_answer", question_index=0, answer=0) for p in theirs)
        )
        result = await theirs[0].expect("question_result", question_index=0)
        assert result["answer_counts"][0] == 30
        await theirs[0].expect("question", question_index=1, timeout=5)
        # The room wrote a snapshot past what a's players have seen.
        assert (await snapshot_seq(admin, host.room_id, "snap") or 0) > seq
        assert (await snapshot_seq(admin, host.room_id, "prev") or 0) <= seq

        owner.send_signal(signal.SIGCONT)
        slept = time.monotonic() - frozen
        assert slept > 3 * LEASE
        for p in (host, *mine):
            mine_result = await p.expect("your_result", question_index=0, timeout=15)
            assert mine_result["answered"] is False and mine_result["points"] == 0
            await p.expect("question", question_index=1, timeout=15)
            assert results(p, "question_result") == [0]
            got = [m["type"] for m in p.log]
            assert got.index("question_result") < got.index("your_result")
        late = await mine[0].expect_rid("late", timeout=15)
        assert late["type"] == "error"  # the question had closed: not counted
        # The game goes on with everyone, a's players back.
        for p in everyone:
            await p.request_any("submit_answer", question_index=1, answer=1, timeout=15)
        final = await host.expect("question_result", question_index=1, timeout=15)
        assert final["answer_counts"][1] == 33
        for p in (host, *mine):
            await p.expect("your_result", question_index=1)
            assert results(p, "your_result") == [0, 1]
    finally:
        await admin.aclose()
        await fleet.stop()


async def test_readiness_is_back_within_two_seconds_of_redis(redis_server: RedisServer) -> None:
    fleet = Fleet(redis_server)
    for name in ("a", "b", "c"):
        await fleet.start(name, **ENV)
    try:
        # A room on each server, so the three read different streams.
        await fleet.seat("a", "b", "c", num_questions=1)
        await redis_server.stop()
        for name in ("a", "b", "c"):
            await wait_ready(fleet.ports[name], 503)
            await fleet.servers[name].line("redis reader lost its connection")
        await redis_server.start()
        back = time.monotonic()

        async def ready(name: str) -> float:
            await wait_ready(fleet.ports[name], 200, timeout=10)
            return time.monotonic() - back

        took: dict[str, Any] = dict(
            zip("abc", await asyncio.gather(*(ready(n) for n in "abc")), strict=True)
        )
        assert max(took.values()) < 2.0, took
    finally:
        await fleet.stop()
