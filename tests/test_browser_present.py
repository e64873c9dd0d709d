"""Quiz night on a projector, in headless Chromium.

A presenter at 1920x1080 (the host does not play: the default), a
display-only second screen at 1280x720, three phones at 375x812 and plain
WebSocket players play whole games: with 15 players and then with 60, the
presenter and the display never scroll in any phase. The lobby lock
refuses a fourth phone; skip and end game work; the results CSV downloads
and parses with one row per player; axe-core finds no serious or critical
violation on any screen of the presenter or a phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Route, expect

from tests.browser_helpers import (
    QuizPage,
    assert_fits,
    axe_check,
)
from tests.client import Player


class Crowd:
    """Players on plain WebSockets, their messages read (and dropped) on and on."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.players: list[Player] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def join(self, code: str, names: list[str]) -> None:
        async def one(name: str) -> Player:
            p = await Player.connect(self.url)
            await p.join(code, name)
            return p

        joined = await asyncio.gather(*(one(n) for n in names))
        for p in joined:
            self.players.append(p)
            self.tasks.append(asyncio.create_task(self._drain(p)))

    @staticmethod
    async def _drain(p: Player) -> None:
        with contextlib.suppress(Exception):
            async for _ in p.ws:
                pass

    async def answer(self, index: int, avoid: int | None = None) -> None:
        """Everyone answers, spread over the options (all but ``avoid``)."""
        options = [i for i in range(4) if i != avoid][:3]
        for i, p in enumerate(self.players):
            if p.ws.close_code is None:  # not the one the host removed
                await p.send("submit_answer", question_index=index, answer=options[i % 3])

    async def close(self) -> None:
        # All at once, the readers still reading (they see the close frame
        # and end): one by one, each close would wait for its handshake.
        await asyncio.gather(*(p.ws.close() for p in self.players), return_exceptions=True)
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def read_download(download: Any) -> bytes:
    return await asyncio.to_thread(Path(await download.path()).read_bytes)


async def fits(pages: list[QuizPage], where: str) -> None:
    """No scrolling on any of these screens; the presenter (1920x1080) is
    also checked at 1280x720, a projector's other common size."""
    for p in pages:
        await assert_fits(p, where)
        if p.size == "1080p":
            await p.page.set_viewport_size({"width": 1280, "height": 720})
            try:
                await assert_fits(p, f"{where} at 1280x720")
            finally:
                await p.page.set_viewport_size({"width": 1920, "height": 1080})


