"""A question, as every source gives it and every room plays it. No I/O.

Where a question comes from (the host's quiz, the LLM, the bank) is told by
``source``; once in a room, a question is a question. What an answer may be
and when it is right is :mod:`quiz.core.kinds`'; how a question is read from
JSON and checked is :mod:`quiz.core.parse`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)

Kind = Literal["choice", "multi", "true_false", "text", "poll", "slider", "order"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Source = Literal["llm", "bank", "host"]
SOURCES: tuple[Source, ...] = get_args(Source)

# Kinds whose `correct` holds exactly one index; `multi` holds one or more;
# the others hold none (text matches `answers`, a poll has no right answer,
# a slider has its `slider.correct`, an order's options are in the right order).
SINGLE_CORRECT: frozenset[str] = frozenset({"choice", "true_false"})

Number = int | float


def number(value: float) -> Number:
    """``value`` as JSON should show it: 3, not 3.0."""
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True, slots=True)
class Slider:
    """A ``slider`` question: a number from ``min`` to ``max`` in ``step``s.

    Full points within ``tolerance`` of ``correct``, falling linearly to
    nothing at ``tolerance + margin`` (protocol 1.2).
    """

    min: float
    max: float
    step: float
    correct: float
    tolerance: float = 0.0
    margin: float = 1.0

    def on_grid(self, value: float) -> bool:
        """Whether ``value`` is one of the slider's values: min + k * step, up to max."""
        if not self.min <= value <= self.max:
            return False
        steps = (value - self.min) / self.step
        return abs(steps - round(steps)) < 1e-6

    def to_dict(self) -> dict[str, object]:
        return {
            "min": number(self.min),
            "max": number(self.max),
            "step": number(self.step),
            "correct": number(self.correct),
            "tolerance": number(self.tolerance),
            "margin": number(self.margin),
        }


@dataclass(frozen=True, slots=True)
class Question:
    """One question, options already in the order players see.

    ``correct`` is a tuple of option indexes: one for ``choice`` and
    ``true_false``, one or more for ``multi``, none for the other kinds. An
    ``order`` question's ``options`` are in the right order (players see
    them shuffled); a ``slider``'s grid and answer are in ``slider``.
    ``time_limit`` (seconds) overrides the room's time per question when set;
    ``points`` multiplies the question's score (0, 1 or 2). ``round``: the
    title of the round this question starts (protocol 1.2 "Rounds").

    Build one from untrusted data with :func:`quiz.core.parse.parse_question`:
    this constructor trusts its arguments. It accepts a plain index for
    ``correct`` (the v1 way to say "this one option": ``Question("Q?", ("a",
    "b"), 1)``) and lists for the tuples, and stores tuples.
    """

    text: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    category: str = ""
    source: Source = "bank"
    kind: Kind = "choice"
    answers: tuple[str, ...] = ()
    time_limit: int | None = None
    points: int = 1
    explanation: str = ""
    # Protocol 1.2 "Media": media ids (the SHA-256 of the stored bytes).
    image: str | None = None
    image_alt: str = ""
    audio: str | None = None
    option_images: tuple[str | None, ...] = ()  # as long as options, or empty
    slider: Slider | None = None
    round: str | None = None

    def __post_init__(self) -> None:
        # Frozen: normalised through object.__setattr__.
        correct: object = self.correct
        if isinstance(correct, int):
            object.__setattr__(self, "correct", (correct,))
        elif not isinstance(correct, tuple):
            object.__setattr__(self, "correct", tuple(correct))  # type: ignore[call-overload]
        if not isinstance(self.options, tuple):
            object.__setattr__(self, "options", tuple(self.options))
        if not isinstance(self.answers, tuple):
            object.__setattr__(self, "answers", tuple(self.answers))
        if not isinstance(self.option_images, tuple):
            object.__setattr__(self, "option_images", tuple(self.option_images))

    def media(self) -> tuple[str, ...]:
        """The media ids this question shows or plays, in order, once each."""
        return tuple(dict.fromkeys(media_id for _, media_id in self.media_fields_named()))

    def media_fields_named(self) -> list[tuple[str, str]]:
        """Each media field that is set, as its name in the protocol
        (``image``, ``audio``, ``option_images[2]``) and its id."""
        named = [("image", self.image), ("audio", self.audio)]
        named += [(f"option_images[{i}]", m) for i, m in enumerate(self.option_images)]
        return [(field, media_id) for field, media_id in named if media_id]

    def to_dict(self) -> dict[str, object]:
        """The protocol 1.1 question object, plus ``category`` and ``source``.

        ``correct`` is written as one index for ``choice``/``true_false`` (the
        v1 shape), a list for ``multi``, and left out for ``text`` and
        ``poll``. :func:`quiz.core.parse.question_from_dict` reads it back.
        """
        data: dict[str, object] = {"kind": self.kind, "text": self.text}
        if self.kind not in ("text", "slider"):
            data["options"] = list(self.options)
        if self.slider is not None:
            data.update(self.slider.to_dict())
        if self.kind in SINGLE_CORRECT:
            data["correct"] = self.correct[0]
        elif self.kind == "multi":
            data["correct"] = list(self.correct)
        if self.kind == "text":
            data["answers"] = list(self.answers)
        if self.time_limit is not None:
            data["time_limit"] = self.time_limit
        data["points"] = self.points
        if self.explanation:
            data["explanation"] = self.explanation
        data.update(self.media_fields())
        if self.round is not None:
            data["round"] = self.round
        data["category"] = self.category
        data["source"] = self.source
        return data

    def media_fields(self) -> dict[str, object]:
        """The media fields a question carries, as the protocol writes them."""
        data: dict[str, object] = {}
        if self.image:
            data["image"] = self.image
            data["image_alt"] = self.image_alt
        if self.audio:
            data["audio"] = self.audio
        if any(self.option_images):
            data["option_images"] = list(self.option_images)
        return data
