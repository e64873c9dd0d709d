"""Rounds (protocol 1.2): a quiz's questions in titled parts. No I/O.

A question may carry ``round``, a title that starts a new round with it;
the questions before the first titled one form a round with no title. A
quiz with no ``round`` at all has no rounds, and plays as in 1.1.
"""

from __future__ import annotations

from collections.abc import Sequence

from quiz.core.messages import Message
from quiz.core.question import Question


def starts(questions: Sequence[Question]) -> list[int]:
    """The index of each round's first question; empty without rounds."""
    if not any(q.round is not None for q in questions):
        return []
    return [0, *(i for i, q in enumerate(questions) if i and q.round is not None)]


def round_of(questions: Sequence[Question], index: int) -> int:
    """The round question ``index`` belongs to (0 without rounds)."""
    return sum(1 for start in starts(questions) if start <= index) - 1 if index >= 0 else 0


def is_first(questions: Sequence[Question], index: int) -> bool:
    return index in starts(questions)


def is_last(questions: Sequence[Question], index: int) -> bool:
    """Whether question ``index`` ends its round (a quiz with rounds only)."""
    bounds = starts(questions)
    return bool(bounds) and (index + 1 in bounds or index + 1 == len(questions))


def describe(questions: Sequence[Question], number: int) -> Message:
    """Round ``number``: its index, title (None for an untitled first round)
    and how many questions it holds."""
    bounds = [*starts(questions), len(questions)]
    first = bounds[number]
    return {
        "round": number,
        "title": questions[first].round,
        "questions": bounds[number + 1] - first,
    }
