"""Two servers in one process sharing one Redis: the relay and forwarding paths."""

from __future__ import annotations

from tests.client import Player
from tests.conftest import StartServer


async def test_room_spread_over_two_servers_plays(redis_server, start_server: StartServer) -> None:
    a = await start_server(redis_url=redis_server.url, server_id="a")
    b = await start_server(redis_url=redis_server.url, server_id="b")
    host = await a.player()
    await host.create("Host", num_questions=2, reveal_seconds=0)
    p1 = await b.player()
    joined = await p1.join(host.room_id, "P1")
    assert joined["server_id"] == "b"
    assert (await host.expect("player_joined"))["player"]["id"] == p1.player_id
    # The host on the owner, P1 on the follower.
    assert (await host.request_any("start_game"))["type"] == "ack"
    for p in (host, p1):
        await p.expect("question", question_index=0)
    r = await p1.request_any("submit_answer", question_index=0, answer=1)
    assert r["type"] == "answer_received"
    await host.request_any("submit_answer", question_index=0, answer=0)
    results = [await p.expect("question_result") for p in (host, p1)]
    assert results[0] == results[1]
    await p1.expect("your_result")
    await host.request_any("next_question")
    await p1.expect("question", question_index=1)
    for p in (host, p1):
        await p.request_any("submit_answer", question_index=1, answer=2)
    await host.request_any("next_question")
    overs = [await p.expect("game_over") for p in (host, p1)]
    assert overs[0] == overs[1]
    # The same room events, in the same order, on both servers.
    room_wide = {
        "generating_questions",
        "questions_generated",
        "countdown",
        "question",
        "question_result",
        "game_over",
    }
    seen = [[m for m in p.log if m["type"] in room_wide] for p in (host, p1)]
    assert seen[0] == seen[1]
    assert len(seen[0]) == 8


async def test_rejoin_on_other_server(redis_server, start_server: StartServer) -> None:
    a = await start_server(redis_url=redis_server.url, server_id="a")
    b = await start_server(redis_url=redis_server.url, server_id="b")
    host = await a.player()
    await host.create("Host")
    p1 = await a.player()
    await p1.join(host.room_id, "P1")
    await p1.close()
    await host.expect("player_disconnected")
    back = await Player.connect(b.url)
    b.players.append(back)
    reply = await back.rejoin(host.room_id, p1.token)
    assert reply["resumed"] and reply["server_id"] == "b"
    await host.expect("player_reconnected")
