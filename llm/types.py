"""The shapes every question source returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")

Kind = Literal["choice", "multi", "true_false", "text", "poll"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Source = Literal["llm", "bank", "host"]

# Kinds whose `correct` holds exactly one index; `multi` holds one or more;
# `text` and `poll` hold none (text matches `answers`, a poll has no right answer).
SINGLE_CORRECT: frozenset[str] = frozenset({"choice", "true_false"})


@dataclass(frozen=True, slots=True)
class Question:
    """One question, options already in the order players see.

    `correct` is always a tuple of option indexes: one for `choice` and
    `true_false`, one or more for `multi`, none for `text` and `poll`. A v1
    choice question may still be built with a plain index,
    `Question("Q?", ("a", "b"), 1)`: it is stored as `(1,)`.
    `time_limit` (seconds) overrides the room's time per question when set;
    `points` multiplies the question's score (0, 1 or 2).
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

    def __post_init__(self) -> None:
        # Frozen: normalise through object.__setattr__. An int is the v1 way
        # to say "this one option", kept so existing sources need no change.
        correct: object = self.correct
        if isinstance(correct, int):
            object.__setattr__(self, "correct", (correct,))
        elif not isinstance(correct, tuple):
            object.__setattr__(self, "correct", tuple(correct))  # type: ignore[call-overload]
        if not isinstance(self.options, tuple):
            object.__setattr__(self, "options", tuple(self.options))
        if not isinstance(self.answers, tuple):
            object.__setattr__(self, "answers", tuple(self.answers))

    @property
    def answer_index(self) -> int:
        """The one correct index of a `choice` or `true_false` question."""
        if self.kind not in SINGLE_CORRECT or len(self.correct) != 1:
            raise ValueError(f"a {self.kind} question has no single correct index")
        return self.correct[0]

    def to_dict(self) -> dict[str, object]:
        """The protocol 1.1 question object, plus `category` and `source`.

        `correct` is written as one index for `choice`/`true_false` (the v1
        shape), a list for `multi`, and left out for `text` and `poll`.
        """
        data: dict[str, object] = {"kind": self.kind, "text": self.text}
        if self.kind != "text":
            data["options"] = list(self.options)
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
        data["category"] = self.category
        data["source"] = self.source
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Question:
        """Read `to_dict`'s shape, and the v1 one (no kind, `correct` an int).

        Raises TypeError, ValueError, KeyError or AssertionError on anything else.
        """
        if not isinstance(data, dict):
            raise TypeError(f"a question is an object, not {type(data).__name__}")
        kind = str(data.get("kind", "choice"))
        if kind not in KINDS:
            raise ValueError(f"unknown question kind {kind!r}")
        # The keys a kind needs are required: a pool cut short is unreadable.
        options = data["options"] if kind != "text" else []
        assert isinstance(options, list)
        raw_correct = data["correct"] if kind in SINGLE_CORRECT or kind == "multi" else ()
        if isinstance(raw_correct, int):
            correct: tuple[int, ...] = (raw_correct,)
        else:
            assert isinstance(raw_correct, (list, tuple))
            correct = tuple(int(i) for i in raw_correct)
        answers = data["answers"] if kind == "text" else []
        assert isinstance(answers, list)
        time_limit = data.get("time_limit")
        source = str(data.get("source", "bank"))
        return cls(
            text=str(data["text"]),
            options=tuple(str(o) for o in options),
            correct=correct,
            category=str(data.get("category", "")),
            source=source if source in ("llm", "host") else "bank",  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            answers=tuple(str(a) for a in answers),
            time_limit=None if time_limit is None else int(time_limit),  # type: ignore[call-overload]
            points=int(data.get("points", 1)),  # type: ignore[call-overload]
            explanation=str(data.get("explanation", "")),
        )


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """The questions for one game, and where they came from."""

    questions: tuple[Question, ...]

    @property
    def llm_count(self) -> int:
        return sum(1 for q in self.questions if q.source == "llm")

    @property
    def fallback_count(self) -> int:
        return len(self.questions) - self.llm_count

    @property
    def source(self) -> Literal["llm", "fallback"]:
        """`llm` when the model wrote at least one question, else `fallback`."""
        return "llm" if self.llm_count else "fallback"
