"""The host's own quiz in the browser: the editor, imports, and playing
every kind of question by touch and by keyboard (headless Chromium).

The host writes five questions (one of each kind) in the editor (the
``blank_editor`` and ``written_editor`` fixtures), and each test takes it
from there: errors shown on the field they belong to; reorder, duplicate
and delete; a CSV in Kahoot's spreadsheet layout and pasted rows imported;
the documented JSON exported; the quiz kept across a reload; and the quiz
presented to two players, one clicking on a desktop page, one on a
phone-sized page using only the keyboard.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import WebSocketRoute, expect

from tests.browser_helpers import QuizPage, axe_check

KAHOOT_CSV = (
    # Kahoot's template: a number column, the question, four answers, the
    # time limit and the correct answer numbers, under a header row.
    "#,Question - max 120 characters,Answer 1 - max 75 characters,Answer 2 - max 75 characters,"
    "Answer 3 - max 75 characters,Answer 4 - max 75 characters,"
    "Time limit (sec) - 5; 10; 20; 30; 60; 90; 120; or 240 secs,"
    "Correct answer(s) - choose at least one\r\n"
    '1,"Which ocean is the largest?",Atlantic,Pacific,Indian,Arctic,20,2\r\n'
    '2,"Which of these are mammals?","Whale","Shark","Bat","Trout",30,"1,3"\r\n'
)

# The five questions the host types: kind -> what to fill in.
QUIZ: list[dict[str, Any]] = [
    {
        "kind": "choice",
        "text": "What is the capital of France?",
        "options": ["Paris", "Lyon", "Nice", "Lille"],
        "correct": [0],
        "explanation": "Paris has been the capital since 987.",
    },
    {
        "kind": "multi",
        "text": "Which of these numbers are prime?",
        "options": ["2", "3", "4", "9"],
        "correct": [0, 1],
    },
    {"kind": "true_false", "text": "The Sun is a star.", "correct": [0]},
    {"kind": "text", "text": "Which planet is the largest?", "answers": ["Jupiter"]},
    {"kind": "poll", "text": "Which colour do you like best?", "options": ["Red", "Blue", "Green"]},
]


async def fill_question(host: QuizPage, index: int, q: dict[str, Any]) -> None:
    card = host.by("editor-question").nth(index)
    await expect(card).to_have_attribute("data-kind", q["kind"])
    await card.get_by_test_id("q-text").fill(q["text"])
    if q["kind"] == "text":
        await card.get_by_test_id("q-answers").fill("\n".join(q["answers"]))
    elif q["kind"] != "true_false":
        for i, option in enumerate(q["options"]):
            await card.get_by_test_id(f"q-option-{i}").fill(option)
    for i in q.get("correct", []):
        await card.get_by_test_id(f"q-correct-{i}").check()
    if "explanation" in q:
        await card.get_by_test_id("q-explanation").fill(q["explanation"])


async def read_download(download: Any) -> str:
    path = await download.path()
    return await asyncio.to_thread(Path(path).read_text, encoding="utf-8-sig")


async def editor_texts(host: QuizPage) -> list[str]:
    return [await t.input_value() for t in await host.page.get_by_test_id("q-text").all()]


@dataclass
class Editor:
    """A server, and its host's page on the quiz editor."""

    port: int
    host: QuizPage


@pytest.fixture
async def blank_editor(start_server, browser) -> Editor:
    """The editor opened from the home page, the quiz named, one question of
    each kind added (all still empty)."""
    quiz = await start_server(countdown_seconds=0)
    host = await QuizPage.open(browser, "Quizmaster", "desktop")
    await host.goto(quiz.server.port)
    await host.page.locator("label[for]").filter(has_text="My own quiz").click()
    await expect(host.by("myquiz-info")).to_contain_text("no quiz yet")
    await host.by("open-editor").click()
    await expect(host.by("editor")).to_be_visible()
    await host.by("editor-title").fill("Friday quiz")
    for q in QUIZ:
        await host.by("editor-add-kind").select_option(q["kind"])
        await host.by("editor-add").click()
    await expect(host.by("editor-question")).to_have_count(5)
    return Editor(quiz.server.port, host)


