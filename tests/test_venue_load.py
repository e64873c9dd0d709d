"""Load: 2,000 players behind one address join one room at the default
settings, over real sockets, on the real clock.

The address's join allowance (JOIN_BURST at once, then JOIN_PER_MINUTE)
turns part of the crowd away with ``rate_limited`` and a ``retry_after_ms``
each; the clients wait as told and get in by themselves. Nothing else: no
error a player would have to act on.
"""

from __future__ import annotations

import asyncio
import logging

from quiz.ops.config import Settings
from tests.conftest import StartServer
from tests.venue import Patience, connect_from, enter_patiently, keep_reading, stop_reading

log = logging.getLogger("tests.load")

PLAYERS = 2_000
DEFAULTS = Settings()


async def test_two_thousand_players_behind_one_address_get_in_by_themselves(
    start_server: StartServer,
) -> None:
    # The default limits; the test harness's own message bucket is larger,
    # which a client sending one join does not use.
    quiz = await start_server()
    loop = asyncio.get_running_loop()
    host = await connect_from(quiz.url, "127.0.0.2")
    await host.create("Host", num_questions=1)
    host_reading = keep_reading([host])
    players = []
    for start in range(0, PLAYERS, 250):  # the listen backlog is 1,024
        players += await asyncio.gather(
            *(connect_from(quiz.url, "127.0.0.5") for _ in range(start, start + 250))
        )
    patience = Patience()
    started = loop.time()
    replies = await asyncio.gather(
        *(
            enter_patiently(p, "join_room", patience, room_id=host.room_id, name=f"Player {i}")
            for i, p in enumerate(players)
        )
    )
    took = loop.time() - started
    reading = keep_reading(players)
    # Phones read what they are sent; they leave together.
    await asyncio.gather(*(p.close() for p in [host, *players]))
    await stop_reading([*host_reading, *reading])
    assert [r["type"] for r in replies] == ["room_joined"] * PLAYERS, {
        r.get("code") for r in replies if r["type"] == "error"
    }
    assert len({r["player_id"] for r in replies}) == PLAYERS
    room = quiz.server.rooms.rooms[host.room_id].room.state
    assert len(room.players) == PLAYERS + 1
    # Past the burst, the allowance's pace: JOIN_BURST at once, the rest at
    # JOIN_PER_MINUTE, each refused one told a moment of its own.
    pace = DEFAULTS.join_per_minute / 60
    floor = (PLAYERS - DEFAULTS.join_burst) / pace
    assert floor - 1 < took < floor + 30, took
    # About one wait each for those past the burst (a few come back while
    # a slot is being taken, and wait once more).
    past = PLAYERS - DEFAULTS.join_burst
    assert past * 0.8 <= patience.waits <= past * 1.5, patience
    log.warning(
        "2,000 behind one address: %.1f s; %d rate_limited honoured (%.0f ms waited on average)",
        took,
        patience.waits,
        patience.waited_ms / max(1, patience.waits),
    )
