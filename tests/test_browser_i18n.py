"""Every screen in the players' language (issue 26), in headless Chromium.

``test_every_screen_in_the_pseudo_locale`` plays with every page in the
pseudo-locale (``?lang=qps``: English with every letter accented, about 40 %
longer, bracketed): a phone host's room (home, a wrong code, the editor
with its errors, the lobby, the questions under review, writing the
questions, a question and its result with the host's tools, the end), then
a presented game of the five kinds (presenter at 1920x1080 and 1280x720, a
display-only screen, a phone player: lobby, countdown, every kind's
question and result, the leaderboard, a reload, the podium, the results
file, being removed). On each screen tests/web/page-check.js finds no text
a person reads that is not from the catalog (data, marked translate="no"
or isolated, aside), nothing wider than its box and no sideways scrolling;
the presenter never scrolls; axe-core finds nothing serious.

``test_arabic_japanese_and_german_phones_with_a_french_presenter``: the
three ways a page picks its language (the browser's language, ``?lang=``,
the menu, remembered), the room's language offered, Arabic laid out right
to left, nothing wider than its box, axe clean in each; the screenshots of
docs/screenshots/i18n-*.png.

Pages wait at a screen that would otherwise pass in a moment (writing the
questions, the countdown, getting back in) by holding the next server
message back (``Gate``), never by sleeping.
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

from playwright.async_api import Browser, WebSocketRoute, expect

from tests.browser_helpers import ROOT, QuizPage, assert_fits, axe_check
from tests.client import Player

CHECK = (ROOT / "tests" / "web" / "page-check.js").read_text(encoding="utf-8")
QUIZ_KEY = "quiz.myquiz.v1"
CLOSE_DETAILS = "document.querySelectorAll('details').forEach((d) => { d.open = false; })"

# Every change to a live region (what a screen reader says unasked), from now on.
WATCH_LIVE = """
window.liveChanges = [];
new MutationObserver((records) => {
  for (const m of records) {
    const node = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    const el = node?.closest('[aria-live]');
    if (el) window.liveChanges.push(el.dataset.testid || el.id || el.className);
  }
}).observe(document.body, { subtree: true, childList: true, characterData: true });
"""

# Every <details> open, and the animations that opening starts at their end
# (a popover fading in would be half transparent for axe's contrast check).
OPEN_DETAILS = """
document.querySelectorAll('details').forEach((d) => { d.open = true; });
for (const a of document.getAnimations()) {
  if (a.effect && a.effect.getComputedTiming().endTime !== Infinity) a.finish();
}
"""
TWO_FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

QUIZ: dict[str, Any] = {
    "title": "Friday quiz",
    "questions": [
        {
            "kind": "choice",
            "text": "What is the capital of France?",
            "options": ["Paris", "Lyon", "Nice", "Lille"],
            "correct": 0,
            "explanation": "Paris has been the capital since 987.",
        },
        {
            "kind": "multi",
            "text": "Which of these numbers are prime?",
            "options": ["2", "3", "4", "9"],
            "correct": [0, 1],
        },
        {"kind": "true_false", "text": "The Sun is a star.", "correct": 0},
        {"kind": "text", "text": "Which planet is the largest?", "answers": ["Jupiter"]},
        {"kind": "poll", "text": "Which colour do you like best?", "options": ["Red", "Blue"]},
    ],
}

QUIZ_FR: dict[str, Any] = {
    "title": "Capitales",
    "questions": [
        {
            "kind": "choice",
            "text": "Quelle est la capitale de l'Australie ?",
            "options": ["Sydney", "Canberra", "Melbourne", "Perth"],
            "correct": 1,
            "explanation": "Canberra a été choisie en 1908, entre Sydney et Melbourne.",
        },
    ],
}


def seed_quiz(quiz: dict[str, Any]) -> str:
    """An init script that puts ``quiz`` in the editor's storage, once."""
    return (
        f"if (!localStorage.getItem({json.dumps(QUIZ_KEY)})) "
        f"localStorage.setItem({json.dumps(QUIZ_KEY)}, {json.dumps(json.dumps(quiz))});"
    )


