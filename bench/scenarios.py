"""The benchmark's scenarios: how many rooms, how many players, how they answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REALISTIC = {"kind": "lognormal", "median": 3.5, "sigma": 0.45, "min": 0.3, "max": 15.0}
BURST = {"kind": "uniform", "min": 0.0, "max": 1.0}
QUICK = {"kind": "lognormal", "median": 1.0, "sigma": 0.4, "min": 0.2, "max": 3.0}


@dataclass(frozen=True)
class Scenario:
    """Rooms of players (host included) answering with one delay distribution."""

    name: str
    rooms: int
    size: int  # players per room, host included
    questions: int = 5
    time_per_question: int = 20
    reveal_seconds: int = 2
    delay: dict[str, Any] = field(default_factory=lambda: dict(REALISTIC))
    targets: tuple[str, ...] = ("quiz", "floor", "peer")
    join_timeout: float = 300.0
    concurrency: int = 50
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
            "room_1000",
            1,
            1000,
            targets=("quiz", "floor", "peer", "peer_deflate", "quiz_uvloop"),
            join_timeout=300,
        ),
        Scenario("room_5000", 1, 5000, join_timeout=900),
        Scenario("room_10000", 1, 10_000, join_timeout=1500),
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
    "redis_1000",
    "redis_5000",
)
