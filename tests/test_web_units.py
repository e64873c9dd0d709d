"""The browser client's unit tests, and what its editor sends to the server.

``tests/web/*.test.mjs`` test the client's pure modules (the state reducer,
the quiz editor's rules, CSV, QR...) with Node's built-in test runner; this
module runs them, so that ``python -m pytest`` runs them too. Node is
required: without it the tests fail, they never skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from quiz.core.parse import QuestionError, parse_question
from tests.test_question_cases import CASES

ROOT = Path(__file__).resolve().parent.parent
WEB_TESTS = ROOT / "tests" / "web"
TIMEOUT_S = 60


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail(
            "node is not installed: the browser client's unit tests (tests/web) need "
            "Node.js 20 or later (apt-get install nodejs)",
            pytrace=False,
        )
    return found


def test_the_browser_clients_unit_tests_pass() -> None:
    files = sorted(WEB_TESTS.glob("*.test.mjs"))
    assert len(files) >= 5, files
    # The files by name: `node --test DIR` finds them on Node 20, but later
    # versions read the argument as a glob.
    run = subprocess.run(
        [node(), "--test", *(str(f.relative_to(ROOT)) for f in files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if run.returncode != 0:
        pytest.fail(
            f"node --test tests/web/ failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}",
            pytrace=False,
        )


# Questions as the editor holds them while the host types: blank option rows
# and answer lines, a tick on a blank row. The editor accepts each; what it
# sends must be what the server accepts.
EDITOR_SHAPES: list[dict[str, Any]] = [
    {
        "kind": "choice",
        "text": " Capital\nof France? ",
        "options": ["", "Rome", " ", "Paris"],
        "correct": 3,
    },
    {"kind": "multi", "text": "Primes?", "options": ["2", "", "5", ""], "correct": [0, 1, 2]},
    {
        "kind": "true_false",
        "text": "The Sun is a star.",
        "options": ["True", "False"],
        "correct": 0,
    },
    {"kind": "text", "text": "Who wrote Faust?", "answers": ["", "Goethe", "  J. W.  Goethe ", ""]},
    {"kind": "poll", "text": "Cats or dogs?", "options": ["Cats", "", "Dogs", ""], "points": 1},
    {
        "kind": "choice",
        "text": "Largest ocean?",
        "options": ["Atlantic", "Pacific", "Indian", "Arctic"],
        "correct": 1,
        "time_limit": 20,
    },
    # Protocol 1.2: a picture and pictures on option rows, blank rows among
    # them (a row's picture goes with it); an order's blank rows; a slider;
    # a round title with white space to fold.
    {
        "kind": "choice",
        "text": "Which flag?",
        "options": ["France", "", "Italy", ""],
        "option_images": ["a" * 64, None, "b" * 64, None],
        "correct": 2,
        "image": "c" * 64,
        "image_alt": "  A flag ",
        "audio": "d" * 64,
        "round": " Flags\n of  Europe ",
    },
    {
        "kind": "poll",
        "text": "Cats?",
        "options": ["Cats", "Dogs", "", ""],
        "option_images": [None] * 4,
    },
    {"kind": "order", "text": "Sun first", "options": ["Mercury", "", "Venus", "Earth", "", ""]},
    {"kind": "slider", "text": "Apollo 11?", "min": 1950, "max": 2000, "step": 1, "correct": 1969},
]

EDITOR = """
import { readFileSync } from "node:fs";
const { web } = await import(process.argv[1]);
const { checkQuestion } = await web("quizdoc.js");
const questions = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(questions.map((q) => checkQuestion(q))));
"""


def editor_check(questions: list[Any]) -> list[dict[str, Any]]:
    """web/quizdoc.js's checkQuestion of each question: {question, errors}."""
    run = subprocess.run(
        [node(), "--input-type=module", "-e", EDITOR, (WEB_TESTS / "web.mjs").as_uri()],
        input=json.dumps(questions),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    checked: list[dict[str, Any]] = json.loads(run.stdout)
    assert len(checked) == len(questions)
    return checked


def meaning(question: Any) -> tuple[object, ...]:
    """What a parsed question asks and accepts (not how its options are labelled)."""
    return (
        question.kind,
        question.text,
        question.correct,
        question.answers,
        question.time_limit,
        question.points,
        question.explanation,
        question.slider,
        question.round,
        question.image,
        question.image_alt,
        question.audio,
        question.option_images,
    )


def test_what_the_editor_sends_the_server_takes_as_meant() -> None:
    """Every question the editor accepts, as the editor sends it, is one the
    server accepts; for the table's accepted questions, the same question."""
    shown = [c["question"] for c in CASES] + EDITOR_SHAPES
    checked = editor_check(shown)
    sent = 0
    for raw, result in zip(shown, checked, strict=True):
        if raw in EDITOR_SHAPES:
            assert result["errors"] == {}, (raw, result["errors"])
        if result["errors"]:
            continue
        sent += 1
        try:
            as_sent = parse_question(result["question"], "q")
        except QuestionError as refused:
            pytest.fail(f"the editor accepts {raw!r} and sends {result['question']!r}: {refused}")
        if raw in EDITOR_SHAPES:
            continue
        as_written = parse_question(raw, "q")
        assert meaning(as_sent) == meaning(as_written), raw
        if raw.get("options") is not None:
            assert as_sent.options == as_written.options, raw
    assert sent == sum(c["ok"] for c in CASES) + len(EDITOR_SHAPES)
