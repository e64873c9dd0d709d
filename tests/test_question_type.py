"""The `Question` type: every kind round-trips, and the v1 shape still reads."""

from __future__ import annotations

import pytest

from quiz.core.parse import QuestionError, question_from_dict
from quiz.core.question import Question

KINDS = [
    Question("Capital of France?", ("Paris", "Rome"), 0, "Geo", "llm"),
    Question(
        "Primes?", ("2", "4", "5", "9"), (0, 2), kind="multi", points=2, explanation="2 and 5"
    ),
    Question("Sky is blue?", ("True", "False"), (0,), kind="true_false", time_limit=10),
    Question("Zoë's city?", (), (), kind="text", answers=("Zürich", "Zurich"), source="host"),
    Question("Favourite colour?", ("red", "blue"), (), kind="poll", points=0),
]


def test_a_v1_choice_question_is_built_with_a_plain_index() -> None:
    q = Question("Q?", ("a", "b", "c"), 2)
    assert q.correct == (2,)
    assert q.correct[0] == 2
    assert q.kind == "choice" and q.points == 1 and q.time_limit is None


@pytest.mark.parametrize("question", KINDS, ids=lambda q: q.kind)
def test_every_kind_round_trips(question: Question) -> None:
    assert question_from_dict(question.to_dict()) == question


def test_the_dict_is_the_protocol_question_object() -> None:
    assert KINDS[0].to_dict()["correct"] == 0
    assert KINDS[1].to_dict()["correct"] == [0, 2]
    text = KINDS[3].to_dict()
    assert "options" not in text and "correct" not in text
    assert text["answers"] == ["Zürich", "Zurich"]
    assert "correct" not in KINDS[4].to_dict()


def test_the_old_snapshot_shape_still_reads() -> None:
    old = {"text": "Q?", "options": ["a", "b"], "correct": 1, "category": "C", "source": "llm"}
    assert question_from_dict(old) == Question("Q?", ("a", "b"), 1, "C", "llm")


@pytest.mark.parametrize(
    "junk",
    ["text", {"text": "?"}, {"text": "?", "kind": "quiz", "options": []}, {"kind": "text"}],
)
def test_junk_is_refused(junk: object) -> None:
    with pytest.raises(QuestionError):
        question_from_dict(junk)
