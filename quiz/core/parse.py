"""Reading a question from JSON-like data and checking it: the one implementation. No I/O.

Every question that reaches a room passes :func:`parse_question`, whatever
its source: the host's quiz over the wire (``create_room``, ``set_questions``),
the LLM's output (:mod:`quiz.llm.validate` adds its own policy on top), the bank,
and what Redis or the question cache hold (:func:`question_from_dict`). A
refusal is a :class:`QuestionError` that names the field as a path
(``questions[3].correct``).

The browser's editor checks the same rules (``web/quizdoc.js``); the table
of cases in ``tests/cases/questions.json`` holds both to them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from quiz.core.folding import fold
from quiz.core.kinds import ANSWER_MAX
from quiz.core.question import KINDS, SINGLE_CORRECT, SOURCES, Question, Slider

TEXT_MAX = 300
OPTION_MAX = 100
OPTIONS_MIN, OPTIONS_MAX = 2, 4
ANSWERS_MAX = 10
EXPLANATION_MAX = 300
TIME_LIMIT_MIN, TIME_LIMIT_MAX = 5, 240
POINTS = (0, 1, 2)
QUIZ_MAX = 100
CATEGORY_MAX = 100
IMAGE_ALT_MAX = 200
# A media id: the lowercase hex SHA-256 of the bytes the server stores.
MEDIA_ID_LENGTH = 64
OPTION_IMAGE_KINDS = ("choice", "multi", "poll")
ORDER_MIN, ORDER_MAX = 2, 6
ROUND_MAX = 60
SLIDER_STEPS_MAX = 10_000
# Slider numbers: a grid of at most 10,000 steps within +-1e12 is exact
# enough in floats; past that, players could not type the values anyway.
NUMBER_MAX = 1e12


class QuestionError(ValueError):
    """A bad question; ``str()`` is ``"<path>: <why>"``."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path


def _text(value: Any, path: str, max_len: int, *, required: bool = True) -> str:
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return ""
    if not isinstance(value, str):
        raise QuestionError(path, "must be a string")
    # Control characters and line breaks become spaces; runs of white space
    # fold to one, as the topic does.
    value = " ".join(
        "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value).split()
    )
    if not 1 <= len(value) <= max_len:
        raise QuestionError(path, f"must be 1 to {max_len} characters")
    return value


