"""Topic sanitising and strict validation of what the model returns.

Nothing the model writes reaches a room without passing :func:`parse_questions`:
that is what makes a prompt injection through the topic harmless. Whatever the
topic persuades the model to say, only well-formed questions get through, one
by one, and everything else is dropped and topped up from the bank.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from quiz.core.labels import true_false_labels
from quiz.core.parse import QuestionError, parse_question
from quiz.core.question import Question
from quiz.llm.giveaway import gives_itself_away
from quiz.llm.slider import SLIDER_SHARE, SliderRefused, fit, max_sliders

# The bounds of a question are the protocol's (quiz.core.parse); the prompt
# asks for less (see groq_client), so a model that follows the prompt is
# never near them.
MAX_TOPIC_CHARS = 100  # the protocol's own topic bound
DEFAULT_TOPIC = "general knowledge"
DEFAULT_LANGUAGE = "en"
# The kinds the model may write: one right option each, or one right number,
# so a blind second answer can check it. (multi, text, poll and order are the
# host's.) `slider` only when the caller asks for it (a protocol 1.2 room):
# see quiz.llm.slider for the grid and the tolerance the server sets.
LLM_KINDS = ("choice", "true_false")
SLIDER = "slider"

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

_SPACES = re.compile(r"\s+")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


def clean_text(raw: str, form: Literal["NFC", "NFKC"] = "NFC") -> str:
    """``raw`` normalised, without control or format characters, on one line.

    Unicode categories C* cover ASCII controls, but also the invisible format
    characters (zero-width joiners, bidi overrides) that can hide instructions
    or make two strings look equal while they differ. Question text keeps NFC:
    NFKC would turn "x²" into "x2".
    """
    text = unicodedata.normalize(form, raw)
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return _SPACES.sub(" ", text).strip()


def clean_topic(raw: str, max_chars: int = MAX_TOPIC_CHARS) -> str:
    """The host's topic made safe to put in a prompt: cleaned, bounded, never empty.

    A topic longer than ``max_chars`` is cut at a word boundary where one is
    near, so the model sees whole words.
    """
    # NFKC for the topic: it folds look-alike compatibility characters
    # (full-width letters, ligatures) into the plain ones the model knows.
    text = clean_text(raw, "NFKC")
    if len(text) > max_chars:
        cut = text[:max_chars]
        space = cut.rfind(" ")
        text = (cut[:space] if space >= max_chars // 2 else cut).rstrip()
    return text or DEFAULT_TOPIC


def clean_language(raw: object) -> str:
    """A BCP 47 tag as the model will see it (``fr``, ``pt-BR``), or ``en``.

    The room's language is checked by the server; this is the last guard
    before it reaches a prompt, so anything that is not a plain tag becomes
    the default rather than text the model reads.
    """
    if not isinstance(raw, str) or len(raw) > 35 or not _LANGUAGE.match(raw.strip()):
        return DEFAULT_LANGUAGE
    primary, _sep, rest = raw.strip().partition("-")
    return primary.lower() + (f"-{rest}" if rest else "")


def true_false_options(language: str) -> tuple[str, str] | None:
    """The fixed true/false options of ``language``, None where we have none.

    A language not in the table keeps the two words the model wrote (checked
    like any options); every listed one is written by us, so the model cannot
    put the words in the wrong order or misspell them.
    """
    return true_false_labels(clean_language(language))


def topic_key(topic: str) -> str:
    """The form of a (clean) topic under which equal topics share a cache entry."""
    return clean_topic(topic).casefold()


def _same_key(text: str) -> str:
    # Two questions or options that differ only in case, spacing or final
    # punctuation are the same thing to a player.
    return _SPACES.sub(" ", text.casefold()).strip().rstrip(".?!").strip()


@dataclass(frozen=True, slots=True)
class Parsed:
    """The questions that passed validation, and why each other one did not."""

    questions: tuple[Question, ...]
    rejected: tuple[str, ...]


class BadOutput(ValueError):
    """The model's reply as a whole is unusable (not JSON, wrong top-level shape)."""


class _Refused(ValueError):
    """Why one question is refused (its message is the reason logged)."""


def _check_question(
    item: object, category: str, language: str, sliders: bool = False
) -> Question | str:
    """One validated question, or the reason it was refused."""
    try:
        return _question(item, category, language, sliders)
    except _Refused as refused:
        return str(refused)


