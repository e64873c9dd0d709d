"""The browser client, driven in headless Chromium by Playwright.

A host and players in separate browser contexts (separate sessionStorage,
like separate phones) play through the real server: an in-process
:class:`QuizServer` in the test's own event loop, or ``python quiz_server.py``
as a child process with Redis for the restart. The tests also save the
screenshots of docs/screenshots/.

No Chromium is a failure, never a skip (see ``find_chromium``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from typing import Any

from playwright.async_api import expect

from tests.browser_helpers import (
    WAIT_MS,
    QuizPage,
    bank_question,
    free_port,
)
from tests.test_process import ServerProcess

log = logging.getLogger("tests.browser")

# An attack that runs as soon as it is parsed as HTML (the positive control
# at the end of the XSS test shows it does).
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
# Names are 1 to 20 characters (shared protocol), too short for the above: a
# name that is markup all the same, and must stay text (no element made).
NAME_PAYLOAD = "<svg onload=alert()>"


async def expect_players(pages: list[QuizPage], count: int) -> None:
    for p in pages:
        await expect(p.by("player-list").first.get_by_test_id("player")).to_have_count(count)


async def expect_same_board(pages: list[QuizPage]) -> dict[str, int]:
    """Every page shows the same leaderboard; each page's own score matches it."""
    boards = [await p.board() for p in pages]
    assert all(b == boards[0] for b in boards), boards
    for p in pages:
        me = await p.player_id()
        await expect(p.by("my-score").first).to_have_attribute("data-value", str(boards[0][me]))
    return boards[0]


# ------------------------------------------------------------------ a game


async def test_host_and_two_players_play_a_whole_game(start_server, browser) -> None:
    quiz = await start_server(countdown_seconds=1)
    port = quiz.server.port
    host = await QuizPage.open(browser, "Ada", "desktop")
    bob = await QuizPage.open(browser, "Bob", "phone")
    cy = await QuizPage.open(browser, "Cy", "desktop")
    pages = [host, bob, cy]

    await host.goto(port)
    code = await host.create_room(
        topic="space", num_questions=3, time_per_question=30, reveal_seconds=0
    )
    assert re.fullmatch(r"[A-Z0-9]{5}", code), code
    await bob.join_by_link(port, code)
    await cy.join_by_link(port, code)
    await expect_players(pages, 3)
    ids = {p.name: await p.player_id() for p in pages}
    assert len(set(ids.values())) == 3
    await expect(host.by("start-button")).to_be_visible()
    for p in (bob, cy):
        await expect(p.by("waiting-for-host")).to_be_visible()
        await expect(p.by("start-button")).to_have_count(0)
    await expect(bob.by("share-link")).to_have_attribute("href", re.compile(rf"\?room={code}$"))
    await host.shot("lobby")
    await bob.shot("lobby")

    await host.by("start-button").click()
    await host.expect_phase("countdown")  # one second of "Get ready!"
    # Ada is always right, Bob right on the first and last question, Cy never.
    plan = {"Ada": [True, True, True], "Bob": [True, False, True], "Cy": [False, False, False]}
    scores = dict.fromkeys(ids.values(), 0)
    for q in range(3):
        for p in pages:
            await p.expect_question(q)
            await expect(p.by("answer-status")).to_have_attribute("data-state", "none")
        if q == 0:
            await host.shot("question")
            await bob.shot("question")
            assert await host.options() == await bob.options()
        right = await host.correct_index()
        for p in pages:
            await p.answer(plan[p.name][q])
        for p in pages:
            await p.expect_phase("reveal")
            await expect(p.by("reveal")).to_have_attribute("data-correct-answer", str(right))
            await expect(p.by("my-result")).to_have_attribute(
                "data-correct", "true" if plan[p.name][q] else "false"
            )
            points = int(await p.by("my-points").get_attribute("data-value") or "-1")
            assert (points > 0) == plan[p.name][q], (p.name, q, points)
            scores[ids[p.name]] += points
        board = await expect_same_board(pages)
        assert board == scores, (board, scores)
        await expect(
            host.by("reveal").get_by_test_id("reveal-option").nth(right)
        ).to_have_attribute("data-count", "2" if q != 1 else "1")
        if q == 0:
            await host.shot("reveal")
            await bob.shot("reveal")
        for p in (bob, cy):
            await expect(p.by("next-button")).to_have_count(0)
        await expect(host.by("next-button")).to_have_text(
            "Show final results" if q == 2 else "Next question"
        )
        await host.by("next-button").click()

    for p in pages:
        await p.expect_phase("finished")
        places = p.by("podium-place")
        await expect(places).to_have_count(3)
        for rank, name in enumerate(["Ada", "Bob", "Cy"], start=1):
            await expect(places.nth(rank - 1)).to_have_attribute("data-player-id", ids[name])
            await expect(places.nth(rank - 1)).to_have_attribute("data-rank", str(rank))
            await expect(places.nth(rank - 1)).to_have_attribute(
                "data-score", str(scores[ids[name]])
            )
        await expect(p.by("my-rank")).to_have_attribute(
            "data-value", str(["Ada", "Bob", "Cy"].index(p.name) + 1)
        )
    assert scores[ids["Ada"]] > scores[ids["Bob"]] > scores[ids["Cy"]] == 0
    await host.shot("podium")
    await bob.shot("podium")

    # Play again: everyone back in the lobby, in the same seats.
    await host.by("play-again-button").click()
    for p in pages:
        await p.expect_phase("lobby")
    await expect_players(pages, 3)
    assert {p.name: await p.player_id() for p in pages} == ids
    for p in pages:
        p.assert_clean()


