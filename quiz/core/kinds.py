"""Question kinds: what an answer may be, when it is right, how answers count. No I/O.

Every rule that depends on a question's kind lives here, so the room, the
wire parser and the scoring ask one place:

- :func:`answer_error` says why an answer does not fit a question, or None;
- :func:`is_correct` judges an answer (None for a poll: no right answer);
- :func:`answer_counts` tallies the answers for ``question_result``;
- :func:`localized` gives a true/false question its options in the room's language.

How a question itself is checked is :mod:`quiz.core.parse`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import lru_cache

from quiz.core.folding import fold
from quiz.core.labels import DEFAULT, true_false_labels
from quiz.core.question import Question

# An answer as the room keeps it: an index, a sorted tuple of indexes
# (multi), or the typed text (text).
AnswerValue = int | tuple[int, ...] | str

ANSWER_MAX = 100  # a typed answer, and each accepted answer


@lru_cache(maxsize=256)
def _accepted(answers: tuple[str, ...]) -> frozenset[str]:
    """The folded accepted answers: folded once per question, not once per player."""
    return frozenset(fold(a) for a in answers)


def answer_error(question: Question, answer: AnswerValue) -> str | None:
    """Why ``answer`` cannot be an answer to ``question``, or None if it can."""
    n = len(question.options)
    if question.kind == "text":
        if not isinstance(answer, str):
            return "answer: a text question takes a string"
        if not 1 <= len(answer) <= ANSWER_MAX:
            return f"answer: must be 1 to {ANSWER_MAX} characters"
        return None
    if question.kind == "multi":
        if not isinstance(answer, tuple):
            return "answer: a multi question takes a list of option indexes"
        if not 1 <= len(answer) <= n or len(set(answer)) != len(answer):
            return f"answer: must be 1 to {n} distinct indexes"
        if not all(0 <= i < n for i in answer):
            return f"answer: indexes must be from 0 to {n - 1}"
        return None
    if not isinstance(answer, int):
        return f"answer: a {question.kind} question takes one option index"
    if not 0 <= answer < n:
        return f"answer: must be from 0 to {n - 1}"
    return None


def is_correct(question: Question, answer: AnswerValue | None) -> bool | None:
    """Whether ``answer`` is right; None for a poll, False for no answer."""
    if question.kind == "poll":
        return None
    if answer is None:
        return False
    if question.kind == "text":
        return isinstance(answer, str) and fold(answer) in _accepted(question.answers)
    if question.kind == "multi":
        return isinstance(answer, tuple) and set(answer) == set(question.correct)
    return answer == question.correct[0]


def answer_counts(question: Question, answers: Iterable[AnswerValue]) -> list[int]:
    """One count per option (a multi answer counts each option it picks);
    ``[correct, wrong]`` for a text question."""
    if question.kind == "text":
        accepted = _accepted(question.answers)
        right = wrong = 0
        for answer in answers:
            if isinstance(answer, str) and fold(answer) in accepted:
                right += 1
            else:
                wrong += 1
        return [right, wrong]
    counts = [0] * len(question.options)
    for answer in answers:
        for index in answer if isinstance(answer, tuple) else (answer,):
            counts[index] += 1  # type: ignore[index]
    return counts


def localized(question: Question, language: str) -> Question:
    """A true/false question given without options gets them in ``language``
    (English where the table has no such language)."""
    if question.kind != "true_false" or question.options:
        return question
    return dataclasses.replace(question, options=true_false_labels(language) or DEFAULT)
