"""The six failures of Redis mode that the Rooms contract fixed, each with
real server processes and a real Redis server."""

from __future__ import annotations

import asyncio
import json
import signal

import redis.asyncio as aioredis

from tests.client import Player
from tests.http_client import http_request
from tests.redis_server import RedisServer
from tests.test_cluster import LEASE, fleet_of, wait_ready


async def connect_many(url: str, n: int) -> list[Player]:
    return list(await asyncio.gather(*(Player.connect(url) for _ in range(n))))


async def test_join_burst_through_two_servers_seats_everyone_once(
    redis_server: RedisServer,
) -> None:
    # A code on a projector: 1,000 players join at once, half through the
    # server that owns the room, half through the other. Every join is
    # answered room_joined, nobody is seated twice or without a reply, and
    # the first question closes as soon as everyone answered.
    # A lease long enough that a loaded test machine (a thousand clients in
    # this very process) cannot make an owner miss its renewals.
    env = {"MAX_PLAYERS_PER_ROOM": "2000", "REDIS_LEASE_SECONDS": "15"}
    fleet = await fleet_of(redis_server)
    await fleet.start("a", **env)
    await fleet.start("b", **env)
    try:
        host = await fleet.player("a")
        await host.create("Host", num_questions=1, reveal_seconds=0, time_per_question=120)
        players = await connect_many(fleet.url("a"), 500) + await connect_many(fleet.url("b"), 500)
        fleet.players += players
        replies = await asyncio.gather(
            *(
                p.request_any("join_room", room_id=host.room_id, name=f"P{i}")
                for i, p in enumerate(players)
            )
        )
        assert [r["type"] for r in replies] == ["room_joined"] * 1000, {
            r.get("code") for r in replies
        }
        for p, r in zip(players, replies, strict=True):
            p._seat(r)
        assert len({p.player_id for p in players}) == 1000
        await host.request_any("start_game")
        await asyncio.gather(*(p.expect("question", timeout=30) for p in [host, *players]))
        answers = await asyncio.gather(
            *(p.request_any("submit_answer", question_index=0, answer=0) for p in [host, *players])
        )
        assert {a["type"] for a in answers} == {"answer_received"}
        # 120 s to answer: only a question with no ghost seat closes now.
        result = await host.expect("question_result", timeout=30)
        assert result["answer_counts"][0] == 1001
        assert sum(result["answer_counts"]) == 1001
    finally:
        await fleet.stop()


async def test_rejoin_through_another_server_replaces_the_old_socket(
    redis_server: RedisServer,
) -> None:
    # Wi-Fi to 4G: the phone rejoins through server a while its old socket
    # on server b is still open.
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host, old = await fleet.seat(
            "a", "b", num_questions=1, reveal_seconds=0, time_per_question=120
        )
        await host.expect("player_joined")
        await host.request_any("start_game")
        await old.expect("question")
        new = await fleet.player("a")
        reply = await new.rejoin(host.room_id, old.token)
        assert reply["player_id"] == old.player_id
        assert await old.closed() == 4003
        answered = await new.request_any("submit_answer", question_index=0, answer=2)
        assert answered["type"] == "answer_received"
        progress = await host.expect("answer_progress")
        assert progress["total"] == 2  # the phone counts, through its new socket
        await host.request_any("submit_answer", question_index=0, answer=2)
        result = await new.expect("question_result")
        assert result["answer_counts"][2] == 2
        assert not [m for m in host.log if m["type"] == "player_disconnected"]
        # Long after the old socket went, the phone is still in the game.
        again = await new.request_any("rejoin", room_id=host.room_id, token=old.token)
        assert again["type"] == "error" and again["code"] == "already_in_room"
        state = await host.request_any("next_question")
        assert state["type"] == "ack"
        over = await new.expect("game_over")
        assert {e["player_id"] for e in over["leaderboard"]} == {host.player_id, old.player_id}
    finally:
        await fleet.stop()


async def test_three_hundred_answers_at_once_through_a_follower(redis_server: RedisServer) -> None:
    env = {"REDIS_LEASE_SECONDS": "15"}
    fleet = await fleet_of(redis_server)
    await fleet.start("a", **env)
    await fleet.start("b", **env)
    try:
        host = await fleet.player("a")
        await host.create("Host", num_questions=1, reveal_seconds=0, time_per_question=120)
        players = await connect_many(fleet.url("b"), 300)
        fleet.players += players
        await asyncio.gather(*(p.join(host.room_id, f"P{i}") for i, p in enumerate(players)))
        await host.request_any("start_game")
        await asyncio.gather(*(p.expect("question", timeout=30) for p in players))
        answers = await asyncio.gather(
            *(p.request_any("submit_answer", question_index=0, answer=1) for p in players)
        )
        assert [a["type"] for a in answers] == ["answer_received"] * 300, {
            a.get("code") for a in answers
        }
        await host.request_any("submit_answer", question_index=0, answer=1)
        result = await host.expect("question_result", timeout=30)
        assert result["answer_counts"][1] == 301
    finally:
        await fleet.stop()


