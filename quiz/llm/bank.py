"""The bundled question bank: loading, topic matching and drawing.

Each ``quiz/llm/bank/<category>.json`` holds one category::

    {"category": "science", "name": "Science",
     "keywords": ["science", "physics", ...],
     "questions": [{"q": "...", "options": ["a", "b", "c", "d"],
                    "answer": 0, "difficulty": "easy",
                    "explanation": "One short factual sentence."}, ...]}

A topic that names a category (its id or its title, "science" or "Animals &
Nature") draws from that category; "mixed" or "general knowledge" mixes all
of them evenly; any other topic is matched to categories by keywords. No two
questions of one draw give each other away (:mod:`quiz.llm.giveaway`).
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quiz.core.parse import parse_question
from quiz.core.question import DIFFICULTIES, Difficulty, Question
from quiz.llm.giveaway import GameSet, stem
from quiz.llm.validate import question_key

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


# Topics that ask for every category, evenly mixed (compared as words).
MIXED = "mixed"
MIXED_TOPICS = frozenset({"mixed", "mix", "general knowledge", "general", "all categories"})
MIXED_TITLE = "Mixed (all categories)"


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


_stem = stem


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    """What a host picks from: a category's id, title and size."""

    id: str
    title: str
    questions: int
    by_difficulty: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "questions": self.questions,
            "by_difficulty": dict(self.by_difficulty),
        }


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
        # question_key of every text, once: a draw looks at hundreds.
        self._key: dict[str, str] = {}
        for cat in categories:
            phrases = (cat.key, cat.name, *cat.keywords, *SYNONYMS.get(cat.key, ()))
            self._keywords[cat.key] = frozenset(
                kw for kw in (tuple(_stem(w) for w in _words(p)) for p in phrases) if kw
            )
            levels: dict[str, list[Question]] = {}
            for question, level in cat.questions:
                levels.setdefault(level, []).append(question)
                self._key[question.text] = question_key(question.text)
            self._by_level[cat.key] = levels
            self._all[cat.key] = [q for q, _level in cat.questions]

    @classmethod
    def load(cls, folder: Path = BANK_DIR) -> Bank:
        categories = []
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            # Checked like every question (quiz.core.parse): a bad entry in
            # the bank stops the server at start, naming it.
            questions = tuple(
                (
                    parse_question(
                        {
                            "text": item["q"],
                            "options": item["options"],
                            "correct": item["answer"],
                            "explanation": item.get("explanation"),
                        },
                        f"{path.name}[{index}]",
                        source="bank",
                        category=data["category"],
                    ),
                    item["difficulty"],
                )
                for index, item in enumerate(data["questions"])
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

    def category_info(self) -> list[CategoryInfo]:
        """Every category a host can pick (id, title, size), by title.

        ``categories`` (the dict by id) stays as it was: code outside this
        package reads it.
        """
        infos = []
        for cat in self.categories.values():
            levels = {level: len(self._by_level[cat.key].get(level, [])) for level in DIFFICULTIES}
            infos.append(CategoryInfo(cat.key, cat.name, len(cat.questions), levels))
        return sorted(infos, key=lambda info: info.title.casefold())

    def named_category(self, topic: str) -> str | None:
        """The category id a topic names exactly (id or title, any case), :data:`MIXED`
        for a mix of all, or None for a free topic."""
        words = tuple(_words(topic))
        if " ".join(words) in MIXED_TOPICS:
            return MIXED
        for cat in self.categories.values():
            if words in (tuple(_words(cat.key)), tuple(_words(cat.name))):
                return cat.key
        return None

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
        exclude: Collection[str] = frozenset(),
        chosen: Sequence[Question] = (),
    ) -> list[Question]:
        """``count`` distinct questions for ``topic``, options shuffled.

        Preference order: the topic's categories (the one it names, or those
        its keywords match) at the asked difficulty, then at any difficulty,
        then every category evenly mixed at the asked difficulty, then at any.
        A topic that names nothing and matches nothing, or "mixed", starts at
        the even mix.

        Never drawn: a question whose text is in ``exclude`` (compared as
        :func:`question_key`, so case and spacing do not matter), nor one
        that would give away, or be given away by, a question already drawn
        or in ``chosen`` (the game's other questions, not drawn here). The
        result is shorter than ``count`` only when the whole bank has no
        unplayed question left that fits.
        """
        if count <= 0:
            return []
        named = self.named_category(topic)
        if named == MIXED:
            first: list[str] = []
        elif named is not None:
            first = [named]
        else:
            first = self.match(topic)
        every = list(self.categories)
        seen = {question_key(text) for text in exclude}
        seen.update(question_key(q.text) for q in chosen)
        game = GameSet(chosen)
        picked: list[Question] = []
        tiers = [(first, difficulty), (first, None)] if first else []
        tiers += [(every, difficulty), (every, None)]
        for keys, level in tiers:
            missing = count - len(picked)
            if missing == 0:
                break
            for question in self._candidates(keys, level, rng, seen, game):
                seen.add(self._key[question.text])
                game.add(question)
                picked.append(shuffle_options(question, rng))
                if len(picked) == count:
                    break
        return picked

    def _candidates(
        self,
        keys: list[str],
        level: Difficulty | None,
        rng: random.Random,
        seen: set[str],
        game: GameSet,
    ) -> Iterable[Question]:
        """The unseen questions of ``keys`` at ``level`` (None: any) that fit
        ``game``, in random order, categories taking turns (an even mix).

        A generator: ``game`` grows while it runs, so each candidate is
        checked against everything picked before it.
        """
        queues = []
        for key in keys:
            pool = self._by_level[key].get(level, []) if level else self._all[key]
            queue = [q for q in pool if self._key[q.text] not in seen]
            rng.shuffle(queue)
            queues.append(queue)
        rng.shuffle(queues)
        # Round-robin over the categories' shuffled queues: a mix of ten
        # questions over sixteen categories is ten categories, not three.
        for position in range(max((len(q) for q in queues), default=0)):
            for queue in queues:
                if position < len(queue):
                    question = queue[position]
                    if self._key[question.text] not in seen and game.fits(question):
                        yield question


def shuffle_options(question: Question, rng: random.Random) -> Question:
    """The same question with its options in a random order.

    True/false options keep their order: "True" comes first in every language.
    """
    if question.kind == "true_false":
        return question
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return dataclasses.replace(
        question,
        options=tuple(question.options[i] for i in order),
        correct=tuple(order.index(i) for i in question.correct),
    )
