"""A room played over WebSockets with questions from a local endpoint playing Groq."""

from __future__ import annotations

import random

from fake_groq import FakeGroq, error_reply, questions_reply, sample_questions

from quiz.llm import QuestionSource
from quiz.llm.bank import Bank
from tests.conftest import StartServer


async def play_one_room(quiz, num_questions: int, **settings) -> tuple[dict, list[dict]]:  # type: ignore[no-untyped-def]
    host, p1 = await quiz.room(
        2, num_questions=num_questions, reveal_seconds=0, topic="Volcanoes", **settings
    )
    return await play_game(host, p1, num_questions)


async def play_game(host, p1, num_questions: int) -> tuple[dict, list[dict]]:  # type: ignore[no-untyped-def]
    await host.request_any("start_game")
    generated = await p1.expect("questions_generated")
    questions = []
    for qi in range(num_questions):
        q = await p1.expect("question", question_index=qi)
        questions.append(q)
        for p in (host, p1):
            await p.request_any("submit_answer", question_index=qi, answer=0)
        result = await p1.expect("question_result", question_index=qi)
        q["correct_answer"] = result["correct_answer"]
        q["explanation"] = result.get("explanation")
        await host.request_any("next_question")
    await p1.expect("game_over")
    return generated, questions


async def test_room_plays_llm_questions(start_server: StartServer, bank: Bank) -> None:
    async with FakeGroq() as fake:
        fake.script(questions_reply(sample_questions(8)))
        source = QuestionSource(
            bank=bank, rng=random.Random(3), api_key="test-key", base_url=fake.base_url, timeout=5
        )
        quiz = await start_server(source=source)
        generated, questions = await play_one_room(quiz, 3)
        assert generated["source"] == "llm"
        assert (generated["llm_count"], generated["fallback_count"]) == (3, 0)
        assert all(q["question"].startswith("Fake question number") for q in questions)
        # The topic reached the model as data.
        assert fake.requests[0].user_data()["topic"] == "Volcanoes"
        for q in questions:
            # The model put the right option first; the server shuffled the
            # options and still scores against the right one.
            number = q["question"].removeprefix("Fake question number ").rstrip("?")
            assert q["options"][q["correct_answer"]] == f"right{number}"
        assert {q["correct_answer"] for q in questions} != {0}


async def test_room_falls_back_to_bank_when_api_fails(
    start_server: StartServer, bank: Bank
) -> None:
    async with FakeGroq() as fake:
        fake.default = error_reply(500, "down")
        source = QuestionSource(
            bank=bank, rng=random.Random(3), api_key="test-key", base_url=fake.base_url, timeout=2
        )
        quiz = await start_server(source=source)
        generated, questions = await play_one_room(quiz, 2)
        assert generated["source"] == "fallback"
        assert (generated["llm_count"], generated["fallback_count"]) == (0, 2)
        assert not any(q["question"].startswith("Fake") for q in questions)
        assert len(fake.requests) >= 1


async def test_a_french_room_replays_without_repeats(start_server: StartServer, bank: Bank) -> None:
    async with FakeGroq() as fake:
        fake.default = questions_reply(sample_questions(8))
        source = QuestionSource(
            bank=bank, rng=random.Random(5), api_key="test-key", base_url=fake.base_url, timeout=5
        )
        quiz = await start_server(source=source)
        host, p1 = await quiz.room(
            2, num_questions=3, reveal_seconds=0, topic="Volcanoes", language="fr"
        )
        played: set[str] = set()
        before_third: set[str] = set()
        for game in range(3):
            before_third = set(played)
            generated, questions = await play_game(host, p1, 3)
            texts = {q["question"] for q in questions}
            assert len(texts) == 3
            assert not texts & played, f"game {game} repeats {texts & played}"
            # Checked questions from the model, with their explanation.
            assert generated["source"] == "llm"
            for q in questions:
                if q["question"].startswith("Fake question"):
                    number = q["question"].removeprefix("Fake question number ").rstrip("?")
                    assert q["explanation"] == f"Because {number} is right."
            played |= texts
            await host.request_any("play_again")
        # The room's language reached the model; the third game found only
        # two unplayed questions in the cache and asked again, saying what
        # was played.
        assert [r.user_data()["language"] for r in fake.requests] == ["fr", "fr"]
        assert "avoid" not in fake.requests[0].user_data()
        assert set(fake.requests[1].user_data()["avoid"]) == before_third
        assert len(before_third) == 6 and len(fake.verifications) == 2