class Gate:
    """The page's WebSocket through Playwright: a message of a held type,
    and every one after it, waits until ``release()``."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.queue: list[str | bytes] = []
        self.holding = asyncio.Event()
        self.route: WebSocketRoute | None = None

    @classmethod
    async def install(cls, p: QuizPage) -> Gate:
        gate = cls()

        def handler(ws: WebSocketRoute) -> None:
            gate.route = ws
            gate.queue.clear()
            server = ws.connect_to_server()
            server.on_message(gate._from_server)

        await p.page.route_web_socket(re.compile(r"/ws$"), handler)
        return gate

    def _from_server(self, message: str | bytes) -> None:
        kind = None
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            kind = json.loads(message).get("type")
        if not self.queue and kind in self.held:
            self.held.discard(kind)
            self.holding.set()
        if self.queue or self.holding.is_set():
            self.queue.append(message)
        elif self.route is not None:
            self.route.send(message)

    def hold(self, kind: str) -> None:
        self.held.add(kind)

    async def wait_held(self) -> None:
        await asyncio.wait_for(self.holding.wait(), 10)

    def release(self) -> None:
        self.holding.clear()
        queued, self.queue = self.queue, []
        for message in queued:
            if self.route is not None:
                self.route.send(message)


class Bots:
    """Players on plain WebSockets who answer every question at once: option
    ``choice`` (a choice, true/false or poll), [2] (several), "Saturn" (typed)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.players: list[Player] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def join(self, code: str, names: list[str], *, choice: int = 1) -> None:
        for name in names:
            p = await Player.connect(self.url)
            await p.join(code, name)
            self.players.append(p)
            self.tasks.append(asyncio.create_task(self._play(p, choice)))

    @staticmethod
    async def _play(p: Player, choice: int) -> None:
        with contextlib.suppress(Exception):
            async for frame in p.ws:
                msg = json.loads(frame)
                if msg.get("type") != "question":
                    continue
                kind = msg.get("kind", "choice")
                answer: Any = {"multi": [2], "text": "Saturn"}.get(kind, choice)
                await p.send("submit_answer", question_index=msg["question_index"], answer=answer)

    async def close(self) -> None:
        await asyncio.gather(*(p.ws.close() for p in self.players), return_exceptions=True)
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def check(
    p: QuizPage,
    where: str,
    *,
    pseudo: bool = True,
    latin_words: bool = False,
    axe: bool = False,
) -> None:
    """The screen as it is: every <details> opened (their text counts too),
    then page-check.js and, with ``axe``, axe-core. A desktop page is also
    checked at 1280x720; a presenter never scrolls."""
    await p.page.evaluate(OPEN_DETAILS)
    sizes = [None, {"width": 1280, "height": 720}] if p.size == "1080p" else [None]
    for size in sizes:
        if size:
            await p.page.set_viewport_size(size)
        try:
            # Two frames: what changed has been laid out.
            await p.page.evaluate(TWO_FRAMES)
            found = await p.page.evaluate(
                f"({CHECK})", {"pseudo": pseudo, "latinWords": latin_words}
            )
            at = f" at {size['width']}x{size['height']}" if size else ""
            assert not found, f"{p.name}, {where}{at}:\n" + "\n".join(found)
            if await p.page.evaluate("document.body.classList.contains('presenting')"):
                await assert_fits(p, where + at)
        finally:
            if size:
                await p.page.set_viewport_size({"width": 1920, "height": 1080})
    if axe:
        await axe_check(p, where)


async def expect_question(p: QuizPage, q: dict[str, Any]) -> None:
    """The phone shows question ``q`` (whatever the language of its counter)."""
    await p.expect_phase("question")
    await expect(p.by("question-text")).to_have_text(q["text"])


async def shot(p: QuizPage, name: str) -> None:
    """A screenshot as a player sees the screen: the <details> that check()
    opened closed again."""
    await p.page.evaluate(CLOSE_DETAILS)
    await p.shot(name)


async def choose(p: QuizPage, testid: str) -> None:
    """Pick a segmented radio (the input is hidden under its label)."""
    radio = p.by(testid)
    await p.page.locator(f"label[for='{await radio.get_attribute('id')}']").click()
    await expect(radio).to_be_checked()


