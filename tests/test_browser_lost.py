"""Connections lost and rooms lost, said honestly (headless Chromium).

A server without Redis keeps its rooms in memory: after a restart the room
is gone. While the server is down, the open question's timer stops and its
answers are disabled; when the server is back without the room, each page
says ONE thing: the server restarted and the game was lost, ask the host for
a new code. No error toast says anything else.
"""

from __future__ import annotations

import asyncio
import signal

from playwright.async_api import expect

from tests.browser_helpers import QuizPage, free_port
from tests.test_browser import start_process

ROOM_LOST = "The server restarted and this game was lost; ask the host for a new code."


async def test_a_restart_that_loses_the_room_is_said_once_and_plainly(browser) -> None:
    port = free_port()
    env = {"PORT": str(port), "COUNTDOWN_SECONDS": "0", "GROQ_API_KEY": "", "REDIS_URL": ""}
    servers = [await start_process(env)]
    host = await QuizPage.open(browser, "Host", "desktop")
    bob = await QuizPage.open(browser, "Bob", "phone")
    try:
        await host.goto(port)
        code = await host.create_room(num_questions=3, time_per_question=60, reveal_seconds=0)
        await bob.join_by_link(port, code)
        await host.by("start-button").click()
        await bob.expect_question(0)
        await expect(bob.by("answer-status")).to_have_attribute("data-state", "none")

        first, drain = servers[0]
        first.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.proc.wait(), 10) == 0
        await drain
        # Down: the clock stops and nothing can be answered until we are back.
        await expect(bob.by("connection-status")).not_to_have_attribute("data-state", "connected")
        await expect(bob.by("answer-status")).to_have_attribute("data-state", "offline")
        await expect(bob.by("option-0")).to_have_attribute("aria-disabled", "true")
        left = await bob.by("timer-bar").get_attribute("data-remaining-ms")
        await bob.by("option-0").click(force=True)
        await expect(bob.by("option-0")).not_to_have_attribute("data-selected", "true")
        assert await bob.by("timer-bar").get_attribute("data-remaining-ms") == left

        servers.append(await start_process(env))
        for p in (host, bob):
            await p.expect_phase("home", timeout=20_000)
            await expect(p.by("notice").locator(".notice-text")).to_have_text(ROOM_LOST)
            await expect(p.by("notice")).to_have_attribute("data-tone", "error")
            await expect(p.by("error-toast")).to_have_count(0)
            await expect(p.by("connection-status")).to_have_attribute("data-state", "connected")
            p.assert_clean()
    finally:
        for server, task in servers:
            if server.proc.returncode is None:
                server.proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(server.proc.wait(), 10)
            task.cancel()
