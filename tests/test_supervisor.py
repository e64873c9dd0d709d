"""The supervisor's restart policy, with no process: delays double to a cap,
and start over once a worker has stayed up. tests/test_process.py watches
the real supervisor restart real workers by it."""

from __future__ import annotations

from quiz.ops.supervisor import Backoff


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff()
    delays = [backoff.after_exit(uptime_s=0.5) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_worker_that_stayed_up_starts_over_at_the_first_delay() -> None:
    backoff = Backoff()
    assert [backoff.after_exit(1) for _ in range(4)] == [1, 2, 4, 8]
    assert backoff.after_exit(30) == 1  # it had been healthy
    assert backoff.after_exit(29.9) == 2  # and died again soon: growing again
    assert backoff.after_exit(3600) == 1


def test_each_worker_has_its_own_backoff() -> None:
    first, second = Backoff(), Backoff()
    first.after_exit(0)
    first.after_exit(0)
    assert second.after_exit(0) == 1


def test_the_policy_is_configurable() -> None:
    backoff = Backoff(first=0.5, cap=3, stable_after=10)
    assert [backoff.after_exit(0) for _ in range(5)] == [0.5, 1, 2, 3, 3]
    assert backoff.after_exit(10) == 0.5
