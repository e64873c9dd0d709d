"""The question cache in a real Redis, shared by several QuestionSources ("servers").

The Groq side is :class:`fake_groq.FakeGroq` over real HTTP with the real SDK;
the Redis side is a real redis-server (fixture ``redis_server``). Nothing is
mocked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import random
import signal
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from quiz.core.question import Question, Slider
from quiz.llm import MAX_POOL, QuestionSource
from quiz.llm.bank import Bank
from quiz.llm.cache import MemoryCache, QuestionCache, RedisQuestionCache
from quiz.ops.config import Settings
from quiz.rooms.backends import make_source
from tests.fake_groq import FakeGroq, questions_reply, sample_questions, sample_slider
from tests.redis_server import RedisServer

KEY = "gsk_test_key_never_logged_0123456789"
DEADLINE = 2.0
SETTINGS = Settings(groq_api_key=KEY, llm_timeout_seconds=DEADLINE)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGroq]:
    async with FakeGroq(questions_reply(sample_questions(8))) as server:
        yield server


Clients = Callable[..., aioredis.Redis]


@pytest.fixture
async def clients(redis_server: RedisServer) -> AsyncIterator[Clients]:
    """Redis clients on the test server, one per simulated server, closed at the end."""
    made: list[aioredis.Redis] = []

    def make(**options: object) -> aioredis.Redis:
        client = aioredis.Redis.from_url(redis_server.url, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


Sources = Callable[..., QuestionSource]


@pytest.fixture
async def sources(fake: FakeGroq, bank: Bank) -> AsyncIterator[Sources]:
    made: list[QuestionSource] = []

    def make(
        redis: aioredis.Redis | None = None, cache: QuestionCache | None = None
    ) -> QuestionSource:
        if redis is not None:
            cache = RedisQuestionCache(redis, max_questions=MAX_POOL)
        source = QuestionSource(
            bank=bank,
            api_key=KEY,
            base_url=fake.base_url,
            timeout=DEADLINE,
            cache=cache,
            rng=random.Random(len(made)),
        )
        made.append(source)
        return source

    yield make
    for source in made:
        await source.aclose()


def questions(n: int, prefix: str = "q") -> tuple[Question, ...]:
    return tuple(
        Question(f"{prefix} {i}?", (f"a{i}", f"b{i}", f"c{i}"), i % 3, "Topic", "llm")
        for i in range(n)
    )


async def llm_keys(client: aioredis.Redis) -> list[str]:
    return sorted(
        [k.decode() if isinstance(k, bytes) else k async for k in client.scan_iter("quiz:llm:*")]
    )


# --- shared between servers --------------------------------------------------------


async def test_replayed_topic_on_another_server_costs_no_call(
    fake: FakeGroq, sources: Sources, clients: Clients
) -> None:
    server_a = sources(redis=clients(decode_responses=True))
    server_b = sources(redis=clients())  # bytes replies: both client styles work
    first = await server_a.generate_detailed("Volcanoes", 5, "easy")
    assert first.reason == "llm" and len(fake.requests) == 1
    # Another server, the same topic spelt differently: from Redis, no API call.
    second = await server_b.generate_detailed("  VOLCANOES ", 5, "easy")
    assert second.reason == "cache"
    assert len(fake.requests) == 1
    assert second.questions.llm_count == 5
    assert {q.text for q in second.questions.questions} <= {
        f"Fake question number {i}?" for i in range(8)
    }
    # One key, named by difficulty and a hash: no host text in key names.
    keys = await llm_keys(clients())
    assert len(keys) == 1
    prefix, difficulty, digest = keys[0].rsplit(":", 2)
    assert (prefix, difficulty, len(digest)) == ("quiz:llm", "easy", 32)
    assert "olcano" not in keys[0].casefold()
    # Another difficulty is another pool, asked for once, then shared too.
    assert (await server_b.generate_detailed("Volcanoes", 5, "hard")).reason == "llm"
    assert (await server_a.generate_detailed("Volcanoes", 5, "hard")).reason == "cache"
    assert len(fake.requests) == 2
    assert len(await llm_keys(clients())) == 2


async def test_the_server_shares_generated_questions_through_its_redis(
    fake: FakeGroq, redis_server: RedisServer, bank: Bank
) -> None:
    # How the server builds its source (quiz.rooms.backends): with REDIS_URL,
    # a cache in that Redis, on a client of its own that the source closes.
    settings = dataclasses.replace(
        SETTINGS, groq_base_url=fake.base_url, redis_url=redis_server.url
    )
    server_a, server_b = make_source(settings), make_source(settings)
    try:
        for source in (server_a, server_b):
            assert isinstance(source.cache, RedisQuestionCache)
            assert source.cache.max_questions == MAX_POOL
            assert source.cache.ttl_ms == 3_600_000
            source.bank = bank
        assert (await server_a.generate_detailed("Tides", 5, "medium")).reason == "llm"
        assert (await server_b.generate_detailed("tides", 5, "medium")).reason == "cache"
        assert len(fake.requests) == 1
    finally:
        for source in (server_a, server_b):
            await source.aclose()
    # Without REDIS_URL, each server keeps its own.
    alone = make_source(SETTINGS)
    assert isinstance(alone.cache, MemoryCache)
    await alone.aclose()


async def test_a_pool_written_by_the_first_server_is_merged_by_the_second(
    fake: FakeGroq, sources: Sources, clients: Clients
) -> None:
    fake.default = questions_reply(sample_questions(3))
    server_a, server_b = sources(redis=clients()), sources(redis=clients())
    first = await server_a.generate_detailed("Glaciers", 5, "easy")
    assert first.questions.llm_count == 3  # the pool is short: the bank tops up
    fake.default = questions_reply(sample_questions(4, prefix="Second batch"))
    second = await server_b.generate_detailed("Glaciers", 5, "easy")
    assert second.reason == "llm" and second.questions.llm_count == 5
    # Server b asked for more and stored the union: now server a has 7 to draw from.
    cached = await RedisQuestionCache(clients()).get("easy:en:glaciers")
    assert cached is not None and len(cached) == 7
    assert (await server_a.generate_detailed("Glaciers", 7, "easy")).reason == "cache"
    assert len(fake.requests) == 2


# --- bounded in age and size ---------------------------------------------------------


async def test_every_pool_key_carries_the_ttl(
    fake: FakeGroq, sources: Sources, clients: Clients
) -> None:
    client = clients()
    await sources(redis=client).generate_detailed("Comets", 5, "easy")
    (key,) = await llm_keys(client)
    assert 3_590_000 < await client.pttl(key) <= 3_600_000  # the default: an hour
    cache = RedisQuestionCache(client, ttl=90)
    await cache.put("hard:comets", questions(4))
    assert 85_000 < await client.pttl(cache.redis_key("hard:comets")) <= 90_000
    # A put sets the TTL again; a get does not extend it.
    await client.pexpire(cache.redis_key("hard:comets"), 5_000)
    assert await cache.get("hard:comets") == questions(4)
    assert await client.pttl(cache.redis_key("hard:comets")) <= 5_000
    await cache.put("hard:comets", questions(5))
    assert await client.pttl(cache.redis_key("hard:comets")) > 85_000


async def test_an_expired_pool_is_asked_for_again(
    fake: FakeGroq, sources: Sources, clients: Clients
) -> None:
    client = clients(decode_responses=True)
    cache = RedisQuestionCache(client, ttl=0.3)
    source = sources(cache=cache)
    # Wait for Redis's own expiry event rather than for a guessed time.
    await client.config_set("notify-keyspace-events", "Ex")
    pubsub = client.pubsub()
    await pubsub.subscribe("__keyevent@0__:expired")
    try:
        assert (await source.generate_detailed("Nebulae", 5, "easy")).reason == "llm"
        assert (await source.generate_detailed("Nebulae", 5, "easy")).reason == "cache"
        name = cache.redis_key("easy:en:nebulae")
        async with asyncio.timeout(5):
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if message is not None and message["data"] == name:
                    break
        assert (await source.generate_detailed("Nebulae", 5, "easy")).reason == "llm"
        assert len(fake.requests) == 2
    finally:
        await pubsub.aclose()


async def test_a_pool_keeps_only_its_newest_questions(clients: Clients) -> None:
    client = clients()
    cache = RedisQuestionCache(client, max_questions=10)
    await cache.put("easy:rivers", questions(25))
    got = await cache.get("easy:rivers")
    assert got == questions(25)[-10:]
    assert await client.strlen(cache.redis_key("easy:rivers")) < 2_000


async def test_a_pool_is_bounded_in_bytes(clients: Clients) -> None:
    client = clients()
    long = tuple(
        Question(f"{'x' * 250} {i}?", tuple(f"{'o' * 90} {i}{k}" for k in range(4)), 0)
        for i in range(100)
    )
    cache = RedisQuestionCache(client, max_questions=100, max_bytes=20_000)
    await cache.put("medium:long", long)
    size = await client.strlen(cache.redis_key("medium:long"))
    assert 0 < size <= 20_000
    got = await cache.get("medium:long")
    assert got is not None and 1 < len(got) < 100
    assert got == long[-len(got) :]  # the oldest went first
    # A single question bigger than the bound is not stored at all.
    tiny = RedisQuestionCache(client, max_bytes=100)
    await tiny.put("medium:huge", long[:1])
    assert await client.exists(tiny.redis_key("medium:huge")) == 0


# --- Redis misbehaving: the game still gets its questions ------------------------------


async def test_unreadable_pool_is_a_miss(
    fake: FakeGroq, sources: Sources, clients: Clients
) -> None:
    client = clients()
    source = sources(redis=client)
    assert isinstance(source.cache, RedisQuestionCache)
    name = source.cache.redis_key("easy:en:lava")
    for junk in ("not json", json.dumps({"questions": 1}), json.dumps([{"text": "?"}])):
        await client.set(name, junk)
        assert await source.cache.get("easy:en:lava") is None
    assert (await source.generate_detailed("Lava", 5, "easy")).reason == "llm"
    assert len(await source.cache.get("easy:en:lava") or ()) == 8  # and overwritten


async def test_redis_down_generation_goes_on_and_says_so_once(
    fake: FakeGroq,
    sources: Sources,
    clients: Clients,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="quiz.llm.cache")
    client = clients(socket_connect_timeout=1)
    source = sources(redis=client)
    await redis_server.stop()
    for _ in range(2):
        gen = await source.generate_detailed("Earthquakes", 5, "easy")
        assert gen.reason == "llm" and gen.questions.llm_count == 5
    assert len(fake.requests) == 2  # no cache, so each game asks
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "Redis" in warnings[0].getMessage()

    await redis_server.start()
    assert (await source.generate_detailed("Earthquakes", 5, "easy")).reason == "llm"
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert (await source.generate_detailed("Earthquakes", 5, "easy")).reason == "cache"
    assert len(fake.requests) == 3


async def test_a_hung_redis_costs_at_most_the_cache_timeout(
    fake: FakeGroq, sources: Sources, clients: Clients, redis_server: RedisServer
) -> None:
    source = sources(cache=RedisQuestionCache(clients(), timeout=0.3))
    assert (await source.generate_detailed("Storms", 5, "easy")).reason == "llm"
    assert redis_server.proc is not None
    redis_server.proc.send_signal(signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        started = time.monotonic()
        # Bounded here too, so that a cache without its timeout fails, not hangs.
        async with asyncio.timeout(DEADLINE + 3):
            gen = await source.generate_detailed("Storms", 5, "easy")
        took = time.monotonic() - started
    finally:
        redis_server.proc.send_signal(signal.SIGCONT)
    # The get and the put each give up after 0.3 s; the model still answers.
    assert gen.reason == "llm" and gen.questions.llm_count == 5
    assert 0.5 < took < 0.6 + DEADLINE, took
    assert len(fake.requests) == 2


async def test_a_pool_keeps_kinds_and_explanations(clients: Clients) -> None:
    cache = RedisQuestionCache(clients())
    pool = (
        Question("Is the Sun a star?", ("Vrai", "Faux"), 0, category="t", source="llm",
                 kind="true_false", explanation="Le Soleil est une étoile."),
        Question("2 + 2?", ("3", "4"), 1, category="t", source="llm", explanation="Four."),
    )  # fmt: skip
    await cache.put("easy:fr:t", pool)
    assert await cache.get("easy:fr:t") == pool
    assert await cache.get("easy:en:t") is None  # another language, another pool


async def test_a_pool_keeps_sliders_with_the_servers_tolerance(
    clients: Clients, fake: FakeGroq, sources: Sources
) -> None:
    # Written and checked on one server, stored in Redis, drawn on another.
    fake.default = questions_reply([*sample_questions(4), sample_slider()])
    first, second = sources(clients()), sources(clients())
    made = await first.generate_detailed("Space", 5, "easy", sliders=True)
    drawn = await second.generate_detailed("Space", 5, "easy", sliders=True)
    assert (made.reason, drawn.reason) == ("llm", "cache")
    assert len(fake.requests) == 1
    (slider,) = [q for q in drawn.questions.questions if q.kind == "slider"]
    assert slider == next(q for q in made.questions.questions if q.kind == "slider")
    assert slider.slider == Slider(1900, 2000, 1, 1969, tolerance=2, margin=10)
    (key,) = await llm_keys(clients())
    stored = json.loads(await clients().get(key))
    (item,) = [q for q in stored if q["kind"] == "slider"]
    numbers = {k: item[k] for k in ("min", "max", "step", "correct", "tolerance", "margin")}
    assert numbers == {"min": 1900, "max": 2000, "step": 1, "correct": 1969, "tolerance": 2,
                       "margin": 10}  # fmt: skip
    # A room that cannot play sliders draws from the same pool without it.
    plain = await second.generate_detailed("Space", 4, "easy")
    assert plain.reason == "cache" and all(q.kind == "choice" for q in plain.questions.questions)
