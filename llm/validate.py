"""Topic sanitising and strict validation of what the model returns.

Nothing the model writes reaches a room without passing :func:`parse_questions`:
that is what makes a prompt injection through the topic harmless. Whatever the
topic persuades the model to say, only well-formed questions get through, one
by one, and everything else is dropped and topped up from the bank.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from llm.types import Question

# Bounds. The prompt asks for less (see groq_client), so a model that follows
# the prompt is never near them; they exist for the model that does not.
MAX_TOPIC_CHARS = 100  # the protocol's own topic bound
MAX_TEXT_CHARS = 300
MAX_OPTION_CHARS = 120
MIN_OPTIONS = 2
MAX_OPTIONS = 4
DEFAULT_TOPIC = "general knowledge"

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


def _check_question(item: object, category: str) -> Question | str:
    """One validated question, or the reason it was refused."""
    if not isinstance(item, dict):
        return "not an object"
    text = item.get("text")
    if not isinstance(text, str):
        return "text missing"
    text = clean_text(text)
    if not text:
        return "text empty"
    if len(text) > MAX_TEXT_CHARS:
        return "text too long"
    options = item.get("options")
    if not isinstance(options, list):
        return "options missing"
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        return f"{len(options)} options"
    cleaned: list[str] = []
    for option in options:
        if not isinstance(option, str):
            return "option not a string"
        option = clean_text(option)
        if not option:
            return "option empty"
        if len(option) > MAX_OPTION_CHARS:
            return "option too long"
        cleaned.append(option)
    if len({_same_key(o) for o in cleaned}) != len(cleaned):
        return "duplicate options"
    correct = item.get("correct")
    # bool is an int in Python; `true` is not an index.
    if not isinstance(correct, int) or isinstance(correct, bool):
        return "correct index missing"
    if not 0 <= correct < len(cleaned):
        return "correct index out of range"
    return Question(
        text=text, options=tuple(cleaned), correct=correct, category=category, source="llm"
    )


def parse_questions(content: str | None, category: str) -> Parsed:
    """Every valid question in the model's reply, in order, without duplicates.

    The reply must be a JSON object with a ``questions`` list (a bare list is
    accepted too). Invalid questions are dropped one by one; only a reply that
    is not JSON at all, or has no list, raises :class:`BadOutput`.
    """
    if content is None:
        raise BadOutput("empty reply")
    body = _FENCE.sub("", content.strip())
    try:
        data = json.loads(body)
    except ValueError:
        raise BadOutput("reply is not JSON") from None
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BadOutput("reply has no list of questions")
    questions: list[Question] = []
    rejected: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        checked = _check_question(item, category)
        if isinstance(checked, str):
            rejected.append(f"#{index}: {checked}")
            continue
        key = _same_key(checked.text)
        if key in seen:
            rejected.append(f"#{index}: duplicate question")
            continue
        seen.add(key)
        questions.append(checked)
    return Parsed(tuple(questions), tuple(rejected))


def question_key(text: str) -> str:
    """The normalised form of a question text, for de-duplication across sources."""
    return _same_key(text)
