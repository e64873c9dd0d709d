"""The two options of a true/false question, in the room's language. No I/O.

One table for every source: the host's quiz (a true/false question may leave
its options out), the LLM (whose two words are replaced by ours, so it cannot
misspell them or put them the wrong way round) and the bank.
"""

from __future__ import annotations

# "True" first, by primary language subtag (ISO 639-1; "no" and "nb" are
# both Norwegian Bokmål).
TRUE_FALSE: dict[str, tuple[str, str]] = {
    "ar": ("صح", "خطأ"),
    "cs": ("Pravda", "Nepravda"),
    "da": ("Sandt", "Falsk"),
    "de": ("Wahr", "Falsch"),
    "el": ("Σωστό", "Λάθος"),
    "en": ("True", "False"),
    "es": ("Verdadero", "Falso"),
    "fi": ("Tosi", "Epätosi"),
    "fr": ("Vrai", "Faux"),
    "he": ("נכון", "לא נכון"),
    "hi": ("सही", "गलत"),
    "it": ("Vero", "Falso"),
    "ja": ("正しい", "間違い"),
    "ko": ("참", "거짓"),
    "nb": ("Sant", "Usant"),
    "nl": ("Waar", "Onwaar"),
    "no": ("Sant", "Usant"),
    "pl": ("Prawda", "Fałsz"),
    "pt": ("Verdadeiro", "Falso"),
    # "Верно/Неверно" is what a Russian test paper writes; "Правда/Ложь"
    # reads as "truth/lie".
    "ru": ("Верно", "Неверно"),
    "sv": ("Sant", "Falskt"),
    "tr": ("Doğru", "Yanl\u0131\u015f"),
    "uk": ("Правда", "Неправда"),
    "zh": ("对", "错"),
}
DEFAULT = TRUE_FALSE["en"]


def primary_language(tag: str) -> str:
    """The primary subtag of a BCP 47 tag, lowercased: ``pt`` for ``pt-BR``."""
    return tag.strip().split("-")[0].lower()


def true_false_labels(language: str) -> tuple[str, str] | None:
    """The options of a true/false question in ``language``; None where we have none."""
    return TRUE_FALSE.get(primary_language(language))
