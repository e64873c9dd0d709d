"""better-profanity's word list, matched in microseconds. No I/O.

better-profanity holds the list (about 900 words and phrases) and how each
letter may be disguised (``sh1t``, ``@ss``); its own matcher compares every
word of a text with every word of the list in Python (``VaryingString``),
which measured 0.18 to 0.55 ms a name: half of what seating a player cost in
a 5,000-player room (docs/performance.md). :class:`WordFilter` asks the same
question of the same list with one regular expression, built once as a trie
of the list (each letter a character class of its disguises), so a name
costs a few microseconds. ``tests/test_wordfilter.py`` checks that it
answers as better-profanity does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

# A trie node: next letter -> node; END marks the end of a listed word.
_Trie = dict[str, "_Trie"]
_END = ""


class WordFilter:
    """Whether a text holds a listed word, alone or run together with the next ones.

    The rules are better-profanity's: a word is a run of ``allowed``
    characters; a word, or a word with up to ``max_words`` words after it
    (joined with or without what separates them), matches a listed word when
    every letter is the listed one or one of its disguises in ``char_map``.
    Case does not count.
    """

    def __init__(
        self,
        words: Iterable[str],
        char_map: Mapping[str, Sequence[str]],
        allowed: Collection[str],
        max_words: int,
    ) -> None:
        trie: _Trie = {}
        for word in words:
            node = trie
            for char in word.lower():
                node = node.setdefault(char, {})
            node[_END] = {}
        self._listed = re.compile(_pattern(trie, char_map))
        self._word = re.compile("[" + "".join(_class_escape(c) for c in sorted(allowed)) + "]+")
        self.max_words = max_words

    def __call__(self, text: str) -> bool:
        spans = [m.span() for m in self._word.finditer(text)]
        # better-profanity's quirks, kept so that both answer alike: a text
        # whose first word starts on its last character is not looked at,
        # and a word starting there is never one that follows another.
        last = len(text) - 1
        if not spans or spans[0][0] >= last:
            return False
        # Only the last word can start there: never one that follows.
        followers = spans if spans[-1][0] < last else spans[:-1]
        match = self._listed.fullmatch
        for i, (start, end) in enumerate(spans):
            joined = text[start:end].lower()
            if match(joined):
                return True
            for next_start, next_end in followers[i + 1 : i + 1 + self.max_words]:
                joined += text[next_start:next_end].lower()
                if match(joined) or match(text[start:next_end].lower()):
                    return True
        return False


def _pattern(node: _Trie, char_map: Mapping[str, Sequence[str]]) -> str:
    """The regular expression of a trie: shared prefixes written once."""
    branches = [
        _letter(char, char_map) + _pattern(child, char_map)
        for char, child in sorted(node.items())
        if char != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return "(?:" + body + ")?"
    return body


def _letter(char: str, char_map: Mapping[str, Sequence[str]]) -> str:
    disguises = sorted(set(char_map.get(char, ())) | {char})
    if len(disguises) == 1:
        return re.escape(char)
    if all(len(d) == 1 for d in disguises):
        return "[" + "".join(_class_escape(d) for d in disguises) + "]"
    return "(?:" + "|".join(re.escape(d) for d in disguises) + ")"


def _class_escape(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char
