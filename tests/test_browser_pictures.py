"""A picture round in headless Chromium (issue 24, "Playing" and "Fair timing").

The pictures and a sound are uploaded over the WebSocket first (as the
editor does), the room is made with a quiz whose questions carry them, and
a presenter at 1920x1080 plays it with two phones at 375x812 (and a
display-only second screen at 1280x720) on a slow
network (every request of the phones and the presenter 150 ms late, at
4 Mbit/s: a venue's Wi-Fi). In the lobby every page fetches the room's
media ahead (<html data-media-ready>); the game starts only once they all
have. Then on every phone the option pictures show, each complete the
moment it is drawn (from memory: no network), and the time from the
`question` message to the picture on screen is a frame or two; the
presenter shows the question's picture large and its sound with a visible
control, the phones never start the sound. Nothing scrolls: the presenter
at 1080p and 720p, the phones at 375x812. The room keeps its standings for
the end of the round (`leaderboard: "round"`): no leaderboard after a
question. axe-core finds nothing serious.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

from PIL import Image, ImageDraw
from playwright.async_api import expect

from tests.browser_helpers import ROOT, QuizPage, assert_fits, axe_check
from tests.client import Player
from tests.media_files import mp3
from tests.media_helpers import stored
from tests.play_helpers import presented_room
from tests.test_browser_present import fits

TIMINGS = ROOT / "test-artifacts" / "media-timing.json"
SLOW = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 4_000_000 / 8,
    "uploadThroughput": 1_000_000 / 8,
}


def planet(
    colour: tuple[int, int, int], *, rings: bool = False, bands: bool = False, size: int = 480
) -> bytes:
    """A planet on a starry sky, drawn: a disc, bands or rings."""
    w, h = size * 4 // 3, size
    image = Image.new("RGB", (w, h), (8, 10, 30))
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 97) % w, (i * 53) % h
        draw.ellipse((x, y, x + 2, y + 2), fill=(230, 230, 255))
    cx, cy, r = w // 2, h // 2, h // 4
    if rings:
        draw.ellipse(
            (cx - 2.2 * r, cy - 0.55 * r, cx + 2.2 * r, cy + 0.55 * r),
            outline=(220, 200, 150),
            width=max(3, r // 8),
        )
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    if bands:
        for k in range(-2, 3):
            y = cy + k * r // 3
            half = int(math.sqrt(max(0, r * r - (y - cy) ** 2)))
            draw.line(
                (cx - half, y, cx + half, y),
                fill=tuple(max(0, c - 60) for c in colour),
                width=max(2, r // 10),
            )
    if rings:
        draw.arc(
            (cx - 2.2 * r, cy - 0.55 * r, cx + 2.2 * r, cy + 0.55 * r),
            0,
            180,
            fill=(220, 200, 150),
            width=max(3, r // 8),
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def flag(colours: list[tuple[int, int, int]], *, vertical: bool = True) -> bytes:
    """A tricolour (vertical or horizontal stripes), as a PNG."""
    w, h = 300, 200
    image = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(image)
    for i, colour in enumerate(colours):
        box = (
            (i * w // 3, 0, (i + 1) * w // 3, h)
            if vertical
            else (0, i * h // 3, w, (i + 1) * h // 3)
        )
        draw.rectangle(box, fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def upload_quiz(url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The pictures and the sound uploaded; the quiz that names them, and every id."""
    up = await Player.connect(url)
    try:
        saturn = await stored(up, planet((225, 200, 140), rings=True, size=900), "image/jpeg")
        planets = [
            await stored(up, planet(colour, rings=rings, bands=bands), "image/jpeg")
            for colour, rings, bands in (
                ((225, 200, 140), True, False),
                ((210, 150, 100), False, True),
                ((190, 70, 40), False, False),
                ((70, 110, 220), False, False),
            )
        ]
        flags = [
            await stored(up, flag(colours, vertical=vertical), "image/png")
            for colours, vertical in (
                ([(0, 85, 164), (255, 255, 255), (239, 65, 53)], True),
                ([(0, 146, 70), (255, 255, 255), (206, 43, 55)], True),
                ([(22, 155, 98), (255, 255, 255), (255, 136, 62)], True),
                ([(0, 0, 0), (221, 0, 0), (255, 206, 0)], False),
            )
        ]
        sound = await stored(up, mp3(2.0), "audio/mpeg")
    finally:
        await up.close()
    quiz = [
        {
            "kind": "choice",
            "text": "Which planet is this?",
            "round": "Pictures",
            "image": saturn,
            "image_alt": "A pale yellow planet with wide, flat rings",
            "audio": sound,
            "options": ["Saturn", "Jupiter", "Mars", "Neptune"],
            "option_images": planets,
            "correct": 0,
        },
        {
            "kind": "choice",
            "text": "Which is the flag of Italy?",
            "options": ["France", "Italy", "Ireland", "Germany"],
            "option_images": flags,
            "correct": 1,
        },
    ]
    return quiz, [saturn, sound, *planets, *flags]


