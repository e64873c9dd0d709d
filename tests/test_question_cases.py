"""The server's question rules against the shared table of cases.

``tests/cases/questions.json`` lists questions (as in docs/quiz-format.md)
with the server's verdict: accepted, or refused naming a field path. The
browser's editor is held to the same table by
``tests/web/question-cases.test.mjs`` (run by ``tests/test_web_units.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from quiz.core.parse import QuestionError, parse_question

CASES_FILE = Path(__file__).parent / "cases" / "questions.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
KINDS = ("choice", "multi", "true_false", "text", "poll", "slider", "order")


def kind_of(case: dict[str, Any]) -> str | None:
    question = case["question"]
    return (question.get("kind") or "choice") if isinstance(question, dict) else None


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_server_gives_the_verdict_of_the_table(case: dict[str, Any]) -> None:
    if case["ok"]:
        parse_question(case["question"], "q")
        return
    with pytest.raises(QuestionError) as refused:
        parse_question(case["question"], "q")
    assert refused.value.path == case["path"], str(refused.value)
    assert str(refused.value).startswith(f"{case['path']}: ")


def test_the_table_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(set(names)) == len(names), "case names must be unique"
    for case in CASES:
        assert set(case) == {"name", "question", "ok", "path"}, case["name"]
        assert isinstance(case["ok"], bool), case["name"]
        if case["ok"]:
            assert case["path"] is None, case["name"]
        else:
            assert re.fullmatch(r"q(\.\w+(\[\d+\])?)?", case["path"]), case["name"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_questions_accepted_and_refused(kind: str) -> None:
    verdicts = {c["ok"] for c in CASES if kind_of(c) == kind}
    assert verdicts == {True, False}, kind


def test_every_field_the_server_can_name_has_a_case() -> None:
    named = {re.sub(r"\[\d+\]", "[i]", c["path"]) for c in CASES if not c["ok"]}
    assert named == {
        "q",
        "q.kind",
        "q.text",
        "q.options",
        "q.options[i]",
        "q.correct",
        "q.correct[i]",
        "q.answers",
        "q.answers[i]",
        "q.time_limit",
        "q.points",
        "q.explanation",
        "q.min",
        "q.max",
        "q.step",
        "q.tolerance",
        "q.margin",
        "q.round",
        "q.image",
        "q.image_alt",
        "q.audio",
        "q.option_images",
        "q.option_images[i]",
    }