async def test_presenter_display_and_phones_play_quiz_night(start_server, browser) -> None:
    quiz = await start_server(countdown_seconds=1)
    port = quiz.server.port
    crowd = Crowd(quiz.url)
    host = await QuizPage.open(browser, "Presenter", "1080p")
    phones = [await QuizPage.open(browser, n, "phone") for n in ("Ann", "Bartholomew Jones", "Cy")]
    late = await QuizPage.open(browser, "Dee", "phone")
    screens = [host]
    try:
        # A phone's home screen: Join is there without scrolling, the header fits.
        await late.goto(port)
        box = await late.by("join-submit").bounding_box()
        assert box and box["y"] + box["height"] <= 812, box
        await assert_fits_width(late)
        await axe_check(late, "home")

        await host.goto(port)
        await expect(host.by("create-host-plays")).not_to_be_checked()  # presenting is the default
        code = await host.create_room(
            host_plays=False, num_questions=3, time_per_question=30, reveal_seconds=0
        )
        await expect(host.by("presenter")).to_have_attribute("data-stage", "lobby")
        await expect(host.by("share-link")).to_contain_text(f"?room={code}")

        # The second screen: a secret link, no controls.
        async with host.page.context.expect_page() as opened:
            await host.by("display-link-button").click()
        popup = await opened.value
        await popup.wait_for_url(re.compile(rf"\?watch={code}&key=\w+"))
        await popup.close()
        link = host.by("display-link").locator("a")
        await expect(link).to_have_attribute("href", re.compile(rf"\?watch={code}&key=\w+"))
        url = await link.get_attribute("href")
        assert url
        display = await QuizPage.open(browser, "Display", "720p")
        await display.page.goto(url)
        await expect(display.by("presenter")).to_have_attribute("data-stage", "lobby")
        await expect(display.by("present-controls")).to_have_count(0)
        await expect(display.by("start-button")).to_have_count(0)
        screens.append(display)

        for p in phones:
            await p.join_by_link(port, code)
        # A name that a spreadsheet would run as a formula, and one the host removes.
        await crowd.join(code, [f"Guest {i}" for i in range(11)] + ["=1+2", "Spammer"])
        spammer = host.by("player").filter(has_text="Spammer")
        await spammer.get_by_test_id("kick-button").click()
        await expect(spammer).to_have_count(0)
        for s in screens:
            await expect(s.by("player-count")).to_have_attribute("data-value", "15")
        await fits(screens, "lobby, 15 players")
        await host.shot("present-lobby")
        await phones[0].shot("present-lobby")
        await axe_check(host, "lobby")
        await axe_check(phones[0], "lobby")

        # Locked: a fourth phone is refused, and told so on the form.
        await host.by("lock-button").click()
        await expect(host.by("locked-badge")).to_be_visible()
        await late.goto(port, f"/?room={code}")
        await late.by("join-name").fill("Dee")
        await late.by("join-submit").click()
        await expect(late.page.locator(".field-error:visible")).to_contain_text("locked")
        await late.expect_phase("home")
        await host.by("lock-button").click()
        await expect(host.by("locked-badge")).to_be_hidden()

        # Question 1: two phones answer, then the presenter skips to the answer.
        await host.page.keyboard.press("Space")
        for s in screens:
            await expect(s.by("presenter")).to_have_attribute("data-stage", "question")
        for p in phones:
            await p.expect_question(0)
        await fits(screens, "question")
        await axe_check(host, "question")
        await axe_check(phones[0], "question")
        await host.shot("present-question")
        for p in phones:
            await assert_fits_width(p)  # the header with the room code fits a phone
        await phones[1].shot("present-question")
        await phones[0].by("option-0").click()
        await phones[1].by("option-1").click()
        await expect(host.by("answer-progress")).to_have_attribute("data-answered", "2")
        await expect(host.by("answer-progress")).to_have_attribute("data-total", "15")
        await host.by("skip-button").click()
        for p in phones:
            await p.expect_phase("reveal")
        for s in screens:
            await expect(s.by("presenter")).to_have_attribute("data-stage", "reveal")
        await fits(screens, "reveal")
        await host.shot("present-reveal")
        await phones[0].shot("present-reveal")
        await axe_check(host, "reveal")
        await axe_check(phones[0], "reveal")
        await expect(phones[2].by("my-result")).to_have_attribute("data-correct", "false")
        await host.page.keyboard.press("ArrowRight")
        await expect(host.by("presenter")).to_have_attribute("data-stage", "board")
        await expect(host.by("leaderboard-row")).to_have_count(10)
        await fits([host], "leaderboard")
        await host.shot("present-leaderboard")
        await axe_check(host, "leaderboard")

        # The results after one question: a CSV download.
        async with host.page.expect_download() as info:
            await host.by("results-csv").click()
        rows = parse_csv(await read_download(await info.value))
        assert rows[0][:4] == ["Rank", "Name", "Score", "Correct answers"]
        assert len(rows) == 16 and len(rows[0]) == 5

        # Question 2: everyone answers; the question closes by itself.
        await host.page.keyboard.press("Space")
        for p in phones:
            await p.expect_question(1)
        # The phones answer right, one after the other; the crowd wrong.
        right = await phones[0].correct_index()
        for p in phones:
            await p.by(f"option-{right}").click()
        await crowd.answer(1, avoid=right)
        for s in screens:
            await expect(s.by("presenter")).to_have_attribute("data-stage", "reveal")

        # Question 3: the presenter ends the game early (two presses).
        await host.page.keyboard.press("Space")
        await host.page.keyboard.press("Space")
        for p in phones:
            await p.expect_question(2)
        await host.by("end-game-button").click()
        await expect(host.by("end-game-button")).to_have_attribute("data-armed", "true")
        await host.by("end-game-button").click()
        for p in [*screens, *phones]:
            await p.expect_phase("finished")
        await expect(host.by("podium-place")).to_have_count(3)
        await expect(display.by("podium-place")).to_have_count(3)
        await expect(host.by("summary-row")).to_have_count(2)
        await fits(screens, "podium")
        # (screenshots fast-forward the podium's build: 3rd, 2nd, then 1st)
        await host.shot("present-podium")
        await phones[1].shot("present-podium")
        await display.shot("display-podium")
        await axe_check(host, "podium")
        await axe_check(phones[1], "podium")
        for p in [*screens, *phones]:
            text = await p.page.locator("main").inner_text()
            assert "null" not in text and "undefined" not in text, (p.name, text)
        # A long name is not cut on a phone's podium.
        # (the three phones answered the second question right: they are the podium)
        name = phones[1].page.locator(".podium-name").filter(has_text="Bartholomew Jones")
        await expect(name).to_be_visible()
        assert await name.evaluate("el => el.scrollWidth <= el.clientWidth")

        # The final CSV: one row per player, formulas defused, opens as UTF-8.
        async with host.page.expect_download() as info:
            await host.by("results-csv").click()
        raw = await read_download(await info.value)
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = parse_csv(raw)
        assert len(rows) == 16, rows
        names = {r[1] for r in rows[1:]}
        assert {"Ann", "Bartholomew Jones", "Cy", "Guest 0", "'=1+2"} <= names
        assert "Spammer" not in names and "=1+2" not in names
        ranks = [int(r[0]) for r in rows[1:]]
        assert ranks == sorted(ranks)
        async with host.page.expect_download() as info:
            await host.by("results-json").click()
        data = json.loads(await read_download(await info.value))
        assert len(data["players"]) == 15 and len(data["questions"]) == 2

        # Play again with 60 players: still no scrolling anywhere.
        await host.by("play-again-button").click()
        for s in screens:
            await expect(s.by("presenter")).to_have_attribute("data-stage", "lobby")
        await crowd.join(code, [f"Friend {i}" for i in range(45)])
        for s in screens:
            await expect(s.by("player-count")).to_have_attribute("data-value", "60")
        await fits(screens, "lobby, 60 players")
        await host.page.keyboard.press("Space")
        for s in screens:
            await expect(s.by("presenter")).to_have_attribute("data-stage", "question")
        await fits(screens, "question, 60 players")
        await host.shot("present-question-60")
        for p in phones:
            await p.by("option-0").click()
        await crowd.answer(0)
        for s in screens:
            await expect(s.by("presenter")).to_have_attribute("data-stage", "reveal")
        await fits(screens, "reveal, 60 players")
        await host.page.keyboard.press("Space")
        await fits([host], "leaderboard, 60 players")
        await host.by("end-game-button").click()
        await host.by("end-game-button").click()
        for s in screens:
            await s.expect_phase("finished")
        await fits(screens, "podium, 60 players")
        for p in [*screens, *phones, late]:
            p.assert_clean()
    finally:
        await crowd.close()


