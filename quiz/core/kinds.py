"""Question kinds: what an answer may be, when it is right, how answers count.

No I/O. Every rule that depends on a question's kind lives here, so the
room (quiz.core.room), the wire parser (quiz.wire.protocol) and the scoring
(quiz.core.scoring) ask one place:

- :func:`fold` turns a typed answer into the form that is compared;
- :func:`answer_error` says why an answer does not fit a question, or None;
- :func:`is_correct` judges an answer (None for a poll: no right answer);
- :func:`answer_counts` tallies the answers for ``question_result``;
- :func:`parse_question` checks a host's question from the wire and names
  the bad field as a path (``questions[3].correct``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from llm.types import KINDS, SINGLE_CORRECT, Question

# An answer as the room keeps it: an index, a sorted tuple of indexes
# (multi), or the typed text (text).
AnswerValue = int | tuple[int, ...] | str

TEXT_MAX = 300
OPTION_MAX = 100
OPTIONS_MIN, OPTIONS_MAX = 2, 4
ANSWERS_MAX = 10
ANSWER_MAX = 100  # a typed answer, and each accepted answer
EXPLANATION_MAX = 300
TIME_LIMIT_MIN, TIME_LIMIT_MAX = 5, 240
POINTS = (0, 1, 2)
QUIZ_MAX = 100

# The two options of a true/false question in the room's language (the
# primary subtag of its BCP 47 tag); English for any other language.
TRUE_FALSE: dict[str, tuple[str, str]] = {
    "en": ("True", "False"),
    "de": ("Wahr", "Falsch"),
    "fr": ("Vrai", "Faux"),
    "es": ("Verdadero", "Falso"),
    "it": ("Vero", "Falso"),
    "pt": ("Verdadeiro", "Falso"),
    "nl": ("Waar", "Onwaar"),
    "pl": ("Prawda", "Fałsz"),
    "sv": ("Sant", "Falskt"),
    "da": ("Sandt", "Falsk"),
    "nb": ("Sant", "Usant"),
    "fi": ("Tosi", "Epätosi"),
    "tr": ("Doğru", "Yanl\u0131\u015f"),
    "ru": ("Верно", "Неверно"),
    "uk": ("Правда", "Неправда"),
    "el": ("Σωστό", "Λάθος"),
    "ar": ("صح", "خطأ"),
    "he": ("נכון", "לא נכון"),
    "hi": ("सही", "गलत"),
    "ja": ("正しい", "間違い"),
    "zh": ("对", "错"),
    "ko": ("참", "거짓"),
}


def true_false_options(language: str) -> tuple[str, str]:
    return TRUE_FALSE.get(language.split("-")[0].lower(), TRUE_FALSE["en"])


# Folding. Hand-written rather than a library: unidecode/anyascii
# transliterate (Greek and Cyrillic would become Latin, CJK would become
# pinyin), and ICU's primary-strength collation is a large native dependency
# for one comparison. The rule, in order:
#   1. NFKD, casefold, NFKD again (Unicode's compatibility caseless match):
#      "Straße" -> "strasse", full-width "\uff21" -> "a", "ﬁ" -> "fi".
#   2. Drop the accents of alphabets where an accent is optional in typing:
#      Latin, Greek, Cyrillic (but not the breve of й/ў, a letter of its
#      own), Arabic harakat and hamza marks, Hebrew niqqud. Keep the marks of
#      every other script: a Japanese dakuten (か/が) or a Devanagari vowel
#      sign changes the word.
#   3. NFC, so kept marks recompose and NFD and NFC input compare equal.
#   4. Drop white space, punctuation and invisible format characters, map
#      every decimal digit to ASCII ("٣" -> "3"), and spell out the Latin
#      letters that have no decomposition ("ł" -> "l", "æ" -> "ae").

_STRIPPED_SCRIPTS: tuple[tuple[int, int], ...] = (
    (0x0000, 0x024F),  # Latin
    (0x1E00, 0x1EFF),  # Latin extended additional (Vietnamese)
    (0x0370, 0x03FF),  # Greek
    (0x1F00, 0x1FFF),  # Greek extended
    (0x0400, 0x052F),  # Cyrillic
    (0x0590, 0x05FF),  # Hebrew
    (0x0600, 0x06FF),  # Arabic
    (0x0750, 0x077F),  # Arabic supplement
)
_KEPT_MARKS_AFTER_CYRILLIC = {"\u0306"}  # breve: й, ў
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "\u0131": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŀ": "l",
    }
)
_TATWEEL = "\u0640"  # Arabic elongation: typography, not a letter


def _stripped_script(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _STRIPPED_SCRIPTS)


def fold(text: str) -> str:
    """The form of a typed answer that is compared: see the rule above."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept: list[str] = []
    base = ""
    for char in text:
        if unicodedata.category(char) == "Mn":
            cyrillic_letter = 0x0400 <= ord(base or " ") <= 0x052F
            if (
                base
                and _stripped_script(base)
                and not (cyrillic_letter and char in _KEPT_MARKS_AFTER_CYRILLIC)
            ):
                continue
            kept.append(char)
            continue
        base = char
        kept.append(char)
    out: list[str] = []
    for char in unicodedata.normalize("NFC", "".join(kept)):
        category = unicodedata.category(char)
        if category[0] in "PZ" or category in ("Cc", "Cf") or char == _TATWEEL:
            continue
        if category == "Nd":
            out.append(str(unicodedata.decimal(char)))
            continue
        out.append(char)
    return "".join(out).translate(_LETTERS)


