"""Question generation: the LLM when it can deliver in time, else the bank.

The server calls one thing, :meth:`QuestionSource.generate`, and always gets
a full :class:`QuestionSet` back: whatever the LLM does, a room keeps playing.

The path of one request: clean the topic; serve it from the cache when a
pool of generated questions for (topic, difficulty) is there; otherwise, with
a hard deadline around everything (waiting for a concurrency slot, the call,
its retries), ask Groq, validate every question, and keep the valid ones in
the cache. Whatever is short is topped up from the bank.

The cache is in this process by default; handed a
:class:`~quiz.llm.cache.RedisQuestionCache` (the server does so in Redis mode,
:func:`quiz.rooms.backends.make_source`), every server shares it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from quiz.core.kinds import is_correct
from quiz.core.question import DIFFICULTIES, Difficulty, Question
from quiz.llm.bank import MIXED, MIXED_TITLE, Bank, shuffle_options
from quiz.llm.cache import MemoryCache, QuestionCache, RedisQuestionCache
from quiz.llm.giveaway import pick_compatible
from quiz.llm.groq_client import MIN_ATTEMPT_SECONDS, GroqWriter, LLMFailure
from quiz.llm.slider import max_sliders
from quiz.llm.types import QuestionSet
from quiz.llm.validate import SLIDER, clean_language, clean_topic, question_key, topic_key

__all__ = [
    "DIFFICULTIES",
    "Bank",
    "Difficulty",
    "Generation",
    "Question",
    "QuestionSet",
    "QuestionSource",
    "RedisQuestionCache",
    "bank_categories",
]

log = logging.getLogger("quiz.llm")

DEFAULT_MODEL = "openai/gpt-oss-20b"
# Ask for a few more than needed: an invalid question then costs nothing, and
# the cached pool is larger than one game, so a replay draws a new selection.
EXTRA_QUESTIONS_MIN = 2
MAX_ASK = 60
MAX_POOL = 100


@functools.cache
def _bundled_bank() -> Bank:
    return Bank.load()


def bank_categories(bank: Bank | None = None) -> list[dict[str, object]]:
    """What a host can pick as a topic without a Groq key, JSON-ready.

    The first entry is the even mix of everything (``id`` ``"mixed"``), then
    every category by title; each is ``{"id", "title", "questions",
    "by_difficulty": {"easy", "medium", "hard"}}``. Sending an ``id`` or a
    ``title`` as the room's topic draws from that category.
    """
    bank = bank if bank is not None else _bundled_bank()
    infos = bank.category_info()
    levels = {level: sum(i.by_difficulty[level] for i in infos) for level in DIFFICULTIES}
    mixed: dict[str, object] = {
        "id": MIXED,
        "title": MIXED_TITLE,
        "questions": len(bank),
        "by_difficulty": levels,
    }
    return [mixed, *(info.to_dict() for info in infos)]


@dataclass(frozen=True, slots=True)
class Generation:
    """A question set with how it was made, for logs and the ``python -m quiz.generate`` CLI.

    ``reason`` is ``llm`` (fresh from the model), ``cache`` (from an earlier
    generation), or why the model could not deliver: ``no_api_key``,
    ``timeout``, ``busy`` (no concurrency slot before the deadline),
    ``rate_limited``, ``auth_failed``, ``http_<status>``, ``connection``,
    ``bad_output``, ``bad_response``, ``paused``, ``unverified`` (every
    question failed the blind check) or ``error``. ``rejected`` counts the
    questions validation refused, ``disagreed`` those whose blind answer
    differed from the key.
    """

    questions: QuestionSet
    reason: str
    elapsed: float
    rejected: int = 0
    disagreed: int = 0


class QuestionSource:
    """Turns (topic, count, difficulty) into a validated question set."""

    def __init__(
        self,
        *,
        bank: Bank | None = None,
        rng: random.Random | None = None,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 20.0,
        max_concurrency: int = 8,
        cache: QuestionCache | None = None,
        cache_size: int = 256,
        cache_ttl: float = 3600.0,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.bank = bank if bank is not None else Bank.load()
        self.rng = rng if rng is not None else random.Random()
        self.model = model
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.cache: QuestionCache = (
            cache if cache is not None else MemoryCache(max_entries=cache_size, ttl=cache_ttl)
        )
        # Rooms beyond this many wait here, their deadline running; one that
        # is still waiting when it expires plays from the bank.
        self._slots = asyncio.Semaphore(max_concurrency)
        self._paused_until = 0.0
        self._pause_reason = ""
        self._writer: GroqWriter | None = None
        if not api_key:
            log.info("no GROQ_API_KEY set: questions come from the bundled bank")
            return
        self._writer = GroqWriter(
            api_key=api_key, model=model, base_url=base_url, timeout=timeout, rng=self.rng
        )
        log.info(
            "questions from Groq model %s (%s), %.1f s deadline, at most %d calls at once; "
            "the bank fills any gap",
            model,
            self._writer.mode,
            timeout,
            max_concurrency,
        )

    async def generate(
        self,
        topic: str,
        count: int,
        difficulty: Difficulty,
        *,
        language: str = "en",
        exclude: Collection[str] = (),
        sliders: bool = False,
    ) -> QuestionSet:
        """``count`` questions on ``topic``, never fewer, never repeated.

        ``language`` (a BCP 47 tag) is the language the model writes in; the
        bank is English. ``exclude`` holds question texts already played in
        the room: none of them comes back, from the cache, the model or the
        bank (compared ignoring case, spacing and final punctuation). Fewer
        than ``count`` only when the bank too has run out of unplayed
        questions. ``sliders``: the set may hold `slider` questions (protocol
        1.2), at most one in five (:mod:`quiz.llm.slider`); off by default,
        since a client that asked for nothing of 1.2 cannot answer one.
        """
        generation = await self.generate_detailed(
            topic, count, difficulty, language=language, exclude=exclude, sliders=sliders
        )
        return generation.questions

    async def generate_detailed(
        self,
        topic: str,
        count: int,
        difficulty: Difficulty,
        *,
        language: str = "en",
        exclude: Collection[str] = (),
        sliders: bool = False,
    ) -> Generation:
        """Like :meth:`generate`, with where the questions came from and how long it took."""
        if difficulty not in DIFFICULTIES:
            raise ValueError(f"unknown difficulty {difficulty!r}")
        loop = asyncio.get_running_loop()
        started = loop.time()
        clean = clean_topic(topic)
        if count <= 0:
            return Generation(QuestionSet(()), "empty", 0.0)
        played = _Played(exclude)
        from_llm, reason, rejected, disagreed = await self._from_llm(
            clean, count, difficulty, clean_language(language), played, sliders
        )
        from_bank = self.bank.draw(
            clean,
            count - len(from_llm),
            difficulty,
            self.rng,
            exclude=played.keys,
            chosen=from_llm,
        )
        questions = QuestionSet(tuple(from_llm) + tuple(from_bank))
        elapsed = loop.time() - started
        log.info(
            "%d questions on %r (%s): %d from the model, %d from the bank [%s] in %.0f ms",
            len(questions.questions),
            clean,
            difficulty,
            questions.llm_count,
            questions.fallback_count,
            reason,
            elapsed * 1000,
        )
        return Generation(questions, reason, elapsed, rejected, disagreed)

    def _draw(
        self, pool: Sequence[Question], count: int, played: _Played, sliders: bool = False
    ) -> list[Question]:
        """``count`` unplayed questions of ``pool`` that do not give each other away,
        with at most one slider in five (none without ``sliders``)."""
        # Sampling and shuffling per draw is what makes a replay differ.
        fresh = [q for q in pool if not played.has(q.text)]
        cap = {SLIDER: max_sliders(count) if sliders else 0}
        picked = pick_compatible(self.rng.sample(fresh, len(fresh)), count, at_most=cap)
        return [shuffle_options(q, self.rng) for q in picked]

    def _pause(self, reason: str, seconds: float) -> bool:
        """Stop calling the API for ``seconds``; False when already paused for ``reason``."""
        now = asyncio.get_running_loop().time()
        already = now < self._paused_until and self._pause_reason == reason
        self._paused_until = max(self._paused_until, now + seconds)
        self._pause_reason = reason
        return not already

    async def _verify(
        self, writer: GroqWriter, questions: Sequence[Question], deadline: float
    ) -> list[Question]:
        """The questions whose blind answer by the model matches their key.

        The blind answer is judged as a player's would be
        (:func:`quiz.core.kinds.is_correct`): the right option, or for a
        slider a number within the tolerance the server set.
        """
        if not questions:
            return []
        # Shuffled as players would see them: a model that put every key
        # first must not pass its own check by answering "0" each time.
        shown = [shuffle_options(q, self.rng) for q in questions]
        answers = await writer.verify(shown, deadline)
        kept = []
        for index, (question, seen) in enumerate(zip(questions, shown, strict=True)):
            answer = answers.get(index)
            if answer is not None and is_correct(seen, answer):
                kept.append(question)
            else:
                log.info(
                    "dropped a generated question its blind answer (%s) disagrees with: %r",
                    answer,
                    question.text[:120],
                )
        return kept

    async def _from_llm(
        self,
        topic: str,
        count: int,
        difficulty: Difficulty,
        language: str,
        played: _Played,
        sliders: bool = False,
    ) -> tuple[list[Question], str, int, int]:
        """Questions written by the model (fresh or cached), the reason code, and
        how many were rejected by validation and by the blind check."""
        if self._writer is None:
            return [], "no_api_key", 0, 0
        key = f"{difficulty}:{language}:{topic_key(topic)}"
        pool = await self.cache.get(key) or ()
        drawn = self._draw(pool, count, played, sliders)
        if len(drawn) >= count:
            return drawn, "cache", 0, 0
        loop = asyncio.get_running_loop()
        if loop.time() < self._paused_until:
            log.debug("Groq paused (%s): %r from the bank", self._pause_reason, topic)
            return drawn, "paused", 0, 0
        ask = min(max(count + EXTRA_QUESTIONS_MIN, count + count // 4), MAX_ASK)
        got_slot = False
        deadline = asyncio.timeout(self.timeout)
        try:
            # One deadline around everything: the wait for a slot, both
            # calls (writing, then the blind check), the SDK's connection
            # handling and our retries. Whatever a server sends (retry-after,
            # a trickle of bytes, nothing at all), the room's wait ends here.
            async with deadline, self._slots:
                when = deadline.when()
                assert when is not None
                # A slot that frees up just before our deadline is no use: a
                # call could not finish, it would only spend quota.
                if when - loop.time() < min(MIN_ATTEMPT_SECONDS, self.timeout / 2):
                    raise TimeoutError
                got_slot = True
                parsed = await self._writer.write(
                    topic,
                    ask,
                    difficulty,
                    when,
                    language=language,
                    avoid=played.texts,
                    reserve=MIN_ATTEMPT_SECONDS,
                    sliders=sliders,
                )
                # The model may write a played question despite "avoid": it
                # is neither checked nor kept.
                fresh = [q for q in parsed.questions if not played.has(q.text)]
                verified = await self._verify(self._writer, fresh, when)
        except TimeoutError:
            # The deadline expired, or a slot came too late (above), or, very
            # unlikely, something inside raised its own TimeoutError: the room
            # falls back in all three cases.
            reason = "timeout" if got_slot else "busy"
            log.warning(
                "Groq gave no checked questions on %r within %.1f s (%s): using the bank",
                topic,
                self.timeout,
                "no reply in time" if got_slot else "all call slots busy",
            )
            return drawn, reason, 0, 0
        except LLMFailure as failure:
            loud = True
            if failure.pause_for > 0:
                loud = self._pause(failure.reason, failure.pause_for)
            if loud:
                until = (
                    f"; the bank alone for the next {failure.pause_for:.0f} s"
                    if failure.pause_for > 0
                    else ""
                )
                log.warning(
                    "Groq failed on %r (%s): %s; using the bank%s",
                    topic,
                    failure.reason,
                    failure.detail,
                    until,
                )
            return drawn, failure.reason, 0, 0
        except Exception as exc:
            # A room must keep playing whatever the SDK throws; the type and
            # message are enough to find it, without a traceback per room.
            log.warning("Groq call on %r failed unexpectedly: %r; using the bank", topic, exc)
            return drawn, "error", 0, 0
        rejected = len(parsed.rejected)
        disagreed = len(fresh) - len(verified)
        if parsed.rejected:
            log.info(
                "dropped %d invalid question(s) from Groq on %r: %s",
                rejected,
                topic,
                "; ".join(parsed.rejected[:5]),
            )
        if not verified:
            reason = "unverified" if disagreed else "bad_output"
            log.warning("Groq wrote no valid, checked question on %r: using the bank", topic)
            return drawn, reason, rejected, disagreed
        merged = _merge(pool, tuple(verified))
        await self.cache.put(key, merged)
        return self._draw(merged, count, played, sliders), "llm", rejected, disagreed

    async def aclose(self) -> None:
        """Release what the source holds (HTTP clients, the cache's connections)."""
        if self._writer is not None:
            await self._writer.aclose()
        await self.cache.aclose()


class _Played:
    """The question texts already played in a room, as given and as keys."""

    def __init__(self, texts: Collection[str]) -> None:
        self.texts: tuple[str, ...] = tuple(texts)
        self.keys = frozenset(question_key(t) for t in self.texts)

    def has(self, text: str) -> bool:
        return question_key(text) in self.keys


def _merge(old: tuple[Question, ...], new: tuple[Question, ...]) -> tuple[Question, ...]:
    """``old`` then the questions of ``new`` not already in it, at most MAX_POOL."""
    seen = {question_key(q.text) for q in old}
    merged = list(old)
    for question in new:
        key = question_key(question.text)
        if key not in seen:
            seen.add(key)
            merged.append(question)
    return tuple(merged[-MAX_POOL:])
