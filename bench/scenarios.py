"""The benchmark's scenarios: how many rooms, how many players, how they answer.

Sized so that ``--all --repeat 3`` stays under an hour on the 2-core
machine: three questions a game, answers within 8 s (the realistic
delays' median stays 3.5 s; one in thirty draws is clipped to 8 s), a 2 s
reveal. A question closes when the room has answered, so a game lasts
about a countdown and three times (the slowest answer + the reveal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REALISTIC = {"kind": "lognormal", "median": 3.5, "sigma": 0.45, "min": 0.3, "max": 8.0}
BURST = {"kind": "uniform", "min": 0.0, "max": 1.0}
QUICK = {"kind": "lognormal", "median": 1.0, "sigma": 0.4, "min": 0.2, "max": 3.0}
# The reference servers of every scenario, beside the quiz server.
REFERENCES = ("quiz", "floor", "peer")


@dataclass(frozen=True)
class Scenario:
    """Rooms of players (host included) answering with one delay distribution."""

    name: str
    rooms: int
    size: int  # players per room, host included
    questions: int = 3
    time_per_question: int = 20
    reveal_seconds: int = 2
    delay: dict[str, Any] = field(default_factory=lambda: dict(REALISTIC))
    targets: tuple[str, ...] = REFERENCES
    join_timeout: float = 300.0
    concurrency: int = 50
    teams: int = 0  # teams named at create_room (protocol 1.2); 0: none
    # Pictures (protocol 1.2 "Media"): one per question, fetched ahead by the
    # players over HTTP (bench/loadgen.py: the lobby's, then each next one
    # while a question is open, after a jitter of up to ``jitter_s``).
    media: dict[str, Any] | None = None
    note: str = ""

    @property
    def players(self) -> int:
        return self.rooms * self.size


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "quick_room_200",
            1,
            200,
            questions=2,
            time_per_question=5,
            reveal_seconds=1,
            delay=dict(QUICK),
            join_timeout=60,
            teams=4,
        ),
        Scenario(
            "quick_rooms_50x5",
            50,
            5,
            questions=2,
            time_per_question=5,
            reveal_seconds=1,
            delay=dict(QUICK),
            targets=("quiz",),
            join_timeout=60,
        ),
        Scenario(
            "quick_media_300",
            1,
            300,
            questions=2,
            time_per_question=5,
            reveal_seconds=1,
            delay=dict(QUICK),
            targets=("quiz", "floor"),
            join_timeout=60,
            media={"pictures": 2, "jitter_s": 0.5, "inflight": 128},
        ),
        Scenario("room_1000", 1, 1000, join_timeout=300),
        Scenario("room_5000", 1, 5000, join_timeout=900),
        Scenario(
            "room_10000",
            1,
            10_000,
            join_timeout=1500,
            teams=10,
            targets=(*REFERENCES, "quiz_noteams"),
            note="10 teams (protocol 1.2); quiz_noteams: the same room without teams",
        ),
        Scenario("rooms_1000x5", 1000, 5, join_timeout=300),
        Scenario(
            "burst_5000",
            1,
            5000,
            delay=dict(BURST),
            join_timeout=900,
            note="every player answers within 1 s of receiving the question",
        ),
        Scenario(
            "media_5000",
            1,
            5000,
            join_timeout=900,
            targets=("quiz", "floor"),
            media={"pictures": 3, "jitter_s": 2.0, "inflight": 256},
            note="a picture a question, fetched ahead over GET /media/<id> while answers flow",
        ),
        Scenario(
            "redis_1000",
            1,
            1000,
            targets=("quiz", "quiz_redis"),
            join_timeout=300,
            note="two quiz servers sharing Redis, players alternate between them",
        ),
        Scenario(
            "redis_5000",
            1,
            5000,
            targets=("quiz", "quiz_redis"),
            join_timeout=900,
            note="two quiz servers sharing Redis, players alternate between them",
        ),
    )
}
QUICK_SET = ("quick_room_200", "quick_rooms_50x5")
FULL_SET = (
    "room_1000",
    "rooms_1000x5",
    "burst_5000",
    "room_5000",
    "room_10000",
    "media_5000",
    "redis_1000",
    "redis_5000",
)


def rotated(targets: tuple[str, ...] | list[str], repeat: int) -> list[str]:
    """The order of a scenario's targets in repeat number ``repeat`` (from 0):
    rotated by one each time, so that no target always runs first or last."""
    items = list(targets)
    if not items:
        return items
    k = repeat % len(items)
    return items[k:] + items[:k]


# Seats a second while a room fills, by kind of target (the last full runs on
# this machine, rounded down), and the seconds around each run (the wait for
# a quiet machine, start-up, idle and settled memory, shutdown), by players.
JOIN_RATE = {"quiz": 1500.0, "floor": 1800.0, "peer": 700.0}
OVERHEAD_S = 4.0
OVERHEAD_PER_10K_S = 4.0
COUNTDOWN_S = 1.0
RESULT_S = 0.5  # a question's result and 10,000 your_result, sent in slices


def estimated_seconds(scn: Scenario, target: str) -> float:
    """About how long one run takes: around it, the room filling, the game.

    A question closes when the room has answered, so it lasts about the
    slowest answer (the delays' clip; with thousands of players someone is
    always clipped), its result and the reveal. The peer sends its results
    one ``emit`` at a time: about a third longer a game.
    """
    kind = "quiz" if target.startswith("quiz") else target.split("_")[0]
    join = scn.players / JOIN_RATE.get(kind, 1000.0) * (1.5 if scn.media else 1.0)
    question = scn.delay["max"] + RESULT_S + scn.reveal_seconds
    game = COUNTDOWN_S + scn.questions * question * (1.3 if kind == "peer" else 1.0)
    return OVERHEAD_S + OVERHEAD_PER_10K_S * scn.players / 10_000 + join + game
