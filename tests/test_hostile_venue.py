"""A whole school behind one address, and a pupil guessing from the same
address: the guesser pays for its guesses, the school does not.

Real sockets from several loopback addresses (127.0.0.2 the staff network,
127.0.0.3 the school's, 127.0.0.4 another venue), the server's default
limits, the real clock.
"""

from __future__ import annotations

import asyncio
import logging

from quiz.ops.config import Settings
from tests.conftest import StartServer
from tests.venue import (
    Guesser,
    Patience,
    connect_from,
    enter_patiently,
    keep_reading,
    stop_reading,
)

log = logging.getLogger("tests.venue")
DEFAULTS = Settings()
PUPILS = 500
REJOINS = 100


async def test_a_school_joins_and_comes_back_while_a_pupil_guesses(
    start_server: StartServer,
) -> None:
    quiz = await start_server()
    loop = asyncio.get_running_loop()
    # The teacher makes the room on the staff network: its code is new to
    # the school's address, so the school's first join has to be looked up.
    teacher = await connect_from(quiz.url, "127.0.0.2")
    quiz.players.append(teacher)
    await teacher.create("Teacher", num_questions=1)
    code = teacher.room_id
    assert code is not None

    # The guesser starts first, and spends the address's allowance of misses.
    guesser = Guesser(quiz.url, "127.0.0.3", code, connections=20)
    started = loop.time()
    guesser.start(allowance=DEFAULTS.wrong_code_per_minute)
    reading: list[asyncio.Task[None]] = []
    try:
        await asyncio.wait_for(guesser.spent.wait(), 30)

        # 500 pupils type the code at once, behind the same address.
        pupils = await asyncio.gather(*(connect_from(quiz.url, "127.0.0.3") for _ in range(PUPILS)))
        quiz.players.extend(pupils)
        patience = Patience()
        joining = loop.time()
        replies = await asyncio.gather(
            *(
                enter_patiently(p, "join_room", patience, room_id=code, name=f"Pupil {i}")
                for i, p in enumerate(pupils)
            )
        )
        joined_in = loop.time() - joining
        assert [r["type"] for r in replies] == ["room_joined"] * PUPILS, {
            r.get("code") for r in replies
        }
        for pupil, reply in zip(pupils, replies, strict=True):
            pupil._seat(reply)
        reading = keep_reading([teacher, *pupils])
        assert len({p.player_id for p in pupils}) == PUPILS
        # The first one waited for the next allowance of the address (one
        # every 6 s), the others went with it: no refusal to act on, and one
        # lookup for the whole school.
        assert patience.waits == 0, patience

        # A hundred phones drop and come back with their tokens, through the
        # school's address and another venue's, while the guessing goes on:
        # a right token is never held back.
        back = []
        for i, pupil in enumerate(pupils[:REJOINS]):
            await pupil.close()
            back.append(await connect_from(quiz.url, "127.0.0.3" if i % 2 else "127.0.0.4"))
        quiz.players.extend(back)
        again = await asyncio.gather(
            *(
                b.request_any("rejoin", room_id=code, token=p.token)
                for b, p in zip(back, pupils[:REJOINS], strict=True)
            )
        )
        assert [(r["type"], r.get("resumed")) for r in again] == [("room_joined", True)] * REJOINS
        assert [r["player_id"] for r in again] == [p.player_id for p in pupils[:REJOINS]]
        # A latecomer of the school gets in at once: the code is known now.
        late = await connect_from(quiz.url, "127.0.0.3")
        quiz.players.append(late)
        await asyncio.wait_for(late.join(code, "Latecomer"), 2)
        # Meanwhile the guesser's other guesses of codes wait for allowances.
        assert guesser.joins_waiting > 0
    finally:
        await guesser.stop()
        await stop_reading(reading)
    elapsed_min = (loop.time() - started) / 60
    log.warning(
        "venue: 500 seated in %.1f s; guesser %d sockets in %.1f s: %s",
        joined_in,
        guesser.sockets,
        elapsed_min * 60,
        dict(guesser.replies),
    )

    # The guesser: its lookups of codes are the address's allowance (a first
    # 10, then 10 a minute), whatever its 20 sockets and their successors did.
    rate = DEFAULTS.wrong_code_per_minute
    assert rate <= guesser.codes_missed <= rate + rate * elapsed_min + 1, guesser.replies
    assert guesser.sockets > guesser.connections  # spent sockets were dropped, new ones made
    # Tokens: a wrong one never reveals a room, and each socket has 10.
    assert guesser.replies["rejoin:invalid_token"] > 0