@pytest.fixture
async def written_editor(blank_editor: Editor) -> Editor:
    """The five questions of QUIZ written in the editor (and so saved)."""
    for i, q in enumerate(QUIZ):
        await fill_question(blank_editor.host, i, q)
    return blank_editor


async def import_kahoot_csv(host: QuizPage, tmp_path: Path) -> None:
    """KAHOOT_CSV as a file through the editor's import (two questions)."""
    csv_path = tmp_path / "kahoot.csv"
    csv_path.write_text(KAHOOT_CSV, encoding="utf-8")
    await host.page.locator("details.more > summary").click()
    await host.by("editor-import-file").set_input_files(str(csv_path))
    await expect(host.by("editor-import-note")).to_contain_text("2 questions added")


async def paste_true_false_row(host: QuizPage) -> None:
    """A row pasted from a spreadsheet (tab-separated): a true/false question."""
    count = await host.by("editor-question").count()
    await host.by("editor-paste").fill("Is water wet?\tTrue\tFalse\t\t\t10\t1")
    await host.by("editor-paste-submit").click()
    await expect(host.by("editor-question")).to_have_count(count + 1)


async def test_the_editor_shows_each_error_on_its_field(blank_editor: Editor) -> None:
    host = blank_editor.host
    # Using it half-written shows the error on the field it belongs to.
    await host.by("editor-done").click()
    first = host.by("editor-question").first
    await expect(first.get_by_test_id("q-text")).to_have_attribute("aria-invalid", "true")
    await expect(first.locator("[data-field='text']")).to_have_text("Write the question.")
    await expect(host.by("editor-summary")).to_contain_text("Question 1 needs fixing")
    await expect(host.by("phase")).to_have_attribute("data-phase", "editor")

    for i, q in enumerate(QUIZ):
        await fill_question(host, i, q)
    await expect(first.get_by_test_id("q-text")).not_to_have_attribute("aria-invalid", "true")
    await host.shot("editor")
    await axe_check(host, "editor")
    # A duplicate answer is an error on that answer's field.
    card = host.by("editor-question").nth(4)
    await card.get_by_test_id("q-option-2").fill("red")
    await card.get_by_test_id("q-text").focus()
    await expect(card.locator("[data-field='options.2']")).to_contain_text("same answer twice")
    await expect(card.get_by_test_id("q-option-2")).to_have_attribute("aria-invalid", "true")
    await card.get_by_test_id("q-option-2").fill("Green")
    await expect(card.get_by_test_id("q-option-2")).not_to_have_attribute("aria-invalid", "true")
    host.assert_clean()


async def test_the_editor_reorders_duplicates_and_deletes(written_editor: Editor) -> None:
    host = written_editor.host
    texts = [q["text"] for q in QUIZ]
    await host.by("editor-question").nth(4).get_by_test_id("q-up").click()
    assert await editor_texts(host) == [*texts[:3], texts[4], texts[3]]
    await host.by("editor-question").nth(3).get_by_test_id("q-down").click()
    assert await editor_texts(host) == texts
    await host.by("editor-question").nth(1).get_by_test_id("q-duplicate").click()
    assert await editor_texts(host) == [texts[0], texts[1], texts[1], *texts[2:]]
    await host.by("editor-question").nth(2).get_by_test_id("q-delete").click()
    assert await editor_texts(host) == texts
    host.assert_clean()


async def test_the_editor_imports_a_kahoot_csv_and_pasted_rows(
    written_editor: Editor, tmp_path: Path
) -> None:
    host = written_editor.host
    # A Kahoot spreadsheet saved as CSV.
    await import_kahoot_csv(host, tmp_path)
    await expect(host.by("editor-question")).to_have_count(7)
    ocean = host.by("editor-question").nth(5)
    await expect(ocean).to_have_attribute("data-kind", "choice")
    await expect(ocean.get_by_test_id("q-option-1")).to_have_value("Pacific")
    await expect(ocean.get_by_test_id("q-correct-1")).to_be_checked()
    await expect(ocean.get_by_test_id("q-time")).to_have_value("20")
    mammals = host.by("editor-question").nth(6)
    await expect(mammals).to_have_attribute("data-kind", "multi")
    for i, checked in enumerate([True, False, True, False]):
        box = mammals.get_by_test_id(f"q-correct-{i}")
        await (expect(box).to_be_checked() if checked else expect(box).not_to_be_checked())

    # Rows pasted from a spreadsheet (tab-separated) land the same way.
    await paste_true_false_row(host)
    await expect(host.by("editor-question")).to_have_count(8)
    await expect(host.by("editor-question").nth(7)).to_have_attribute("data-kind", "true_false")
    host.assert_clean()


