"""One whole game in WebKit (Safari's engine): Debian's WebKitWebDriver,
driven by Selenium, on an Xvfb display the test starts.

The WebKit page hosts and plays; a plain WebSocket player plays along. The
server runs as its own process, so Selenium's blocking calls (made in a
thread) never hold up the server. No WebKitWebDriver or Xvfb is a failure,
never a skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

from tests.browser_helpers import correct_options, free_port
from tests.client import Player
from tests.test_browser import start_process

WAIT_S = 15


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if not path:
        pytest.fail(f"{binary} is not installed (apt-get install webkit2gtk-driver xvfb)")
    return path


@pytest.fixture
def webkit() -> Iterator[WebDriver]:
    driver_path = _need("WebKitWebDriver")
    xvfb_path = _need("Xvfb")
    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(
        [xvfb_path, display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env_display = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        driver = webdriver.WebKitGTK(
            options=Options(), service=Service(executable_path=driver_path)
        )
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        if env_display is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = env_display
        xvfb.terminate()
        xvfb.wait(10)


async def run(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def by_testid(driver: WebDriver, testid: str) -> Any:
    return driver.find_element(By.CSS_SELECTOR, f"[data-testid='{testid}']")


def wait_for(driver: WebDriver, script: str, *args: Any) -> Any:
    """Wait until a JavaScript expression (a function body) is truthy."""
    return WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script(script, *args))


def wait_phase(driver: WebDriver, phase: str) -> None:
    wait_for(
        driver,
        "return document.querySelector('[data-testid=phase]').dataset.phase === arguments[0]",
        phase,
    )


def answer_right(driver: WebDriver) -> None:
    text = by_testid(driver, "question-text").get_attribute("textContent").strip()
    options = [
        e.get_attribute("textContent")
        for e in driver.find_elements(By.CSS_SELECTOR, "[data-testid^='option-'] .option-text")
    ]
    right = [i for i, o in enumerate(options) if o in correct_options()[text]]
    assert len(right) == 1, (text, options)
    by_testid(driver, f"option-{right[0]}").click()


async def test_a_whole_game_in_webkit(webkit: WebDriver) -> None:
    port = free_port()
    env = {"PORT": str(port), "COUNTDOWN_SECONDS": "0", "GROQ_API_KEY": "", "REDIS_URL": ""}
    server, drain = await start_process(env)
    friend: Player | None = None
    try:
        d = webkit
        await run(d.get, f"http://127.0.0.1:{port}/")
        await run(
            wait_for,
            d,
            "return document.querySelector('[data-testid=connection-status]')"
            ".dataset.state === 'connected'",
        )

        def create() -> str:
            by_testid(d, "create-name").send_keys("Safari")
            d.find_element(By.XPATH, "//label[.='Questions for me']").click()
            by_testid(d, "create-num-questions").clear()
            by_testid(d, "create-num-questions").send_keys("2")
            Select(by_testid(d, "create-reveal")).select_by_value("0")
            by_testid(d, "create-host-plays").click()
            by_testid(d, "create-submit").click()
            wait_phase(d, "lobby")
            return str(by_testid(d, "room-code").get_attribute("textContent")).strip()

        code = await run(create)
        friend = await Player.connect(f"ws://127.0.0.1:{port}/ws")
        await friend.join(code, "Friend")
        await run(
            wait_for, d, "return document.querySelectorAll('[data-testid=player]').length === 2"
        )
        await run(lambda: by_testid(d, "start-button").click())
        for q in range(2):
            await run(wait_phase, d, "question")
            await run(answer_right, d)
            await friend.expect("question", question_index=q)
            await friend.send("submit_answer", question_index=q, answer=0)
            await run(wait_phase, d, "reveal")
            await run(
                wait_for,
                d,
                "return document.querySelector('[data-testid=my-result]')"
                "?.dataset.correct === 'true'",
            )
            await run(lambda: by_testid(d, "next-button").click())
        await run(wait_phase, d, "finished")
        await run(
            wait_for,
            d,
            "return document.querySelectorAll('[data-testid=podium-place]').length === 2",
        )
        rank = await run(lambda: by_testid(d, "my-rank").get_attribute("data-value"))
        assert rank == "1"
        toasts = await run(
            d.execute_script, "return document.querySelectorAll('[data-testid=error-toast]').length"
        )
        assert toasts == 0
    finally:
        if friend is not None:
            with contextlib.suppress(Exception):
                await friend.close()
        server.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.proc.wait(), 10)
        drain.cancel()


async def test_a_picture_round_in_webkit(webkit: WebDriver) -> None:
    """A picture question in WebKit: the pictures uploaded over the
    WebSocket, the room made with them and presented by a plain WebSocket
    host; the WebKit page joins, fetches the room's media in the lobby
    (<html data-media-ready>), then shows the question's picture and the
    four option pictures, each complete the moment it is drawn (from
    memory), and answers."""
    from tests.media_files import png
    from tests.media_helpers import stored

    port = free_port()
    env = {"PORT": str(port), "COUNTDOWN_SECONDS": "0", "GROQ_API_KEY": "", "REDIS_URL": ""}
    server, drain = await start_process(env)
    host: Player | None = None
    try:
        host = await Player.connect(f"ws://127.0.0.1:{port}/ws")
        picture = await stored(host, png(600, 400, transparent=False, seed=9), "image/png")
        flags = [
            await stored(host, png(300, 200, transparent=False, seed=s), "image/png")
            for s in range(4)
        ]
        question = {
            "kind": "choice",
            "text": "Which flag is this?",
            "image": picture,
            "image_alt": "A flag",
            "options": ["Red", "Blue", "Green", "Gold"],
            "option_images": flags,
            "correct": 2,
        }
        await host.create("Host", host_plays=False, questions=[question], reveal_seconds=0)
        code = host.room_id
        d = webkit
        await run(d.get, f"http://127.0.0.1:{port}/?room={code}")

        def join() -> None:
            wait_for(d, "return document.querySelector('[data-testid=join-name]')")
            by_testid(d, "join-name").send_keys("Safari")
            by_testid(d, "join-submit").click()
            wait_phase(d, "lobby")
            wait_for(
                d,
                "return document.documentElement.dataset.mediaReady === 'true'"
                " && document.documentElement.dataset.mediaCount === '5/5'",
            )

        await run(join)
        await host.request_any("start_game")
        await run(wait_phase, d, "question")
        drawn = await run(
            wait_for,
            d,
            "const imgs = [...document.querySelectorAll('[data-testid=option-image],"
            " [data-testid=question-image]')];"
            " return imgs.length === 5 && imgs.every((i) => i.dataset.shownMs)"
            " && imgs.map((i) => ({w: i.naturalWidth, complete: i.complete,"
            " cached: i.dataset.cached}));",
        )
        assert all(i["w"] > 0 and i["complete"] for i in drawn), drawn
        # Prefetched: no network at question time.
        assert all(i["cached"] == "true" for i in drawn), drawn
        await run(lambda: by_testid(d, "option-2").click())
        await run(
            wait_for,
            d,
            "return document.querySelector('[data-testid=my-result]')?.dataset.correct === 'true'",
        )
        await host.request_any("next_question")
        await run(wait_phase, d, "finished")
        toasts = await run(
            d.execute_script, "return document.querySelectorAll('[data-testid=error-toast]').length"
        )
        assert toasts == 0
    finally:
        if host is not None:
            with contextlib.suppress(Exception):
                await host.close()
        server.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.proc.wait(), 10)
        drain.cancel()
