"""The scoring rules of the protocol, restated for the tests: one oracle.

Written from the rules as ``../shared/protocol.md`` states them ("Game rules",
and version 1.1's "Changed and new server messages"), with the details the
project's ``docs/protocol.md`` settles ("Scoring", "Ranking and
tie-breaks", "Scoring in 1.1"). It deliberately does not import
:mod:`quiz.core.scoring`, and it computes in a different way: with exact
fractions and a plain half-up rounding, where the server uses an integer
formula. An oracle that called the code under test would test nothing.

The rules:

- a correct answer ``t`` ms into a question with a time limit of ``T`` ms
  scores ``round(1000 * (1 - (t / T) / 2))``, halves rounded up (as
  JavaScript's ``Math.round``), and the full 1000 when ``t`` < 0.5 s;
- 1000 whatever the time when speed points are off, or when the question
  has no time limit (nothing to be fast against);
- times the question's ``points`` (0, 1 or 2);
- plus the streak bonus, ``+100`` for each consecutive correct answer after
  the first, at most ``+500``, when the bonus is on and ``points`` > 0;
- a correct answer extends the streak (a 0-point question's too), a wrong or
  missing one scores 0 and resets it; a poll scores 0 and leaves it alone;
- players rank by score, then by the total time of their correct answers
  (less first, 0-point questions included); equal on both share a rank, and
  the next rank skips (1, 1, 3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

FULL_POINTS_BELOW_MS = 500
FULL_POINTS = 1000
BONUS_STEP = 100
BONUS_CAP = 500


def round_half_up(value: Fraction) -> int:
    """``Math.round``: the nearest integer, halves up (not to even)."""
    return math.floor(value + Fraction(1, 2))


def base_points(elapsed_ms: int, limit_ms: int | None, *, speed_points: bool = True) -> int:
    """What a correct answer ``elapsed_ms`` into a question is worth, before
    the multiplier and the bonus."""
    if not speed_points or limit_ms is None or elapsed_ms < FULL_POINTS_BELOW_MS:
        return FULL_POINTS
    t = Fraction(min(elapsed_ms, limit_ms))  # the server refuses answers past T
    return round_half_up(FULL_POINTS * (1 - (t / limit_ms) / 2))


def streak_bonus(streak: int) -> int:
    """The bonus of a correct answer that makes a streak of ``streak`` in a row."""
    if streak <= 1:
        return 0
    return min(BONUS_STEP * (streak - 1), BONUS_CAP)


@dataclass(frozen=True)
class Scored:
    """What one answer earned, and the streak after it."""

    points: int
    streak: int


def score_answer(
    correct: bool | None,
    elapsed_ms: int,
    limit_ms: int | None,
    streak: int,
    *,
    points: int = 1,
    speed_points: bool = True,
    streak_bonus_on: bool = True,
) -> Scored:
    """One answer to one question by the rules.

    ``correct``: True or False (False also for no answer), None for a poll.
    ``streak``: the player's streak before this question.
    """
    if correct is None:
        return Scored(0, streak)
    if not correct:
        return Scored(0, 0)
    streak += 1
    earned = points * base_points(elapsed_ms, limit_ms, speed_points=speed_points)
    if streak_bonus_on and points > 0:
        earned += streak_bonus(streak)
    return Scored(earned, streak)


@dataclass
class Standing:
    """One player's running totals: score, streak, and the tie-break time."""

    score: int = 0
    streak: int = 0
    correct_ms: int = 0

    def answer(
        self,
        correct: bool | None,
        elapsed_ms: int,
        limit_ms: int | None,
        *,
        points: int = 1,
        speed_points: bool = True,
        streak_bonus_on: bool = True,
    ) -> int:
        """Score a closed question for this player; returns the points earned.

        Call it for every player who could answer (a missing answer is
        ``correct=False``), not for one who joined while it was open.
        """
        got = score_answer(
            correct,
            elapsed_ms,
            limit_ms,
            self.streak,
            points=points,
            speed_points=speed_points,
            streak_bonus_on=streak_bonus_on,
        )
        self.score += got.points
        self.streak = got.streak
        if correct:
            self.correct_ms += elapsed_ms
        return got.points


def ranked(standings: Mapping[str, Standing]) -> list[tuple[str, int]]:
    """``(player id, rank)``, best first: by score, then by the total time of
    correct answers; equal on both share a rank and the next one skips.

    Players equal on both are listed in the mapping's order (give it in
    seat order: the listing follows joining order).
    """
    order = sorted(standings, key=lambda p: (-standings[p].score, standings[p].correct_ms))
    board: list[tuple[str, int]] = []
    for position, pid in enumerate(order, start=1):
        if board:
            before = standings[board[-1][0]]
            mine = standings[pid]
            if (before.score, before.correct_ms) == (mine.score, mine.correct_ms):
                board.append((pid, board[-1][1]))
                continue
        board.append((pid, position))
    return board
