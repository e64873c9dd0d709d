"""Player names: what a name may hold, and when two names are the same name.

Pure functions, no I/O. The rule lives here and only here: the protocol
cleans every incoming name with :func:`clean_name`, and a room asks
:func:`taken` before seating one.

Two names are the same when a person could not tell them apart on a screen:

- NFKC folds compatibility forms (full-width letters, ligatures, styled maths
  letters) into plain ones, and the cleaned name is that folded form;
- characters nobody sees (format characters such as zero-width spaces and
  joiners, direction overrides and isolates, variation selectors, Hangul
  fillers) are refused, so they cannot make a second "Hosty";
- look-alikes from other scripts (a "Hosty" written with Cyrillic En and O,
  U+041D and U+043E; digit ``0`` for ``O``) are compared by their Unicode TR39 *skeleton*, on
  top of the case-insensitive comparison.

Confusable data: ``confusable-homoglyphs`` ships the Unicode consortium's
``confusables.txt`` as a table and is maintained; it installs as pure Python
everywhere (PyICU's SpoofChecker would give skeletons directly, but needs a
C++ build against the system's ICU, which a fresh machine may not have, and
the ``confusables`` package's ``normalize`` enumerates every combination of
readings, exponential in the name's length). The table lists each pair both
ways, so the skeleton here maps every character to one representative of its
class of look-alikes: the same equality TR39's skeleton gives.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs.confusables import confusables_data

from quiz.wire.wordfilter import WordFilter

NAME_MAX = 20

# Emoji and text presentation selectors only choose how a symbol is drawn
# (phones add U+FE0F after a heart): dropped, so "❤️" is the name "❤".
_DROPPED = frozenset("\ufe0e\ufe0f")

# Invisible characters that Unicode does not file as format (Cf): they draw
# as nothing, so they would make a name that looks like another one.
_INVISIBLE = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180b\u180c\u180d\u180f"  # Mongolian free variation selectors
    "\u2800"  # Braille pattern blank
)

# Refused outright: controls (Cc), format characters (Cf: zero-width space,
# joiners, bidi marks, overrides and isolates, soft hyphen, tags...),
# surrogates (Cs), private use (Co), unassigned (Cn), line/paragraph
# separators (Zl, Zp).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class BadName(ValueError):
    """A name the server will not seat; the message says why, for people."""


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def clean_name(raw: str) -> str:
    """The name as it will be shown, or :class:`BadName`.

    NFKC-folded, without presentation selectors, runs of white space folded to
    one space and trimmed; 1 to ``NAME_MAX`` characters with at least one
    that can be seen.
    """
    value = unicodedata.normalize("NFKC", raw)
    # The usual name, printable ASCII, has no selector, nothing invisible and
    # no control: only the other names are looked at character by character.
    if not (value.isascii() and value.isprintable()):
        value = "".join(c for c in value if c not in _DROPPED)
        for char in value:
            if char in _INVISIBLE or _is_variation_selector(char):
                raise BadName(f"must not contain invisible characters (U+{ord(char):04X})")
            category = unicodedata.category(char)
            if category in _REFUSED_CATEGORIES:
                raise BadName(
                    "must not contain control, format or invisible characters"
                    f" (U+{ord(char):04X})"
                )
    value = " ".join(value.split())
    if not 1 <= len(value) <= NAME_MAX:
        raise BadName(f"must be 1 to {NAME_MAX} characters")
    if not any(unicodedata.category(c)[0] in "LNPS" for c in value):
        raise BadName("must contain a visible character")
    return value


def _lead_rank(char: str) -> tuple[int, int]:
    # Which character stands for its class: a lowercase ASCII letter first
    # ("l" for "1", "I", "l"), then an uppercase one ("O" for "0", "O"), as
    # TR39's prototypes do; so a skeleton, case-folded, stays comparable.
    if char.isascii() and char.islower():
        return 0, ord(char)
    if char.isascii() and char.isupper():
        return 1, ord(char)
    return (2 if char.isascii() else 3), ord(char)


def _build_prototypes() -> dict[str, str]:
    """Each confusable character -> the representative of its look-alike class."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def strip(s: str) -> str:
        # The table wraps right-to-left characters in LRM marks for display.
        return s.replace("\u200e", "").replace("\u200f", "")

    multi: dict[str, str] = {}
    for key, entries in confusables_data.items():
        key = strip(key)
        for entry in entries:
            other = strip(entry["c"])
            if len(key) == 1 and len(other) == 1:
                a, b = find(key), find(other)
                if a != b:
                    lead, other_root = sorted((a, b), key=_lead_rank)
                    parent[other_root] = lead
            elif len(key) == 1 and len(other) > 1:
                # A single character whose prototype is a sequence ("m" -> "rn").
                multi[key] = other
    table = {c: find(c) for c in list(parent)}
    for char, sequence in multi.items():
        table[char] = "".join(table.get(c, c) for c in sequence)
    return table


_PROTOTYPES = _build_prototypes()
_TRANSLATION = str.maketrans(_PROTOTYPES)  # for str.translate: the mapping in C


def skeleton(text: str) -> str:
    """TR39-style skeleton: equal for strings that look alike."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", decomposed.translate(_TRANSLATION))


@lru_cache(maxsize=1024)
def name_keys(name: str) -> tuple[str, str, str]:
    """Three keys; two names clash when any key is equal.

    Look-alikes as written (a Cyrillic "Hosty" and the Latin one); equal
    but for case ("HOSTY", "hosty"); look-alikes once case is ignored.
    Cached for a join, which asks for them twice (is the name taken, then
    index it); a bigger cache would only hold a big room's names twice.
    """
    as_written = skeleton(name)
    return as_written, skeleton(name.casefold()), skeleton(as_written.casefold())


def name_index(name: str) -> tuple[str, ...]:
    """Keys for an index of seated names: a name is taken when any of its keys is.

    Two names clash when any of their keys is equal: a dict lookup, O(1) per join.
    """
    return tuple(f"{i}:{key}" for i, key in enumerate(name_keys(name)))



# Words a classroom should not see on the projector. The list is
# better-profanity's: a plain word list with its leetspeak variants ("sh1t"),
# matched word by word, so "Scunthorpe" and "Dickens" pass. Chosen over
# alt-profanity-check (maintained, but a sentence classifier that brings
# scikit-learn into the server and cannot say which word it refused) because
# a name is a few words and a host must be able to predict the rule. Loaded
# once at import, so a check does no I/O.
# Its leetspeak forms read digits as letters, so numbered names collide with
# mild words ("P33" is "pee", "P155" is "piss", "Player 455" is "ass"): words
# with no letter are not checked, and those two mild words are let through.
_LET_THROUGH = ("pee", "piss")


def _load_filter() -> WordFilter:
    # better-profanity supplies the list and its disguises; its own matcher
    # is too slow for a room filling at a thousand joins a second (see
    # quiz.wire.wordfilter).
    from better_profanity import Profanity
    from better_profanity.constants import ALLOWED_CHARACTERS

    listed = Profanity()
    listed.load_censor_words(whitelist_words=list(_LET_THROUGH))
    words = [str(word) for word in listed.CENSOR_WORDSET]
    return WordFilter(
        words, listed.CHARS_MAPPING, ALLOWED_CHARACTERS, listed.MAX_NUMBER_COMBINATIONS
    )


_RUDE = _load_filter()


def offensive(name: str) -> bool:
    """Whether ``name`` holds a word of the profanity list (or a leetspeak form of one)."""
    words = [w for w in name.split() if any(c.isalpha() for c in w)]
    return bool(words) and _RUDE(" ".join(words))
