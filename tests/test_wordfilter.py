"""quiz.wire.wordfilter answers as better-profanity's own matcher does, on its own list."""

from __future__ import annotations

from better_profanity import Profanity
from better_profanity.constants import ALLOWED_CHARACTERS
from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.wire.names import offensive
from quiz.wire.wordfilter import WordFilter

REFERENCE = Profanity()
REFERENCE.load_censor_words(whitelist_words=["pee", "piss"])
LISTED = sorted(str(word) for word in REFERENCE.CENSOR_WORDSET)
FAST = WordFilter(
    LISTED, REFERENCE.CHARS_MAPPING, ALLOWED_CHARACTERS, REFERENCE.MAX_NUMBER_COMBINATIONS
)


@st.composite
def disguised(draw: st.DrawFn) -> str:
    """A listed word or a piece of one, some letters swapped for their disguises."""
    word = draw(st.sampled_from(LISTED))
    if draw(st.booleans()):
        word = word[: draw(st.integers(1, len(word)))]
    letters = []
    for char in word:
        forms = REFERENCE.CHARS_MAPPING.get(char, (char,))
        letters.append(draw(st.sampled_from(forms)) if draw(st.booleans()) else char)
    text = "".join(letters)
    return text.upper() if draw(st.integers(0, 4)) == 0 else text


PIECES = st.one_of(
    disguised(),
    st.sampled_from(["x", "a", "Ann", "Scunthorpe", "é", "İ", "ß", "Player", "7", "p0"]),
    st.text(max_size=4),
)
SEPARATORS = st.sampled_from(["", " ", "  ", "-", "_", ".", " - ", "'", "!", "é"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(PIECES, SEPARATORS), min_size=1, max_size=4), SEPARATORS)
def test_it_answers_as_better_profanity_does(parts: list[tuple[str, str]], lead: str) -> None:
    text = lead + "".join(piece + separator for piece, separator in parts)
    assert FAST(text) == REFERENCE.contains_profanity(text), text


def test_disguises_phrases_and_whole_words() -> None:
    rude_names = ("sh1t head", "Big Asshole", "b00bs", "a$$", "bull shit", "bullshit")
    for rude in (*rude_names, "2 girls 1 cup"):
        assert FAST(rude), rude
    for fine in ("Scunthorpe", "Dickens", "Ann", "p0 123", "Alexandra Smith", "x", ""):
        assert not FAST(fine), fine


def test_names_skip_numbers_and_let_mild_words_through() -> None:
    assert offensive("sh1t head")
    # Digits read as letters would make these "ass", "pee" and "piss".
    assert not offensive("Player 455")
    assert not offensive("P33") and not offensive("P155")
