"""Protocol 1.1 over real WebSockets against a real server on an ephemeral port."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import Player
from tests.conftest import Harness

CHOICE = {"text": "Capital of France?", "options": ["Rome", "Paris", "Oslo"], "correct": 1}
MULTI = {
    "kind": "multi",
    "text": "Which are primes?",
    "options": ["2", "4", "5", "9"],
    "correct": [0, 2],
    "points": 2,
    "explanation": "4 and 9 are squares.",
}
TRUE_FALSE = {"kind": "true_false", "text": "The Moon is a planet.", "correct": False}
TEXT = {
    "kind": "text",
    "text": "Who wrote Faust?",
    "answers": ["Goethe", "Johann Wolfgang von Goethe"],
    "time_limit": 60,
}
POLL = {"kind": "poll", "text": "Cats or dogs?", "options": ["Cats", "Dogs"]}
QUIZ = [CHOICE, MULTI, TRUE_FALSE, TEXT, POLL]
RIGHT: dict[str, Any] = {"choice": 1, "multi": [2, 0], "true_false": 1, "text": "göethe", "poll": 0}
WRONG: dict[str, Any] = {"choice": 0, "multi": [0], "true_false": 0, "text": "Schiller", "poll": 1}


async def seated(quiz: Harness, n: int, **create: Any) -> list[Player]:
    host = await quiz.player()
    await host.create("Host", **create)
    players = [host]
    for i in range(1, n):
        p = await quiz.player()
        await p.join(host.room_id, f"P{i}")  # type: ignore[arg-type]
        players.append(p)
    return players


async def test_a_game_with_one_question_of_every_kind(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2, topic="Mixed bag", questions=QUIZ, reveal_seconds=0)
    assert (await host.request_any("start_game"))["type"] == "ack"
    generated = await p1.expect("questions_generated")
    assert generated["source"] == "host" and generated["num_questions"] == 5
    totals = {host.player_id: 0, p1.player_id: 0}
    for index, sent in enumerate(QUIZ):
        kind = sent.get("kind", "choice")
        question = await p1.expect("question", question_index=index)
        assert question["kind"] == kind and question["total_questions"] == 5
        assert ("options" in question) == (kind != "text")
        assert "correct" not in question and "answers" not in question
        if kind == "true_false":
            assert question["options"] == ["True", "False"]
        if kind == "text":
            assert question["time_limit_ms"] == 60_000
        assert question["points"] == (2 if kind == "multi" else 0 if kind == "poll" else 1)
        for player, answer in ((host, RIGHT[kind]), (p1, WRONG[kind])):
            received = await player.request_any(
                "submit_answer", question_index=index, answer=answer
            )
            assert received["type"] == "answer_received", received
        result = await p1.expect("question_result", question_index=index)
        assert result["kind"] == kind
        mine = {
            p.player_id: await p.expect("your_result", question_index=index) for p in (host, p1)
        }
        for pid, m in mine.items():
            totals[pid] += m["points"]
            assert m["score"] == totals[pid]
        if kind == "poll":
            assert result["correct_answer"] is None and result["answer_counts"] == [1, 1]
            assert mine[host.player_id]["correct"] is None
            assert mine[host.player_id]["points"] == 0
        else:
            assert mine[host.player_id]["correct"] is True
            assert mine[p1.player_id]["correct"] is False
            assert mine[p1.player_id]["points"] == 0
        if kind == "multi":
            assert result["correct_answers"] == [0, 2] and result["correct_answer"] is None
            assert result["explanation"] == "4 and 9 are squares."
            assert result["answer_counts"] == [2, 0, 1, 0]
            assert mine[host.player_id]["points"] >= 2 * 500
        if kind == "text":
            assert result["answer_counts"] == [1, 1]
            assert result["accepted_answers"] == TEXT["answers"]
        if kind == "choice":
            assert result["correct_answer"] == 1 and result["correct_answers"] == [1]
        await host.request_any("next_question")
    over = await p1.expect("game_over")
    assert over["player_count"] == 2
    assert {e["player_id"]: e["score"] for e in over["leaderboard"]} == totals


BAD_QUIZZES: list[tuple[Any, str]] = [
    ("a quiz", "questions"),
    ([], "questions"),
    ([CHOICE] * 101, "questions"),
    (["question?"], "questions[0]"),
    ([CHOICE, {**CHOICE, "kind": "essay"}], "questions[1].kind"),
    ([{**CHOICE, "text": ""}], "questions[0].text"),
    ([{**CHOICE, "text": "x" * 301}], "questions[0].text"),
    ([{"options": ["a", "b"], "correct": 0}], "questions[0].text"),
    ([{**CHOICE, "options": ["only"]}], "questions[0].options"),
    ([{**CHOICE, "options": ["a", "b", "c", "d", "e"]}], "questions[0].options"),
    ([{**CHOICE, "options": ["Paris", " paris"]}], "questions[0].options[1]"),
    ([{**CHOICE, "options": ["a", 2]}], "questions[0].options[1]"),
    ([{**CHOICE, "options": ["a", "b" * 101]}], "questions[0].options[1]"),
    ([{"text": "Q?", "options": ["a", "b"]}], "questions[0].correct"),
    ([CHOICE, CHOICE, CHOICE, {**CHOICE, "correct": 3}], "questions[3].correct"),
    ([{**CHOICE, "correct": True}], "questions[0].correct"),
    ([{**MULTI, "correct": 0}], "questions[0].correct"),
    ([{**MULTI, "correct": []}], "questions[0].correct"),
    ([{**MULTI, "correct": [0, 0]}], "questions[0].correct"),
    ([{**MULTI, "correct": [0, 7]}], "questions[0].correct[1]"),
    ([{**TRUE_FALSE, "correct": 2}], "questions[0].correct"),
    ([{**TRUE_FALSE, "options": ["a", "b", "c"]}], "questions[0].options"),
    ([{**TEXT, "options": ["a", "b"]}], "questions[0].options"),
    ([{**TEXT, "answers": []}], "questions[0].answers"),
    ([{**TEXT, "answers": ["x"] * 11}], "questions[0].answers"),
    ([{**TEXT, "answers": ["ok", "?!"]}], "questions[0].answers[1]"),
    ([{**TEXT, "correct": 0}], "questions[0].correct"),
    ([{**POLL, "correct": 0}], "questions[0].correct"),
    ([{**CHOICE, "answers": ["Paris"]}], "questions[0].answers"),
    ([{**CHOICE, "time_limit": 4}], "questions[0].time_limit"),
    ([{**CHOICE, "time_limit": 241}], "questions[0].time_limit"),
    ([{**CHOICE, "time_limit": "30"}], "questions[0].time_limit"),
    ([{**CHOICE, "points": 3}], "questions[0].points"),
    ([{**CHOICE, "points": True}], "questions[0].points"),
    ([{**CHOICE, "explanation": "x" * 301}], "questions[0].explanation"),
]


@pytest.mark.parametrize(("questions", "path"), BAD_QUIZZES, ids=[p for _, p in BAD_QUIZZES])
async def test_a_bad_quiz_is_refused_naming_the_field(
    quiz: Harness, questions: Any, path: str
) -> None:
    host = await quiz.player()
    error = await host.error("create_room", "bad_message", name="Host", questions=questions)
    assert error["message"].startswith(f"{path}: "), error
    await host.create("Host")
    error = await host.error("set_questions", "bad_message", questions=questions)
    assert error["message"].startswith(f"{path}: "), error


async def test_set_questions_in_the_lobby_only(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2, reveal_seconds=0)
    await p1.error("set_questions", "not_host", questions=[CHOICE])
    reply = await host.request_any("set_questions", questions=[TRUE_FALSE, CHOICE], topic="Space")
    assert reply["type"] == "ack"
    state = (await p1.expect("room_state"))["room"]
    assert state["topic"] == "Space" and state["total_questions"] == 2
    await host.request_any("start_game")
    first = await p1.expect("question")
    assert first["kind"] == "true_false" and first["question"] == TRUE_FALSE["text"]
    await host.error("set_questions", "wrong_phase", questions=[CHOICE])


async def test_play_again_does_not_repeat_generated_questions(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2, topic="space", num_questions=8, reveal_seconds=0)
    seen: list[str] = []
    for _game in range(3):
        await host.request_any("start_game")
        await host.expect("questions_generated")
        for index in range(8):
            seen.append((await p1.expect("question", question_index=index))["question"])
            if index < 7:
                await host.request_any("close_question")
                await host.request_any("next_question")
        await host.request_any("end_game")
        await p1.expect("game_over")
        await host.request_any("play_again")
    assert len(seen) == 24 and len(set(seen)) == 24


async def test_lock_room(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2)
    await p1.error("lock_room", "not_host")
    assert (await host.request_any("lock_room"))["type"] == "ack"
    assert (await p1.expect("room_state"))["room"]["locked"] is True
    late = await quiz.player()
    await late.error("join_room", "room_locked", room_id=host.room_id, name="Late")
    token = p1.token
    await p1.close()
    again = await quiz.player()
    assert (await again.rejoin(host.room_id, token))["resumed"] is True  # type: ignore[arg-type]
    await host.request_any("unlock_room")
    assert (await again.expect("room_state"))["room"]["locked"] is False
    await late.join(host.room_id, "Late")  # type: ignore[arg-type]


async def test_close_question_end_game_and_no_time_limit(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2, questions=[CHOICE, CHOICE, CHOICE], time_per_question=0)
    await host.error("close_question", "wrong_phase")
    await host.error("end_game", "wrong_phase")
    await host.request_any("start_game")
    question = await p1.expect("question")
    assert question["time_limit_ms"] is None and question["deadline_ms"] is None
    await p1.error("close_question", "not_host")
    await p1.request_any("submit_answer", question_index=0, answer=1)
    assert (await host.request_any("close_question"))["type"] == "ack"
    await p1.expect("question_result", question_index=0)
    assert (await p1.expect("your_result"))["points"] == 1000  # no limit: full points
    await p1.error("end_game", "not_host")
    assert (await host.request_any("end_game"))["type"] == "ack"
    over = await p1.expect("game_over")
    assert over["player_count"] == 2
    await host.error("end_game", "wrong_phase")


async def test_a_presenting_host_is_neither_counted_nor_ranked(quiz: Harness) -> None:
    host, p1, p2 = await seated(quiz, 3, questions=[CHOICE, POLL], host_plays=False)
    created = host.log[0]
    assert created["is_host"] is True
    assert created["room"]["host_plays"] is False and created["room"]["player_count"] == 0
    state = await quiz.player()
    joined = await state.join(host.room_id, "P3")  # type: ignore[arg-type]
    assert host.player_id not in [p["id"] for p in joined["room"]["players"]]
    assert joined["room"]["player_count"] == 3
    await host.request_any("start_game")
    await host.expect("question")  # the presenter sees the question
    await host.error("submit_answer", "not_a_player", question_index=0, answer=1)
    await p1.request_any("submit_answer", question_index=0, answer=1)
    progress = await host.expect("answer_progress", answered=1)
    assert progress["total"] == 3
    await host.request_any("close_question")
    result = await host.expect("question_result")
    ids = [e["player_id"] for e in result["leaderboard"]]
    assert host.player_id not in ids and len(ids) == 3
    await host.request_any("end_game")
    over = await host.expect("game_over")
    assert host.player_id not in [e["player_id"] for e in over["leaderboard"]]
    assert over["player_count"] == 3
    results = await host.request_any("get_results")
    assert host.player_id not in [p["id"] for p in results["players"]]
    await p2.expect("game_over")


async def test_results_equal_the_sum_of_your_result_points(quiz: Harness) -> None:
    players = await seated(quiz, 3, questions=QUIZ, reveal_seconds=0, topic="Mixed")
    host = players[0]
    await players[1].error("get_results", "not_host")
    await host.error("get_results", "wrong_phase")
    await host.request_any("start_game")
    points = {p.player_id: 0 for p in players}
    for index, sent in enumerate(QUIZ):
        kind = sent.get("kind", "choice")
        await host.expect("question", question_index=index)
        await host.request_any("submit_answer", question_index=index, answer=RIGHT[kind])
        if index % 2:
            await players[1].request_any("submit_answer", question_index=index, answer=RIGHT[kind])
        await players[2].request_any("submit_answer", question_index=index, answer=WRONG[kind])
        if index % 2 == 0:
            await host.request_any("close_question")
        for p in players:
            points[p.player_id] += (await p.expect("your_result", question_index=index))["points"]
        if index == 1:
            partial = await host.request_any("get_results")
            assert len(partial["questions"]) == 2
        await host.request_any("next_question")
    await host.expect("game_over")
    results = await host.request_any("get_results")
    assert results["type"] == "results" and results["topic"] == "Mixed"
    assert results["room_id"] == host.room_id
    assert [q["kind"] for q in results["questions"]] == [q.get("kind", "choice") for q in QUIZ]
    assert results["questions"][1]["correct_answers"] == [0, 2]
    assert results["questions"][1]["answer_counts"] == [3, 0, 2, 0]
    for row in results["players"]:
        assert len(row["answers"]) == 5
        assert sum(a["points"] for a in row["answers"] if a) == row["score"] == points[row["id"]]
    p1 = next(r for r in results["players"] if r["id"] == players[1].player_id)
    assert p1["answers"][0] is None and p1["answers"][1]["answer"] == [0, 2]
    assert {"answer", "correct", "points", "time_ms"} == set(p1["answers"][1])
    assert [r["rank"] for r in results["players"]] == sorted(r["rank"] for r in results["players"])


async def test_a_display_screen_watches_without_playing(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2, questions=[CHOICE], reveal_seconds=0)
    await p1.error("get_display_link", "not_host")
    link = await host.request_any("get_display_link")
    assert link["type"] == "display_link" and link["room_id"] == host.room_id
    screen = await quiz.player()
    await screen.error("watch", "invalid_token", room_id=host.room_id, display_token="x" * 32)
    # No such room: the same answer as a wrong link (docs: hostile input).
    await screen.error("watch", "invalid_token", room_id="NOPE", display_token="x" * 32)
    watching = await screen.request_any(
        "watch", room_id=host.room_id.lower(), display_token=link["display_token"]
    )
    assert watching["type"] == "watching" and watching["is_host"] is False
    assert watching["room"]["player_count"] == 2 and watching["token"]
    assert watching["player_id"] not in [p["id"] for p in watching["room"]["players"]]
    await screen.error("start_game", "not_host")
    await screen.error("watch", "already_in_room", room_id=host.room_id, display_token="y")
    await host.request_any("start_game")
    await screen.expect("question")
    await screen.error("submit_answer", "not_a_player", question_index=0, answer=1)
    await host.request_any("submit_answer", question_index=0, answer=1)
    progress = await screen.expect("answer_progress", answered=1)
    assert progress["total"] == 2
    await p1.request_any("submit_answer", question_index=0, answer=0)
    result = await screen.expect("question_result")
    assert len(result["leaderboard"]) == 2
    await host.request_any("next_question")
    await screen.expect("game_over")
    # Nobody saw a display join.
    assert not [m for m in p1.log if m["type"] == "player_joined"]


async def test_generate_questions_sends_a_draft_to_the_host_alone(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2)
    await p1.error("generate_questions", "not_host", topic="volcanoes", count=3)
    await host.error("generate_questions", "bad_message", topic="volcanoes", count=51)
    await host.error("generate_questions", "bad_message", topic="x", language="not a tag!")
    reply = await host.request_any(
        "generate_questions", topic="volcanoes", count=4, difficulty="easy", language="en-GB"
    )
    assert reply["type"] == "ack"
    draft = await host.expect("questions_draft")
    assert len(draft["questions"]) == 4 and draft["source"] in ("llm", "fallback")
    for question in draft["questions"]:
        assert {"kind", "text", "options", "correct"} <= set(question)
    # The host edits the draft and sends it back as the quiz.
    edited = [
        {k: v for k, v in q.items() if k not in ("category", "source")} for q in draft["questions"]
    ]
    edited[0]["points"] = 2
    await host.request_any("set_questions", questions=edited)
    await host.request_any("start_game")
    first = await p1.expect("question")
    assert first["question"] == edited[0]["text"] and first["points"] == 2
    assert not [m for m in p1.log if m["type"] == "questions_draft"]


async def test_new_settings_are_in_the_room_state(quiz: Harness) -> None:
    host = await quiz.player()
    created = await host.create(
        "Host",
        speed_points=False,
        streak_bonus=False,
        language="pt-BR",
        show_question_text=False,
        profanity_filter=False,
        time_per_question=0,
    )
    settings = created["room"]["settings"]
    assert settings["speed_points"] is False and settings["streak_bonus"] is False
    assert settings["language"] == "pt-BR" and settings["time_per_question"] == 0
    assert settings["show_question_text"] is False and settings["profanity_filter"] is False
    assert created["room"]["locked"] is False and created["room"]["host_plays"] is True
    other = await quiz.player()
    defaults = (await other.create("Other"))["room"]["settings"]
    assert defaults["language"] == "en" and defaults["show_question_text"] is True
    assert defaults["profanity_filter"] is True and defaults["host_plays"] is True
    for field, value in (
        ("time_per_question", 3),
        ("speed_points", "no"),
        ("language", "english please"),
        ("host_plays", 0),
    ):
        error = await (await quiz.player()).error(
            "create_room", "bad_message", name="H", **{field: value}
        )
        assert error["message"].startswith(field), error


async def test_answer_shapes_per_kind(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2, questions=[MULTI, TEXT])
    await host.request_any("start_game")
    await p1.expect("question")
    for bad in (1, "2", [0, 0], [0, 9], [], [0, 1, 2, 3, 0]):
        await p1.error("submit_answer", "invalid_answer", question_index=0, answer=bad)
    await p1.error("submit_answer", "bad_message", question_index=0, answer={"a": 1})
    await p1.request_any("submit_answer", question_index=0, answer=[2, 0])
    await host.request_any("close_question")
    await host.request_any("next_question")
    await p1.expect("question", question_index=1)
    for bad in (0, [0], "", "x" * 101):
        await p1.error("submit_answer", "invalid_answer", question_index=1, answer=bad)
    received = await p1.request_any("submit_answer", question_index=1, answer="GOETHE")
    assert received["type"] == "answer_received"


async def test_update_settings_in_the_lobby(quiz: Harness) -> None:
    host, p1 = await seated(quiz, 2)
    await p1.error("update_settings", "not_host", show_question_text=False)
    await host.error("update_settings", "bad_message", host_plays=False)
    error = await host.error("update_settings", "bad_message", time_per_question=2)
    assert error["message"].startswith("time_per_question: ")
    reply = await host.request_any(
        "update_settings", show_question_text=False, time_per_question=0, topic="Rivers"
    )
    assert reply["type"] == "ack"
    room = (await p1.expect("room_state"))["room"]
    assert room["settings"]["show_question_text"] is False
    assert room["settings"]["time_per_question"] == 0 and room["topic"] == "Rivers"
    assert room["settings"]["difficulty"] == "medium"  # untouched
    await host.request_any("set_questions", questions=[CHOICE])
    await host.request_any("start_game")
    question = await p1.expect("question")
    assert question["deadline_ms"] is None
    await host.error("update_settings", "wrong_phase", show_question_text=True)


async def test_the_name_filter_refuses_rude_names_and_the_host_can_turn_it_off(
    quiz: Harness,
) -> None:
    host = await quiz.player()
    await host.create("Teacher", host_plays=False)
    rude = await quiz.player()
    for name in ("sh1t head", "Big Asshole"):
        refused = await rude.error("join_room", "name_not_allowed", room_id=host.room_id, name=name)
        assert "not allowed" in refused["message"]
    # Whole words only: a town, an author and ordinary names are welcome.
    for i, name in enumerate(("Scunthorpe", "Dickens", "Ann")):
        p = await quiz.player()
        await p.join(host.room_id, name)
        assert (await host.expect("player_joined"))["player"]["name"] == name, i
    # The same connection tries again with a kind name and gets in.
    await rude.join(host.room_id, "Kind Kid")
    # Off: the host decides in the lobby.
    assert (await host.request_any("update_settings", profanity_filter=False))["type"] == "ack"
    late = await quiz.player()
    await late.join(host.room_id, "sh1t head")
    other = await quiz.player()
    await other.create("Other")
    assert (await other.request_any("start_game"))["type"] == "ack"
