"""A large room in the browser (protocol 1.1 "Large rooms": more than 100
players): the presenter and the phones show the count and the latest names,
never a list of everyone, and a phone still finds its own place at the end.
"""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser_helpers import QuizPage, assert_fits
from tests.test_browser_present import Crowd

CROWD = 150


async def test_a_large_room_shows_counts_and_latest_names(start_server, browser) -> None:
    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    crowd = Crowd(quiz.url)
    host = await QuizPage.open(browser, "Presenter", "720p")
    phone = await QuizPage.open(browser, "Pat", "phone")
    try:
        await host.goto(port)
        code = await host.create_room(
            host_plays=False,
            show_text=False,
            num_questions=1,
            time_per_question=0,
            reveal_seconds=0,
        )
        await phone.join_by_link(port, code)
        # The host can still change it in the lobby (update_settings), both ways.
        toggle = host.by("phones-text-button")
        await expect(toggle).to_have_attribute("aria-pressed", "false")
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-pressed", "true")
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-pressed", "false")
        await crowd.join(code, [f"P{i}" for i in range(CROWD)])
        total = str(CROWD + 1)
        await expect(host.by("player-count")).to_have_attribute("data-value", total)
        # The latest names only, newest first.
        names = host.by("player-list").get_by_test_id("player")
        assert await names.count() <= 48
        await expect(names.first).to_contain_text(f"P{CROWD - 1}")
        await assert_fits(host, "lobby, large room")
        # A phone gets the count (room_size), and a capped list.
        await expect(phone.page.locator("#players-title")).to_have_text(f"Players ({total})")
        assert await phone.by("player").count() <= 100

        await host.page.keyboard.press("Space")
        await phone.expect_question(0)
        # The host turned the question text off on phones: look at the big screen.
        await expect(phone.by("look-up")).to_be_visible()
        await expect(phone.by("question-text")).to_have_class(re.compile("visually-hidden"))
        await expect(host.by("question-text")).to_be_visible()
        await crowd.answer(0)
        await phone.by("option-3").click()
        await host.expect_phase("reveal")
        await host.page.keyboard.press("Space")
        await host.page.keyboard.press("Space")
        await phone.expect_phase("finished")
        # Pat's place comes from the last your_result when not in the top 100.
        await expect(phone.page.locator(".final-summary")).to_contain_text(
            re.compile(rf"of {CROWD + 1:,} with")
        )
        await expect(phone.by("my-rank")).to_have_attribute("data-value", re.compile(r"^\d+$"))
        for p in (host, phone):
            p.assert_clean()
    finally:
        await crowd.close()
