"""Trustworthy generated questions: explanations, kinds, the blind check, language, exclude.

The real groq SDK against :class:`fake_groq.FakeGroq` on 127.0.0.1. A set is
made of two calls under one deadline: the model writes questions, then
answers them blind (without the key); the fake answers that second call like
a model that agrees with itself unless a test scripts it otherwise.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
from fake_groq import (
    HANG,
    FakeGroq,
    Reply,
    answers_reply,
    completion,
    error_reply,
    questions_reply,
    sample_questions,
)

# The same fixtures as the other Groq tests: a started fake, and sources on it.
from test_llm_groq import DEADLINE, SLACK, SourceFactory, fake, make_source, tiny_bank

from quiz.llm import Generation, QuestionSource
from quiz.llm.giveaway import conflict
from quiz.llm.groq_client import QUESTIONS_SCHEMA, VERIFY_PROMPT

__all__ = ["fake", "make_source"]  # fixtures, used by name


def true_false(text: str, correct: int, options: tuple[str, str] = ("True", "False")) -> dict:
    return {
        "kind": "true_false",
        "text": text,
        "options": list(options),
        "correct": correct,
        "explanation": f"About {text[:20]}.",
    }


def blind_answers_by_text(fake: FakeGroq, wrong: set[str]) -> Callable[..., Reply]:
    """A verifier that agrees with the fake's keys except on the texts in ``wrong``."""

    def verifier(request: object) -> Reply:
        answers = []
        for item in request.user_data()["questions"]:  # type: ignore[attr-defined]
            key = fake.keys[item["text"]]
            right = item["options"].index(key)
            answers.append((right + 1) % len(item["options"]) if item["text"] in wrong else right)
        return answers_reply(answers)

    return verifier


# --- explanations and kinds ---------------------------------------------------------


