"""`slider` questions written by the model: the grid, the server's tolerance, the cap,
the blind check, the cache and the CLI.

The network tests use the real groq SDK against :class:`fake_groq.FakeGroq`
on 127.0.0.1, as the other Groq tests do.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from fake_groq import (
    FakeGroq,
    Reply,
    answers_reply,
    questions_reply,
    sample_questions,
    sample_slider,
)

# The same fixtures as the other Groq tests: a started fake, and sources on it.
from test_llm_groq import KEY, ROOT, SourceFactory, fake, make_source

from quiz.core.parse import question_from_dict
from quiz.core.question import Question, Slider
from quiz.llm.cache import MemoryCache, _encode
from quiz.llm.giveaway import conflict
from quiz.llm.groq_client import (
    ANSWERS_SCHEMA,
    QUESTIONS_SCHEMA,
    SYSTEM_PROMPT,
    VERIFY_PROMPT,
    verify_message,
)
from quiz.llm.slider import SliderRefused, fit, max_sliders, tolerance_steps
from quiz.llm.validate import parse_answers, parse_questions

__all__ = ["fake", "make_source"]  # fixtures, used by name

MOON = "In what year did the first crewed Moon landing happen?"


def choice(text: str = "What is 2 + 2?") -> dict[str, Any]:
    return {"kind": "choice", "text": text, "options": ["3", "4", "5", "22"], "correct": 1,
            "min": 0, "max": 0, "step": 0, "explanation": "Two and two make four."}  # fmt: skip


def reply(*items: object) -> str:
    return json.dumps({"questions": list(items)})


def parse_slider(item: dict[str, Any], category: str = "t") -> Question:
    """The slider of a reply holding ``item`` and four choice questions (one in five)."""
    others = [choice(f"Choice question {i}?") for i in range(4)]
    parsed = parse_questions(reply(item, *others), category, sliders=True)
    assert parsed.rejected == ()
    return parsed.questions[0]


def with_choices(*sliders: dict[str, Any], total: int = 5) -> list[dict[str, Any]]:
    """``sliders`` among choice questions, ``total`` items in all (enough for the cap)."""
    return [*sample_questions(total - len(sliders)), *sliders]


# --- the server's rule: grid and tolerance --------------------------------------------


@pytest.mark.parametrize(
    ("steps", "tolerance"),
    [(10, 1), (24, 1), (25, 1), (74, 1), (75, 2), (100, 2), (124, 2), (125, 3), (200, 4)],
)
def test_the_tolerance_is_one_step_per_fifty_at_least_one(steps: int, tolerance: int) -> None:
    assert tolerance_steps(steps) == tolerance


@pytest.mark.parametrize(
    ("grid", "correct", "tolerance", "margin"),
    [
        ((1900, 2000, 1), 1969, 2, 10),  # a year: within 2 years, nothing past 12
        ((0, 100, 1), 71, 2, 10),  # a percentage
        ((0, 10000, 50), 8850, 200, 1000),  # a height in metres: 200 steps
        ((0, 20, 1), 8, 1, 2),  # a count: 20 steps, one step of tolerance
        ((0, 15, 0.1), 3.7, 0.3, 1.5),  # 150 steps of 0.1: 0.3, not 0.30000000000000004
        ((-50, 50, 0.5), 14.5, 2, 10),  # 200 steps of 0.5: 4 steps
    ],
)
def test_the_server_sets_tolerance_and_margin(
    grid: tuple[float, float, float], correct: float, tolerance: float, margin: float
) -> None:
    fitted = fit(*grid, correct)
    assert (fitted.tolerance, fitted.margin) == (tolerance, margin)


@pytest.mark.parametrize(("count", "most"), [(1, 0), (4, 0), (5, 1), (9, 1), (10, 2), (50, 10)])
def test_at_most_one_slider_in_five(count: int, most: int) -> None:
    assert max_sliders(count) == most


# --- validation of the model's sliders --------------------------------------------------


def test_a_reply_with_a_slider_is_validated() -> None:
    # The model's own tolerance and margin (not in the schema; a JSON-mode
    # model may add them) are ignored: the server sets both.
    item = sample_slider(tolerance=50, margin=500)
    others = [choice(f"Choice question {i}?") for i in range(3)]
    parsed = parse_questions(reply(choice(), item, *others), "Space", sliders=True)
    assert parsed.rejected == ()
    assert [q.kind for q in parsed.questions] == ["choice", "slider", "choice", "choice", "choice"]
    slider = parsed.questions[1]
    assert slider == Question(
        text=MOON,
        options=(),
        correct=(),
        category="Space",
        source="llm",
        kind="slider",
        explanation="Apollo 11 landed on 20 July 1969.",
        slider=Slider(1900, 2000, 1, 1969, tolerance=2, margin=10),
    )
    # The zeros a choice question carries for min, max and step are ignored.
    assert parsed.questions[0].slider is None


def test_decimal_sliders_are_fine() -> None:
    item = sample_slider("How many metres tall is the average adult giraffe?",
                         low=0, high=10, step=0.1, correct=5.5)  # fmt: skip
    question = parse_slider(item, "Animals")
    assert question.slider == Slider(0, 10, 0.1, 5.5, tolerance=0.2, margin=1)


GIVEN_AWAY = "given away"


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"correct": 1969.5}, "question.correct: must be a value of the slider (min + k * step)"),
        ({"step": 0.1}, "slider: 1000 steps, at most 200"),
        ({"low": 0, "high": 10000}, "slider: 10000 steps, at most 200"),
        ({"low": 1960, "high": 1980, "step": 5}, "slider: 4 steps, at least 10"),
        ({"correct": 2100}, "slider: correct 2100 is outside 1900 to 2000"),
        ({"correct": 1850}, "slider: correct 1850 is outside 1900 to 2000"),
        ({"correct": 1900},
         f"slider: correct 1900 is within the tolerance of an end (1900 to 2000): {GIVEN_AWAY}"),
        ({"correct": 2000},
         f"slider: correct 2000 is within the tolerance of an end (1900 to 2000): {GIVEN_AWAY}"),
        ({"correct": 1902},
         f"slider: correct 1902 is within the tolerance of an end (1900 to 2000): {GIVEN_AWAY}"),
        ({"correct": 1998},
         f"slider: correct 1998 is within the tolerance of an end (1900 to 2000): {GIVEN_AWAY}"),
        ({"correct": 1950},
         f"slider: correct 1950 is within the tolerance of the middle of 1900 to 2000: "
         f"{GIVEN_AWAY}"),
        ({"low": 1940, "correct": 1971},
         f"slider: correct 1971 is within the tolerance of the middle of 1940 to 2000: "
         f"{GIVEN_AWAY}"),
        ({"step": 3, "low": 1899, "high": 1998, "correct": 1968},
         "slider: step 3 is not 1, 2 or 5 times a power of ten"),
        ({"step": 5, "low": 1903, "high": 2003, "correct": 1968},
         "slider: min 1903 and max 2003 must be multiples of the step 5"),
        ({"high": 1900}, "question.max: must be more than min"),
        ({"step": 0}, "question.step: must be more than 0"),
        ({"low": "1900"}, "question.min: must be a number"),
        ({"correct": True}, "question.correct: must be a number"),
        ({"correct": None}, "question.correct: required"),
        ({"text": "Apollo 11 landed in 1969: in what year was that?"},
         "answer given away in the text"),
        ({"explanation": ""}, "explanation missing"),
    ],
)  # fmt: skip
def test_a_bad_slider_is_dropped_alone_with_its_reason(fields: dict[str, Any], why: str) -> None:
    item = sample_slider(**fields)
    others = [choice(f"Choice question {i}?") for i in range(4)]
    # Five items: room for one slider, so only its own fault can refuse it.
    parsed = parse_questions(reply(others[0], item, *others[1:]), "t", sliders=True)
    assert [q.text for q in parsed.questions] == [q["text"] for q in others]
    assert parsed.rejected == (f"#1: {why}",)
    # The same place holds a good slider.
    good = parse_questions(reply(others[0], sample_slider(), *others[1:]), "t", sliders=True)
    assert good.rejected == () and good.questions[1].kind == "slider"


def test_a_slider_is_refused_unless_asked_for() -> None:
    parsed = parse_questions(reply(choice(), sample_slider()), "t")
    assert [q.kind for q in parsed.questions] == ["choice"]
    assert parsed.rejected == ("#1: kind 'slider'",)


def test_a_reply_keeps_at_most_one_slider_in_five() -> None:
    sliders = [
        sample_slider(f"Slider question {i}: in what year did it happen?") for i in range(4)
    ]
    broken = sample_slider("A broken slider: in what year?", correct=1969.5)
    items = [choice(f"Choice question {i}?") for i in range(5)]
    # 10 items: room for two sliders. The broken one does not use up a place.
    parsed = parse_questions(reply(*items, broken, *sliders), "t", sliders=True)
    kept = [q.text for q in parsed.questions if q.kind == "slider"]
    assert kept == [sliders[0]["text"], sliders[1]["text"]]
    assert parsed.rejected == (
        "#5: question.correct: must be a value of the slider (min + k * step)",
        "#8: more than one slider in 5",
        "#9: more than one slider in 5",
    )


def test_a_sliders_answer_gives_away_and_is_given_away() -> None:
    slider = parse_slider(sample_slider())
    mission = Question("Which mission landed on the Moon in 1969?",
                       ("Apollo 11", "Apollo 13", "Gemini 4"), 0)  # fmt: skip
    same_answer = Question("When did Woodstock take place?", ("1967", "1969", "1972"), 1)
    unrelated = Question("Which planet is red?", ("Mars", "Venus"), 0)
    assert conflict(slider, mission) and conflict(mission, slider)
    assert conflict(slider, same_answer)
    assert not conflict(slider, unrelated)


# --- the blind check's messages ----------------------------------------------------------


def test_the_blind_check_sees_a_sliders_scale_not_its_answer() -> None:
    slider = parse_slider(sample_slider(step=0.5))
    data = json.loads(verify_message([slider]))
    assert data == {"questions": [{"id": 0, "text": MOON, "min": 1900, "max": 2000, "step": 0.5}]}


def test_blind_answers_may_be_numbers() -> None:
    content = json.dumps({"answers": [
        {"id": 0, "answer": 1969}, {"id": 1, "answer": 5.5}, {"id": 2, "answer": True},
        {"id": 3, "answer": "1969"}, {"id": 4, "answer": None}, {"id": 5.0, "answer": 1},
    ]})  # fmt: skip
    assert parse_answers(content, 6) == {0: 1969, 1: 5.5}
    # NaN and infinities (Python's json reads them) are no answer either.
    assert parse_answers('{"answers": [{"id": 0, "answer": NaN}, {"id": 1, "answer": -Infinity}]}',
                         2) == {}  # fmt: skip


def test_the_schemas_and_prompts_speak_of_sliders() -> None:
    item = QUESTIONS_SCHEMA["properties"]["questions"]["items"]
    assert item["properties"]["kind"]["enum"] == ["choice", "true_false", "slider"]
    for field in ("correct", "min", "max", "step"):
        assert item["properties"][field] == {"type": "number"}
    assert "tolerance" not in item["properties"]  # the server's, not the model's
    answer = ANSWERS_SCHEMA["properties"]["answers"]["items"]["properties"]["answer"]
    assert answer == {"type": "number"}
    assert '"sliders" is true' in SYSTEM_PROMPT and "at most one question in five" in SYSTEM_PROMPT
    assert "10 to 200 steps" in SYSTEM_PROMPT and "1, 2 or 5 times a power of ten" in SYSTEM_PROMPT
    assert '"min" to "max"' in VERIFY_PROMPT


# --- the cache -----------------------------------------------------------------------


def test_a_slider_round_trips_through_the_cache_encoding() -> None:
    slider = parse_slider(sample_slider(step=0.5), "Space")
    (back,) = [question_from_dict(item) for item in json.loads(_encode([slider]))]
    assert back == slider
    assert back.slider == Slider(1900, 2000, 0.5, 1969, tolerance=2, margin=10)


# --- with the model: generation, the blind check, the cap ---------------------------------


async def test_a_set_with_a_slider_is_written_checked_and_played(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    fake.default = questions_reply(with_choices(sample_slider()))
    gen = await make_source().generate_detailed("Space", 5, "easy", sliders=True)
    assert gen.reason == "llm" and gen.questions.llm_count == 5
    assert (gen.rejected, gen.disagreed) == (0, 0)
    (slider,) = [q for q in gen.questions.questions if q.kind == "slider"]
    assert slider.slider == Slider(1900, 2000, 1, 1969, tolerance=2, margin=10)
    assert slider.options == () and slider.category == "Space"
    assert fake.requests[0].user_data()["sliders"] is True
    # One blind check for the mixed set: options for the choices, a scale
    # for the slider, no key for either.
    (check,) = fake.verifications
    sent = check.user_data()["questions"]
    assert len(sent) == 5
    scales = [item for item in sent if "options" not in item]
    assert scales == [{"id": scales[0]["id"], "text": MOON, "min": 1900, "max": 2000, "step": 1}]
    assert all(set(item) == {"id", "text", "options"} for item in sent if item not in scales)


def blind_slider_answers(fake: FakeGroq, off_by: dict[str, float]) -> Callable[..., Reply]:
    """A verifier that agrees with the fake's keys, but answers the sliders named in
    ``off_by`` that far from their value."""

    def verifier(request: Any) -> Reply:
        answers: list[float] = []
        for item in request.user_data()["questions"]:
            if "options" in item:
                answers.append(item["options"].index(fake.keys[item["text"]]))
            else:
                answers.append(fake.values[item["text"]] + off_by.get(item["text"], 0))
        return answers_reply(answers)

    return verifier


async def test_the_blind_check_keeps_a_slider_within_the_tolerance_and_drops_one_outside(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    near = sample_slider("In what year did the Berlin Wall fall?", correct=1989,
                         explanation="It fell on 9 November 1989.")  # fmt: skip
    far = sample_slider("In what year did the Titanic sink?", correct=1912,
                        explanation="It sank in April 1912.")  # fmt: skip
    fake.default = questions_reply(with_choices(near, far, total=11))  # room for 2 sliders
    # Both sliders have 100 steps: the server's tolerance is 2 years.
    fake.verifier = blind_slider_answers(fake, {near["text"]: -2, far["text"]: 3})
    source = make_source()
    gen = await source.generate_detailed("History", 10, "easy", sliders=True)
    assert gen.reason == "llm" and gen.disagreed == 1
    texts = {q.text for q in gen.questions.questions}
    assert near["text"] in texts and far["text"] not in texts
    assert gen.questions.llm_count == 10  # the spare choice questions fill in
    (check,) = fake.verifications
    assert len(check.user_data()["questions"]) == 11  # both kinds in one call
    cached = await source.cache.get("easy:en:history")
    assert cached is not None and far["text"] not in {q.text for q in cached}


async def test_a_room_that_did_not_ask_gets_no_slider(
    fake: FakeGroq, make_source: SourceFactory
) -> None:
    # The model writes one anyway: it is refused, and never played.
    fake.default = questions_reply(with_choices(sample_slider(), total=8))
    gen = await make_source().generate_detailed("Space", 5, "easy")
    assert fake.requests[0].user_data()["sliders"] is False
    assert gen.rejected == 1 and gen.questions.llm_count == 5
    assert all(q.kind == "choice" for q in gen.questions.questions)
    assert all("options" in item for item in fake.verifications[0].user_data()["questions"])


async def test_a_draw_holds_at_most_one_slider_in_five(make_source: SourceFactory) -> None:
    # A pool with more sliders than choices (several generations merged) in
    # the cache; their answers differ, so none rules another out.
    choices = [Question(f"Choice question {i}?", ("3", "4", "5"), 1, "Space", "llm")
               for i in range(10)]  # fmt: skip
    sliders = [
        Question(f"Slider question {i}: in what year?", (), (), "Space", "llm", kind="slider",
                 explanation="Because.", slider=Slider(1900, 2000, 1, 1910 + 3 * i, 2, 10))
        for i in range(14)
    ]  # fmt: skip
    cache = MemoryCache()
    await cache.put("easy:en:space", (*choices, *sliders))
    source = make_source(cache=cache)
    most: dict[tuple[int, bool], int] = {}
    for _ in range(30):
        for count, allowed in ((5, True), (10, True), (4, True), (10, False)):
            gen = await source.generate_detailed("Space", count, "easy", sliders=allowed)
            assert gen.reason == "cache" and len(gen.questions.questions) == count
            held = sum(q.kind == "slider" for q in gen.questions.questions)
            most[count, allowed] = max(most.get((count, allowed), 0), held)
    # The cap is reached, and never passed.
    assert most == {(5, True): 1, (10, True): 2, (4, True): 0, (10, False): 0}


def test_fit_refuses_what_the_protocol_would_take() -> None:
    # 10,000 steps is the protocol's bound; 200 is ours.
    with pytest.raises(SliderRefused, match="at most 200"):
        fit(0, 10000, 1, 4321)


# --- the CLI --------------------------------------------------------------------------


async def test_cli_prints_a_slider(fake: FakeGroq) -> None:
    fake.default = questions_reply(with_choices(sample_slider()))
    env = {
        "GROQ_API_KEY": KEY,
        "GROQ_BASE_URL": fake.base_url,
        "LLM_TIMEOUT_SECONDS": "5",
        "PATH": "/usr/bin:/bin",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "quiz.generate", "Space", "--count", "5", "--sliders",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    at = lines.index(next(line for line in lines if MOON in line))
    assert lines[at].endswith(f"{MOON}  [llm]")
    assert lines[at + 1 : at + 4] == [
        "   slider 1900 to 2000, step 1 (100 steps)",
        "   * 1969: full points within ±2, none beyond ±12",
        "   (Apollo 11 landed on 20 July 1969.)",
    ]
    assert fake.requests[0].user_data()["sliders"] is True