def _index(value: Any, path: str, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise QuestionError(path, "must be a whole number")
    if not 0 <= value < n:
        raise QuestionError(path, f"must be from 0 to {n - 1}")
    return value


def _absent(data: Mapping[str, Any], key: str, path: str, kind: str) -> None:
    if data.get(key) is not None:
        raise QuestionError(f"{path}.{key}", f"a {kind} question has none")


def _options(data: Mapping[str, Any], kind: str, path: str) -> tuple[str, ...]:
    raw = data.get("options")
    if kind in ("text", "slider"):
        _absent(data, "options", path, kind)
        return ()
    if kind == "true_false" and raw is None:
        return ()  # filled in the room's language (quiz.core.kinds.localized)
    if not isinstance(raw, list):
        raise QuestionError(f"{path}.options", "must be a list of strings")
    low, high = {"true_false": (2, 2), "order": (ORDER_MIN, ORDER_MAX)}.get(
        kind, (OPTIONS_MIN, OPTIONS_MAX)
    )
    if not low <= len(raw) <= high:
        raise QuestionError(f"{path}.options", f"must hold {low} to {high} options")
    options = tuple(_text(o, f"{path}.options[{i}]", OPTION_MAX) for i, o in enumerate(raw))
    seen: set[str] = set()
    for i, option in enumerate(options):
        # Two options a player could not tell apart are one option.
        key = fold(option) or option
        if key in seen:
            raise QuestionError(f"{path}.options[{i}]", "repeats another option")
        seen.add(key)
    return options


def _correct(data: Mapping[str, Any], kind: str, n: int, path: str) -> tuple[int, ...]:
    raw = data.get("correct")
    if kind in SINGLE_CORRECT:
        if kind == "true_false" and isinstance(raw, bool):
            raw = 0 if raw else 1
        if raw is None:
            raise QuestionError(f"{path}.correct", "required")
        return (_index(raw, f"{path}.correct", n),)
    if kind == "multi":
        if not isinstance(raw, list) or not 1 <= len(raw) <= n:
            raise QuestionError(f"{path}.correct", f"must be a list of 1 to {n} indexes")
        correct = tuple(_index(v, f"{path}.correct[{i}]", n) for i, v in enumerate(raw))
        if len(set(correct)) != len(correct):
            raise QuestionError(f"{path}.correct", "indexes must be distinct")
        return tuple(sorted(correct))
    if kind != "slider":  # a slider's correct is a number: _slider's
        _absent(data, "correct", path, kind)
    return ()


def _number(data: Mapping[str, Any], key: str, path: str, default: float | None = None) -> float:
    value = data.get(key)
    if value is None:
        if default is None:
            raise QuestionError(f"{path}.{key}", "required")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QuestionError(f"{path}.{key}", "must be a number")
    if not abs(value) <= NUMBER_MAX:  # also refuses NaN
        raise QuestionError(f"{path}.{key}", f"must be from -{NUMBER_MAX:.0e} to {NUMBER_MAX:.0e}")
    return float(value)


def _slider(data: Mapping[str, Any], kind: str, path: str) -> Slider | None:
    fields = ("min", "max", "step", "tolerance", "margin")
    if kind != "slider":
        for key in fields:
            _absent(data, key, path, kind)
        return None
    low, high = _number(data, "min", path), _number(data, "max", path)
    if not low < high:
        raise QuestionError(f"{path}.max", "must be more than min")
    step = _number(data, "step", path)
    if not step > 0:
        raise QuestionError(f"{path}.step", "must be more than 0")
    if (high - low) / step > SLIDER_STEPS_MAX:
        raise QuestionError(f"{path}.step", f"makes more than {SLIDER_STEPS_MAX} steps")
    tolerance = _number(data, "tolerance", path, 0.0)
    if tolerance < 0:
        raise QuestionError(f"{path}.tolerance", "must be 0 or more")
    margin = _number(data, "margin", path, (high - low) / 10)
    if not margin > 0:
        raise QuestionError(f"{path}.margin", "must be more than 0")
    slider = Slider(low, high, step, _number(data, "correct", path), tolerance, margin)
    if not slider.on_grid(slider.correct):
        raise QuestionError(f"{path}.correct", "must be a value of the slider (min + k * step)")
    return slider


def _round(data: Mapping[str, Any], path: str) -> str | None:
    if data.get("round") is None:
        return None
    return _text(data["round"], f"{path}.round", ROUND_MAX)


def _answers(data: Mapping[str, Any], kind: str, path: str) -> tuple[str, ...]:
    if kind != "text":
        _absent(data, "answers", path, kind)
        return ()
    raw = data.get("answers")
    if not isinstance(raw, list) or not 1 <= len(raw) <= ANSWERS_MAX:
        raise QuestionError(f"{path}.answers", f"must be a list of 1 to {ANSWERS_MAX} strings")
    answers = tuple(_text(a, f"{path}.answers[{i}]", ANSWER_MAX) for i, a in enumerate(raw))
    for i, answer in enumerate(answers):
        if not fold(answer):
            raise QuestionError(f"{path}.answers[{i}]", "has no letters or digits to match")
    return answers


def _time_limit(data: Mapping[str, Any], path: str) -> int | None:
    value = data.get("time_limit")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise QuestionError(f"{path}.time_limit", "must be a whole number of seconds")
    if not TIME_LIMIT_MIN <= value <= TIME_LIMIT_MAX:
        raise QuestionError(
            f"{path}.time_limit", f"must be from {TIME_LIMIT_MIN} to {TIME_LIMIT_MAX}"
        )
    return value


def _points(data: Mapping[str, Any], path: str) -> int:
    value = data.get("points", 1)
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value not in POINTS:
        raise QuestionError(f"{path}.points", "must be 0, 1 or 2")
    return int(value)


def _media_id(value: Any, path: str) -> str:
    if (
        not isinstance(value, str)
        or len(value) != MEDIA_ID_LENGTH
        or value.strip("0123456789abcdef")
    ):
        raise QuestionError(path, "must be a media id (64 lowercase hex digits)")
    return value


def _media(data: Mapping[str, Any], kind: str, options: int, path: str) -> dict[str, Any]:
    """A question's pictures and sound (protocol 1.2 "Media"), ids checked for
    their shape; whether the server holds them is the server's to check."""
    out: dict[str, Any] = {}
    if data.get("image") is not None:
        out["image"] = _media_id(data["image"], f"{path}.image")
        out["image_alt"] = _text(data.get("image_alt"), f"{path}.image_alt", IMAGE_ALT_MAX)
    elif data.get("image_alt") is not None:
        raise QuestionError(f"{path}.image_alt", "goes with an image")
    if data.get("audio") is not None:
        out["audio"] = _media_id(data["audio"], f"{path}.audio")
    raw = data.get("option_images")
    if raw is not None:
        if kind not in OPTION_IMAGE_KINDS:
            raise QuestionError(f"{path}.option_images", f"a {kind} question has none")
        if not isinstance(raw, list) or len(raw) != options:
            raise QuestionError(f"{path}.option_images", f"must be a list of {options} entries")
        images = tuple(
            None if v is None else _media_id(v, f"{path}.option_images[{i}]")
            for i, v in enumerate(raw)
        )
        if any(images):
            out["option_images"] = images
    return out


def parse_question(data: Any, path: str, *, source: str = "host", category: str = "") -> Question:
    """One question, or :class:`QuestionError` naming the field.

    A true/false question may leave out ``options`` (they are filled in the
    room's language by :func:`quiz.core.kinds.localized`) and may give
    ``correct`` as a boolean. A poll's ``points`` are 0: it scores nothing.
    """
    if not isinstance(data, dict):
        raise QuestionError(path, "must be an object")
    kind = data.get("kind", "choice")
    if kind is None:
        kind = "choice"
    if kind not in KINDS:
        raise QuestionError(f"{path}.kind", "must be one of " + ", ".join(KINDS))
    text = _text(data.get("text"), f"{path}.text", TEXT_MAX)
    options = _options(data, kind, path)
    correct = _correct(data, kind, len(options) or 2, path)
    answers = _answers(data, kind, path)
    slider = _slider(data, kind, path)
    time_limit = _time_limit(data, path)
    points = _points(data, path)
    explanation = _text(
        data.get("explanation"), f"{path}.explanation", EXPLANATION_MAX, required=False
    )
    media = _media(data, kind, len(options), path)
    if source not in SOURCES:
        raise QuestionError(f"{path}.source", "must be one of " + ", ".join(SOURCES))
    return Question(
        text,
        options,
        correct,
        category=category,
        source=source,  # type: ignore[arg-type]
        kind=kind,
        answers=answers,
        time_limit=time_limit,
        points=0 if kind == "poll" else points,
        explanation=explanation,
        slider=slider,
        round=_round(data, path),
        **media,
    )


def parse_quiz(data: Any, path: str = "questions") -> tuple[Question, ...]:
    """A host's quiz: 1 to 100 questions."""
    if not isinstance(data, list):
        raise QuestionError(path, "must be a list of questions")
    if not 1 <= len(data) <= QUIZ_MAX:
        raise QuestionError(path, f"must hold 1 to {QUIZ_MAX} questions")
    return tuple(parse_question(item, f"{path}[{i}]") for i, item in enumerate(data))


def question_from_dict(data: Any, path: str = "question") -> Question:
    """A question from :meth:`Question.to_dict`'s shape (what Redis and the
    question cache hold), checked like any other; also the v1 shape (no
    ``kind``, ``correct`` an index). :class:`QuestionError` if it is not one.
    """
    if not isinstance(data, dict):
        raise QuestionError(path, "must be an object")
    source = data.get("source", "bank")
    category = data.get("category", "")
    if not isinstance(category, str) or len(category) > CATEGORY_MAX:
        raise QuestionError(f"{path}.category", f"must be a string of at most {CATEGORY_MAX}")
    return parse_question(
        data, path, source=source if source in SOURCES else "bank", category=category
    )