# ----------------------------------------------------------------- refresh


async def test_refresh_mid_question_resumes_the_same_player_and_score(
    start_server, browser
) -> None:
    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    host = await QuizPage.open(browser, "Host", "desktop")
    bob = await QuizPage.open(browser, "Bob", "phone")
    pages = [host, bob]
    await host.goto(port)
    code = await host.create_room(num_questions=3, time_per_question=30, reveal_seconds=0)
    await bob.join_by_link(port, code)
    await expect_players(pages, 2)
    bob_id = await bob.player_id()
    await host.by("start-button").click()

    # Question 1: Bob scores.
    for p in pages:
        await p.expect_question(0)
    await bob.answer(True)
    await host.answer(False)
    for p in pages:
        await p.expect_phase("reveal")
    board = await expect_same_board(pages)
    assert board[bob_id] > 0
    await host.by("next-button").click()

    # Question 2 is open; Bob refreshes before answering.
    await bob.expect_question(1)
    question = await bob.by("question-text").text_content()
    options = await bob.options()
    before = await bob.score()
    assert before == board[bob_id]
    await bob.page.reload()
    await bob.expect_connected()
    await bob.expect_question(1)
    await expect(bob.by("question-text")).to_have_text(question or "")
    assert await bob.player_id() == bob_id
    await expect(bob.by("gamebar-score")).to_have_attribute("data-value", str(before))
    await expect(bob.by("answer-status")).to_have_attribute("data-state", "none")
    # Still one seat for Bob, connected, on the host's page.
    await expect_players(pages, 2)
    await expect(
        host.page.locator(f"[data-testid='player'][data-player-id='{bob_id}']")
    ).to_have_attribute("data-connected", "true")
    # The resumed player can still answer the open question.
    picked = await bob.answer(True)
    await host.answer(True)
    for p in pages:
        await p.expect_phase("reveal")
    board = await expect_same_board(pages)
    assert board[bob_id] > before

    # A refresh during the reveal shows it all again: the result (from the
    # room state), the question and Bob's pick (kept by the tab).
    await expect(host.by("reveal")).to_have_attribute("data-correct-answer", str(picked))
    await bob.page.reload()
    await bob.expect_connected()
    await bob.expect_phase("reveal")
    await expect(bob.by("reveal")).to_have_attribute("data-correct-answer", str(picked))
    await expect(bob.page.locator("#reveal-title")).to_have_text(question or "")
    rows = bob.by("reveal").get_by_test_id("reveal-option")
    await expect(rows).to_have_count(len(options))
    for i, option in enumerate(options):
        await expect(rows.nth(i)).to_contain_text(option)
    await expect(rows.nth(picked)).to_contain_text("Your answer")
    await expect(bob.by("my-score").first).to_have_attribute("data-value", str(board[bob_id]))
    assert await bob.board() == board

    # Question 3: Bob answers, then refreshes: his answer stays locked in.
    await host.by("next-button").click()
    await bob.expect_question(2)
    picked = await bob.answer(True)
    await bob.page.reload()
    await bob.expect_question(2)
    await expect(bob.by(f"option-{picked}")).to_have_attribute("data-locked", "true")
    await expect(bob.by("answer-status")).to_have_attribute("data-state", "locked")
    await host.expect_question(2)
    await host.answer(False)
    for p in pages:
        await p.expect_phase("reveal")
    final = await expect_same_board(pages)
    await host.by("next-button").click()

    # And after the game: the podium comes back after a refresh.
    for p in pages:
        await p.expect_phase("finished")
    await bob.page.reload()
    await bob.expect_phase("finished")
    await expect(bob.by("podium-place").first).to_have_attribute("data-player-id", bob_id)
    await expect(bob.by("my-score")).to_have_attribute("data-value", str(final[bob_id]))
    assert await bob.player_id() == bob_id
    for p in pages:
        p.assert_clean()


