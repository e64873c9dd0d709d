"""The bundled question bank: loading, topic matching and drawing.

Each ``llm/bank/<category>.json`` holds one category::

    {"category": "science", "name": "Science",
     "keywords": ["science", "physics", ...],
     "questions": [{"q": "...", "options": ["a", "b", "c", "d"],
                    "answer": 0, "difficulty": "easy"}, ...]}
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from llm.types import Difficulty, Question

BANK_DIR = Path(__file__).parent / "bank"
_WORD = re.compile(r"[a-z0-9]+")


# Topic words that point to a category without being among the keywords of
# its file: things people name as a topic (an animal, a country, a band)
# rather than the category's own vocabulary. Comma-separated for brevity.
_SYNONYM_TEXT: dict[str, str] = {
    "animals_nature": "dinosaurs, sharks, whales, dolphins, horses, lions, tigers, elephants, "
    "bears, spiders, butterflies, snakes, monkeys, penguins, owls, bees, frogs, wolves, "
    "ocean life, national parks",
    "science": "volcanoes, earthquakes, weather, climate, inventions, inventors, vaccines, "
    "diseases, the human body",
    "history": "vikings, pirates, knights, castles, samurai, aztecs, romans, tudors, "
    "victorians, crusades, napoleon, ancient greece, world war ii, ww2, wwii",
    "geography": "europe, asia, africa, south america, north america, australia, usa, china, "
    "japan, india, france, italy, germany, spain, canada, brazil, mexico, waterfalls",
    "music": "beatles, mozart, beethoven, elvis, madonna, taylor swift, k pop, musicals, "
    "eurovision, heavy metal, punk",
    "film_tv": "netflix, marvel, james bond, anime, soap operas, oscar",
    "sports": "f1, wimbledon, super bowl, premier league, fifa, chess, skiing, marathon, "
    "volleyball, darts, snooker",
    "technology": "smartphone, apple, google, microsoft, social media, cryptocurrency",
    "space": "rocket, apollo, moon landing, nebula, jupiter, saturn, venus, astronaut, "
    "spacex, eclipse",
    "mathematics": "puzzles, pi",
    "mythology": "zeus, thor, odin, hercules, fairy tales, vampires, unicorns",
    "food_drink": "pizza, chocolate, beer, cocktails, sushi, cakes, burgers",
    "literature": "tolkien, dickens, jane austen, comic books",
    "art": "impressionist, impressionists, da vinci, picasso, van gogh, monet, photography, design",
    "video_games": "fortnite, sonic, gta, call of duty, game boy, atari",
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    key: tuple(s.strip() for s in text.split(",")) for key, text in _SYNONYM_TEXT.items()
}


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
        # Derived once: stemmed keyword word-tuples (with SYNONYMS), and the
        # questions of each category by difficulty.
        self._keywords: dict[str, frozenset[tuple[str, ...]]] = {}
        self._by_level: dict[str, dict[str, list[Question]]] = {}
        self._all: dict[str, list[Question]] = {}
        for cat in categories:
            phrases = (cat.key, cat.name, *cat.keywords, *SYNONYMS.get(cat.key, ()))
            self._keywords[cat.key] = frozenset(
                kw for kw in (tuple(_stem(w) for w in _words(p)) for p in phrases) if kw
            )
            levels: dict[str, list[Question]] = {}
            for question, level in cat.questions:
                levels.setdefault(level, []).append(question)
            self._by_level[cat.key] = levels
            self._all[cat.key] = [q for q, _level in cat.questions]

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
        Keywords that fold to the same words ("language", "languages") count
        once, so a category is not favoured for listing plurals.
        """
        topic_words = {_stem(w) for w in _words(topic)}
        scores: dict[str, int] = {}
        for key, keywords in self._keywords.items():
            score = sum(len(kw) * 2 + 1 for kw in keywords if all(w in topic_words for w in kw))
            if score:
                scores[key] = score
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
        difficulty (a general mix), then anything. Texts in ``exclude`` are
        never drawn.
        """
        if count <= 0:
            return []
        matched = self.match(topic)
        chosen: list[Question] = []
        seen = set(exclude)
        every = list(self.categories)
        # Pools are built one at a time and only while questions are missing:
        # most draws end in the first. Sampling, not shuffling whole pools,
        # keeps a draw well under a millisecond, which matters when
        # fifty rooms fall back in the same tick of the event loop.
        for keys, level in (
            (matched, difficulty),
            (matched, None),
            (every, difficulty),
            (every, None),
        ):
            missing = count - len(chosen)
            if missing == 0:
                break
            pool = [
                q
                for key in keys
                for q in (self._by_level[key].get(level, []) if level else self._all[key])
                if q.text not in seen
            ]
            for question in rng.sample(pool, min(missing, len(pool))):
                seen.add(question.text)
                chosen.append(shuffle_options(question, rng))
        return chosen


def shuffle_options(question: Question, rng: random.Random) -> Question:
    """The same question with its options in a random order."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return dataclasses.replace(
        question,
        options=tuple(question.options[i] for i in order),
        correct=tuple(order.index(i) for i in question.correct),
    )
