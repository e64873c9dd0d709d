"""Folding typed text for comparison: the rule that says two answers are the same. No I/O.

A typed answer matches an accepted one when both fold to the same string
(:func:`fold`); two options of a question may not fold to the same string.
"""

from __future__ import annotations

import unicodedata

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
#   4. Drop white space, punctuation and invisible format characters, but
#      not what makes a number another number (a minus sign, a decimal
#      point), map every decimal digit to ASCII ("٣" -> "3"), and spell out
#      the Latin letters that have no decomposition ("ł" -> "l", "æ" -> "ae").

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
            if not base.isalpha():
                continue  # a mark on no letter (first, or on a space) marks nothing
            cyrillic_letter = 0x0400 <= ord(base) <= 0x052F
            if _stripped_script(base) and not (
                cyrillic_letter and char in _KEPT_MARKS_AFTER_CYRILLIC
            ):
                continue
            kept.append(char)
            continue
        base = char
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept))
    out: list[str] = []
    for i, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Nd":
            out.append(str(unicodedata.decimal(char)))
            continue
        number = _in_number(text, i, out)
        if number is not None:
            out.append(number)
            continue
        if category[0] in "PZ" or category in ("Cc", "Cf") or char == _TATWEEL:
            continue
        out.append(char)
    return "".join(out).translate(_LETTERS)


_SIGNS = frozenset("-\u2212\u2013")  # hyphen-minus, minus sign, en dash


def _digit(char: str) -> bool:
    return len(char) == 1 and unicodedata.category(char) == "Nd"


def _in_number(text: str, i: int, out: list[str]) -> str | None:
    """What a sign or a separator at ``text[i]`` stands for in a number, or None.

    Numbers keep what makes them different numbers: "-1" is not "1" and
    "1.5" is not "15". A dash right before a digit is a minus sign unless it
    follows a letter or digit (then it is a hyphen: "COVID-19"); a point or
    a comma between digits is a decimal point, except a comma followed by
    exactly three digits, which separates thousands ("1,000" is "1000").
    Decided on what is already folded, so that folding twice changes nothing.
    """
    after = text[i + 1] if i + 1 < len(text) else ""
    if not _digit(after):
        return None
    char = text[i]
    before = out[-1] if out else ""
    if char in _SIGNS:
        return None if before.isalnum() else "-"
    if char in ".," and before.isdigit():
        if char == "," and _thousands(text, i):
            return ""
        return "."
    return None


def _thousands(text: str, i: int) -> bool:
    digits = text[i + 1 : i + 4]
    return len(digits) == 3 and all(_digit(c) for c in digits) and not _digit(text[i + 4 : i + 5])
