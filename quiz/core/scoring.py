"""Points and streaks: the scoring formula of the protocol, per question kind. No I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass

from quiz.core.question import Question

STREAK_STEP = 100
STREAK_MAX = 500
FULL_POINTS_MS = 500
MAX_POINTS = 1000


def points_for(elapsed_ms: int, limit_ms: int) -> int:
    """Base points for a correct answer ``elapsed_ms`` into a question.

    ``round(1000 * (1 - (t / T) / 2))``, full points under half a second.
    Halves round up (not Python's round-half-even), as a client computing
    the same formula with JavaScript's ``Math.round`` would expect.
    """
    if elapsed_ms < FULL_POINTS_MS:
        return MAX_POINTS
    # Exact integer arithmetic: the float form floor(1000 * (1 - t/T/2) + 0.5)
    # lands just under the half for many (t, T), e.g. t=1285, T=5000 gives
    # 871.4999... -> 871 instead of 871.5 -> 872. With t capped at T,
    # floor(1000 - 500 t / T + 1/2) == (2000 T - 1000 t + T) // (2 T).
    elapsed_ms = min(elapsed_ms, limit_ms)
    return (2 * MAX_POINTS * limit_ms - MAX_POINTS * elapsed_ms + limit_ms) // (2 * limit_ms)


def streak_bonus(streak: int) -> int:
    """Bonus for the ``streak``-th correct answer in a row (1 for the first)."""
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_MAX)


@dataclass(frozen=True, slots=True)
class Award:
    """What one player's answer to one question earned."""

    points: int
    streak: int


def award(
    question: Question,
    correct: bool | None,
    elapsed_ms: int,
    limit_ms: int | None,
    streak: int,
    *,
    credit: float | None = None,
    speed_points: bool = True,
    streak_bonus_on: bool = True,
) -> Award:
    """Score one answer (``correct`` None: a poll; False also for no answer).

    ``points`` x the v1 formula (x 1000 without speed points or without a
    time limit, which leaves nothing to be fast against) x ``credit`` (the
    share of the points the answer earns: a slider's closeness; 1 when
    right, 0 when wrong by default), plus the streak bonus when it is on,
    the answer right and the question worth points. A poll scores nothing
    and leaves the streak alone; an answer that is not right resets it.
    ``limit_ms`` is the answering player's own time (extra time included).
    """
    if correct is None:
        return Award(0, streak)
    share = (1.0 if correct else 0.0) if credit is None else credit
    if share <= 0:
        return Award(0, 0)
    base = MAX_POINTS
    if speed_points and limit_ms is not None:
        base = points_for(elapsed_ms, limit_ms)
    points = question.points * base
    if share < 1:
        # Halves round up, as everywhere in the formula.
        points = math.floor(points * share + 0.5)
    if not correct:
        return Award(points, 0)  # close enough for points, not for a streak
    streak += 1
    bonus = streak_bonus(streak) if streak_bonus_on and question.points > 0 else 0
    return Award(points + bonus, streak)