async def phone_host_room(p: QuizPage, port: int) -> None:
    """A host who plays, on a phone: from the home page to the end of a
    one-question game, every screen checked."""
    gate = await Gate.install(p)
    await p.goto(port, "/?lang=qps")
    await expect(p.page.locator("html")).to_have_attribute("lang", "en-XA")
    await check(p, "home", axe=True)

    # A wrong code: the error under the field and as a toast, in the page's language.
    await p.by("join-code").fill("ZZZZZ")
    await p.by("join-name").fill("Yuki")
    await p.by("join-submit").click()
    await expect(p.by("error-toast")).to_have_attribute("data-code", "room_not_found")
    await check(p, "home, a wrong code", axe=True)

    # The editor, with a question left blank: the errors on their fields.
    await choose(p, "source-mine")
    await p.by("open-editor").click()
    await expect(p.by("editor")).to_be_visible()
    await p.by("editor-add").click()
    await p.by("editor-done").click()
    await expect(p.by("editor-summary")).to_be_visible()
    await expect(p.by("editor-question").last).to_have_attribute("data-invalid", "true")
    await check(p, "the editor, with errors", axe=True)
    await p.by("editor-back").click()

    # A room of questions from the bank, the host playing too.
    await choose(p, "source-generated")
    await p.by("create-name").fill("Yuki")
    await p.by("create-host-plays").check()
    await p.by("create-num-questions").fill("1")
    await p.by("create-submit").click()
    await p.expect_phase("lobby")
    await check(p, "lobby, the host on a phone", axe=True)

    # The questions under review, then back without them.
    await p.by("review-questions").click()
    await expect(p.by("editor-warning")).to_be_visible()
    await check(p, "the questions under review")
    await p.by("editor-back").click()
    await p.expect_phase("lobby")

    # Writing the questions (held there), the question, the result, the end.
    gate.hold("questions_generated")
    await p.by("start-button").click()
    await gate.wait_held()
    await p.expect_phase("generating")
    await check(p, "writing the questions")
    gate.release()
    await p.expect_phase("question", timeout=15_000)
    await check(p, "a question, with the host's tools", axe=True)
    await p.by("option-0").click()
    await p.expect_phase("reveal")
    await expect(p.by("my-result")).to_have_attribute("data-correct", re.compile("true|false"))
    await check(p, "the result, with the host's tools", axe=True)
    await p.by("next-button").click()
    await p.expect_phase("finished")
    await check(p, "the end, for the host", axe=True)
    p.assert_clean()


