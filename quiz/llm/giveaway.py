"""When a question gives its own answer away, or two questions give each other away.

Two mechanical rules, one place (the bank's tests, the bank's draw, the
model's validation and the cache draw all use them):

* **Self give-away.** A question gives itself away when a *significant word*
  of its correct option appears in its text and in none of the wrong options
  ("Which river flows through the Nile valley?" / "Nile"). A word that every
  option shares ("Which year...": "1969 AD", "1972 AD") favours no option,
  so it is allowed.
* **Mutual give-away.** Two questions of one game give each other away when
  a significant word of the correct answer of one appears in the other's
  text: a game that asks "Who is the king of the Greek gods?" (Zeus) must
  not also ask "Who is the Roman equivalent of Zeus?", whichever comes
  first. Two questions with the same correct answer conflict too (the
  first reveal answers the second). An answer that is merely one of the
  other question's options is allowed: a wrong option names a candidate,
  not the answer, and forbidding it would empty a category ("Mars" and
  "Jupiter" are options of half the space questions).

A significant word is a word of at least four letters, or a capitalised word
of three (a name: "Pan", "Ra"), or a number of two digits or more, that is not
a stop word; words are compared accent- and case-folded, plurals folded
("gods" ~ "god"). True/false options ("True", "False" in any language) carry
no word: they are the same for every such question. A `slider`'s answer is
its right number, written as a player reads it ("1969"): a slider on the year
of the Moon landing gives itself away if its text says 1969, and conflicts
with a question whose text does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from quiz.core.question import Question, number

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Words too common to tell anything, whatever the question. English only: the
# bank is English, and for other languages the rule errs on the side of
# flagging (a generated question or a draw then picks another one).
_STOP_TEXT = """
    about above after again against also among another around because been before being
    below between both called came come could does doing done down during each even every
    first from have having here into itself just known last like made make many more most
    much must name named near only other over same several should since some such than
    that their them then there these they this those through under until upon very
    want well were what when where which while whom whose will with within without would
    your true false vrai faux wahr falsch verdadero falso vero
    the and for who was are his her its one two all any not but has had can our out how why
    yes may own
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def stem(word: str) -> str:
    """A crude plural fold ("gods" ~ "god", "movies" ~ "movie"), shared with topic matching.

    All that matching needs; a stemming library would be a dependency for two rules.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def significant_words(text: str) -> frozenset[str]:
    """The folded, stemmed significant words of ``text`` (see the module docstring)."""
    words = set()
    for raw in _TOKEN.findall(text):
        folded = _fold(raw)
        if folded in STOP_WORDS:
            continue
        if folded.isdigit():
            if len(folded) >= 2:
                words.add(folded)
            continue
        if len(folded) >= 4 or (len(folded) == 3 and raw[0].isupper()):
            words.add(stem(folded))
    return frozenset(words)


@lru_cache(maxsize=8192)
def _all_words(text: str) -> frozenset[str]:
    # Every word of a text, folded and stemmed: what a significant word is
    # looked for in (so "Pan" is found in "the god pan").
    return frozenset(stem(_fold(raw)) for raw in _TOKEN.findall(text))


def _answer_words(question: Question) -> frozenset[str]:
    """Significant words of a question's right answer(s); empty if it has none.

    A true/false question's answer is a word every such question shares, and
    a poll has none: neither can give anything away.
    """
    if question.kind in ("true_false", "poll"):
        return frozenset()
    if question.kind == "text":
        texts: Iterable[str] = question.answers
    elif question.kind == "slider" and question.slider is not None:
        # The right number, as a player would read it: "1969", "8849".
        texts = (str(number(question.slider.correct)),)
    else:
        options = question.options
        texts = (options[i] for i in question.correct if 0 <= i < len(options))
    words: set[str] = set()
    for text in texts:
        words |= significant_words(text)
    return frozenset(words)


def gives_itself_away(question: Question) -> frozenset[str]:
    """The words that betray the answer in the question's own text (empty: fine).

    Only when the text singles the correct option out: if a wrong option also
    has a significant word in the text ("In 'The dog barked loudly', which
    word is the verb?"), the text favours none of them.
    """
    answer = _answer_words(question)
    if not answer:
        return frozenset()
    text = _all_words(question.text)
    wrong: set[str] = set()
    for index, option in enumerate(question.options):
        if index not in question.correct:
            wrong |= _all_words(option)
            if significant_words(option) & text:
                return frozenset()
    return frozenset(w for w in answer if w in text and w not in wrong)


@lru_cache(maxsize=4096)
def _profile(question: Question) -> tuple[frozenset[str], frozenset[str]]:
    # What the mutual rule compares, computed once per question: a draw
    # checks each candidate against every question picked before it.
    return _answer_words(question), _all_words(question.text)


def _clash(
    a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]
) -> bool:
    (answer_a, text_a), (answer_b, text_b) = a, b
    if answer_a and answer_a == answer_b:
        return True
    return not answer_a.isdisjoint(text_b) or not answer_b.isdisjoint(text_a)


def conflict(a: Question, b: Question) -> bool:
    """Whether ``a`` and ``b`` in one game would give each other away (symmetric)."""
    return _clash(_profile(a), _profile(b))


class GameSet:
    """The questions of one game so far, to check candidates against (see the module).

    Holds the union of their answer words, of their text words, and their
    answers: a candidate is then checked in time proportional to its own
    words, not to the size of the game (the same result as :func:`conflict`
    against each of them).
    """

    def __init__(self, chosen: Iterable[Question] = ()) -> None:
        self._answers: set[frozenset[str]] = set()
        self._answer_words: set[str] = set()
        self._text_words: set[str] = set()
        for question in chosen:
            self.add(question)

    def fits(self, candidate: Question) -> bool:
        """Whether ``candidate`` gives away, or is given away by, none of the set."""
        answer, text = _profile(candidate)
        if answer and (answer in self._answers or not answer.isdisjoint(self._text_words)):
            return False
        return text.isdisjoint(self._answer_words)

    def add(self, question: Question) -> None:
        answer, text = _profile(question)
        if answer:
            self._answers.add(answer)
            self._answer_words.update(answer)
        self._text_words.update(text)


def pick_compatible(
    candidates: Iterable[Question],
    count: int,
    chosen: Sequence[Question] = (),
    *,
    at_most: Mapping[str, int] | None = None,
) -> list[Question]:
    """Up to ``count`` of ``candidates``, in their order, skipping any that would
    give away (or be given away by) ``chosen`` or a question picked before it.

    ``at_most`` caps kinds: ``{"slider": 1}`` picks at most one slider (the
    ones after it are skipped like a give-away); kinds not in it are not capped.
    """
    picked: list[Question] = []
    game = GameSet(chosen)
    room = dict(at_most or {})
    for candidate in candidates:
        if len(picked) >= count:
            break
        left = room.get(candidate.kind)
        if left is not None and left <= 0:
            continue
        if game.fits(candidate):
            picked.append(candidate)
            game.add(candidate)
            if left is not None:
                room[candidate.kind] = left - 1
    return picked
