"""Helpers for the browser tests of protocol 1.2 in play (teams, rounds,
slider, order, pictures, extra time): a room made over the WebSocket and
handed to a presenter page, touch drags, the prefetch's numbers.

The room is created by a plain WebSocket client (the create form and the
editor are tested on their own): the page then takes the seat over with
its token, as a reload does, and presents. The client's connection is
closed by the server (4003) when the page takes the seat.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.browser_helpers import QuizPage
from tests.client import Player

SESSION_KEY = "quiz.session.v1"


async def presented_room(
    browser: Browser,
    url: str,
    port: int,
    *,
    size: str = "1080p",
    lang: str | None = None,
    gate: Any = None,
    **settings: Any,
) -> tuple[QuizPage, str]:
    """A room made with ``settings`` (``host_plays`` False: the host
    presents) and a presenter page in it; the page and the room code.
    ``gate``: a class with an async ``install(page)`` (tests/test_browser_i18n.Gate),
    installed before the page connects; it is then on ``page.gate``."""
    maker = await Player.connect(url)
    reply = await maker.request_any("create_room", name="Host", host_plays=False, **settings)
    assert reply["type"] == "room_created", reply
    seat = {"room_id": reply["room_id"], "player_id": reply["player_id"], "token": reply["token"]}
    host = await QuizPage.open(browser, "Presenter", size)
    await host.page.add_init_script(
        f"sessionStorage.setItem({json.dumps(SESSION_KEY)}, {json.dumps(json.dumps(seat))});"
    )
    if gate is not None:
        host.gate = await gate.install(host)  # type: ignore[attr-defined]
    await host.goto(port, f"/?lang={lang}" if lang else "/")
    await expect(host.by("presenter")).to_have_attribute("data-stage", "lobby")
    # The page has the seat now: the maker was told so (4003) and is done.
    assert await maker.closed() == 4003
    return host, str(reply["room_id"])


async def touch_drag(
    page: Page, start: tuple[float, float], end: tuple[float, float], steps: int = 12
) -> None:
    """A finger on the screen: touch events through Chromium's input
    pipeline (so the page gets pointer events of type "touch")."""
    cdp = await page.context.new_cdp_session(page)
    try:
        x0, y0 = start
        x1, y1 = end
        await cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
        )
        for i in range(1, steps + 1):
            x = x0 + (x1 - x0) * i / steps
            y = y0 + (y1 - y0) * i / steps
            await cdp.send(
                "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
            )
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        await cdp.detach()


async def shown_order(p: QuizPage) -> list[str]:
    """The order question's items as this phone shows them, first to last."""
    return [
        (t or "").strip()
        for t in await p.page.locator("[data-testid='order-item'] .order-text").all_text_contents()
    ]


async def sort_by_touch(p: QuizPage, right: list[str]) -> None:
    """Put the items in ``right`` order by dragging each with a finger."""
    for place, item in enumerate(right):
        items = p.by("order-item")
        current = (await shown_order(p)).index(item)
        if current == place:
            continue
        row = items.filter(has_text=item).first
        box = await row.bounding_box()
        target = await items.nth(place).bounding_box()
        assert box and target
        # Held by its text, dropped just inside the top of the place it goes to.
        start = (box["x"] + box["width"] * 0.4, box["y"] + box["height"] / 2)
        end = (start[0], target["y"] + 4)
        await touch_drag(p.page, start, end)
        await expect(row).to_have_attribute("data-place", str(place))


async def sort_by_keys(p: QuizPage, right: list[str]) -> list[str]:
    """Put the items in ``right`` order with the up buttons, by keyboard
    alone (the focus on a button, Enter); what the live region said."""
    said: list[str] = []
    for place, item in enumerate(right):
        current = (await shown_order(p)).index(item)
        if current == place:
            continue
        up = p.by("order-item").filter(has_text=item).first.get_by_test_id("order-up")
        await up.focus()
        for _ in range(current - place):
            await p.page.keyboard.press("Enter")
        # The focus stayed on the button that was pressed, which moved with its item.
        await expect(up).to_be_focused()
        said.append((await p.by("order-announce").text_content() or "").strip())
    return said
