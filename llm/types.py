"""The shapes every question source returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")


@dataclass(frozen=True, slots=True)
class Question:
    """One multiple-choice question, options already in the order players see."""

    text: str
    options: tuple[str, ...]
    correct: int
    category: str = ""
    source: Literal["llm", "bank"] = "bank"

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "options": list(self.options),
            "correct": self.correct,
            "category": self.category,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Question:
        options = data["options"]
        assert isinstance(options, list)
        source = str(data.get("source", "bank"))
        return cls(
            text=str(data["text"]),
            options=tuple(str(o) for o in options),
            correct=int(data["correct"]),  # type: ignore[call-overload]
            category=str(data.get("category", "")),
            source="llm" if source == "llm" else "bank",
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