async def test_the_editor_exports_the_documented_json(
    written_editor: Editor, tmp_path: Path
) -> None:
    host = written_editor.host
    await import_kahoot_csv(host, tmp_path)
    await paste_true_false_row(host)
    async with host.page.expect_download() as info:
        await host.by("editor-export").click()
    exported = json.loads(await read_download(await info.value))
    assert isinstance(exported, list)  # docs/quiz-format.md: a list of questions
    assert [q["kind"] for q in exported] == [
        "choice",
        "multi",
        "true_false",
        "text",
        "poll",
        "choice",
        "multi",
        "true_false",
    ]
    assert exported[1]["correct"] == [0, 1]
    assert exported[3]["answers"] == ["Jupiter"]
    assert exported[0]["explanation"] == QUIZ[0]["explanation"]
    host.assert_clean()


async def test_the_quiz_survives_a_reload(written_editor: Editor, tmp_path: Path) -> None:
    """Kept in localStorage as edited: imported questions deleted stay deleted."""
    host = written_editor.host
    texts = [q["text"] for q in QUIZ]
    await import_kahoot_csv(host, tmp_path)
    for _ in range(2):
        await host.by("editor-question").nth(5).get_by_test_id("q-delete").click()
    await expect(host.by("editor-question")).to_have_count(5)
    await host.page.reload()
    await host.expect_connected()
    await expect(host.by("myquiz-info")).to_contain_text("Friday quiz: 5 questions")
    await host.by("open-editor").click()
    await expect(host.by("editor-question")).to_have_count(5)
    assert await editor_texts(host) == texts
    await expect(host.by("editor-title")).to_have_value("Friday quiz")
    await expect(host.by("editor-question").nth(1).get_by_test_id("q-correct-1")).to_be_checked()
    await host.by("editor-done").click()
    await host.expect_phase("home")
    host.assert_clean()