async def test_every_screen_in_the_pseudo_locale(start_server, browser: Browser) -> None:
    quiz = await start_server(countdown_seconds=1)
    port = quiz.server.port
    bots = Bots(quiz.url)
    phone_host = await QuizPage.open(browser, "Yuki", "phone")
    host = await QuizPage.open(browser, "Presenter", "1080p")
    phone = await QuizPage.open(browser, "Xavier", "phone")
    try:
        await phone_host_room(phone_host, port)

        # ----------------------------------------------------------- the presenter
        await host.page.add_init_script(seed_quiz(QUIZ))
        host_gate = await Gate.install(host)
        await host.goto(port, "/?lang=qps")
        await check(host, "home on a desktop")
        await choose(host, "source-mine")
        await host.by("create-name").fill("Host")
        await host.by("create-time").select_option("30")
        await host.by("create-reveal").select_option("0")
        await host.by("create-submit").click()
        await expect(host.by("presenter")).to_have_attribute("data-stage", "lobby")
        code = (await host.by("room-code").text_content() or "").strip()

        async with host.page.context.expect_page() as opened:
            await host.by("display-link-button").click()
        await (await opened.value).close()
        link = await host.by("display-link").locator("a").get_attribute("href")
        assert link
        display = await QuizPage.open(browser, "Display", "720p")
        display_gate = await Gate.install(display)
        await display.page.goto(f"{link}&lang=qps")
        await expect(display.by("presenter")).to_have_attribute("data-stage", "lobby")

        # ----------------------------------------------------------- a phone player
        phone_gate = await Gate.install(phone)
        await phone.goto(port, f"/?room={code}&lang=qps")
        await phone.by("join-name").fill("Xavier")
        await phone.by("join-submit").click()
        await phone.expect_phase("lobby")
        # The room is in English, the page is not: the room's language is offered.
        await expect(phone.by("lang-offer")).to_be_visible()
        await check(phone, "lobby, a player, offered the room's language", axe=True)
        await phone.by("lang-offer-no").click()
        await expect(phone.by("lang-offer")).to_be_hidden()
        # Names of other scripts and directions, as data.
        await bots.join(code, ["Zoë", "سارة"])
        await expect(host.by("player-count")).to_have_attribute("data-value", "3")
        await check(host, "presenter lobby", axe=True)
        await check(display, "display lobby", axe=True)

        # ----------------------------------------------------------- the countdown
        for gate in (host_gate, display_gate, phone_gate):
            gate.hold("question")
        await host.by("start-button").click()
        await phone.expect_phase("countdown")
        await asyncio.gather(*(g.wait_held() for g in (host_gate, display_gate, phone_gate)))
        await check(phone, "countdown")
        await check(host, "presenter countdown")
        await check(display, "display countdown")
        for gate in (host_gate, display_gate, phone_gate):
            gate.release()

        # ----------------------------------------------------------- each kind
        for index, q in enumerate(QUIZ["questions"]):
            kind = q["kind"]
            await expect_question(phone, q)
            await expect(host.by("presenter")).to_have_attribute("data-stage", "question")
            await check(phone, f"a {kind} question", axe=kind in ("choice", "multi", "text"))
            await check(host, f"presenter, a {kind} question", axe=kind == "choice")
            if kind == "choice":
                # A screen reader hears the timer at 10 s and 5 s, not every
                # second: over two seconds of a 30-second question, nothing.
                await phone.page.evaluate(WATCH_LIVE)
                await phone.page.wait_for_timeout(2_000)
                said = await phone.page.evaluate("window.liveChanges")
                assert "timer-announce" not in said, said
                assert all(said.count(x) <= 1 for x in said), said
            if kind in ("choice", "true_false", "poll"):
                # By keyboard alone: key 1 answers.
                await phone.page.keyboard.press("1")
            elif kind == "multi":
                await phone.by("option-0").click()
                await phone.by("option-1").click()
                await check(phone, "a multi question, two chosen")
                await phone.by("submit-answer").click()
            elif kind == "text":
                await phone.by("text-answer").fill("Jupiter")
                await phone.by("submit-answer").click()
            await phone.expect_phase("reveal")
            await expect(phone.by("my-result")).to_have_attribute("data-correct", re.compile("."))
            await expect(host.by("presenter")).to_have_attribute("data-stage", "reveal")
            await check(phone, f"the result of a {kind} question", axe=kind in ("choice", "text"))
            await check(host, f"presenter, the answer to a {kind} question", axe=kind == "choice")
            if index == 0:
                await check(display, "display, an answer")
            if kind == "poll":
                # A reload: "getting you back in", held there, then the result again.
                phone_gate.hold("room_joined")
                await phone.page.reload()
                await phone_gate.wait_held()
                await expect(phone.by("rejoin-cancel")).to_be_visible()
                await check(phone, "getting back in")
                phone_gate.release()
                await phone.expect_phase("reveal")
            # The presenter by keyboard alone: space shows the board, → moves on.
            await host.page.keyboard.press("Space")
            await expect(host.by("presenter")).to_have_attribute("data-stage", "board")
            if index == 0:
                await check(host, "presenter, the leaderboard", axe=True)
            await host.page.keyboard.press("ArrowRight")

        # ----------------------------------------------------------- the end
        await phone.expect_phase("finished")
        await expect(host.by("presenter")).to_have_attribute("data-stage", "finished")
        await expect(host.by("summary-row")).to_have_count(5)
        await check(host, "presenter, the podium and the summary", axe=True)
        await check(phone, "the podium on a phone", axe=True)
        await check(display, "display, the podium", axe=True)

        # The results file: its headers are the catalog's too.
        async with host.page.expect_download() as info:
            await host.by("results-csv").click()
        download = await info.value
        raw = await asyncio.to_thread(Path(await download.path()).read_bytes)
        header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(header) == 9, header
        assert not any(re.search("[A-Za-z]", cell) for cell in header[:4]), header
        assert header[4].startswith("⟦Ǫ1: What is the capital") and header[4].endswith("⟧"), header
        name = download.suggested_filename
        assert not re.search("[A-Za-z]", name.split("-")[0]), name

        # Removed by the host: said on the home page.
        await host.by("play-again-button").click()
        await expect(host.by("presenter")).to_have_attribute("data-stage", "lobby")
        xavier = host.by("stage").get_by_test_id("player").filter(has_text="Xavier")
        await xavier.get_by_test_id("kick-button").click()
        await phone.expect_phase("home")
        await expect(phone.by("notice")).to_be_visible()
        await check(phone, "home, removed by the host", axe=True)
        await expect(host.by("info-toast").first).to_be_visible()
        await check(host, "presenter, a toast")

        for p in (phone_host, host, phone, display):
            p.assert_clean()
    finally:
        await bots.close()