# --------------------------------------------------------------------- XSS


async def test_player_named_like_html_is_shown_as_text_and_runs_nothing(
    start_server, browser
) -> None:
    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    host = await QuizPage.open(browser, "Host", "desktop")
    evil = await QuizPage.open(browser, IMG_PAYLOAD, "phone")
    carol = await QuizPage.open(browser, "Carol", "desktop")
    pages = [host, evil, carol]

    # The quiz's title (up to 100 characters) carries the whole payload to
    # everyone as the room's topic; its one question is from the bank.
    await host.goto(port)
    await host.page.evaluate(
        "([key, quiz]) => localStorage.setItem(key, JSON.stringify(quiz))",
        ["quiz.myquiz.v1", {"title": IMG_PAYLOAD, "questions": [bank_question()]}],
    )
    await host.page.reload()
    code = await host.create_room(own_quiz=True, time_per_question=30, reveal_seconds=0)
    await expect(host.page.locator("#lobby-title")).to_have_text(IMG_PAYLOAD)

    # The name is 28 characters: the shared protocol allows 1 to 20,
    # so the page refuses it before sending, and so does the server.
    await evil.goto(port, f"/?room={code}")
    await evil.by("join-name").fill(IMG_PAYLOAD)
    await evil.by("join-submit").click()
    await expect(evil.page.locator(".field-error:visible")).to_contain_text("20 characters")
    await evil.expect_phase("home")
    probe = await quiz.player()
    refused = await probe.error("join_room", "bad_message", room_id=code, name=IMG_PAYLOAD)
    assert "name" in refused["message"]

    # The longest markup a name can hold.
    evil.name = NAME_PAYLOAD
    await evil.by("join-name").fill(NAME_PAYLOAD)
    await evil.by("join-submit").click()
    await evil.expect_phase("lobby")
    await carol.join_by_link(port, code)
    await expect_players(pages, 3)
    evil_id = await evil.player_id()

    async def shows_as_text(p: QuizPage, where: str) -> None:
        """The name is the element's text, and no element was made from it."""
        found = p.page.locator(where).filter(has_text=NAME_PAYLOAD)
        await expect(found).to_have_count(1)
        assert await found.evaluate("el => el.childElementCount") == 0
        assert await found.text_content() == NAME_PAYLOAD

    for p in pages:
        await shows_as_text(p, "[data-testid='player-list'] .player-name")
        await expect(p.page.locator("#lobby-title")).to_have_text(IMG_PAYLOAD)

    await host.by("start-button").click()
    for p in pages:
        await p.expect_question(0)
        await expect(p.page.locator(".gamebar-topic")).to_have_text(IMG_PAYLOAD)
    await evil.answer(True)
    await host.answer(False)
    await carol.answer(False)
    for p in pages:
        await p.expect_phase("reveal")
        await shows_as_text(p, "[data-testid='leaderboard-row'] .lb-name")
    await host.by("next-button").click()
    for p in pages:
        await p.expect_phase("finished")
        await expect(p.by("podium-place").first).to_have_attribute("data-player-id", evil_id)
        await shows_as_text(p, ".podium-name")

    # Back in the lobby the host removes the player: the toast names them as text.
    await host.by("play-again-button").click()
    await host.expect_phase("lobby")
    await (
        host.page.locator(f"[data-testid='player'][data-player-id='{evil_id}']")
        .get_by_test_id("kick-button")
        .click()
    )
    await expect(carol.by("info-toast").filter(has_text=NAME_PAYLOAD)).to_have_text(
        re.compile(re.escape(f"{NAME_PAYLOAD} was removed from the room."))
    )
    await expect(evil.by("notice")).to_contain_text("removed you")
    await expect_players([host, carol], 2)

    for p in pages:
        # No element came out of any of it, and nothing ran.
        assert await p.page.locator("img").count() == 0, p.name
        p.assert_clean()

    # Positive control: the same payload, parsed as HTML, does open a dialog
    # that the pages above would have recorded.
    control = await QuizPage.open(browser, "control")
    await control.page.set_content("<div id=x></div>")
    await control.page.evaluate("p => { document.getElementById('x').innerHTML = p; }", IMG_PAYLOAD)
    await control.page.wait_for_function("() => document.querySelector('#x img')")
    await asyncio.wait_for(control.dialog_seen.wait(), WAIT_MS / 1000)
    assert control.dialogs == ["alert: 1"]