async def test_the_quiz_is_played_by_touch_and_by_keyboard(written_editor: Editor, browser) -> None:
    """The host presents (the default); Ann clicks on a desktop page, Kim uses
    only the keyboard on a phone-sized page; every kind is played."""
    host, port = written_editor.host, written_editor.port
    await host.by("editor-done").click()
    await host.expect_phase("home")
    code = await host.create_room(
        own_quiz=True, host_plays=False, time_per_question=0, reveal_seconds=0
    )
    assert re.fullmatch(r"[A-Z0-9]{5}", code)
    await expect(host.by("presenter")).to_be_visible()
    ann = await QuizPage.open(browser, "Ann", "desktop")
    kim = await QuizPage.open(browser, "Kim", "phone")
    await ann.join_by_link(port, code)
    # Kim uses only the keyboard: the invite focuses the name field.
    await kim.goto(port, f"/?room={code}")
    await expect(kim.by("join-name")).to_be_focused()
    await kim.page.keyboard.type("Kim")
    await kim.page.keyboard.press("Enter")
    await kim.expect_phase("lobby")
    await expect(host.by("player-count")).to_have_attribute("data-value", "2")
    await host.page.keyboard.press("Space")  # start

    async def reveal_then_next(kind: str, right: tuple[bool, bool] = (True, True)) -> None:
        for p in (ann, kim):
            await p.expect_phase("reveal")
            await expect(p.by("reveal")).to_have_attribute("data-kind", kind)
        for p, correct in zip((ann, kim), right, strict=True):
            await expect(p.by("my-result")).to_have_attribute("data-correct", str(correct).lower())
            await p.shot(f"reveal-{kind}", blur=p is ann)
        await host.expect_phase("reveal")
        await host.page.keyboard.press("Space")  # the leaderboard
        await expect(host.by("presenter")).to_have_attribute("data-stage", "board")
        await host.page.keyboard.press("ArrowRight")  # next question

    # 1. choice: Ann clicks Paris, Kim presses 2 (Lyon).
    for p in (ann, kim):
        await p.expect_question(0)
        await p.shot("question-choice", blur=p is ann)
    await ann.by("option-0").click()
    await kim.page.keyboard.press("2")
    await kim.expect_phase("reveal")
    await expect(kim.by("explanation")).to_have_text(QUIZ[0]["explanation"])
    await reveal_then_next("choice", (True, False))
    # 2. multi: toggles and Send; Kim with keys 1, 2 and Enter.
    for p in (ann, kim):
        await p.expect_question(1)
        await p.shot("question-multi", blur=p is ann)
    await ann.by("option-0").click()
    await ann.by("option-2").click()
    await expect(ann.by("option-2")).to_have_attribute("aria-pressed", "true")
    await ann.by("option-2").click()  # changed her mind
    await ann.by("option-1").click()
    await ann.by("submit-answer").click()
    await kim.page.keyboard.press("1")
    await kim.page.keyboard.press("2")
    await kim.page.keyboard.press("Enter")
    await reveal_then_next("multi", (True, True))
    # 3. true / false.
    for p in (ann, kim):
        await p.expect_question(2)
        await p.shot("question-true_false", blur=p is ann)
    await expect(kim.by("option-0")).to_contain_text("True")
    await ann.by("option-1").click()
    await kim.page.keyboard.press("1")
    await reveal_then_next("true_false", (False, True))
    # 4. typed answer: the text box has the focus.
    for p in (ann, kim):
        await p.expect_question(3)
        await p.shot("question-text", blur=p is ann)
    await expect(kim.by("text-answer")).to_be_focused()
    await kim.page.keyboard.type("  jupiter! ")
    await kim.page.keyboard.press("Enter")
    await ann.by("text-answer").fill("Saturn")
    await ann.by("submit-answer").click()
    await ann.expect_phase("reveal")
    await expect(ann.by("reveal")).to_contain_text("Jupiter")
    await expect(ann.by("typed-answer")).to_contain_text("Saturn")
    await reveal_then_next("text", (False, True))
    # 5. poll: no right answer.
    for p in (ann, kim):
        await p.expect_question(4)
        await p.shot("question-poll", blur=p is ann)
    await ann.by("option-1").click()
    await kim.page.keyboard.press("2")
    for p in (ann, kim):
        await p.expect_phase("reveal")
    await expect(host.by("reveal").get_by_test_id("reveal-option").nth(1)).to_have_attribute(
        "data-count", "2"
    )
    await expect(
        host.page.locator("[data-testid='reveal-option'][data-correct='true']")
    ).to_have_count(0)
    for p in (ann, kim):
        await p.shot("reveal-poll", blur=p is ann)
    await host.page.keyboard.press("Space")
    await host.page.keyboard.press("Space")
    for p in (host, ann, kim):
        await p.expect_phase("finished")
    # Kim: France wrong, primes right, Sun right, Jupiter right; Ann: 1 and 2 right.
    places = kim.by("podium-place")
    await expect(places.first).to_have_attribute("data-player-id", await kim.player_id())
    await expect(host.by("summary-row")).to_have_count(5)
    await expect(host.by("summary-row").first).to_contain_text("50% right")
    for p in (host, ann, kim):
        p.assert_clean()


