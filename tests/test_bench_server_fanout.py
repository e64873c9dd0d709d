"""The server-side fan-out time the benchmark reads: ``quiz_fanout_seconds{type}``.

A whole-room frame is timed from the first connection it is written to
until the last, whether it goes out at once (a small room) or a slice at a
time (a large one, :class:`quiz.net.fanout.Paced`); frames for one player
queued behind it are not part of it. bench/measure.py takes the
``question`` series as the server's fan-out time and compares it with the
floor's (which uses the same :class:`quiz.ops.metrics.FanoutClock`).
"""

from __future__ import annotations

import asyncio

import pytest

from quiz.core.state import LARGE_ROOM
from quiz.net import fanout
from quiz.ops.metrics import Counters, FanoutClock, ServerMetrics
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer
from tests.test_bigroom_hub import fill


def sample(harness: Harness, name: str, kind: str) -> float:
    value = harness.server.metrics.registry.get_sample_value(name, {"type": kind})
    return value or 0.0


async def test_a_small_rooms_question_is_timed_once(quiz: Harness) -> None:
    host, player = await quiz.room(2, num_questions=1)
    await host.request_any("start_game")
    await player.expect("question")
    assert sample(quiz, "quiz_fanout_seconds_count", "question") == 1
    assert 0 < sample(quiz, "quiz_fanout_seconds_sum", "question") < 1


async def test_a_large_rooms_question_is_timed_from_its_first_slice_to_its_last(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 connections a slice: the question reaches the 102 players in 6
    # slices, the loop running between two; one observation for all of them.
    monkeypatch.setattr(fanout, "SLICE", 20)
    harness = await start_server(clock=ManualClock(), countdown_seconds=0)
    everyone = await fill(harness, LARGE_ROOM + 2, num_questions=1, time_per_question=30)
    await everyone[0].request_any("start_game")
    for p in everyone:
        await p.expect("question", question_index=0)
    assert sample(harness, "quiz_fanout_seconds_count", "question") == 1
    assert sample(harness, "quiz_fanout_seconds_sum", "question") > 0


class _Metrics(ServerMetrics):
    def __init__(self) -> None:
        super().__init__(Counters(), lambda: {"rooms": 0, "connections": 0, "players": 0})
        self.seen: list[tuple[str, float]] = []

    def fanned_out(self, kind: str, seconds: float) -> None:
        self.seen.append((kind, seconds))


async def test_frames_queued_behind_are_written_but_not_timed() -> None:
    metrics = _Metrics()
    written: list[tuple[int, str]] = []
    clock = FanoutClock(metrics, lambda sockets, frame: written.append((len(sockets), frame)))
    question, mine = "q" * 3, "y" * 3  # two distinct objects
    clock.expect(question, "question", 5)
    clock([1, 2], question)
    assert metrics.seen == []  # 3 still to go
    await asyncio.sleep(0.01)
    clock([3, 4, 5], question)
    clock([6], mine)  # one player's frame behind it: written, not timed
    assert written == [(2, question), (3, question), (1, mine)]
    assert [k for k, _ in metrics.seen] == ["question"]
    assert metrics.seen[0][1] >= 0.009  # from the first slice, not the last
    assert clock.frames == {}