def _clean(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _real(value: object) -> float | None:
    """``value`` as a finite number, None if it is not one (bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _slider_fields(item: dict[str, Any]) -> dict[str, object]:
    """A slider's numbers as the model gave them, plus the tolerance and margin
    the server sets (:func:`quiz.llm.slider.fit`). Numbers that are not numbers
    go to the parser as they are, which names the field."""
    fields = {key: item.get(key) for key in ("min", "max", "step", "correct")}
    low, high, step, correct = (_real(v) for v in fields.values())
    if low is None or high is None or step is None or correct is None:
        return fields
    if not (high > low and step > 0):
        return fields  # the parser says which
    try:
        fitted = fit(low, high, step, correct)
    except SliderRefused as refused:
        raise _Refused(str(refused)) from None
    return {**fields, "tolerance": fitted.tolerance, "margin": fitted.margin}


def _question(item: object, category: str, language: str, sliders: bool = False) -> Question:
    """The model's question through the one check of every question
    (:func:`quiz.core.parse.parse_question`), and the model's own rules:
    one of its kinds, an explanation, a slider's grid, and no answer given away."""
    if not isinstance(item, dict):
        raise _Refused("not an object")
    kind = item.get("kind", "choice")
    if kind not in LLM_KINDS and not (sliders and kind == SLIDER):
        raise _Refused(f"kind {str(kind)[:20]!r}")
    data: dict[str, object] = {
        "kind": kind,
        "text": _clean(item.get("text")),
        "explanation": _clean(item.get("explanation")),
    }
    if kind == SLIDER:
        # No options (the schema makes the model send []), and the numbers
        # with the server's tolerance.
        data.update(_slider_fields(item))
    else:
        # min, max and step are 0 here (the schema wants every field): ignored.
        options = item.get("options")
        if kind == "true_false" and isinstance(options, list) and len(options) == 2:
            options = true_false_options(language) or options
        data["options"] = (
            [_clean(o) for o in options] if isinstance(options, list | tuple) else options
        )
        # bool is an int in Python; `true` is not an index. The schema's
        # `correct` is a number (a slider's value too): 1.0 is index 1.
        correct = item.get("correct")
        if isinstance(correct, float) and correct.is_integer():
            correct = int(correct)
        data["correct"] = None if isinstance(correct, bool) else correct
    try:
        question = parse_question(data, "question", source="llm", category=category)
    except QuestionError as exc:
        raise _Refused(str(exc)) from None
    if not question.explanation:
        raise _Refused("explanation missing")
    if gives_itself_away(question):
        raise _Refused("answer given away in the text")
    return question


def _load_object(content: str | None) -> object:
    if content is None:
        raise BadOutput("empty reply")
    body = _FENCE.sub("", content.strip())
    try:
        return json.loads(body)
    except ValueError:
        raise BadOutput("reply is not JSON") from None


def parse_questions(
    content: str | None,
    category: str,
    language: str = DEFAULT_LANGUAGE,
    *,
    sliders: bool = False,
) -> Parsed:
    """Every valid question in the model's reply, in order, without duplicates.

    The reply must be a JSON object with a ``questions`` list (a bare list is
    accepted too). Invalid questions are dropped one by one; only a reply that
    is not JSON at all, or has no list, raises :class:`BadOutput`. With
    ``sliders``, `slider` questions are allowed too, at most one in five of
    the reply (:func:`quiz.llm.slider.max_sliders`); the valid ones past that
    are refused.
    """
    data = _load_object(content)
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BadOutput("reply has no list of questions")
    questions: list[Question] = []
    rejected: list[str] = []
    seen: set[str] = set()
    slider_room = max_sliders(len(items)) if sliders else 0
    for index, item in enumerate(items):
        checked = _check_question(item, category, language, sliders)
        if isinstance(checked, str):
            rejected.append(f"#{index}: {checked}")
            continue
        key = _same_key(checked.text)
        if key in seen:
            rejected.append(f"#{index}: duplicate question")
            continue
        if checked.kind == SLIDER:
            if slider_room <= 0:
                rejected.append(f"#{index}: more than one slider in {SLIDER_SHARE}")
                continue
            slider_room -= 1
        seen.add(key)
        questions.append(checked)
    return Parsed(tuple(questions), tuple(rejected))


Answer = int | float


def parse_answers(content: str | None, count: int) -> dict[int, Answer]:
    """The blind answers of a verification reply: question id -> answer.

    ``{"answers": [{"id": 0, "answer": 2}, {"id": 1, "answer": 1969}, ...]}``:
    an option index for a question with options, a number for a slider. An
    entry whose id is not an integer in ``range(count)``, or whose answer is
    not a finite number, is ignored (that question is then unverified); an id
    given twice keeps its first answer.
    """
    data = _load_object(content)
    items = data.get("answers") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BadOutput("reply has no list of answers")
    answers: dict[int, Answer] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        qid, answer = item.get("id"), item.get("answer")
        if isinstance(qid, bool) or not isinstance(qid, int) or _real(answer) is None:
            continue
        assert isinstance(answer, int | float)
        if 0 <= qid < count:
            answers.setdefault(qid, answer)
    return answers


def question_key(text: str) -> str:
    """The normalised form of a question text, for de-duplication across sources."""
    return _same_key(text)
