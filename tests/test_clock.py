"""The tests' ManualClock: callbacks in time order, at their due time, once."""

from __future__ import annotations

import pytest

from quiz.ops.clock import Clock
from tests.clock import START_MS, ManualClock


def test_is_a_clock_and_stands_still() -> None:
    clock: Clock = ManualClock()
    assert clock.now_ms() == START_MS
    assert clock.now_ms() == START_MS


def test_advance_fires_due_callbacks_in_time_order_at_their_due_time() -> None:
    clock = ManualClock()
    seen: list[tuple[str, int]] = []
    clock.call_later(3, lambda: seen.append(("c", clock.now_ms())))
    clock.call_later(1, lambda: seen.append(("a", clock.now_ms())))
    clock.call_later(1, lambda: seen.append(("b", clock.now_ms())))  # a tie: after a
    clock.call_later(10, lambda: seen.append(("late", clock.now_ms())))
    assert clock.advance(999) == 0
    assert clock.advance(2001) == 3
    assert seen == [("a", START_MS + 1000), ("b", START_MS + 1000), ("c", START_MS + 3000)]
    assert clock.now_ms() == START_MS + 3000
    assert clock.pending() == [START_MS + 10_000]


def test_cancelled_callbacks_never_fire() -> None:
    clock = ManualClock()
    seen: list[int] = []
    timer = clock.call_later(1, lambda: seen.append(1))
    timer.cancel()
    assert clock.advance(5000) == 0
    assert seen == [] and clock.pending() == []


def test_a_callback_scheduled_by_another_fires_within_the_same_advance() -> None:
    clock = ManualClock()
    seen: list[int] = []

    def first() -> None:
        seen.append(clock.now_ms())
        clock.call_later(2, lambda: seen.append(clock.now_ms()))

    clock.call_later(1, first)
    assert clock.advance(3000) == 2
    assert seen == [START_MS + 1000, START_MS + 3000]


def test_delays_round_up_to_the_millisecond_but_not_float_noise() -> None:
    clock = ManualClock()
    assert clock.call_later(0.0004, lambda: None) is not None
    clock.call_later(0.3, lambda: None)
    assert clock.pending() == [START_MS + 1, START_MS + 300]


def test_time_does_not_go_backwards() -> None:
    with pytest.raises(ValueError):
        ManualClock().advance(-1)
