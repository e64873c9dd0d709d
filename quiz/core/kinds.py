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
import hashlib
import math
from collections.abc import Iterable
from functools import lru_cache

from quiz.core.folding import fold
from quiz.core.labels import DEFAULT, true_false_labels
from quiz.core.question import Number, Question, Slider, number

# An answer as the room keeps it: an index, a sorted tuple of indexes
# (multi), the options' indexes in the player's order (order), a number
# (slider), or the typed text (text).
AnswerValue = int | float | tuple[int, ...] | str

HISTOGRAM_BUCKETS = 20
# Within this of the right value counts as on it: slider values are floats.
_EPSILON = 1e-9

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
    if question.kind == "order":
        if not isinstance(answer, tuple) or sorted(answer) != list(range(n)):
            return f"answer: an order question takes every index from 0 to {n - 1} once"
        return None
    if question.kind == "slider":
        slider = question.slider
        assert slider is not None
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return "answer: a slider question takes a number"
        if not slider.on_grid(float(answer)):
            return "answer: must be a value of the slider (min + k * step, up to max)"
        return None
    if isinstance(answer, bool) or not isinstance(answer, int):
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
    if question.kind == "order":
        return answer == tuple(range(len(question.options)))
    if question.kind == "slider":
        assert question.slider is not None and isinstance(answer, int | float)
        distance = abs(float(answer) - question.slider.correct)
        return distance <= question.slider.tolerance + _EPSILON
    return answer == question.correct[0]


def credit(question: Question, answer: AnswerValue | None) -> float:
    """How much of the question's points an answer earns, from 0 to 1.

    1 for a right answer and 0 for a wrong or missing one, but for a slider:
    1 within ``tolerance`` of the right value, falling linearly to 0 at
    ``tolerance + margin`` (protocol 1.2). A poll earns nothing.
    """
    if question.kind == "slider" and answer is not None:
        slider = question.slider
        assert slider is not None and isinstance(answer, int | float)
        beyond = abs(float(answer) - slider.correct) - slider.tolerance
        if beyond <= _EPSILON:
            return 1.0
        left = 1.0 - beyond / slider.margin
        return left if left > _EPSILON else 0.0
    return 1.0 if is_correct(question, answer) else 0.0


def answer_counts(question: Question, answers: Iterable[AnswerValue]) -> list[int]:
    """One count per option (a multi answer counts each option it picks);
    ``[correct, wrong]`` for a text or an order question; none for a slider
    (its answers spread in :func:`histogram`)."""
    if question.kind in ("text", "order"):
        right = wrong = 0
        for answer in answers:
            if is_correct(question, answer):
                right += 1
            else:
                wrong += 1
        return [right, wrong]
    if question.kind == "slider":
        return []
    counts = [0] * len(question.options)
    for answer in answers:
        for index in answer if isinstance(answer, tuple) else (answer,):
            counts[index] += 1  # type: ignore[index]
    return counts


def histogram(question: Question, answers: Iterable[AnswerValue]) -> list[dict[str, Number]]:
    """How a slider's answers spread: at most 20 buckets of ``{from, to, count}``.

    A bucket holds whole steps of the grid (one value each when the slider
    has 20 values or fewer), so its edges are values a player could pick.
    """
    slider = question.slider
    assert slider is not None
    values = round((slider.max - slider.min) / slider.step) + 1
    per = -(-values // HISTOGRAM_BUCKETS)  # grid values a bucket
    counts = [0] * (-(-values // per))
    for answer in answers:
        if isinstance(answer, int | float) and not isinstance(answer, bool):
            k = round((float(answer) - slider.min) / slider.step)
            counts[min(max(k, 0), values - 1) // per] += 1
    buckets = []
    for i, count in enumerate(counts):
        first = i * per
        last = min(first + per, values) - 1
        buckets.append(
            {
                "from": number(_grid(slider, first)),
                "to": number(_grid(slider, last)),
                "count": count,
            }
        )
    return buckets


def _grid(slider: Slider, k: int) -> float:
    # The k-th value, rounded to the step's decimals so 0.1 * 3 shows as 0.3.
    decimals = max(0, -math.floor(math.log10(slider.step))) + 2 if slider.step < 1 else 0
    return (
        round(slider.min + k * slider.step, decimals) if decimals else slider.min + k * slider.step
    )


def shown_order(question: Question, salt: str) -> tuple[int, ...]:
    """The order an ``order`` question's items are shown in: ``shown[i]`` is
    the index (in the right order) of the item shown at position ``i``.

    The same for every player and every server, never the right order:
    shuffled from a hash of ``salt`` (the room and the question's place) and
    the text, with no randomness the core would have to keep.
    """
    n = len(question.options)
    seed = hashlib.sha256(f"{salt}\0{question.text}".encode()).digest()
    shown = list(range(n))
    for i in range(n - 1, 0, -1):  # Fisher-Yates, the hash as the random source
        j = int.from_bytes(seed[2 * i : 2 * i + 2], "big") % (i + 1)
        shown[i], shown[j] = shown[j], shown[i]
    if shown == sorted(shown):
        shown = shown[1:] + shown[:1]  # never the right order
    return tuple(shown)


def localized(question: Question, language: str) -> Question:
    """A true/false question given without options gets them in ``language``
    (English where the table has no such language)."""
    if question.kind != "true_false" or question.options:
        return question
    return dataclasses.replace(question, options=true_false_labels(language) or DEFAULT)