# Answers.


@lru_cache(maxsize=256)
def _accepted(answers: tuple[str, ...]) -> frozenset[str]:
    """The folded accepted answers: folded once per question, not once per player."""
    return frozenset(fold(a) for a in answers)


def answer_error(question: Question, answer: AnswerValue) -> str | None:
    """Why ``answer`` cannot be an answer to ``question``, or None if it can."""
    n = len(question.options)
    if question.kind == "text":
        if not isinstance(answer, str):
            return "answer: a text question takes a string"
        if not 1 <= len(answer) <= ANSWER_MAX:
            return f"answer: must be 1 to {ANSWER_MAX} characters"
        return None
    if question.kind == "multi":
        if not isinstance(answer, tuple):
            return "answer: a multi question takes a list of option indexes"
        if not 1 <= len(answer) <= n or len(set(answer)) != len(answer):
            return f"answer: must be 1 to {n} distinct indexes"
        if not all(0 <= i < n for i in answer):
            return f"answer: indexes must be from 0 to {n - 1}"
        return None
    if not isinstance(answer, int):
        return f"answer: a {question.kind} question takes one option index"
    if not 0 <= answer < n:
        return f"answer: must be from 0 to {n - 1}"
    return None


def is_correct(question: Question, answer: AnswerValue | None) -> bool | None:
    """Whether ``answer`` is right; None for a poll, False for no answer."""
    if question.kind == "poll":
        return None
    if answer is None:
        return False
    if question.kind == "text":
        return isinstance(answer, str) and fold(answer) in _accepted(question.answers)
    if question.kind == "multi":
        return isinstance(answer, tuple) and set(answer) == set(question.correct)
    return answer == question.correct[0]


def answer_counts(question: Question, answers: Iterable[AnswerValue]) -> list[int]:
    """One count per option (a multi answer counts each option it picks);
    ``[correct, wrong]`` for a text question."""
    if question.kind == "text":
        accepted = _accepted(question.answers)
        right = wrong = 0
        for answer in answers:
            if isinstance(answer, str) and fold(answer) in accepted:
                right += 1
            else:
                wrong += 1
        return [right, wrong]
    counts = [0] * len(question.options)
    for answer in answers:
        for index in answer if isinstance(answer, tuple) else (answer,):
            counts[index] += 1  # type: ignore[index]
    return counts


def localized(question: Question, language: str) -> Question:
    """A true/false question given without options gets them in ``language``."""
    if question.kind != "true_false" or question.options:
        return question
    return Question(
        question.text,
        true_false_options(language),
        question.correct,
        question.category,
        question.source,
        question.kind,
        question.answers,
        question.time_limit,
        question.points,
        question.explanation,
    )


# Wire validation of a host's question.


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