async def test_arabic_japanese_and_german_phones_with_a_french_presenter(
    start_server, browser: Browser
) -> None:
    quiz = await start_server(countdown_seconds=1)
    port = quiz.server.port
    bots = Bots(quiz.url)
    # The presenter's browser speaks French: the page follows it.
    host = await QuizPage.open(browser, "Présentateur", "1080p", locale="fr-FR")
    await host.page.add_init_script(seed_quiz(QUIZ_FR))
    # Arabic by the browser's language, Japanese by the link, German by the menu.
    sara = await QuizPage.open(browser, "سارة", "phone", locale="ar")
    sakura = await QuizPage.open(browser, "さくら", "phone")
    jurgen = await QuizPage.open(browser, "Jürgen", "phone")
    phones = {"ar": sara, "ja": sakura, "de": jurgen}
    try:
        await host.goto(port)
        await expect(host.page.locator("html")).to_have_attribute("lang", "fr")
        await choose(host, "source-mine")
        await host.by("create-name").fill("Claire")
        # The room's language is the host's page's: French.
        await expect(host.by("create-language")).to_have_value("fr")
        await host.by("create-reveal").select_option("0")
        await host.by("create-submit").click()
        await expect(host.by("presenter")).to_have_attribute("data-stage", "lobby")
        code = (await host.by("room-code").text_content() or "").strip()

        await sara.goto(port, f"/?room={code}")
        await expect(sara.page.locator("html")).to_have_attribute("dir", "rtl")
        await expect(sara.page.locator("html")).to_have_attribute("lang", "ar")
        await sakura.goto(port, f"/?room={code}&lang=ja")
        await expect(sakura.page.locator("html")).to_have_attribute("lang", "ja")
        # German from the menu: what was typed stays, and the choice is kept.
        await jurgen.goto(port, f"/?room={code}")
        await expect(jurgen.page.locator("html")).to_have_attribute("lang", "en")
        await jurgen.by("join-name").fill("Jürgen")
        await jurgen.by("lang-select").focus()
        await jurgen.by("lang-select").select_option("de")
        await expect(jurgen.page.locator("html")).to_have_attribute("lang", "de")
        await expect(jurgen.by("join-name")).to_have_value("Jürgen")
        await expect(jurgen.by("lang-select")).to_be_focused()
        await jurgen.page.reload()
        await jurgen.expect_connected()
        await expect(jurgen.page.locator("html")).to_have_attribute("lang", "de")
        assert await jurgen.page.title() != "Quiz Night"

        for tag, p in phones.items():
            await p.by("join-name").fill(p.name)
            await p.by("join-submit").click()
            await p.expect_phase("lobby")
            if tag == "de":
                # A language chosen in the menu is the player's: no offer.
                await expect(p.by("lang-offer")).to_have_count(0)
            else:
                # The room's language (French) is offered to who chose none.
                await expect(p.by("lang-offer")).to_be_visible()
                await check(p, f"lobby in {tag}, offered French", pseudo=False, latin_words=True)
                await p.by("lang-offer-no").click()
                await expect(p.by("lang-offer")).to_be_hidden()
        await bots.join(code, ["Zoë", "Mateus"], choice=0)
        await expect(host.by("player-count")).to_have_attribute("data-value", "5")
        await check(host, "presenter lobby in French", pseudo=False, axe=True)

        await host.by("start-button").click()
        for tag, p in phones.items():
            await p.expect_phase("question")
            await expect(p.by("option-1")).to_contain_text("Canberra")
            await check(p, f"a question in {tag}", pseudo=False, latin_words=tag != "de", axe=True)
            await shot(p, f"i18n-{tag}-question")
        await check(host, "a question on the presenter in French", pseudo=False, axe=True)
        await shot(host, "i18n-fr-present-question")
        # The quiz's words are the room's (French): read out in a French voice.
        await expect(sara.by("question-text")).to_have_attribute("lang", "fr")
        await expect(sara.by("option-1").locator(".option-text")).to_have_attribute("lang", "fr")
        # Right to left: the option's letter is at the right of its text.
        key = await sara.by("option-1").locator(".option-key").bounding_box()
        text = await sara.by("option-1").locator(".option-text").bounding_box()
        assert key and text and key["x"] > text["x"], (key, text)

        for p in phones.values():
            await p.by("option-1").click()
        await sara.expect_phase("reveal")
        for tag, p in phones.items():
            await expect(p.by("my-result")).to_have_attribute("data-correct", "true")
            await check(p, f"the result in {tag}", pseudo=False, latin_words=tag != "de", axe=True)
        await host.by("next-button").click()
        await expect(host.by("presenter")).to_have_attribute("data-stage", "board")
        await host.by("next-button").click()

        await expect(host.by("presenter")).to_have_attribute("data-stage", "finished")
        for tag, p in phones.items():
            await p.expect_phase("finished")
            await expect(p.by("podium-place")).to_have_count(3)
            await check(p, f"the podium in {tag}", pseudo=False, latin_words=tag != "de", axe=True)
            await shot(p, f"i18n-{tag}-podium")
        await check(host, "the podium on the presenter in French", pseudo=False, axe=True)
        await shot(host, "i18n-fr-present-podium")
        # The podium reads right to left in Arabic: first in the middle, second on the right.
        first = await sara.page.locator(".podium-place.place-1").bounding_box()
        second = await sara.page.locator(".podium-place.place-2").bounding_box()
        assert first and second and second["x"] > first["x"], (first, second)
        for p in [host, *phones.values()]:
            p.assert_clean()
    finally:
        await bots.close()


