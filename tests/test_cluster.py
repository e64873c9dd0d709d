"""Several real server processes sharing one real Redis server.

Each test is one of the failure stories of the Redis issue: a room spread
over servers, an owner killed, a rolling deploy, every server restarted,
Redis restarted, a retried answer, a paused owner, and WORKERS=2.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time

from tests.client import Player
from tests.http_client import http_request
from tests.redis_server import RedisServer, free_port
from tests.test_process import ServerProcess

LEASE = 3.0  # seconds: short, so failover tests finish quickly
ENV = {"REDIS_LEASE_SECONDS": str(LEASE), "COUNTDOWN_SECONDS": "0"}


class Fleet:
    """Server processes on one Redis, by name."""

    def __init__(self, redis: RedisServer) -> None:
        self.redis = redis
        self.servers: dict[str, ServerProcess] = {}
        self.ports: dict[str, int] = {}
        self.players: list[Player] = []

    async def start(self, name: str, port: int = 0, **env: str) -> ServerProcess:
        settings = {**ENV, **env}  # a test may override the defaults
        server = await ServerProcess.start(
            REDIS_URL=self.redis.url, SERVER_ID=name, PORT=str(port), **settings
        )
        self.servers[name] = server
        self.ports[name] = await server.port()
        return server

    def url(self, name: str) -> str:
        return f"ws://127.0.0.1:{self.ports[name]}/ws"

    async def player(self, name: str) -> Player:
        player = await Player.connect(self.url(name))
        self.players.append(player)
        return player

    async def seat(self, host_on: str, *on: str, **settings: object) -> list[Player]:
        """A host on server ``host_on`` creates a room; players P1, P2...
        join it through the servers ``on`` names, in order."""
        host = await self.player(host_on)
        await host.create("Host", **settings)
        players = [host]
        for i, name in enumerate(on, start=1):
            p = await self.player(name)
            await p.join(host.room_id, f"P{i}")
            players.append(p)
        return players

    async def stop(self) -> None:
        # The servers go next: no need for a closing handshake (which waits
        # up to 10 s for a player that stopped reading its messages).
        for player in self.players:
            player.ws.transport.abort()
        for server in self.servers.values():
            if server.proc.returncode is None:
                server.proc.send_signal(signal.SIGCONT)
            await server.stop()


async def fleet_of(redis_server: RedisServer, *names: str) -> Fleet:
    fleet = Fleet(redis_server)
    for name in names:
        await fleet.start(name)
    return fleet


ROOM_WIDE = {
    "generating_questions",
    "questions_generated",
    "countdown",
    "question",
    "question_result",
    "game_over",
    "player_joined",
    "player_left",
    "host_changed",
}


async def test_room_over_three_servers_plays_with_same_events(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b", "c")
    try:
        host = await fleet.player("a")
        await host.create("Host", num_questions=2, reveal_seconds=0, time_per_question=30)
        players = [host]
        for i, name in enumerate(("b", "c", "b", "c"), start=1):
            p = await fleet.player(name)
            reply = await p.join(host.room_id, f"P{i}")
            assert reply["server_id"] == name
            players.append(p)
        await host.request_any("start_game")
        for qi in range(2):
            for i, p in enumerate(players):
                await p.expect("question", question_index=qi)
                r = await p.request_any("submit_answer", question_index=qi, answer=i % 4)
                assert r["type"] == "answer_received", r
            for p in players:
                result = await p.expect("question_result", question_index=qi)
                assert sum(result["answer_counts"]) == 5
            await host.request_any("next_question")
        for p in players:
            await p.expect("game_over")
        # Every player saw the same room events in the same order, from the
        # moment the last one joined.
        streams = []
        for p in players:
            events = [m for m in p.log if m["type"] in ROOM_WIDE]
            start = next(i for i, m in enumerate(events) if m["type"] == "generating_questions")
            streams.append(events[start:])
        assert all(s == streams[0] for s in streams)
        assert len(streams[0]) == 1 + 1 + 1 + 2 * 2 + 1
    finally:
        await fleet.stop()


async def test_owner_killed_mid_question_game_goes_on(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host, p1, p2 = await fleet.seat(
            "a", "a", "b", num_questions=2, reveal_seconds=0, time_per_question=60
        )
        await host.request_any("start_game")
        question = await p2.expect("question", question_index=0)
        await p1.send("submit_answer", question_index=0, answer=1, request_id="p1-q0")
        first = await p1.expect_rid("p1-q0")
        assert first["type"] == "answer_received"

        fleet.servers["a"].proc.kill()  # kill -9: no handover, the lease must run out
        killed = time.monotonic()
        host2 = await fleet.player("b")
        resumed = await host2.rejoin(host.room_id, host.token)
        p1b = await fleet.player("b")
        await p1b.rejoin(host.room_id, p1.token)
        took = time.monotonic() - killed
        assert took < LEASE + 2, took
        room = resumed["room"]
        assert room["phase"] == "question" and room["question_index"] == 0
        # The open question keeps its deadline.
        assert room["question"]["deadline_ms"] == question["deadline_ms"]
        # The retried answer is the same answer: counted once.
        await p1b.send("submit_answer", question_index=0, answer=3, request_id="p1-q0")
        assert await p1b.expect_rid("p1-q0") == first
        for p in (host2, p2):
            await p.request_any("submit_answer", question_index=0, answer=1)
        result = await p2.expect("question_result", question_index=0)
        assert sum(result["answer_counts"]) == 3 and result["answer_counts"][1] == 3
        await host2.request_any("next_question")
        for p in (host2, p1b, p2):
            await p.expect("question", question_index=1)
            await p.request_any("submit_answer", question_index=1, answer=0)
        await host2.request_any("next_question")
        over = await p2.expect("game_over")
        scores = {e["player_id"]: e["score"] for e in over["leaderboard"]}
        # No score lost: the final score is question 0's points plus
        # question 1's, as each your_result told them.
        first = await p2.expect("your_result", question_index=0)
        second = await p2.expect("your_result", question_index=1)
        assert scores[p2.player_id] == first["points"] + second["points"] == second["score"]
        assert set(scores) == {host.player_id, p1.player_id, p2.player_id}
    finally:
        await fleet.stop()


async def test_sigterm_hands_rooms_over_at_once(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host = await fleet.player("a")
        await host.create("Host", num_questions=1, reveal_seconds=0, time_per_question=60)
        p1 = await fleet.player("b")
        await p1.join(host.room_id, "P1")
        await host.request_any("start_game")
        await host.expect("question")
        await host.request_any("submit_answer", question_index=0, answer=2)

        fleet.servers["a"].proc.send_signal(signal.SIGTERM)
        await host.expect("server_restarting")
        assert await host.closed() == 1012
        started = time.monotonic()
        back = await fleet.player("b")
        reply = await back.rejoin(host.room_id, host.token)
        # Handed over, not waited out: well under the lease.
        assert time.monotonic() - started < LEASE / 2
        assert reply["room"]["your_answer"] == 2
        await p1.request_any("submit_answer", question_index=0, answer=2)
        result = await p1.expect("question_result")
        assert result["answer_counts"][2] == 2
        assert await asyncio.wait_for(fleet.servers["a"].proc.wait(), 10) == 0
    finally:
        await fleet.stop()


async def test_every_server_restarted_games_resume(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        # A finished game, and one in progress.
        done_host = await fleet.player("a")
        await done_host.create("Done", num_questions=1, reveal_seconds=0)
        await done_host.request_any("start_game")
        await done_host.expect("question")
        await done_host.request_any("submit_answer", question_index=0, answer=0)
        await done_host.expect("question_result")
        await done_host.request_any("next_question")
        await done_host.expect("game_over")

        host = await fleet.player("a")
        await host.create("Host", num_questions=2, reveal_seconds=0, time_per_question=60)
        p1 = await fleet.player("b")
        await p1.join(host.room_id, "P1")
        await host.request_any("start_game")
        await p1.expect("question")
        await p1.request_any("submit_answer", question_index=0, answer=1)

        for name in ("a", "b"):
            fleet.servers[name].proc.send_signal(signal.SIGTERM)
        for name in ("a", "b"):
            assert await asyncio.wait_for(fleet.servers[name].proc.wait(), 10) == 0
        await fleet.start("a2")
        await fleet.start("b2")

        h2 = await fleet.player("b2")
        resumed = await h2.rejoin(host.room_id, host.token)
        assert resumed["room"]["phase"] == "question"
        p1b = await fleet.player("a2")
        again = await p1b.rejoin(host.room_id, p1.token)
        assert again["room"]["your_answer"] == 1
        await h2.request_any("submit_answer", question_index=0, answer=1)
        result = await p1b.expect("question_result")
        assert result["answer_counts"][1] == 2

        # The finished game stays finished: its state, not a new game.
        d2 = await fleet.player("a2")
        finished = await d2.rejoin(done_host.room_id, done_host.token)
        assert finished["room"]["phase"] == "finished"
        assert finished["room"]["leaderboard"][0]["player_id"] == done_host.player_id
    finally:
        await fleet.stop()


async def wait_ready(port: int, status: int, timeout: float = 10) -> None:
    """Poll /readyz until it answers ``status``: readiness has no event to await."""
    async with asyncio.timeout(timeout):
        # Another process's state: there is nothing here to await but a poll.
        while (await http_request(port, "/readyz")).status != status:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def test_redis_restart_mid_game_loses_nothing(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host = await fleet.player("a")
        await host.create("Host", num_questions=2, reveal_seconds=0, time_per_question=60)
        p1 = await fleet.player("b")
        await p1.join(host.room_id, "P1")
        await host.request_any("start_game")
        await p1.expect("question")
        await host.request_any("submit_answer", question_index=0, answer=3)

        await redis_server.stop()
        await wait_ready(fleet.ports["a"], 503)
        await wait_ready(fleet.ports["b"], 503)
        started = time.monotonic()
        busy = await p1.request_any("submit_answer", question_index=0, answer=3)
        assert busy["code"] == "server_busy"
        assert time.monotonic() - started < 5

        await redis_server.start()
        await wait_ready(fleet.ports["a"], 200)
        await wait_ready(fleet.ports["b"], 200)
        ok = await p1.request_any("submit_answer", question_index=0, answer=3)
        assert ok["type"] == "answer_received", ok
        result = await host.expect("question_result", timeout=15)
        assert result["answer_counts"][3] == 2  # the answer recorded before is kept
        await host.request_any("next_question")
        await p1.expect("question", question_index=1)
        health = json.loads((await http_request(fleet.ports["b"], "/healthz")).body)
        assert health["counters"]["redis_errors"] >= 1
    finally:
        await fleet.stop()


async def test_same_answer_through_two_servers_counts_once(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host = await fleet.player("a")
        await host.create("Host", reveal_seconds=0, time_per_question=60)
        p1 = await fleet.player("a")
        await p1.join(host.room_id, "P1")
        await host.request_any("start_game")
        await p1.expect("question")
        await p1.send("submit_answer", question_index=0, answer=0, request_id="once")
        first = await p1.expect_rid("once")
        # The client retries after a reconnect, through the other server.
        other = await fleet.player("b")
        await other.rejoin(host.room_id, p1.token)
        await other.send("submit_answer", question_index=0, answer=1, request_id="once")
        assert await other.expect_rid("once") == first
        await host.request_any("submit_answer", question_index=0, answer=0)
        result = await host.expect("question_result")
        assert result["answer_counts"][:2] == [2, 0]
    finally:
        await fleet.stop()


async def test_paused_owner_cannot_overwrite_successor(redis_server: RedisServer) -> None:
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host = await fleet.player("a")
        await host.create("Host", num_questions=2, reveal_seconds=0, time_per_question=60)
        p1 = await fleet.player("b")
        await p1.join(host.room_id, "P1")
        await host.request_any("start_game")
        await p1.expect("question")

        owner = fleet.servers["a"].proc
        owner.send_signal(signal.SIGSTOP)
        # b sees the lease run out and takes the room over; the host comes
        # back through b and the game moves on without a.
        h2 = await fleet.player("b")
        await h2.rejoin(host.room_id, host.token)
        for p in (h2, p1):
            await p.request_any("submit_answer", question_index=0, answer=1)
        await p1.expect("question_result", question_index=0)
        await h2.request_any("next_question")
        await p1.expect("question", question_index=1)

        owner.send_signal(signal.SIGCONT)
        # The old owner wakes with a stale room: its writes are refused, so
        # the game is still on question 1 with the successor's scores.
        await fleet.servers["a"].line("lost a room's lease", timeout=LEASE + 5)
        for p in (h2, p1):
            await p.request_any("submit_answer", question_index=1, answer=0)
        result = await p1.expect("question_result", question_index=1)
        assert sum(result["answer_counts"]) == 2
        results = [m for m in p1.log if m["type"] == "question_result"]
        assert [r["question_index"] for r in results] == [0, 1]
    finally:
        await fleet.stop()


async def test_two_workers_on_one_port_share_a_game(redis_server: RedisServer) -> None:
    port = free_port()
    fleet = Fleet(redis_server)
    server = await ServerProcess.start(
        REDIS_URL=redis_server.url, PORT=str(port), WORKERS="2", SERVER_ID="w", **ENV
    )
    fleet.servers["w"] = server
    fleet.ports["w"] = port
    try:
        await server.line('"listening"')
        await server.line('"listening"')
        host = await fleet.player("w")
        await host.create("Host", num_questions=1, reveal_seconds=0)
        workers = set()
        players = [host]
        for i in range(16):
            p = await fleet.player("w")
            reply = await p.join(host.room_id, f"P{i}")
            workers.add(reply["server_id"])
            players.append(p)
        assert workers == {"w-w0", "w-w1"}, workers
        await host.request_any("start_game")
        for p in players:
            await p.expect("question")
            await p.request_any("submit_answer", question_index=0, answer=0)
        for p in players:
            result = await p.expect("question_result")
            assert sum(result["answer_counts"]) == 17
        server.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.proc.wait(), 12) == 0
    finally:
        await fleet.stop()


async def test_a_team_game_with_rounds_slider_order_and_extra_time_survives_its_owner(
    redis_server: RedisServer,
) -> None:
    """Protocol 1.2 state (teams and their totals, a round, a slider, the
    shuffled order, a player's extra time) lives in the log: the owner is
    killed mid-question and the next one carries on with all of it."""
    quiz = [
        {"text": "Warm-up?", "options": ["a", "b"], "correct": 0},
        {
            "kind": "slider",
            "text": "How many?",
            "min": 0,
            "max": 100,
            "step": 5,
            "correct": 50,
            "tolerance": 5,
            "round": "Numbers",
        },
        {"kind": "order", "text": "In order", "options": ["one", "two", "three"]},
    ]
    fleet = await fleet_of(redis_server, "a", "b")
    try:
        host, p1, p2 = await fleet.seat(
            "a",
            "a",
            "b",
            questions=quiz,
            teams=["Red", "Blue"],
            team_score="sum",
            reveal_seconds=0,
            time_per_question=60,
        )
        await host.request_any("set_extra_time", player_id=p2.player_id, factor=2)
        await host.request_any("start_game")
        for p in (host, p1, p2):
            await p.expect("question", question_index=0)
            await p.request_any("submit_answer", question_index=0, answer=0)
        before = await p2.expect("question_result", question_index=0)
        await host.request_any("next_question")
        await p2.expect("round_over", round=0)
        await host.request_any("next_question")
        assert (await p2.expect("round_start", round=1))["title"] == "Numbers"
        slider = await p2.expect("question", question_index=1)
        assert slider["time_limit_ms"] == 120_000  # p2's own time
        await p1.request_any("submit_answer", question_index=1, answer=55)

        fleet.servers["a"].proc.kill()  # mid-question, with p1's answer in
        host2 = await fleet.player("b")
        resumed = await host2.rejoin(host.room_id, host.token)
        p1b = await fleet.player("b")
        await p1b.rejoin(host.room_id, p1.token)
        room = resumed["room"]
        assert room["phase"] == "question" and room["question_index"] == 1
        assert room["round"]["title"] == "Numbers"
        assert room["extra_time"] == {p2.player_id: 2}
        assert [t["score"] for t in room["teams"]] == [
            t["score"] for t in sorted(before["teams"], key=lambda t: t["team"])
        ]
        for p in (host2, p2):
            await p.request_any("submit_answer", question_index=1, answer=50)
        result = await p2.expect("question_result", question_index=1)
        assert result["correct_value"] == 50 and sum(b["count"] for b in result["histogram"]) == 3
        await host2.request_any("next_question")
        order = await p2.expect("question", question_index=2)
        right = [order["options"].index(item) for item in ("one", "two", "three")]
        for p in (host2, p1b, p2):
            await p.request_any("submit_answer", question_index=2, answer=right)
        result = await p2.expect("question_result", question_index=2)
        assert result["correct_order"] == right and result["answer_counts"] == [3, 0]
        await host2.request_any("next_question")
        await host2.request_any("next_question")  # the round's standings, then the end
        over = await p2.expect("game_over")
        final = {e["player_id"]: e for e in over["leaderboard"]}
        totals: dict[int, int] = {}
        for entry in final.values():
            totals[entry["team"]] = totals.get(entry["team"], 0) + entry["score"]
        assert {t["team"]: t["score"] for t in over["teams"]} == totals
    finally:
        await fleet.stop()
