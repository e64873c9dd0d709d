"""Typed answers: the folding table, in several scripts, and its properties."""

# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quiz.core.folding import fold
from quiz.core.kinds import is_correct
from quiz.core.question import Question

# (typed, accepted): the same answer to a person reading it.
SAME = [
    # Latin: case, accents, ß, letters without a decomposition, spacing, punctuation.
    ("Zoë", "zoe"),
    ("Straße", "STRASSE"),
    ("São Paulo", "sao paulo"),
    ("Łódź", "Lodz"),
    ("Ærøskøbing", "aeroskobing"),
    ("Œuvre", "oeuvre"),
    ("İstanbul", "istanbul"),
    ("Hà Nội", "Ha Noi"),
    ("  New   York ", "new york"),
    ("Jean-Paul Sartre", "jean paul sartre"),
    ("O'Brien", "OBrien"),
    ("¿Qué?", "que"),
    ("Dvořák", "Dvorak"),
    ("Zoe\u0308", "Zoë"),  # decomposed input: NFD and NFC agree
    ("ﬁsh", "fish"),  # ligature
    ("\u00a0Paris\u200b", "Paris"),  # no-break space, zero-width space
    # Greek: tonos, final sigma.
    ("Αθήνα", "αθηνα"),
    ("ΟΔΥΣΣΕΥΣ", "Οδυσσεύς"),
    # Cyrillic: case, ё written as е.
    ("Москва", "МОСКВА"),
    ("Ёлка", "елка"),
    # CJK: full width, half-width katakana, Hangul NFD vs NFC.
    ("ＴＯＫＹＯ", "tokyo"),
    ("ﾄｳｷｮｳ", "トウキョウ"),
    ("ｶﾞｲｼﾞﾝ", "ガイジン"),
    ("東京。", "東京"),
    (unicodedata.normalize("NFD", "서울"), "서울"),
    # Arabic: harakat, hamza forms of alef, tatweel; Arabic-Indic digits.
    ("القَاهِرَة", "القاهرة"),
    ("أحمد", "احمد"),
    ("إسلام", "اسلام"),
    ("مـــصر", "مصر"),
    ("١٩٨٤", "1984"),
    # Hebrew niqqud.
    ("שָׁלוֹם", "שלום"),
    # Devanagari digits.
    ("२०२४", "2024"),
]

# Different answers that a careless folding would merge.
DIFFERENT = [
    ("かき", "かぎ"),  # persimmon, key: the dakuten is a letter
    ("कुत्ता", "कत्ता"),  # a Devanagari vowel sign is not an accent
    ("мой", "мои"),  # й is a letter of its own
    ("C++", "C"),  # symbols are kept
    ("Paris", "Pari"),
    ("東京", "京都"),
    ("1984", "1948"),
]


@pytest.mark.parametrize(("typed", "accepted"), SAME)
def test_the_same_answer_matches(typed: str, accepted: str) -> None:
    assert fold(typed) == fold(accepted)
    question = Question("?", (), (), kind="text", answers=(accepted,))
    assert is_correct(question, typed) is True


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_answers_stay_different(one: str, other: str) -> None:
    assert fold(one) != fold(other)


@given(st.text(max_size=40))
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(max_size=40))
def test_case_and_normal_form_never_matter(text: str) -> None:
    for variant in (
        text.upper(),
        text.lower(),
        unicodedata.normalize("NFD", text),
        unicodedata.normalize("NFKC", text),
        f"  {text}\t",
    ):
        assert fold(variant) == fold(text)


def test_the_shared_table_is_the_servers_fold() -> None:
    # tests/cases/folding.json holds the server's results; the editor's own
    # fold is held to the same table (tests/web/folding.test.mjs).
    path = Path(__file__).parent / "cases" / "folding.json"
    cases = json.loads(path.read_text(encoding="utf-8"))
    assert len(cases) >= 50
    for case in cases:
        assert fold(case["text"]) == case["fold"], case


@pytest.mark.parametrize(
    ("one", "other"),
    [("-1", "1"), ("1.5", "15"), ("1,5", "15"), ("-0.5", "0.5"), ("x\u22121", "x1")],
)
def test_numbers_keep_their_sign_and_decimal_point(one: str, other: str) -> None:
    assert fold(one) != fold(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("1,000", "1000"), ("COVID-19", "covid 19"), ("(-1)", "-1"), ("1,5", "1.5"), ("−2", "-2")],
)
def test_number_punctuation_that_does_not_change_the_number(one: str, other: str) -> None:
    assert fold(one) == fold(other)
