"""Large rooms (protocol 1.1) over real sockets: a room just above 100 players."""

from __future__ import annotations

import asyncio

from tests.client import Player
from tests.conftest import Harness

QUIZ = [{"text": "Capital of France?", "options": ["Rome", "Paris"], "correct": 1}]


async def test_a_room_just_above_100_players(quiz: Harness) -> None:
    host = await quiz.player()
    await host.create("Host", questions=QUIZ, reveal_seconds=0, time_per_question=0)
    room_id = host.room_id
    assert room_id is not None
    players = [host]
    for i in range(1, 100):
        p = await quiz.player()
        await p.join(room_id, f"P{i}")
        players.append(p)
    # 100 players: still small, everyone hears of a join.
    watcher = players[50]
    await watcher.expect("player_joined", player={"id": players[99].player_id, "name": "P99"})

    late: list[Player] = []
    for i in range(100, 106):
        p = await quiz.player()
        joined = await p.join(room_id, f"P{i}")
        # The room state lists at most 100 players, always the recipient.
        listed = [e["id"] for e in joined["room"]["players"]]
        assert joined["room"]["player_count"] == i + 1
        # Nobody has scored: the first 99 seats, then the newcomer.
        assert len(listed) == 100 and listed[-1] == p.player_id
        late.append(p)
    # The host hears of every join past 100; the others get room_size, at
    # most once a second, until it says 106.
    for i, p in enumerate(late, start=100):
        await host.expect("player_joined", player={"id": p.player_id, "name": f"P{i}"})
    sizes = [await watcher.expect("room_size")]
    while sizes[-1]["players"] != 106:
        sizes.append(await watcher.expect("room_size"))
    assert sizes[0] == {"type": "room_size", "players": 101, "connected": 101}
    assert len(sizes) <= 3  # six joins in well under two seconds
    late_ids = {p.player_id for p in late}
    heard = {m["player"]["id"] for m in watcher.log if m["type"] == "player_joined"}
    assert not heard & late_ids

    # A drop in a large room: the host is told, the others see room_size.
    gone = players[10]
    await gone.close()
    dropped = await host.expect("player_disconnected")
    assert dropped["player"]["id"] == gone.player_id
    size = await watcher.expect("room_size", connected=105)
    assert size["players"] == 106
    assert not [m for m in watcher.log if m["type"] == "player_disconnected"]

    # A game: game_over holds the top 100 and the count; the last
    # your_result carries each player's final score and rank.
    await host.request_any("start_game")
    everyone = [p for p in players + late if p is not gone]
    await asyncio.gather(*(p.expect("question") for p in everyone))
    for i, p in enumerate(everyone):
        await p.send("submit_answer", question_index=0, answer=1 if i % 3 == 0 else 0)
    finals = {p.player_id: await p.expect("your_result") for p in everyone}
    await host.request_any("next_question")
    overs = [await p.expect("game_over") for p in everyone]
    over = overs[0]
    assert over["player_count"] == 106 and len(over["leaderboard"]) == 100
    assert all(o == over for o in overs)
    ranks = {e["player_id"]: (e["score"], e["rank"]) for e in over["leaderboard"]}
    for pid, mine in finals.items():
        if pid in ranks:
            assert ranks[pid] == (mine["score"], mine["rank"])
    outside = [pid for pid in finals if pid not in ranks]
    assert outside and all(finals[pid]["rank"] > 1 for pid in outside)
    # A room state after the game still lists at most 100 players, the recipient among them.
    state = await late[-1].request_any("leave_room")
    assert state["type"] == "ack"
    again = await quiz.player()
    rejoined = await again.rejoin(room_id, gone.token)  # type: ignore[arg-type]
    assert len(rejoined["room"]["players"]) <= 100
    assert gone.player_id in [e["id"] for e in rejoined["room"]["players"]]
    assert len(rejoined["room"]["leaderboard"]) == 100
