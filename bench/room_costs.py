"""CPU cost of the game core alone (quiz.core.room.Room, no sockets) against the room's size.

    python -m bench.room_costs [--sizes 1000 5000 10000] [--teams 10]

For each size it seats the players, then times, per command: one more join
(with the room_joined encode the server does), one answer in an open question
(``Room.handle`` plus ``next_wakeup_ms``, which the server calls after every
command), and building and encoding ``game_over`` (the top 100, protocol
1.1). It shows which costs grow with the room: a per-command cost that is
linear in the room size makes a question of n answers quadratic.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from quiz.core.commands import QuestionsReady, Seat, StartGame, SubmitAnswer, Tick
from quiz.core.question import Question
from quiz.core.room import Room
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.rooms.contract import new_seat
from quiz.wire.frames import encode


def _seat(name: str) -> Seat:
    """A seat as the server makes it (name keys, word filter), outside the timing."""
    return new_seat(name, None, "bench")[0]


def _timed(fn: Any, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1e6


def measure(size: int, teams: int = 0) -> dict[str, float]:
    now = 1_000_000
    limits = RoomLimits(max_players=size + 10, countdown_ms=0)
    names = tuple(f"Team {i + 1}" for i in range(teams))
    settings = RoomSettings(num_questions=2, time_per_question=20, reveal_seconds=2, teams=names)
    host = _seat("host")
    room, _ = Room.create("ROOM1", settings, limits, host, now)
    for i in range(1, size - 1):
        room.handle(None, _seat(f"player {i}"), now)
    # One more join, timed with its reply encoded as the server does.
    last = _seat("last one")
    join_us = _timed(
        lambda: [encode(o.message) for o in room.handle(None, last, now) if hasattr(o, "message")],
        1,
    )
    room.handle(host.player_id, StartGame(), now)
    questions = tuple(Question(f"q{i}", ("a", "b", "c", "d"), 0) for i in range(2))
    room.handle(None, QuestionsReady(room.state.generation, questions), now)
    room.handle(None, Tick(), now + 1)
    ids = [pid for pid in room.state.players if pid != host.player_id]
    repeat = min(500, len(ids) - 1)
    it = iter(ids)

    def answer() -> None:
        room.handle(next(it), SubmitAnswer(0, 1), now + 10)
        room.next_wakeup_ms()

    answer_us = _timed(answer, repeat)
    wakeup_us = _timed(room.next_wakeup_ms, 50)

    # game_over as protocol 1.1 sends it: the top 100 and the count, built and encoded.
    def game_over() -> str:
        room.state.final_board = None
        board = room.views.final_leaderboard()
        return encode({"type": "game_over", "leaderboard": board, "player_count": size})

    game_over_us = _timed(game_over, 5)
    size_bytes = len(game_over().encode())
    return {
        "players": size,
        "join_us": round(join_us, 1),
        "answer_us": round(answer_us, 1),
        "next_wakeup_us": round(wakeup_us, 1),
        "game_over_encode_us": round(game_over_us, 1),
        "game_over_bytes": size_bytes,
        "answers_per_question_cpu_s": round(answer_us * size / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.room_costs")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--teams", type=int, default=0, help="teams named at create (2 to 12)")
    args = parser.parse_args()
    for size in args.sizes:
        print(measure(size, args.teams))


if __name__ == "__main__":
    main()
