"""A busy room, said plainly and waited out by itself (headless Chromium).

A crowd behind one address (a school's NAT) joins faster than the server's
``JOIN_BURST`` and ``JOIN_PER_MINUTE`` allow: a refused ``join_room`` is
answered ``rate_limited`` with ``retry_after_ms``, and the page waits that
long and tries again by itself (the same request_id), showing "Joining… the
room is busy" and the seconds to the next try; it can be cancelled, and it
gives up after two minutes with a way to try again by hand. An answer
refused ``server_busy`` (a Redis failover) is sent again, the same
request_id, while its question is open: the player sees "Sending…", never
an error. The retry rules themselves: tests/web/retry.test.mjs.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from playwright.async_api import WebSocketRoute, expect

from tests.browser_helpers import QuizPage, axe_check
from tests.test_browser_i18n import CHECK, WATCH_LIVE

BUSY_SAID = (
    "Lots of players are joining at once. You'll get in by yourself in a moment:"
    " keep this page open."
)
NEXT_TRY = re.compile(r"^Next try in (\d+) seconds?$")


def refuse_joins(waits: list[int]) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Answer the page's joins ``rate_limited``, one wait (ms) of ``waits``
    each, as the server does; once they are used, the server answers."""

    def refuse(frame: dict[str, Any]) -> dict[str, Any] | None:
        if frame.get("action") != "join_room" or not waits:
            return None
        return {
            "type": "error",
            "code": "rate_limited",
            "message": "the room is busy with joins from your network: wait",
            "request_id": frame["request_id"],
            "retry_after_ms": waits.pop(0),
            "reason": "joins",
        }

    return refuse


