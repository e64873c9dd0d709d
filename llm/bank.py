"""The bundled question bank: loading, topic matching and drawing.

Each ``llm/bank/<category>.json`` holds one category::

    {"category": "science", "name": "Science",
     "keywords": ["science", "physics", ...],
     "questions": [{"q": "...", "options": ["a", "b", "c", "d"],
                    "answer": 0, "difficulty": "easy"}, ...]}
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from llm.types import Difficulty, Question

BANK_DIR = Path(__file__).parent / "bank"
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Category:
    """One category of the bank: its keywords and its questions."""

    key: str
    name: str
    keywords: tuple[str, ...]
    questions: tuple[tuple[Question, Difficulty], ...]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _stem(word: str) -> str:
    # A crude plural fold ("animals" ~ "animal", "movies" ~ "movie") is all the
    # matching needs; a stemming library would be a dependency for two rules.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Bank:
    """All categories, loaded once; drawing is done with a caller's RNG."""

    def __init__(self, categories: list[Category]) -> None:
        if not categories:
            raise ValueError("the question bank is empty")
        self.categories = {c.key: c for c in categories}

    @classmethod
    def load(cls, folder: Path = BANK_DIR) -> Bank:
        categories = []
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            questions = tuple(
                (
                    Question(
                        text=item["q"],
                        options=tuple(item["options"]),
                        correct=item["answer"],
                        category=data["category"],
                    ),
                    item["difficulty"],
                )
                for item in data["questions"]
            )
            categories.append(
                Category(
                    key=data["category"],
                    name=data["name"],
                    keywords=tuple(k.lower() for k in data["keywords"]),
                    questions=questions,
                )
            )
        return cls(categories)

    def __len__(self) -> int:
        return sum(len(c.questions) for c in self.categories.values())

    def match(self, topic: str) -> list[str]:
        """The categories that fit ``topic`` best, best first; empty for none.

        A keyword may be several words ("world war"); it scores when all its
        words appear in the topic. Longer keywords score more, so "space
        travel" prefers the category listing it over one listing "travel".
        """
        topic_words = {_stem(w) for w in _words(topic)}
        scores: dict[str, int] = {}
        for cat in self.categories.values():
            score = 0
            for keyword in (cat.key, cat.name.lower(), *cat.keywords):
                kw_words = [_stem(w) for w in _words(keyword)]
                if kw_words and all(w in topic_words for w in kw_words):
                    score += len(kw_words) * 2 + 1
            if score:
                scores[cat.key] = score
        return sorted(scores, key=lambda k: (-scores[k], k))

    def draw(
        self,
        topic: str,
        count: int,
        difficulty: Difficulty,
        rng: random.Random,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Question]:
        """``count`` distinct questions for ``topic``, options shuffled.

        Preference order: matched categories at the asked difficulty, then
        matched categories at any difficulty, then every category at the asked
        difficulty, then anything. Texts in ``exclude`` are never drawn.
        """
        matched = self.match(topic)
        pools: list[list[Question]] = []
        every = list(self.categories)
        for keys, same_level in ((matched, True), (matched, False), (every, True), (every, False)):
            pool = [
                q
                for key in keys
                for q, level in self.categories[key].questions
                if level == difficulty or not same_level
            ]
            rng.shuffle(pool)
            pools.append(pool)
        chosen: list[Question] = []
        seen = set(exclude)
        for pool in pools:
            for question in pool:
                if len(chosen) == count:
                    break
                if question.text not in seen:
                    seen.add(question.text)
                    chosen.append(shuffle_options(question, rng))
        return chosen


def shuffle_options(question: Question, rng: random.Random) -> Question:
    """The same question with its options in a random order."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return Question(
        text=question.text,
        options=tuple(question.options[i] for i in order),
        correct=order.index(question.correct),
        category=question.category,
        source=question.source,
    )