def parse_csv(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


async def assert_fits_width(p: QuizPage) -> None:
    """Nothing sticks out sideways (the header above all)."""
    widths = await p.page.evaluate(
        "() => [document.documentElement.scrollWidth, innerWidth,"
        " document.querySelector('.topbar').scrollWidth,"
        " document.querySelector('.topbar').clientWidth]"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


async def test_a_phone_toast_leaves_its_control_free_and_goes_away(start_server, browser) -> None:
    quiz = await start_server(countdown_seconds=0)
    host = await quiz.player()
    await host.create("Pat")
    assert host.room_id
    phone = await QuizPage.open(browser, "pat", "phone")
    await phone.goto(quiz.server.port, f"/?room={host.room_id}")
    await phone.by("join-name").fill("pat")
    await phone.by("join-submit").click()
    toast = phone.by("error-toast")
    await expect(toast).to_have_attribute("data-code", "name_taken")
    await expect(phone.page.locator(".field-error:visible")).to_contain_text(
        "already has this name"
    )
    for control in ("join-submit", "join-name", "suggest-name"):
        box = await phone.by(control).first.bounding_box()
        toast_box = await toast.bounding_box()
        assert box and toast_box and not overlaps(box, toast_box), (control, box, toast_box)
    await expect(toast).to_have_count(0, timeout=12_000)  # it goes away by itself
    # "Give me a name" fills a friendly two-word name, and that one joins.
    await phone.by("suggest-name").nth(0).click()
    suggested = await phone.by("join-name").input_value()
    assert len(suggested.split()) == 2 and len(suggested) <= 20, suggested
    await phone.by("join-submit").click()
    await phone.expect_phase("lobby")
    phone.assert_clean()


# An address of TEST-NET-1 (RFC 5737): never this machine's, whatever its network.
LAN_ADDRESS = "192.0.2.10"


@pytest.mark.parametrize("on_a_network", [True, False], ids=["lan", "no-network"])
async def test_on_localhost_the_invite_uses_the_lan_address(
    start_server, browser, on_a_network: bool
) -> None:
    """Opened as localhost, the invite (link and QR code) carries the address
    the server reported in /config.json, which phones on the network reach;
    with no such address, the page's own. The addresses are injected into the
    server's /config.json, so the test does not depend on this machine's
    network."""
    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    lan = [f"http://{LAN_ADDRESS}:{port}/"] if on_a_network else []

    async def config_with_lan(route: Route) -> None:
        response = await route.fetch()  # the server's own answer...
        config = await response.json()
        config["lan_urls"] = lan  # ...with the addresses of this test
        await route.fulfill(response=response, json=config)

    host = await QuizPage.open(browser, "Host", "720p")
    await host.page.route("**/config.json", config_with_lan)
    await host.page.goto(f"http://127.0.0.1:{port}/")
    await host.expect_connected()
    config = await host.page.evaluate("fetch('/config.json').then(r => r.json())")
    assert config["llm"] is False
    assert "Space" in [c["name"] for c in config["categories"]]
    assert config["lan_urls"] == lan
    code = await host.create_room(host_plays=False, num_questions=1)
    invite = f"{lan[0]}?room={code}" if lan else f"http://127.0.0.1:{port}/?room={code}"
    link = host.by("share-link").get_by_role("link")
    await expect(link).to_have_attribute("href", invite)
    await expect(host.page.get_by_role("img", name=f"QR code: {invite}")).to_be_visible()
    host.assert_clean()