async def test_owner_frozen_past_its_heartbeat_gets_its_players_back(
    redis_server: RedisServer,
) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host, p1, p2 = await fleet.seat(
            "a", "a", "b", num_questions=1, reveal_seconds=0, time_per_question=120
        )
        await host.request_any("start_game")
        for p in (host, p1, p2):
            await p.expect("question")

        owner = fleet.servers["a"].proc
        owner.send_signal(signal.SIGSTOP)
        # b takes the room over, then sees a's heartbeat stop (3 leases) and
        # marks a's players disconnected.
        gone = {
            (await p2.expect("player_disconnected", timeout=6 * LEASE))["player"]["id"]
            for _ in range(2)
        }
        assert gone == {host.player_id, p1.player_id}
        owner.send_signal(signal.SIGCONT)
        # a comes back: its players are still connected to it, so the room
        # has them back, without a word to them about leaving.
        back = {
            (await p2.expect("player_reconnected", timeout=4 * LEASE))["player"]["id"]
            for _ in range(2)
        }
        assert back == {host.player_id, p1.player_id}
        for p in (host, p1, p2):
            r = await p.request_any("submit_answer", question_index=0, answer=3)
            assert r["type"] == "answer_received", r
        result = await p2.expect("question_result")
        assert result["answer_counts"][3] == 3
        for p in (host, p1):
            assert not [m for m in p.log if m["type"] == "player_left"]
            mine = await p.expect("your_result")
            assert mine["answered"] is True
    finally:
        await fleet.stop()


async def test_an_entry_that_cannot_be_decoded_is_skipped(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    client = aioredis.Redis(port=redis_server.port)
    try:
        rooms = []
        for name in ("One", "Two"):
            host = await fleet.player("a")
            await host.create(name, num_questions=1, reveal_seconds=0, time_per_question=120)
            guest = await fleet.player("b")
            await guest.join(host.room_id, "Guest")
            rooms.append((host, guest))
        host1 = rooms[0][0]
        # Junk in room one's log: not JSON, JSON that is not an entry, an
        # entry of a command that does not exist.
        log_key = f"quiz:{{{host1.room_id}}}:log"
        await client.xadd(log_key, {"e": "\x00not json"})
        await client.xadd(log_key, {"e": json.dumps({"seq": "x"})})
        await client.xadd(log_key, {"e": '{"seq":99,"now":0,"pid":null,"cmd":{"t":"Nope"}}'})
        for host, guest in rooms:
            await host.request_any("start_game")
            await guest.expect("question")
            await guest.request_any("submit_answer", question_index=0, answer=0)
            await host.request_any("submit_answer", question_index=0, answer=0)
            assert (await guest.expect("question_result"))["answer_counts"][0] == 2
        health = json.loads((await http_request(fleet.ports["b"], "/healthz")).body)
        assert health["counters"]["bad_entries"] == 3
        assert (await http_request(fleet.ports["b"], "/readyz")).status == 200
    finally:
        await client.aclose()
        await fleet.stop()


async def test_redis_stalled_is_noticed_within_a_second_and_nothing_is_lost(
    redis_server: RedisServer,
) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    admin = aioredis.Redis(port=redis_server.port)
    try:
        host, p1 = await fleet.seat(
            "a", "b", num_questions=2, reveal_seconds=0, time_per_question=120
        )
        await host.request_any("start_game")
        await p1.expect("question")
        await host.request_any("submit_answer", question_index=0, answer=1)

        await admin.execute_command("CLIENT", "PAUSE", "4000", "ALL")
        async with asyncio.timeout(1.5):
            busy = await p1.request_any("submit_answer", question_index=0, answer=1)
        assert busy["type"] == "error" and busy["code"] == "server_busy", busy
        await wait_ready(fleet.ports["a"], 503, timeout=1.5)
        await wait_ready(fleet.ports["b"], 503, timeout=1.5)

        # Once Redis answers again, so does the game, and nothing is lost:
        # the answer told server_busy was not applied, the one before is kept.
        await wait_ready(fleet.ports["a"], 200, timeout=15)
        await wait_ready(fleet.ports["b"], 200, timeout=15)
        ok = await p1.request_any("submit_answer", question_index=0, answer=2, timeout=15)
        assert ok["type"] == "answer_received", ok
        result = await host.expect("question_result", timeout=15)
        assert result["answer_counts"] == [0, 1, 1, 0]
        await host.request_any("next_question")
        await p1.expect("question", question_index=1)
    finally:
        await admin.aclose()
        await fleet.stop()
