"""The bundled bank: every entry checked, and topics matched to the right category."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from llm.bank import BANK_DIR, SYNONYMS, Bank
from llm.types import DIFFICULTIES
from llm.validate import parse_questions, question_key

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
        if set(item) != {"q", "options", "answer", "difficulty"}:
            problems.append(f"{where}: keys {sorted(item)}")
            continue
        if item["difficulty"] not in DIFFICULTIES:
            problems.append(f"{where}: difficulty {item['difficulty']!r}")
        levels[item["difficulty"]] += 1
        # The same checks as a model's output: text bounded, 2 to 4 distinct
        # non-empty options, one correct index in range.
        as_model = {"text": item["q"], "options": item["options"], "correct": item["answer"]}
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
    assert sum(q.category == "space" for q in questions) == size


def test_draw_respects_exclude_and_shuffles_options(bank: Bank) -> None:
    first = bank.draw("music", 5, "easy", random.Random(2))
    again = bank.draw("music", 10, "easy", random.Random(2), frozenset(q.text for q in first))
    assert not {q.text for q in first} & {q.text for q in again}
    originals = {q.text: q for q, _level in bank.categories["music"].questions}
    for question in first + again:
        original = originals[question.text]
        assert sorted(question.options) == sorted(original.options)
        assert question.options[question.answer_index] == original.options[original.answer_index]
    assert any(
        q.options != originals[q.text].options for q in first + again
    )  # shuffled at least once