# ----------------------------------------------------------------- restart


async def start_process(env: dict[str, str]) -> tuple[ServerProcess, asyncio.Future[None]]:
    """``python quiz_server.py``, ready to serve; the end of its log to await."""
    server = await ServerProcess.start(**env)
    await server.line('"listening"')
    return server, server.drained


async def snapshot(p: QuizPage) -> dict[str, Any]:
    return {
        "player_id": await p.player_id(),
        "phase": await p.by("phase").get_attribute("data-phase"),
        "counter": await p.by("question-counter").text_content(),
        "question": await p.by("question-text").text_content(),
        "options": await p.options(),
        "score": await p.score(),
    }


async def test_server_restart_mid_game_reconnects_every_page(redis_server, browser) -> None:
    port = free_port()
    env = {
        "PORT": str(port),
        "REDIS_URL": redis_server.url,
        "COUNTDOWN_SECONDS": "0",
        "GROQ_API_KEY": "",  # bank questions, whatever the developer's .env says
    }
    servers: list[tuple[ServerProcess, asyncio.Future[None]]] = []
    pages: list[QuizPage] = []
    try:
        servers.append(await start_process(env))
        host = await QuizPage.open(browser, "Host", "desktop")
        bob = await QuizPage.open(browser, "Bob", "phone")
        cy = await QuizPage.open(browser, "Cy", "desktop")
        pages = [host, bob, cy]
        await host.goto(port)
        code = await host.create_room(num_questions=3, time_per_question=60, reveal_seconds=0)
        await bob.join_by_link(port, code)
        await cy.join_by_link(port, code)
        await expect_players(pages, 3)
        await host.by("start-button").click()

        for p in pages:
            await p.expect_question(0)
        await host.answer(True)
        await bob.answer(True)
        await cy.answer(False)
        for p in pages:
            await p.expect_phase("reveal")
        await expect_same_board(pages)
        await host.by("next-button").click()
        for p in pages:
            await p.expect_question(1)
        bob_pick = await bob.answer(True)  # answered before the restart

        before = {p.name: await snapshot(p) for p in pages}
        assert before["Host"]["score"] > 0 and before["Bob"]["score"] > 0

        first, drain = servers[0]
        first.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.proc.wait(), 10) == 0
        await drain
        for p in pages:
            await expect(p.by("connection-status")).not_to_have_attribute("data-state", "connected")

        servers.append(await start_process(env))
        for p in pages:
            await p.expect_connected(timeout=20_000)
            await p.expect_question(1)
            assert await snapshot(p) == before[p.name], p.name
        await expect(bob.by(f"option-{bob_pick}")).to_have_attribute("data-locked", "true")
        await expect_players(pages, 3)
        for p in pages:
            await expect(
                p.page.locator("[data-testid='player'][data-connected='false']")
            ).to_have_count(0)

        # The game goes on to the end on the new process.
        await host.answer(True)
        await cy.answer(False)
        for p in pages:
            await p.expect_phase("reveal")
        await expect_same_board(pages)
        await host.by("next-button").click()
        for p in pages:
            await p.expect_question(2)
        for p in pages:
            await p.answer(p.name != "Cy")
        for p in pages:
            await p.expect_phase("reveal")
        board = await expect_same_board(pages)
        await host.by("next-button").click()
        for p in pages:
            await p.expect_phase("finished")
            await expect(p.by("podium-place")).to_have_count(3)
            await expect(p.by("my-score")).to_have_attribute(
                "data-value", str(board[await p.player_id()])
            )
        for p in pages:
            p.assert_clean()
    except BaseException:
        for i, (server, _task) in enumerate(servers):
            log.warning("server %d log:\n%s", i + 1, "".join(server.lines[-80:]))
        for p in pages:
            state = await p.page.evaluate(
                "() => ({phase: document.querySelector('[data-testid=phase]').dataset.phase,"
                " conn: document.querySelector('[data-testid=connection-status]').innerText,"
                " notice: document.querySelector('[data-testid=notice]').innerText})"
            )
            log.warning("page %s: %s", p.name, state)
        raise
    finally:
        for server, task in servers:
            if server.proc.returncode is None:
                server.proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(server.proc.wait(), 10)
                except TimeoutError:
                    await server.stop()
            task.cancel()
