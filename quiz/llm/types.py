"""What a question source returns: a set of questions and where they came from.

The question itself is the game core's (:mod:`quiz.core.question`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quiz.core.question import Question


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