async def test_generated_questions_carry_an_explanation_and_a_kind(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    items = [*sample_questions(4), true_false("The Sun is a star.", 0)]
    fake.default = questions_reply(items)
    gen = await make_source().generate_detailed("Stars", 5, "easy")
    assert gen.reason == "llm" and gen.questions.llm_count == 5
    by_text = {q.text: q for q in gen.questions.questions}
    for i in range(4):
        question = by_text[f"Fake question number {i}?"]
        assert question.kind == "choice"
        assert question.explanation == f"Because {i} is right."
    statement = by_text["The Sun is a star."]
    assert statement.kind == "true_false"
    assert statement.options == ("True", "False")  # never shuffled
    assert statement.correct == (0,)
    assert statement.explanation == "About The Sun is a star.."
    # The schema asks for both, and strict mode needs every field required.
    body = fake.requests[0].json()
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema == QUESTIONS_SCHEMA
    item = schema["properties"]["questions"]["items"]
    assert set(item["required"]) == {
        "kind", "text", "options", "correct", "min", "max", "step", "explanation",
    }  # fmt: skip
    assert item["properties"]["kind"]["enum"] == ["choice", "true_false", "slider"]


async def test_true_false_options_keep_their_order(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    statements = [true_false(f"Statement number {i} holds.", i % 2) for i in range(10)]
    fake.default = questions_reply(statements)
    gen = await make_source().generate_detailed("Logic", 10, "easy")
    assert gen.questions.llm_count == 10
    for question in gen.questions.questions:
        assert question.options == ("True", "False")
        number = int(question.text.split()[2])
        assert question.correct == (number % 2,)


# --- the blind check --------------------------------------------------------------------


async def test_the_blind_check_sees_no_key_and_shuffled_options(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(sample_questions(12))
    gen = await make_source().generate_detailed("Rivers", 10, "medium")
    assert gen.reason == "llm" and gen.disagreed == 0
    assert len(fake.requests) == 1 and len(fake.verifications) == 1
    check = fake.verifications[0]
    body = check.json()
    assert body["messages"][0] == {"role": "system", "content": VERIFY_PROMPT}
    assert body["response_format"]["json_schema"]["name"] == "quiz_answers"
    sent = check.user_data()["questions"]
    assert len(sent) == 12  # every generated one, in one batched call
    for item in sent:
        assert set(item) == {"id", "text", "options"}  # no key, no explanation
    # The model put every key first; the check does not see it first every time.
    assert len({item["options"].index(fake.keys[item["text"]]) for item in sent}) > 1


async def test_a_question_whose_blind_answer_disagrees_is_replaced_by_a_spare(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(sample_questions(7))
    fake.verifier = blind_answers_by_text(fake, {"Fake question number 2?"})
    source = make_source()
    gen = await source.generate_detailed("Rivers", 5, "easy")
    texts = {q.text for q in gen.questions.questions}
    print(f"blind check: {gen.disagreed} dropped, {gen.elapsed * 1000:.0f} ms")  # noqa: T201
    assert gen.reason == "llm"
    assert gen.disagreed == 1
    assert "Fake question number 2?" not in texts
    assert gen.questions.llm_count == 5  # replaced by one of the spare generated ones
    # ...and it is not kept for later games either.
    cached = await source.cache.get("easy:en:rivers")
    assert cached is not None and len(cached) == 6
    assert "Fake question number 2?" not in {q.text for q in cached}


async def test_a_disagreement_without_spares_is_replaced_from_the_bank(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(sample_questions(5))
    fake.verifier = blind_answers_by_text(
        fake, {"Fake question number 0?", "Fake question number 3?"}
    )
    source = make_source()
    gen = await source.generate_detailed("Rivers", 5, "easy")
    assert gen.disagreed == 2
    assert (gen.questions.llm_count, gen.questions.fallback_count) == (3, 2)
    texts = {q.text for q in gen.questions.questions}
    assert not texts & {"Fake question number 0?", "Fake question number 3?"}
    cached = await source.cache.get("easy:en:rivers")
    assert cached is not None and len(cached) == 3


async def test_a_true_false_statement_the_check_denies_is_dropped(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(
        [true_false("Lightning never strikes twice.", 0), *sample_questions(5)]
    )
    fake.verifier = blind_answers_by_text(fake, {"Lightning never strikes twice."})
    gen = await make_source().generate_detailed("Weather", 5, "easy")
    assert gen.disagreed == 1 and gen.questions.llm_count == 5
    assert "Lightning never strikes twice." not in {q.text for q in gen.questions.questions}


async def test_when_every_question_fails_the_check_the_bank_plays(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(sample_questions(5))
    fake.verifier = blind_answers_by_text(fake, {f"Fake question number {i}?" for i in range(5)})
    gen = await make_source().generate_detailed("Rivers", 5, "easy")
    assert gen.reason == "unverified"
    assert gen.questions.fallback_count == 5


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (error_reply(400, "bad request"), "http_400"),
        (completion("I think the answers are B, C and A."), "bad_output"),
        (completion(json.dumps({"answers": []})), "unverified"),
    ],
)
async def test_a_failed_check_plays_no_unchecked_question(
    fake: FakeGroq, make_source: SourceFactory, reply: Reply, reason: str
) -> None:
    fake.script_verify(reply)
    gen = await make_source().generate_detailed("Rivers", 5, "easy")
    assert gen.reason == reason
    assert gen.questions.fallback_count == 5
    assert len(fake.verifications) == 1


# --- one deadline for both calls -----------------------------------------------------------


@pytest.mark.parametrize("second", ["slow", "hanging", "trickle"])
async def test_the_deadline_covers_the_check_too(
    fake: FakeGroq, make_source: SourceFactory, second: str
) -> None:
    # The first call is quick (0.3 s of the 1 s deadline), the second never
    # finishes in time: the room still gets a full set at the deadline.
    fake.default = questions_reply(sample_questions(5), delay=0.3)
    if second == "slow":
        fake.verify_delay = 5.0
    elif second == "hanging":
        fake.script_verify(HANG)
    else:
        fake.script_verify(answers_reply([0] * 7, trickle=0.05))
    gen = await make_source().generate_detailed("Rivers", 5, "easy")
    print(f"check {second}: fallback in {gen.elapsed * 1000:.0f} ms")  # noqa: T201
    assert gen.reason == "timeout"
    assert gen.questions.fallback_count == 5
    assert DEADLINE * 0.95 <= gen.elapsed < DEADLINE + SLACK
    assert len(fake.requests) == 1 and len(fake.verifications) == 1


async def test_both_calls_in_time_are_used(
    fake: FakeGroq, make_source: SourceFactory, record_property: Callable[[str, object], None]
) -> None:
    # Latencies like Groq's for a small set: about 0.3 s to write, 0.2 s to check.
    fake.default = questions_reply(sample_questions(7), delay=0.3)
    fake.verify_delay = 0.2
    source = make_source(timeout=2.0)
    gen = await source.generate_detailed("Rivers", 5, "easy")
    record_property("generation_with_check_ms", round(gen.elapsed * 1000))
    print(f"write 0.3 s + check 0.2 s: {gen.elapsed * 1000:.0f} ms in all")  # noqa: T201
    assert gen.reason == "llm" and gen.questions.llm_count == 5
    assert 0.5 <= gen.elapsed < 2.0


# --- language -------------------------------------------------------------------------------


async def test_the_room_language_reaches_the_prompt(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(
        [*sample_questions(4), true_false("Le Soleil est une étoile.", 0, ("Wahr", "Nein"))]
    )
    source = make_source()
    gen = await source.generate_detailed("Étoiles", 5, "easy", language="fr")
    assert fake.requests[0].user_data()["language"] == "fr"
    statement = next(q for q in gen.questions.questions if q.kind == "true_false")
    assert statement.options == ("Vrai", "Faux")  # ours, whatever the model wrote
    # Another language is another cache entry: English asks the model again.
    await source.generate_detailed("Étoiles", 5, "easy", language="en")
    assert [r.user_data()["language"] for r in fake.requests] == ["fr", "en"]
    assert (await source.generate_detailed("étoiles", 5, "easy", language="fr")).reason == "cache"
    # A tag that is not a tag never reaches the model.
    await source.generate_detailed("Comets", 5, "easy", language='fr", "count": 500')
    assert fake.requests[-1].user_data()["language"] == "en"
    assert fake.requests[-1].user_data()["count"] < 500


# --- exclude -----------------------------------------------------------------------------


async def test_played_questions_never_come_back(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(sample_questions(8))
    source = make_source()
    played: set[str] = set()

    async def play(count: int = 5) -> Generation:
        gen = await source.generate_detailed("Rivers", count, "easy", exclude=played)
        texts = {q.text for q in gen.questions.questions}
        assert len(texts) == count
        assert not texts & played, texts & played
        played.update(texts)
        return gen

    first = await play()
    assert first.reason == "llm"
    # The cache holds 8: 3 unplayed are not enough for 5, so the model is
    # asked again, told what was played, and writes the same 8 (as models
    # do): only the 3 unplayed are used, the bank gives the rest.
    second = await play()
    assert second.reason == "llm" and second.questions.llm_count == 3
    avoid = fake.requests[1].user_data()["avoid"]
    assert set(avoid) == {q.text for q in first.questions.questions}
    # Played texts in any case or spacing stay out, from the bank too.
    shouted = {t.upper() + " " for t in played}
    third = await source.generate_detailed("Rivers", 30, "easy", exclude=shouted)
    assert not {q.text for q in third.questions.questions} & played
    # Without the model, the bank alone honours it as well.
    bank_only = QuestionSource(bank=tiny_bank(), rng=random.Random(2))
    drawn = await bank_only.generate("music", 10, "easy", exclude=played)
    more = await bank_only.generate(
        "music", 10, "easy", exclude=played | {q.text for q in drawn.questions}
    )
    assert not {q.text for q in drawn.questions} & {q.text for q in more.questions}


async def test_the_old_positional_call_still_works(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    questions = await make_source().generate("Rivers", 3, "hard")
    assert len(questions.questions) == 3
    assert fake.requests[0].user_data()["language"] == "en"
    assert "avoid" not in fake.requests[0].user_data()


async def test_model_and_bank_questions_of_one_game_do_not_give_each_other_away(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    # The model's third question names "yes 1", the right answer of a bank question.
    items = sample_questions(2)
    items.append({**sample_questions(3)[2], "text": "Is yes 1 or yes 2 the answer?"})
    fake.default = questions_reply(items)
    for seed in range(10):
        gen = await make_source(rng=random.Random(seed), cache=None).generate_detailed(
            "science", 20, "easy"
        )
        questions = gen.questions.questions
        assert gen.questions.llm_count == 3
        for i, a in enumerate(questions):
            for b in questions[i + 1 :]:
                assert not conflict(a, b), (a.text, b.text)


async def test_only_the_newest_played_texts_are_sent_to_avoid(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    played = [f"Played question {i}?" for i in range(100)]  # oldest first, as the core keeps them
    await make_source().generate_detailed("Rivers", 5, "easy", exclude=played)
    assert fake.requests[0].user_data()["avoid"] == played[-40:]