async def slow_network(p: QuizPage) -> None:
    cdp = await p.page.context.new_cdp_session(p.page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW)


async def media_ready(p: QuizPage, count: int) -> None:
    root = p.page.locator("html")
    await expect(root).to_have_attribute("data-media-count", f"{count}/{count}", timeout=20_000)
    await expect(root).to_have_attribute("data-media-ready", "true")


async def pictures_drawn(p: QuizPage, testid: str, n: int) -> list[dict[str, Any]]:
    """The pictures of ``testid`` on this page: all there, decoded, complete
    the moment they were made (prefetched), and on screen in the question's
    first frame; their timings from the `question` message (ms): ``made``
    (the screen built), ``ms`` (the picture on screen), ``screen`` (the
    question's first frame on screen)."""
    images = p.by(testid)
    await expect(images).to_have_count(n)
    for i in range(n):
        await expect(images.nth(i)).to_have_attribute("data-shown-ms", re.compile(r"^\d+$"))
    screen = p.page.locator("[data-shown-ms]:not(img)")
    await expect(screen).to_have_attribute("data-shown-ms", re.compile(r"^\d+$"))
    first_frame = int(await screen.get_attribute("data-shown-ms") or "-1")
    info = await images.evaluate_all(
        "els => els.map((e) => ({w: e.naturalWidth, complete: e.complete, cached: e.dataset.cached,"
        " ms: Number(e.dataset.shownMs), made: Number(e.dataset.madeMs), alt: e.alt,"
        " box: e.getBoundingClientRect().toJSON()}))"
    )
    for item in info:
        item["screen"] = first_frame
        assert item["complete"] and item["w"] > 0, (p.name, testid, item)
        assert item["cached"] == "true", (p.name, testid, "not prefetched", item)
        # In the very frame the question's text first showed in (a frame is 17 ms).
        assert item["ms"] - first_frame <= 17, (p.name, testid, "late", item)
    return info


