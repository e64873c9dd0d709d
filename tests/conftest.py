"""Fixtures: a real server on an ephemeral port, real clients."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from quiz.llm import QuestionSource
from quiz.llm.bank import Bank
from quiz.net.server import QuizServer
from quiz.ops.clock import Clock
from quiz.ops.config import Settings
from tests.client import Player
from tests.clock import ManualClock

# Fast but real: the same code paths as production, shorter waits.
TEST_SETTINGS = Settings(
    host="127.0.0.1",
    port=0,
    countdown_seconds=0,
    server_id="test",
    rate_limit_per_second=200,
    rate_limit_burst=200,
)


@pytest.fixture(scope="session")
def bank() -> Bank:
    return Bank.load()


class Harness:
    """A running :class:`QuizServer` and a way to connect players to it."""

    def __init__(self, server: QuizServer) -> None:
        self.server = server
        self.players: list[Player] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/ws"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def player(self, **kwargs: Any) -> Player:
        player = await Player.connect(self.url, **kwargs)
        self.players.append(player)
        return player

    async def room(self, n: int = 3, **settings: Any) -> list[Player]:
        """A host and ``n - 1`` players seated in one room."""
        host = await self.player()
        await host.create("Host", **settings)
        players = [host]
        for i in range(1, n):
            p = await self.player()
            await p.join(host.room_id, f"P{i}")
            players.append(p)
        return players


StartServer = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start_server(bank: Bank) -> AsyncIterator[StartServer]:
    """Start servers with settings overrides (and a clock); all stopped at the end."""
    harnesses: list[Harness] = []

    async def start(
        source: QuestionSource | None = None, clock: Clock | None = None, **overrides: Any
    ) -> Harness:
        settings = dataclasses.replace(TEST_SETTINGS, **overrides)
        server = QuizServer(
            settings, source or QuestionSource(bank=bank, rng=random.Random(7)), clock
        )
        await server.start()
        harness = Harness(server)
        harnesses.append(harness)
        return harness

    yield start
    for harness in harnesses:
        for player in harness.players:
            await player.ws.close()
        await harness.server.shutdown()


@pytest.fixture
async def quiz(start_server: StartServer) -> Harness:
    """One server with test settings."""
    return await start_server()


@pytest.fixture
async def manual(start_server: StartServer) -> tuple[Harness, ManualClock]:
    """One server whose rooms keep time by a :class:`ManualClock`.

    The timed rules keep the production durations (a 120 s reconnect grace,
    a 30 min idle expiry): the test advances the clock by them, it never
    waits for them. For other settings, ``start_server(clock=ManualClock(), ...)``.
    """
    clock = ManualClock()
    return await start_server(clock=clock), clock


@pytest.fixture
async def redis_server() -> AsyncIterator[Any]:
    """A real Redis server on a free port, stopped and removed afterwards."""
    from tests.redis_server import RedisServer

    server = RedisServer()
    await server.start()
    yield server
    await server.stop()
    server.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless, driven by Playwright: one per test."""
    from playwright.async_api import async_playwright

    from tests.browser_helpers import CHROMIUM_ARGS, find_chromium

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=find_chromium(playwright), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()