class Relay:
    """The page's WebSocket through Playwright: every frame each way is
    recorded (parsed), and ``answer(frame)`` may answer a frame of the page
    in the server's place (it is then not sent on)."""

    def __init__(self, answer: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        self.answer = answer
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.faked: list[dict[str, Any]] = []

    async def install(self, p: QuizPage) -> Relay:
        def handler(ws: WebSocketRoute) -> None:
            server = ws.connect_to_server()

            def from_page(message: str | bytes) -> None:
                frame = json.loads(message) if isinstance(message, str) else {}
                self.sent.append(frame)
                reply = self.answer(frame)
                if reply is None:
                    server.send(message)
                else:
                    self.faked.append(reply)
                    ws.send(json.dumps(reply))

            def from_server(message: str | bytes) -> None:
                if isinstance(message, str):
                    self.received.append(json.loads(message))
                ws.send(message)

            ws.on_message(from_page)
            server.on_message(from_server)

        await p.page.route_web_socket(re.compile(r"/ws$"), handler)
        return self

    def frames(self, action: str) -> list[dict[str, Any]]:
        return [f for f in self.sent if f.get("action") == action]


def forward(_frame: dict[str, Any]) -> None:
    return None


async def next_try_seconds(p: QuizPage) -> int:
    text = (await p.by("join-busy-countdown").text_content() or "").strip()
    match = NEXT_TRY.match(text)
    assert match, text
    return int(match.group(1))


async def test_a_join_the_room_refuses_for_now_waits_and_gets_in_by_itself(
    start_server, browser
) -> None:
    # One join at once from an address, then one every 5 s: every page here
    # comes from 127.0.0.1, so the second player to join is told to wait.
    quiz = await start_server(join_burst=1, join_per_minute=12)
    port = quiz.server.port
    host = await QuizPage.open(browser, "Host", "desktop")
    ann = await QuizPage.open(browser, "Ann", "phone")
    bob = await QuizPage.open(browser, "Bob", "phone")
    relay = await Relay(forward).install(bob)

    await host.goto(port)
    code = await host.create_room(num_questions=2)
    await ann.join_by_link(port, code)

    await bob.goto(port, f"/?room={code}")
    await bob.page.evaluate(WATCH_LIVE)
    await bob.by("join-name").fill("Bob")
    await bob.by("join-submit").click()

    # Refused: the page says the room is busy and counts down to its next try.
    busy = bob.by("join-busy")
    await expect(busy).to_be_visible()
    await expect(busy).to_contain_text("Joining… the room is busy")
    await expect(bob.by("join-busy-status")).to_have_text(BUSY_SAID)
    await expect(bob.by("join-busy-countdown")).to_have_text(NEXT_TRY)
    await expect(bob.by("join-cancel")).to_be_focused()
    await expect(bob.by("join-submit")).to_be_disabled()
    await expect(bob.by("join-submit")).to_have_text("Joining…")
    # What was typed stays as it was.
    await expect(bob.by("join-code")).to_have_value(code)
    await expect(bob.by("join-name")).to_have_value("Bob")
    refusal = next(m for m in relay.received if m.get("type") == "error")
    assert refusal["code"] == "rate_limited", refusal
    assert refusal["reason"] == "joins", refusal
    assert refusal["retry_after_ms"] > 2000, refusal
    assert refusal["request_id"] == relay.frames("join_room")[0]["request_id"]

    # The countdown moves (for the eyes); the live region spoke once.
    first = await next_try_seconds(bob)
    assert first >= 2, first
    await expect(bob.by("join-busy-countdown")).to_have_text(
        re.compile(rf"^Next try in {first - 1} seconds?$")
    )
    said = await bob.page.evaluate(
        "window.liveChanges.filter((id) => id === 'join-busy-status').length"
    )
    assert said == 1, said

    await bob.shot("joining-busy")
    await axe_check(bob, "joining, the room busy")
    await expect(bob.page.get_by_test_id("error-toast")).to_have_count(0)

    # When the server said, the page tries again, the same request, and is in.
    await bob.expect_phase("lobby", timeout=20_000)
    joins = relay.frames("join_room")
    assert len(joins) == 2, joins
    assert joins[0]["request_id"] == joins[1]["request_id"], joins
    assert joins[1] == joins[0]
    for p in (host, ann, bob):
        await expect(p.by("player-list").first.get_by_test_id("player")).to_have_count(3)
    await expect(bob.page.get_by_test_id("error-toast")).to_have_count(0)
    for p in (host, ann, bob):
        p.assert_clean()


async def test_a_busy_join_can_be_cancelled_gives_up_in_time_and_is_tried_again_by_hand(
    start_server, browser
) -> None:
    """The server's answers come from the relay here: a wait of a minute
    (cancelled), then one of five minutes (past the two the page waits at
    most: it gives up at once), then the real server's."""
    quiz = await start_server()
    port = quiz.server.port
    host = await QuizPage.open(browser, "Host", "desktop")
    bob = await QuizPage.open(browser, "Bob", "phone")
    relay = await Relay(refuse_joins([60_000, 300_000])).install(bob)
    await host.goto(port)
    code = await host.create_room(num_questions=2)
    await bob.goto(port, f"/?room={code}")
    await bob.by("join-name").fill("Bob")
    await bob.by("join-submit").click()

    # A minute to wait: cancelled, and the form is as it was.
    await expect(bob.by("join-busy")).to_be_visible()
    await expect(bob.by("join-busy-countdown")).to_have_text(
        re.compile(r"^Next try in (60|59) seconds$")
    )
    await bob.by("join-cancel").click()
    await expect(bob.by("join-busy")).to_be_hidden()
    await expect(bob.by("join-busy-status")).to_have_text("")
    await expect(bob.by("join-submit")).to_be_enabled()
    await expect(bob.by("join-submit")).to_have_text("Join game")
    await expect(bob.by("join-submit")).to_be_focused()
    await expect(bob.by("join-code")).to_have_value(code)
    await expect(bob.by("join-name")).to_have_value("Bob")
    await expect(bob.by("join-name")).to_be_editable()
    assert len(relay.frames("join_room")) == 1

    # Five minutes to wait: more than the page waits by itself. It says so at once.
    await bob.by("join-submit").click()
    gave_up = "The room is still too busy. Wait a minute, then try again."
    await expect(bob.by("join-busy-status")).to_have_text(gave_up)
    await expect(bob.by("join-busy")).to_be_hidden()
    await expect(bob.by("join-submit")).to_have_text("Try again")
    await expect(bob.by("join-submit")).to_be_enabled()
    await expect(bob.by("join-name")).to_have_value("Bob")
    await axe_check(bob, "joining, given up")
    await expect(bob.page.get_by_test_id("error-toast")).to_have_count(0)
    await asyncio.sleep(0.3)
    assert len(relay.frames("join_room")) == 2  # nothing tried behind the player's back

    # By hand: the real server's answer this time.
    await bob.by("join-submit").click()
    await bob.expect_phase("lobby")
    assert len(relay.faked) == 2
    bob.assert_clean()
    host.assert_clean()


async def test_an_answer_refused_server_busy_is_sent_again_until_it_is_taken(
    start_server, browser
) -> None:
    """A Redis failover answers ``server_busy``: here the relay answers so
    for the player's answer until the test lets it through."""
    quiz = await start_server()
    port = quiz.server.port
    host = await QuizPage.open(browser, "Host", "desktop")
    bob = await QuizPage.open(browser, "Bob", "phone")
    busy = {"on": True}

    def failover(frame: dict[str, Any]) -> dict[str, Any] | None:
        if frame.get("action") != "submit_answer" or not busy["on"]:
            return None
        return {
            "type": "error",
            "code": "server_busy",
            "message": "the room is moving to another server; retry",
            "request_id": frame["request_id"],
        }

    relay = await Relay(failover).install(bob)
    await host.goto(port)
    code = await host.create_room(num_questions=2, time_per_question=60)
    await bob.join_by_link(port, code)
    await host.by("start-button").click()
    await bob.expect_question(0)

    await bob.by("option-1").click()
    status = bob.by("answer-status")
    await expect(status).to_have_attribute("data-state", "sending")
    await expect(status).to_contain_text("Sending")
    # Refused three times and still "Sending…", with no error said.
    for _ in range(100):
        if len(relay.faked) >= 3:
            break
        await asyncio.sleep(0.1)
    assert len(relay.faked) >= 3, relay.faked
    await expect(status).to_have_attribute("data-state", "sending")
    await expect(bob.by("option-1")).to_have_attribute("data-selected", "true")
    await expect(bob.page.get_by_test_id("error-toast")).to_have_count(0)

    busy["on"] = False
    await expect(status).to_have_attribute("data-state", "locked", timeout=10_000)
    await expect(bob.by("option-1")).to_have_attribute("data-locked", "true")
    answers = relay.frames("submit_answer")
    assert len(answers) >= 4, answers
    assert len({a["request_id"] for a in answers}) == 1, answers
    assert all(a == answers[0] for a in answers), answers
    received = [m for m in relay.received if m.get("type") == "answer_received"]
    assert len(received) == 1, received
    await expect(bob.page.get_by_test_id("error-toast")).to_have_count(0)
    bob.assert_clean()
    host.assert_clean()


async def test_the_busy_join_in_the_pseudo_locale_and_in_arabic(start_server, browser) -> None:
    """Every word of the wait and of the giving up from the catalog (the
    pseudo-locale), nothing overflowing a phone, left to right and right to
    left (page-check.js, as tests/test_browser_i18n.py runs it), and axe."""
    quiz = await start_server()
    port = quiz.server.port
    host = await QuizPage.open(browser, "Host", "desktop")
    await host.goto(port)
    code = await host.create_room(num_questions=2)
    # Arabic: the overflow only (the home page names "Groq API" in Latin letters).
    for lang, options in (("qps", {"pseudo": True}), ("ar", {"pseudo": False})):
        p = await QuizPage.open(browser, "Bob", "phone")
        await Relay(refuse_joins([60_000, 300_000])).install(p)
        await p.goto(port, f"/?room={code}&lang={lang}")
        await p.by("join-name").fill("Bob")
        await p.by("join-submit").click()
        await expect(p.by("join-busy")).to_be_visible()
        await expect(p.by("join-busy-countdown")).not_to_be_empty()
        for where in ("waiting", "given up"):
            found = await p.page.evaluate(f"({CHECK})", options)
            assert not found, f"{lang}, {where}:\n" + "\n".join(found)
            await axe_check(p, f"{lang}, joining, {where}")
            if where == "waiting":
                await p.by("join-cancel").click()
                await expect(p.by("join-busy")).to_be_hidden()
                await p.by("join-submit").click()  # told five minutes: gives up
                await expect(p.by("join-busy-status")).not_to_be_empty()
                await expect(p.by("join-busy")).to_be_hidden()
        await expect(p.page.get_by_test_id("error-toast")).to_have_count(0)
        p.assert_clean()
