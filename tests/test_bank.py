"""The bundled bank: every entry checked, and topics matched to the right category."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from quiz.core.question import DIFFICULTIES, Question
from quiz.llm import bank_categories
from quiz.llm.bank import BANK_DIR, SYNONYMS, Bank
from quiz.llm.giveaway import conflict, gives_itself_away, significant_words
from quiz.llm.validate import parse_questions, question_key

CATEGORIES = {
    "science", "history", "geography", "literature", "music", "film_tv", "sports", "art",
    "food_drink", "animals_nature", "technology", "space", "mathematics", "language",
    "mythology", "video_games",
}  # fmt: skip


def bank_files() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(BANK_DIR.glob("*.json"))
    ]


@pytest.fixture(scope="module")
def bank() -> Bank:
    return Bank.load()


def test_bank_size_and_categories() -> None:
    files = bank_files()
    keys = {data["category"] for _path, data in files}
    assert len(keys) >= 15
    assert keys == CATEGORIES
    assert sum(len(data["questions"]) for _path, data in files) >= 500
    assert set(SYNONYMS) <= keys


@pytest.mark.parametrize("path", sorted(BANK_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_entry_of_a_category(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) >= {"category", "name", "keywords", "questions"}
    assert data["category"] == path.stem
    assert isinstance(data["name"], str) and data["name"].strip()
    assert data["keywords"] and all(isinstance(k, str) and k.strip() for k in data["keywords"])
    levels = Counter()
    problems = []
    for index, item in enumerate(data["questions"]):
        where = f"{path.name} #{index} {item.get('q', '')[:40]!r}"
        if set(item) != {"q", "options", "answer", "difficulty", "explanation"}:
            problems.append(f"{where}: keys {sorted(item)}")
            continue
        explanation = item["explanation"]
        # One short sentence: the protocol allows 300 characters; the bank
        # keeps to a line a phone shows under the result.
        if not (isinstance(explanation, str) and 10 <= len(explanation) <= 200):
            problems.append(f"{where}: explanation length {len(str(explanation))}")
        elif explanation != explanation.strip() or not explanation.endswith((".", '."', ".'")):
            problems.append(f"{where}: explanation is not one clean sentence")
        if item["difficulty"] not in DIFFICULTIES:
            problems.append(f"{where}: difficulty {item['difficulty']!r}")
        levels[item["difficulty"]] += 1
        # The same checks as a model's output: text bounded, 2 to 4 distinct
        # non-empty options, one correct index in range.
        as_model = {"text": item["q"], "options": item["options"], "correct": item["answer"],
                    "explanation": item["explanation"]}  # fmt: skip
        parsed = parse_questions(json.dumps([as_model]), data["category"])
        if parsed.rejected:
            problems.append(f"{where}: {parsed.rejected[0]}")
        elif parsed.questions[0].text != item["q"] or list(parsed.questions[0].options) != [
            o for o in item["options"]
        ]:
            problems.append(f"{where}: stray spaces or control characters")
    assert not problems, "\n".join(problems)
    assert all(levels[level] >= 5 for level in DIFFICULTIES), levels


def test_no_question_twice_in_the_bank() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for path, data in bank_files():
        for item in data["questions"]:
            key = question_key(item["q"])
            if key in seen:
                duplicates.append(f"{item['q']!r} in {path.name} and {seen[key]}")
            seen[key] = path.name
    assert not duplicates, "\n".join(duplicates)


@pytest.mark.parametrize(
    ("topic", "category"),
    [
        ("World War II", "history"),
        ("Ancient Egypt", "history"),
        ("Greek gods", "mythology"),
        ("The Beatles", "music"),
        ("Harry Potter books", "literature"),
        ("Black holes", "space"),
        ("Football", "sports"),
        ("Pixar movies", "film_tv"),
        ("Pokemon", "video_games"),
        ("Italian cuisine", "food_drink"),
        ("Prime numbers", "mathematics"),
        ("Capital cities of Europe", "geography"),
        ("Impressionist painters", "art"),
        ("Programming languages", "technology"),
        ("Dinosaurs", "animals_nature"),
        ("Chemistry", "science"),
        ("English grammar", "language"),
        ("SHARKS!", "animals_nature"),
    ],
)
def test_topic_matches_the_expected_category(bank: Bank, topic: str, category: str) -> None:
    assert bank.match(topic)[0] == category


def test_unknown_topic_draws_a_general_mix(bank: Bank) -> None:
    assert bank.match("xyzzy plugh") == []
    questions = bank.draw("xyzzy plugh", 30, "easy", random.Random(3))
    assert len(questions) == 30
    assert len({q.category for q in questions}) >= 5


def test_draw_prefers_the_matched_category_and_level(bank: Bank) -> None:
    rng = random.Random(5)
    questions = bank.draw("space", 5, "hard", rng)
    assert {q.category for q in questions} == {"space"}
    hard = {q.text for q, level in bank.categories["space"].questions if level == "hard"}
    assert {q.text for q in questions} <= hard


def test_draw_tops_up_beyond_a_category_and_never_repeats(bank: Bank) -> None:
    size = len(bank.categories["space"].questions)
    questions = bank.draw("space", size + 10, "easy", random.Random(1))
    assert len(questions) == size + 10
    assert len({q.text for q in questions}) == size + 10
    # Every space question that does not give another away, then the rest.
    assert size // 2 <= sum(q.category == "space" for q in questions) <= size


def test_draw_respects_exclude_and_shuffles_options(bank: Bank) -> None:
    first = bank.draw("music", 5, "easy", random.Random(2))
    again = bank.draw("music", 10, "easy", random.Random(2), frozenset(q.text for q in first))
    assert not {q.text for q in first} & {q.text for q in again}
    originals = {q.text: q for q, _level in bank.categories["music"].questions}
    for question in first + again:
        original = originals[question.text]
        assert sorted(question.options) == sorted(original.options)
        assert question.options[question.correct[0]] == original.options[original.correct[0]]
    assert any(
        q.options != originals[q.text].options for q in first + again
    )  # shuffled at least once


# --- give-aways ------------------------------------------------------------------


def test_no_bank_question_gives_its_own_answer_away(bank: Bank) -> None:
    # The rule (quiz/llm/giveaway.py): a significant word of the correct option in
    # the question's text, and in no wrong option, singles the answer out.
    offenders = [
        f"{q.category}: {q.text!r} -> {q.options[q.correct[0]]!r} ({sorted(words)})"
        for cat in bank.categories.values()
        for q, _level in cat.questions
        if (words := gives_itself_away(q))
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    ("text", "options", "correct", "flagged"),
    [
        ("Which river flows through the Nile valley?", ["Nile", "Amazon", "Congo"], 0, True),
        ("Which Pixar film stars the toys Woody and Buzz?", ["Toy Story", "Up", "Cars"], 0, True),
        ("Who is the god Pan's father?", ["Hermes", "Pan", "Zeus"], 0, False),
        ("In which year (AD) did Rome fall?", ["476 AD", "410 AD", "1453 AD"], 0, False),
        ('In "The dog barked loudly", which word is the verb?', ["dog", "barked", "loudly"], 1,
         False),
        ("Which god of the sea carries a trident?", ["Ares", "Poseidon", "Apollo"], 1, False),
        ("Which Greek god, named Poseidon, rules the sea?", ["Ares", "Poseidon", "Apollo"], 1,
         True),
    ],
)  # fmt: skip
def test_the_self_giveaway_rule(text: str, options: list[str], correct: int, flagged: bool) -> None:
    question = Question(text, tuple(options), correct)
    assert bool(gives_itself_away(question)) is flagged


def test_the_mutual_giveaway_rule() -> None:
    king = Question("Who is the king of the Greek gods?", ("Poseidon", "Zeus", "Hades"), 1)
    roman = Question("Who is the Roman equivalent of Zeus?", ("Mars", "Jupiter", "Apollo"), 1)
    sea = Question("Who is the Greek god of the sea?", ("Ares", "Zeus", "Poseidon"), 2)
    trident = Question("Which god carries a trident?", ("Hermes", "Poseidon", "Pan"), 1)
    assert conflict(king, roman) and conflict(roman, king)  # the text names the answer
    assert not conflict(king, sea)  # an answer among the options only is no give-away
    assert conflict(sea, trident)  # the same answer twice
    truth = Question("Zeus is a Greek god.", ("True", "False"), 0, kind="true_false")
    other = Question("Is the sun a star?", ("True", "False"), 0, kind="true_false")
    assert not conflict(truth, other)  # True/False is nobody's give-away
    assert conflict(truth, king)  # but naming Zeus still gives the king away


def test_no_two_questions_of_a_draw_give_each_other_away(bank: Bank) -> None:
    topics = ["mixed", "space", "Greek mythology", "science", "xyzzy", "geography", "Music"]
    ever_drawn: dict[str, dict[str, Question]] = {}  # by category, by text
    for seed in range(120):
        rng = random.Random(seed)
        topic = topics[seed % len(topics)]
        count = rng.choice([5, 10, 20, 50])
        drawn = bank.draw(topic, count, rng.choice(DIFFICULTIES), rng)
        assert len(drawn) == count
        for i, a in enumerate(drawn):
            for b in drawn[i + 1 :]:
                assert not conflict(a, b), f"seed {seed}: {a.text!r} / {b.text!r}"
        for q in drawn:
            ever_drawn.setdefault(q.category, {})[q.text] = q
    # The rule had pairs to keep apart: questions that give each other away
    # were each drawn, in different draws, never in the same one.
    kept_apart = [
        (a.text, b.text)
        for by_text in ever_drawn.values()
        for a, b in combinations(by_text.values(), 2)
        if conflict(a, b)
    ]
    assert kept_apart


def test_a_draw_does_not_give_away_the_questions_already_chosen(bank: Bank) -> None:
    zeus = Question("Which god threw thunderbolts from Olympus?", ("Zeus", "Ares"), 0)
    for seed in range(30):
        drawn = bank.draw("mythology", 30, "easy", random.Random(seed), chosen=[zeus])
        assert all(not conflict(zeus, q) for q in drawn)
        assert zeus.text not in {q.text for q in drawn}


# --- categories for the host ------------------------------------------------------


def test_category_info_lists_every_category(bank: Bank) -> None:
    infos = bank.category_info()
    assert {i.id for i in infos} == CATEGORIES
    assert sum(i.questions for i in infos) == len(bank)
    science = next(i for i in infos if i.id == "science")
    assert science.title == "Science"
    assert sum(science.by_difficulty.values()) == science.questions
    data = bank_categories(bank)
    json.dumps(data)  # JSON-ready
    assert data[0] == {"id": "mixed", "title": "Mixed (all categories)", "questions": len(bank),
                       "by_difficulty": data[0]["by_difficulty"]}  # fmt: skip
    assert [d["id"] for d in data[1:]] == [i.id for i in infos]


@pytest.mark.parametrize("topic", ["film_tv", "Film & TV", "film tv", "  FILM & tv "])
def test_a_topic_naming_a_category_draws_from_it(bank: Bank, topic: str) -> None:
    assert bank.named_category(topic) == "film_tv"
    drawn = bank.draw(topic, 20, "medium", random.Random(4))
    assert {q.category for q in drawn} == {"film_tv"}


@pytest.mark.parametrize("topic", ["mixed", "Mixed", "general knowledge", "General Knowledge"])
def test_mixed_draws_evenly_from_every_category(bank: Bank, topic: str) -> None:
    assert bank.named_category(topic) == "mixed"
    drawn = bank.draw(topic, 16, "easy", random.Random(8))
    counts = Counter(q.category for q in drawn)
    assert len(counts) >= 14, counts  # round-robin, less what give-aways skip
    assert max(counts.values()) <= 2


def test_exclude_is_never_drawn_even_when_the_category_runs_out(bank: Bank) -> None:
    played: set[str] = set()
    for seed in range(6):
        drawn = bank.draw("video games", 20, "easy", random.Random(seed), exclude=played)
        texts = {q.text for q in drawn}
        assert len(drawn) == 20
        assert not texts & played
        played |= texts
    # Case and spacing do not let a played question back in.
    shouted = {t.upper() + "  " for t in played}
    again = bank.draw("video games", 40, "easy", random.Random(9), exclude=shouted)
    assert not {q.text for q in again} & played


def test_an_exhausted_bank_returns_what_it_has_without_repeats(bank: Bank) -> None:
    everything = [q.text for cat in bank.categories.values() for q, _l in cat.questions]
    keep = set(everything[:3])
    drawn = bank.draw("mixed", 10, "easy", random.Random(1), exclude=set(everything) - keep)
    assert {q.text for q in drawn} <= keep


def test_bank_questions_carry_their_explanation(bank: Bank) -> None:
    drawn = bank.draw("science", 5, "easy", random.Random(3))
    assert all(q.explanation for q in drawn)


def test_every_explanation_is_about_its_own_question(bank: Bank) -> None:
    # A guard against explanations shifted by one when the bank is edited:
    # each shares a significant word with its question or right option, or
    # names the right option outright.
    strays = []
    for cat in bank.categories.values():
        for q, _level in cat.questions:
            answer = q.options[q.correct[0]]
            about = significant_words(q.text) | significant_words(answer)
            said = significant_words(q.explanation)
            named = {w.casefold() for w in answer.split()} <= {
                w.casefold().strip(".,:;") for w in q.explanation.split()
            }
            if not (about & said or named):
                strays.append(f"{cat.key}: {q.text!r}: {q.explanation!r}")
    assert not strays, "\n".join(strays)