async def test_a_picture_round_on_the_presenter_and_two_phones(start_server, browser) -> None:
    quiz_server = await start_server(countdown_seconds=1)
    port = quiz_server.server.port
    questions, ids = await upload_quiz(quiz_server.url)
    host, code = await presented_room(
        browser,
        quiz_server.url,
        port,
        questions=questions,
        topic="Picture round",
        time_per_question=30,
        reveal_seconds=0,
        leaderboard="round",
    )
    phones = [await QuizPage.open(browser, n, "phone") for n in ("Ada", "Grace")]
    timings: dict[str, list[int]] = {}
    for p in [host, *phones]:
        await slow_network(p)
    for p in phones:
        await p.join_by_link(port, code)
    # A display-only second screen (1280x720) follows the game.
    async with host.page.context.expect_page() as opened:
        await host.by("display-link-button").click()
    await (await opened.value).close()
    link = await host.by("display-link").locator("a").get_attribute("href")
    assert link
    display = await QuizPage.open(browser, "Display", "720p")
    await slow_network(display)
    await display.page.goto(link)
    await expect(display.by("presenter")).to_have_attribute("data-stage", "lobby")
    # Every page fetched every picture and the sound in the lobby.
    for p in [host, display, *phones]:
        await media_ready(p, len(ids))

    # ------------------------------------------------ a picture, a sound, option pictures
    await host.page.keyboard.press("Space")
    await expect(host.by("presenter")).to_have_attribute("data-stage", "question")
    for p in phones:
        await p.expect_question(0)
        drawn = await pictures_drawn(p, "option-image", 4)
        assert [d["alt"].strip("\u2068\u2069") for d in drawn] == [
            "Saturn",
            "Jupiter",
            "Mars",
            "Neptune",
        ]
        [big] = await pictures_drawn(p, "question-image", 1)
        timings[p.name] = [(d["made"], d["screen"], d["ms"]) for d in [*drawn, big]]
        # The sound is there to press, never started by itself on a phone.
        await expect(p.by("sound-button")).to_have_attribute("data-state", "ready")
        await assert_fits(p, "a question with pictures")
    [picture] = await pictures_drawn(host, "question-image", 1)
    await pictures_drawn(host, "option-image", 4)
    # Large: over a third of the screen's height and a quarter of its width.
    assert picture["box"]["height"] > 1080 / 3 and picture["box"]["width"] > 1920 / 4, picture[
        "box"
    ]
    await expect(host.by("sound-button")).to_be_visible()
    # The second screen: the picture large too; its sound waits for a press (one sound in the room).
    await pictures_drawn(display, "question-image", 1)
    await expect(display.by("sound-button")).to_have_attribute("data-state", "ready")
    await expect(display.by("manage-players")).to_have_count(0)
    await assert_fits(display, "a question with pictures")
    await expect(host.by("question-image")).to_have_attribute(
        "alt", "\u2068A pale yellow planet with wide, flat rings\u2069"
    )
    await fits([host], "a question with pictures")
    await host.shot("present-question-pictures")
    await phones[0].shot("question-pictures")
    await axe_check(host, "a question with pictures")
    await axe_check(phones[0], "a question with pictures")
    # The presenter's sound plays where the browser lets it (a key was
    # pressed): else its button does.
    state = await host.by("sound-button").get_attribute("data-state")
    if state == "ready":
        await host.by("sound-button").click()
    await expect(host.by("sound-button")).to_have_attribute(
        "data-state", re.compile("playing|ended")
    )

    await phones[0].by("option-0").click()
    await phones[1].by("option-2").click()
    await expect(host.by("presenter")).to_have_attribute("data-stage", "reveal")
    await expect(phones[0].by("my-result")).to_have_attribute("data-correct", "true")
    # Standings only at the end of the round: none after the question.
    for p in phones:
        await expect(p.by("leaderboard")).to_be_hidden()
    await expect(host.by("next-button")).to_have_text("Next question")
    await fits([host], "the answer to a picture question")
    await axe_check(phones[1], "the answer to a picture question")

    # ------------------------------------------------ option pictures only
    await host.page.keyboard.press("Space")  # no leaderboard between: the next question
    for p in phones:
        await p.expect_question(1)
        drawn = await pictures_drawn(p, "option-image", 4)
        timings[p.name] += [(d["made"], d["screen"], d["ms"]) for d in drawn]
        await assert_fits(p, "a question with option pictures")
    await fits([host], "a question with option pictures")
    await phones[1].shot("question-flags")
    for p in phones:
        await p.by("option-1").click()
    await expect(host.by("presenter")).to_have_attribute("data-stage", "reveal")
    await expect(host.by("reveal").locator("img")).to_have_count(4)
    await fits([host], "the answer with pictures")
    # The round's last question: its standings next, then the end.
    await expect(host.by("next-button")).to_have_text("Round standings")
    await host.page.keyboard.press("Space")
    await expect(host.by("presenter")).to_have_attribute("data-stage", "round")
    await expect(phones[0].by("round-over")).to_contain_text("Pictures")
    await host.page.keyboard.press("Space")
    for p in [host, *phones]:
        await p.expect_phase("finished")

    # For the record (docs/performance.md): for each picture, ms from the
    # `question` message to the screen built, the question's first frame on
    # screen and the picture on screen.
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({"network": SLOW, "phones": timings}, indent=1), encoding="utf-8")
    for p in [host, display, *phones]:
        p.assert_clean()