async def test_host_reviews_generated_questions_in_the_lobby(start_server, browser) -> None:
    """No Groq key here: the page says so, the host picks a bank category,
    sees the questions (with their answers) in the lobby, edits, deletes,
    asks for new ones, and the game plays what the host kept."""
    quiz = await start_server(countdown_seconds=0)
    host = await QuizPage.open(browser, "Host", "desktop")
    await host.goto(quiz.server.port)
    await host.page.locator("label[for]").filter(has_text="Questions for me").click()
    await expect(host.by("no-llm-note")).to_contain_text("no Groq API key")
    await expect(host.by("create-topic")).to_be_hidden()
    await host.create_room("Space", num_questions=3, time_per_question=0, reveal_seconds=0)

    await host.by("review-questions").click()
    await expect(host.by("editor")).to_be_visible()
    # The host plays too, and now knows the answers: the page says so.
    await expect(host.by("editor-warning")).to_contain_text("You play too")
    cards = host.by("editor-question")
    await expect(cards).to_have_count(3)
    first = await cards.nth(0).get_by_test_id("q-text").input_value()
    await expect(cards.nth(0).locator("input[type=radio]:checked")).to_have_count(1)
    # New questions replace the draft.
    await host.by("editor-regenerate").click()
    await expect(cards.nth(0).get_by_test_id("q-text")).not_to_have_value(first)
    await cards.nth(0).get_by_test_id("q-text").fill("Which planet is known as the Red Planet?")
    await cards.nth(0).get_by_test_id("q-kind").select_option("true_false")
    await cards.nth(0).get_by_test_id("q-text").fill("Mars is known as the Red Planet.")
    await cards.nth(0).get_by_test_id("q-correct-0").check()
    await cards.nth(2).get_by_test_id("q-delete").click()
    await expect(cards).to_have_count(2)
    await host.by("editor-done").click()
    await host.expect_phase("lobby")
    await expect(host.by("info-toast")).to_contain_text("2 questions ready")
    await expect(host.by("review-questions")).to_have_count(0)

    await host.by("start-button").click()
    await host.expect_question(0)
    await expect(host.by("question-text")).to_have_text("Mars is known as the Red Planet.")
    await expect(host.by("question-counter")).to_have_text("Question 1 of 2")
    await host.by("option-0").click()
    await host.expect_phase("reveal")
    await expect(host.by("my-result")).to_have_attribute("data-correct", "true")

    # The host who plays ends the game from the strip above it (two presses),
    # then plays again with new questions: a fresh draft to review.
    await host.by("end-game-button").click()
    await host.by("end-game-button").click()
    await host.expect_phase("finished")
    await host.by("play-again-new").click()
    await expect(host.by("editor")).to_be_visible()
    await expect(host.by("editor-question")).to_have_count(3)
    texts = await editor_texts(host)
    assert "Mars is known as the Red Planet." not in texts
    await host.by("editor-back").click()
    await host.expect_phase("lobby")
    host.assert_clean()


async def test_a_quiz_the_server_refuses_opens_on_the_field_it_names(start_server, browser) -> None:
    """The page checks the server's rules before it sends a quiz (one table of
    cases holds both to them: tests/cases/questions.json). Should the server
    still refuse one, from a page older than its rules, the page names the
    field (in its own words, with the server's path) and the editor opens on
    it. Here the quiz is changed on its way: "paris!" (the same answer as
    "Paris" once folded) replaces "Lyon"."""
    quiz = await start_server(countdown_seconds=0)
    host = await QuizPage.open(browser, "Host", "desktop")
    changed: list[str] = []

    def change_the_first_quiz(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            data = json.loads(message)
            if data.get("action") == "create_room" and not changed:
                data["questions"][0]["options"][1] = "paris!"
                changed.append(data["questions"][0]["options"][1])
                message = json.dumps(data)
            server.send(message)

        ws.on_message(to_server)  # the server's messages reach the page as they are

    await host.page.route_web_socket(re.compile(r"/ws$"), change_the_first_quiz)
    await host.goto(quiz.server.port)
    await host.page.evaluate(
        "([key, quiz]) => localStorage.setItem(key, JSON.stringify(quiz))",
        [
            "quiz.myquiz.v1",
            {
                "title": "Cities",
                "questions": [
                    {
                        "kind": "choice",
                        "text": "Capital of France?",
                        "options": ["Paris", "Lyon"],
                        "correct": 0,
                    },
                ],
            },
        ],
    )
    await host.page.reload()
    await host.expect_connected()
    await host.by("create-name").fill("Host")
    await host.by("create-submit").click()
    await expect(host.by("editor")).to_be_visible()
    assert changed == ["paris!"]
    # Said in the page's words, with the path the server named (never the
    # server's own English sentence).
    await expect(host.by("editor-summary")).to_contain_text("Question 1:")
    await expect(host.by("editor-summary")).to_contain_text("answer B (questions[0].options[1])")
    option = host.by("editor-question").first.get_by_test_id("q-option-1")
    await expect(option).to_have_attribute("aria-invalid", "true")
    await expect(option).to_be_focused()
    await option.fill("Marseille")
    await host.by("editor-done").click()
    await host.by("create-submit").click()
    await host.expect_phase("lobby")
    host.assert_clean()