# Protocol 1.2 in play: teams, rounds, a picture question, a slider and an order.
QUIZ_12: list[dict[str, Any]] = [
    {
        "kind": "choice",
        "text": "Which flag is this?",
        "round": "Pictures",
        "options": ["France", "Italy", "Ireland", "Peru"],
        "correct": 0,
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
    {
        "kind": "order",
        "text": "Nearest the Sun first",
        "options": ["Mercury", "Venus", "Earth", "Mars"],
        "round": "Order",
    },
]


async def test_teams_rounds_slider_order_and_pictures_in_the_pseudo_locale(
    start_server, browser: Browser
) -> None:
    """The screens of protocol 1.2 in the pseudo-locale: the lobby by team
    (a player's choice, the host's players panel with teams and extra
    time), a round's title card, a question with pictures and a sound, the
    standings with teams, a slider and its histogram, an order question
    (moved by keyboard) and its answer, a round's standings, the team
    podium and a phone's team place. No untranslated text, nothing wider
    than its box, the presenter never scrolls; axe on most."""
    from tests.media_files import mp3, png
    from tests.media_helpers import stored
    from tests.play_helpers import presented_room, sort_by_keys

    quiz = await start_server(countdown_seconds=1)
    port = quiz.server.port
    up = await Player.connect(quiz.url)
    questions = [dict(q) for q in QUIZ_12]
    questions[0]["image"] = await stored(up, png(600, 400, transparent=False, seed=1), "image/png")
    questions[0]["image_alt"] = "A flag of three stripes"
    questions[0]["option_images"] = [
        await stored(up, png(300, 200, seed=s), "image/png") for s in range(4)
    ]
    questions[0]["audio"] = await stored(up, mp3(1.0), "audio/mpeg")
    await up.close()
    host, code = await presented_room(
        browser,
        quiz.url,
        port,
        lang="qps",
        gate=Gate,
        teams=["Owls", "Foxes"],
        questions=questions,
        topic="Quiz night",
        time_per_question=30,
        reveal_seconds=0,
    )
    host_gate: Gate = host.gate  # type: ignore[attr-defined]
    phone = await QuizPage.open(browser, "Xavier", "phone")
    phone_gate = await Gate.install(phone)
    await phone.goto(port, f"/?room={code}&lang=qps")
    await phone.by("join-name").fill("Xavier")
    await phone.by("join-submit").click()
    await phone.expect_phase("lobby")
    await phone.by("lang-offer-no").click()
    other = await Player.connect(quiz.url)
    await other.join(code, "Zoë")

    # The lobby: by team, a player's choice; the host's panel (opened by check()).
    await expect(phone.by("team-choice")).to_be_visible()
    await expect(host.by("team-group")).to_have_count(2)
    await host.by("manage-players").locator("summary").click()
    row = host.by("manage-players").get_by_test_id("player").filter(has_text="Xavier")
    await row.get_by_test_id("extra-time-select").select_option("1.5")
    await expect(row.get_by_test_id("extra-time-badge")).to_be_visible()
    await check(host, "presenter lobby with teams, the players panel", axe=True)
    await host.page.evaluate(CLOSE_DETAILS)
    await check(phone, "lobby with teams, a player's choice", axe=True)

    # A round's title card (held there), on both.
    for g in (host_gate, phone_gate):
        g.hold("question")
    await host.page.keyboard.press("Space")
    await asyncio.gather(host_gate.wait_held(), phone_gate.wait_held())
    await expect(host.by("round-card")).to_be_visible()
    await expect(phone.by("round-card")).to_be_visible()
    await check(host, "presenter, a round's title card")
    await check(phone, "a round's title card")
    for g in (host_gate, phone_gate):
        g.release()

    # A question with pictures and a sound.
    await phone.expect_phase("question")
    await expect(phone.by("option-image")).to_have_count(4)
    await expect(host.by("question-image")).to_be_visible()
    await check(phone, "a question with pictures", axe=True)
    await check(host, "presenter, a question with pictures")
    await phone.page.keyboard.press("1")
    await other.expect("question", question_index=0)
    await other.send("submit_answer", question_index=0, answer=1)
    await expect(host.by("presenter")).to_have_attribute("data-stage", "reveal")
    await phone.expect_phase("reveal")
    await expect(phone.by("my-team-rank")).to_be_visible()
    await check(phone, "the answer to a picture question, with my team's place")
    await check(host, "presenter, the answer to a picture question")
    await host.page.keyboard.press("Space")
    await expect(host.by("team-row")).to_have_count(2)
    await check(host, "presenter, the standings with teams")
    await host.page.keyboard.press("Space")

    # A slider.
    await phone.expect_phase("question")
    await expect(phone.by("slider-range")).to_be_visible()
    await check(phone, "a slider question", axe=True)
    await check(host, "presenter, a slider question")
    await phone.by("slider-number").fill("1974")
    await phone.by("submit-answer").click()
    await other.expect("question", question_index=1)
    await other.send("submit_answer", question_index=1, answer=1969)
    await phone.expect_phase("reveal")
    await expect(phone.by("my-result")).to_have_attribute("data-close", "true")
    await check(phone, "a slider's answer, close", axe=True)
    await check(host, "presenter, a slider's answer")
    await host.page.keyboard.press("Space")
    await host.page.keyboard.press("Space")
    await expect(host.by("presenter")).to_have_attribute("data-stage", "round")
    await phone.expect_phase("reveal")
    await expect(phone.by("round-over")).to_be_visible()
    await check(host, "presenter, a round's standings")
    await check(phone, "a round's standings", axe=True)
    await host.page.keyboard.press("Space")

    # An order, by keyboard.
    await phone.expect_phase("question", timeout=15_000)
    await expect(phone.by("order-item")).to_have_count(4)
    said = await sort_by_keys(phone, ["Mercury", "Venus", "Earth", "Mars"])
    assert said, said
    await check(phone, "an order question, moved by keyboard", axe=True)
    await check(host, "presenter, an order question")
    await phone.by("submit-answer").click()
    await other.expect("question", question_index=2)
    await other.send("submit_answer", question_index=2, answer=[0, 1, 2, 3])
    await phone.expect_phase("reveal")
    await expect(phone.by("my-result")).to_have_attribute("data-correct", "true")
    await check(phone, "an order's answer", axe=True)
    await check(host, "presenter, an order's answer")
    await host.page.keyboard.press("Space")
    await host.page.keyboard.press("Space")
    await expect(host.by("presenter")).to_have_attribute("data-stage", "round")
    await host.page.keyboard.press("Space")

    # The end: the team podium, a phone's team place.
    await expect(host.by("presenter")).to_have_attribute("data-stage", "finished")
    await expect(host.by("team-place")).to_have_count(2)
    await phone.expect_phase("finished")
    await check(host, "presenter, the team podium", axe=True)
    await check(phone, "the end with teams", axe=True)
    for p in (host, phone):
        p.assert_clean()
    await other.close()
