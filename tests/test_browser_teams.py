"""A team quiz night in two rounds, in headless Chromium (issue 25, and
issue 26's extra time).

A presenter at 1920x1080 and six phones at 375x812 in three teams play a
quiz of two rounds: a choice and a slider in "Warm-up", an order question
in "Space". In the lobby the phones are dealt into the smallest teams, one
picks another team on the phone and the host moves another in the
presenter's players panel; the host gives one player twice the time, which
only the host's screen says and only that phone's timer shows. Each round
opens with its title card (held on screen by holding the question back,
never by sleeping) and ends with its standings, players and teams. The
slider is answered by the number field, by the arrow keys and by Home/End;
its reveal shows the histogram with the right value, and "Close!" with
partial points on a phone just off. The order is answered by dragging with
a finger (touch events) on one phone and with the keyboard's up buttons on
another. The end: a team podium on the presenter, each phone's team place,
and the results CSV with a team column and a team table. The presenter
never scrolls (1080p and 720p), nor do the phones' slider and order
questions; axe-core finds nothing serious on any new screen.

A large team room (over 100 players) shows each team's count, not its
names, on the presenter and on a phone.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from tests.browser_helpers import QuizPage, assert_fits, axe_check
from tests.play_helpers import presented_room, shown_order, sort_by_keys, sort_by_touch
from tests.test_browser_i18n import Gate
from tests.test_browser_present import fits

ORDER = ["Mercury", "Venus", "Earth", "Mars"]
QUIZ: list[dict[str, Any]] = [
    {
        "kind": "choice",
        "text": "Which planet is known as the Red Planet?",
        "options": ["Venus", "Mars", "Jupiter", "Mercury"],
        "correct": 1,
        "round": "Warm-up",
    },
    {
        "kind": "slider",
        "text": "In which year did people first walk on the Moon?",
        "min": 1950,
        "max": 2000,
        "step": 1,
        "correct": 1969,
        "tolerance": 1,
        "margin": 10,
    },
    {"kind": "order", "text": "Nearest the Sun first", "options": ORDER, "round": "Space"},
]
TEAMS = ["Owls", "Foxes", "Bears"]
NAMES = ["Ann", "Ben", "Cleo", "Dev", "Eve", "Finn"]


async def stage(p: QuizPage, name: str) -> None:
    await expect(p.by("presenter")).to_have_attribute("data-stage", name)


async def test_a_team_quiz_night_in_two_rounds(start_server, browser) -> None:
    quiz = await start_server(countdown_seconds=1)
    port = quiz.server.port
    host, code = await presented_room(
        browser,
        quiz.url,
        port,
        gate=Gate,
        teams=TEAMS,
        questions=QUIZ,
        topic="Quiz night",
        time_per_question=30,
        reveal_seconds=0,
    )
    gate: Gate = host.gate  # type: ignore[attr-defined]
    phones = [await QuizPage.open(browser, n, "phone") for n in NAMES]
    ann, ben, cleo, dev, eve, finn = phones
    phone_gate = await Gate.install(ann)
    for p in phones:
        await p.join_by_link(port, code)

    # ------------------------------------------------------------ the lobby
    # Dealt into the smallest team as they came: Owls, Foxes, Bears, Owls...
    for team, count in ((0, 2), (1, 2), (2, 2)):
        await expect(host.by("team-group").nth(team)).to_have_attribute("data-count", str(count))
    # Finn (Bears) picks the Owls on the phone.
    await expect(finn.by("team-option-2")).to_be_checked()
    await finn.page.locator("label[for='team-option-0']").click()
    await expect(finn.by("team-option-0")).to_be_checked()
    await expect(host.by("team-group").nth(0)).to_have_attribute("data-count", "3")
    await expect(ann.by("team-group").nth(0).get_by_test_id("player")).to_have_count(3)
    # The host moves Dev (Owls) to the Bears, and gives Eve twice the time.
    await host.by("manage-players").locator("summary").click()
    dev_row = host.by("manage-players").get_by_test_id("player").filter(has_text="Dev")
    await dev_row.get_by_test_id("team-select").select_option(label="Bears")
    await expect(host.by("team-group").nth(2)).to_have_attribute("data-count", "2")
    await expect(host.by("team-group").nth(0)).to_have_attribute("data-count", "2")
    eve_row = host.by("manage-players").get_by_test_id("player").filter(has_text="Eve")
    await eve_row.get_by_test_id("extra-time-select").select_option("2")
    await expect(eve_row.get_by_test_id("extra-time-badge")).to_have_attribute("data-factor", "2")
    await fits([host], "lobby, players panel open")
    await host.shot("present-players-panel")
    await axe_check(host, "lobby, teams, the players panel open")
    await host.by("manage-players").locator("summary").click()
    await host.shot("present-lobby-teams")
    await expect(dev.by("team-option-2")).to_be_checked()
    await expect(dev.by("my-team")).to_have_count(0)  # in the lobby, the strip is not there
    await fits([host], "lobby, teams")
    await ann.shot("lobby-teams")
    await axe_check(ann, "lobby, choosing a team")
    # Nobody's phone hears who has more time.
    for p in phones:
        await expect(p.by("extra-time-badge")).to_have_count(0)
        await expect(p.by("extra-time-select")).to_have_count(0)

    # ------------------------------------------------------------ round 1: its title
    gate.hold("question")
    phone_gate.hold("question")
    await host.page.keyboard.press("Space")
    await gate.wait_held()
    await phone_gate.wait_held()
    await stage(host, "countdown")
    await expect(host.by("round-card")).to_have_attribute("data-round", "0")
    await expect(host.by("round-card")).to_contain_text("Warm-up")
    await expect(ann.by("round-card")).to_contain_text("Warm-up")
    await expect(ann.by("round-card")).to_contain_text("2 questions")
    await fits([host], "round 1's title")
    await axe_check(host, "a round's title card")
    gate.release()
    phone_gate.release()

    # ------------------------------------------------------------ a choice
    await stage(host, "question")
    for p in phones:
        await p.expect_phase("question")
        await expect(p.by("my-team")).to_be_visible()
    await expect(finn.by("my-team")).to_have_text(re.compile("Owls"))
    # Eve has twice the time: her own timer, nobody else's.
    await expect(eve.by("timer-bar")).to_have_attribute("aria-valuemax", "60")
    await expect(ann.by("timer-bar")).to_have_attribute("aria-valuemax", "30")
    for p, right in zip(phones, [True, True, False, True, False, True], strict=True):
        await p.by("option-1" if right else "option-0").click()
    await stage(host, "reveal")
    await expect(ann.by("my-team-rank")).to_contain_text("Team Owls")
    await host.page.keyboard.press("Space")
    await stage(host, "board")
    await expect(host.by("team-row")).to_have_count(3)
    await expect(host.by("leaderboard-row")).to_have_count(6)
    await fits([host], "the standings with teams")
    await host.shot("present-board-teams")

    # ------------------------------------------------------------ a slider
    await host.page.keyboard.press("Space")
    for p in phones:
        await p.expect_question(1)
    await expect(ann.by("slider-range")).to_have_attribute("aria-valuetext", "1975")
    await assert_fits(ann, "a slider question")
    await axe_check(ann, "a slider question")
    await ann.shot("question-slider")
    # Ann types the year; the range follows.
    await ann.by("slider-number").fill("1969")
    await expect(ann.by("slider-range")).to_have_value("1969")
    await expect(ann.by("slider-value")).to_have_text("1969")
    await ann.by("submit-answer").click()
    # Ben sends the middle (1975: 6 off, so close but not right).
    await ben.by("submit-answer").click()
    # Cleo by the arrow keys: 4 down from the middle, Enter sends.
    await cleo.by("slider-range").focus()
    for _ in range(4):
        await cleo.page.keyboard.press("ArrowLeft")
    await expect(cleo.by("slider-number")).to_have_value("1971")
    await cleo.page.keyboard.press("Enter")
    # Dev: Home; Finn: End; Eve: the number field and Enter.
    await dev.by("slider-range").focus()
    await dev.page.keyboard.press("Home")
    await expect(dev.by("slider-range")).to_have_attribute("aria-valuetext", "1950")
    await dev.page.keyboard.press("Enter")
    await finn.by("slider-range").focus()
    await finn.page.keyboard.press("End")
    await finn.page.keyboard.press("Enter")
    await eve.by("slider-number").fill("1969")
    await eve.by("slider-number").press("Enter")
    await stage(host, "reveal")
    for p in phones:
        await p.expect_phase("reveal")
    right = host.by("reveal").locator("[data-correct='true']")
    await expect(right).to_have_count(1)
    await expect(right).to_have_attribute("data-from", re.compile("^19(6\\d)$"))
    await expect(host.by("correct-value")).to_contain_text("1969")
    await expect(ann.by("my-result")).to_have_attribute("data-correct", "true")
    await expect(ben.by("my-result")).to_have_attribute("data-close", "true")
    await expect(ben.by("my-result")).to_contain_text("Close!")
    assert int(await ben.by("my-points").get_attribute("data-value") or "0") > 0
    await expect(ben.by("my-value")).to_contain_text("1975")
    await expect(ben.by("reveal").locator("[data-mine='true']")).to_have_count(1)
    await fits([host], "a slider's answer")
    await host.shot("present-reveal-slider")
    await ben.shot("reveal-slider")
    await axe_check(ben, "a slider's answer, close")
    await axe_check(host, "a slider's answer")

    # ------------------------------------------------------------ round 1's standings
    await host.page.keyboard.press("Space")
    await stage(host, "board")
    await host.page.keyboard.press("Space")
    await stage(host, "round")
    await expect(host.by("round-over")).to_contain_text("Warm-up")
    await expect(host.by("team-row")).to_have_count(3)
    for p in phones:
        await expect(p.by("round-over")).to_have_attribute("data-round", "0")
    await expect(ann.by("team-row")).to_have_count(3)
    await fits([host], "round 1's standings")
    await host.shot("present-round-over")
    await ann.shot("round-over")
    await axe_check(host, "a round's standings")
    await axe_check(ann, "a round's standings on a phone")

    # ------------------------------------------------------------ round 2: its title
    gate.hold("question")
    phone_gate.hold("question")
    await host.page.keyboard.press("Space")
    await gate.wait_held()
    await phone_gate.wait_held()
    await expect(host.by("round-card")).to_have_attribute("data-round", "1")
    await expect(host.by("round-card")).to_contain_text("Space")
    await expect(host.by("round-card")).to_contain_text("Round 2")
    await expect(ann.by("round-card")).to_contain_text("Space")
    await host.shot("present-round-title")
    await ann.shot("round-title")
    gate.release()
    phone_gate.release()

    # ------------------------------------------------------------ an order
    for p in phones:
        await p.expect_question(2)
    shown = await shown_order(ann)
    assert sorted(shown) == sorted(ORDER) and shown != ORDER
    await assert_fits(ann, "an order question")
    await axe_check(ann, "an order question")
    await ann.shot("question-order")
    await fits([host], "an order question")
    await host.shot("present-question-order")
    # Ann drags with a finger; Ben uses the up buttons by keyboard.
    await sort_by_touch(ann, ORDER)
    assert await shown_order(ann) == ORDER
    said = await sort_by_keys(ben, ORDER)
    assert await shown_order(ben) == ORDER
    assert said and all(re.search(r": now \d(st|nd|rd|th) of 4$", s) for s in said), said
    await ann.by("submit-answer").click()
    await ben.by("submit-answer").click()
    for p in (cleo, dev, eve, finn):
        await p.by("submit-answer").click()  # as shown: never the right order
    await stage(host, "reveal")
    for p in phones:
        await p.expect_phase("reveal")
    await expect(ann.by("my-result")).to_have_attribute("data-correct", "true")
    await expect(ben.by("my-result")).to_have_attribute("data-correct", "true")
    await expect(cleo.by("my-result")).to_have_attribute("data-correct", "false")
    await expect(host.by("correct-order").locator(".order-text")).to_have_text(ORDER)
    await fits([host], "an order's answer")
    await host.shot("present-reveal-order")
    await cleo.shot("reveal-order")
    await axe_check(cleo, "an order's answer")
    await host.page.keyboard.press("Space")
    await stage(host, "board")
    await host.page.keyboard.press("Space")
    await stage(host, "round")
    await host.page.keyboard.press("Space")

    # ------------------------------------------------------------ the end
    await stage(host, "finished")
    places = host.by("team-place")
    await expect(places).to_have_count(3)
    await expect(host.by("best-player")).to_be_visible()
    await fits([host], "the team podium")
    await host.shot("present-team-podium")
    await axe_check(host, "the team podium")
    for p in phones:
        await p.expect_phase("finished")
        await expect(p.by("my-team-rank")).to_be_visible()
    await expect(ann.by("team-row")).to_have_count(3)
    await ann.shot("final-teams")
    await axe_check(ann, "the end, with teams")

    # The results: a team column and a team table.
    async with host.page.expect_download() as info:
        await host.by("results-csv").click()
    data = await asyncio.to_thread(Path(await (await info.value).path()).read_bytes)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Rank", "Name", "Team", "Score", "Correct answers"], rows[0]
    players = rows[1:7]
    teams_of = {r[1]: r[2] for r in players}
    assert teams_of == {
        "Ann": "Owls",
        "Ben": "Foxes",
        "Cleo": "Bears",
        "Dev": "Bears",
        "Eve": "Foxes",
        "Finn": "Owls",
    }
    assert rows[7] == [] or rows[7] == [""], rows[7]
    assert rows[8] == ["Team rank", "Team", "Players", "Score"], rows[8]
    assert sorted(r[1] for r in rows[9:12]) == sorted(TEAMS)
    for p in [host, *phones]:
        p.assert_clean()


async def test_a_large_team_room_shows_the_count_per_team(start_server, browser) -> None:
    """Over 100 players, the lobby shows each team's count, never its names:
    on the presenter (kept up to date by each join) and on a phone (from
    its room state), who can still change team."""
    from tests.test_browser_present import Crowd

    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    crowd = Crowd(quiz.url)
    host, code = await presented_room(
        browser, quiz.url, port, size="720p", teams=["Red", "Blue", "Green"], questions=QUIZ[:1]
    )
    phone = await QuizPage.open(browser, "Pat", "phone")
    try:
        await crowd.join(code, [f"P{i}" for i in range(150)])
        for team in range(3):
            await expect(host.by("team-group").nth(team)).to_have_attribute("data-count", "50")
        await expect(host.by("team-groups").get_by_test_id("player")).to_have_count(0)
        await assert_fits(host, "lobby, a large team room")
        await phone.join_by_link(port, code)
        await expect(host.by("team-group").nth(0)).to_have_attribute("data-count", "51")
        counts = phone.by("team-counts").get_by_test_id("team-count")
        await expect(counts).to_have_count(3)
        await expect(counts.nth(0)).to_have_attribute("data-count", "51")
        await expect(phone.by("team-groups")).to_be_hidden()
        await expect(phone.by("team-option-0")).to_be_checked()
        await phone.page.locator("label[for='team-option-2']").click()
        await expect(counts.nth(2)).to_have_attribute("data-count", "51")
        await expect(counts.nth(0)).to_have_attribute("data-count", "50")
        await expect(host.by("team-group").nth(2)).to_have_attribute("data-count", "51")
        await axe_check(phone, "lobby, a large team room")
        for p in (host, phone):
            p.assert_clean()
    finally:
        await crowd.close()