def parse_question(data: Any, path: str) -> Question:
    """One question from the wire, or :class:`QuestionError` naming the field.

    A true/false question may leave out ``options`` (they are filled in the
    room's language by :func:`localized`) and may give ``correct`` as a
    boolean. A poll's ``points`` are 0: it scores nothing.
    """
    if not isinstance(data, dict):
        raise QuestionError(path, "must be an object")
    kind = data.get("kind", "choice")
    if kind is None:
        kind = "choice"
    if kind not in KINDS:
        raise QuestionError(f"{path}.kind", "must be one of " + ", ".join(KINDS))
    text = _text(data.get("text"), f"{path}.text", TEXT_MAX)
    options: tuple[str, ...] = ()
    raw_options = data.get("options")
    if kind == "text":
        _absent(data, "options", path, kind)
    elif not (kind == "true_false" and raw_options is None):
        if not isinstance(raw_options, list):
            raise QuestionError(f"{path}.options", "must be a list of strings")
        low, high = (2, 2) if kind == "true_false" else (OPTIONS_MIN, OPTIONS_MAX)
        if not low <= len(raw_options) <= high:
            raise QuestionError(f"{path}.options", f"must hold {low} to {high} options")
        options = tuple(
            _text(o, f"{path}.options[{i}]", OPTION_MAX) for i, o in enumerate(raw_options)
        )
        seen: set[str] = set()
        for i, option in enumerate(options):
            key = fold(option) or option
            if key in seen:
                raise QuestionError(f"{path}.options[{i}]", "repeats another option")
            seen.add(key)
    n = len(options) or 2
    correct: tuple[int, ...] = ()
    raw_correct = data.get("correct")
    if kind in SINGLE_CORRECT:
        if kind == "true_false" and isinstance(raw_correct, bool):
            raw_correct = 0 if raw_correct else 1
        if raw_correct is None:
            raise QuestionError(f"{path}.correct", "required")
        correct = (_index(raw_correct, f"{path}.correct", n),)
    elif kind == "multi":
        if not isinstance(raw_correct, list) or not 1 <= len(raw_correct) <= n:
            raise QuestionError(f"{path}.correct", f"must be a list of 1 to {n} indexes")
        correct = tuple(_index(v, f"{path}.correct[{i}]", n) for i, v in enumerate(raw_correct))
        if len(set(correct)) != len(correct):
            raise QuestionError(f"{path}.correct", "indexes must be distinct")
        correct = tuple(sorted(correct))
    else:
        _absent(data, "correct", path, kind)
    answers: tuple[str, ...] = ()
    if kind == "text":
        raw_answers = data.get("answers")
        if not isinstance(raw_answers, list) or not 1 <= len(raw_answers) <= ANSWERS_MAX:
            raise QuestionError(f"{path}.answers", f"must be a list of 1 to {ANSWERS_MAX} strings")
        answers = tuple(
            _text(a, f"{path}.answers[{i}]", ANSWER_MAX) for i, a in enumerate(raw_answers)
        )
        for i, answer in enumerate(answers):
            if not fold(answer):
                raise QuestionError(f"{path}.answers[{i}]", "has no letters or digits to match")
    else:
        _absent(data, "answers", path, kind)
    time_limit = data.get("time_limit")
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, int):
            raise QuestionError(f"{path}.time_limit", "must be a whole number of seconds")
        if not TIME_LIMIT_MIN <= time_limit <= TIME_LIMIT_MAX:
            raise QuestionError(
                f"{path}.time_limit", f"must be from {TIME_LIMIT_MIN} to {TIME_LIMIT_MAX}"
            )
    points = data.get("points", 1)
    if points is None:
        points = 1
    if isinstance(points, bool) or points not in POINTS:
        raise QuestionError(f"{path}.points", "must be 0, 1 or 2")
    explanation = _text(
        data.get("explanation"), f"{path}.explanation", EXPLANATION_MAX, required=False
    )
    return Question(
        text,
        options,
        correct,
        source="host",
        kind=kind,
        answers=answers,
        time_limit=time_limit,
        points=0 if kind == "poll" else points,
        explanation=explanation,
    )


def parse_quiz(data: Any, path: str = "questions") -> tuple[Question, ...]:
    """A host's quiz: 1 to 100 questions."""
    if not isinstance(data, list):
        raise QuestionError(path, "must be a list of questions")
    if not 1 <= len(data) <= QUIZ_MAX:
        raise QuestionError(path, f"must hold 1 to {QUIZ_MAX} questions")
    return tuple(parse_question(item, f"{path}[{i}]") for i, item in enumerate(data))
