"""Helpers for the browser tests (tests/test_browser.py): finding Chromium,
pages that fail on any dialog or script error, and game steps by test id.

Everything is found through the client's data-testid hooks (listed in the
header comment of web/app.js) and waited for with Playwright's auto-waiting
expectations, never with fixed sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Dialog, Page, Playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from quiz.llm.bank import Bank

ROOT = Path(__file__).resolve().parent.parent
# Screenshots go to test-artifacts/screenshots; UPDATE_SCREENSHOTS=1 refreshes the
# README's copies in docs/screenshots; $SCREENSHOT_DIR sends them anywhere else.
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR")
    # The README's copies are refreshed on purpose, not by every test run.
    or (ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else None)
    or ROOT / "test-artifacts" / "screenshots"
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    # The pages open http://quiz.test:PORT/ (not 127.0.0.1): the lobby then
    # looks as it does on a real deployment, without the "this page was opened
    # as localhost" hint, in the screenshots too.
    "--host-resolver-rules=MAP quiz.test 127.0.0.1",
]
HOSTNAME = "quiz.test"

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1920, "height": 1080}}
SIZES: dict[str, dict[str, Any]] = {
    "phone": PHONE,
    "desktop": DESKTOP,
    "1080p": DESKTOP,
    "720p": {"viewport": {"width": 1280, "height": 720}},
}

# Long enough for a reconnect with backoff, short enough to fail fast.
WAIT_MS = 10_000


def find_chromium(playwright: Playwright) -> str:
    """The Chromium to drive: $CHROMIUM, Debian's, or Playwright's own download.

    No browser is a failure, never a skip: a suite that silently skips its
    browser tests looks green while testing nothing.
    """
    chosen = os.environ.get("CHROMIUM", "").strip()
    if chosen:
        if Path(chosen).is_file() and os.access(chosen, os.X_OK):
            return chosen
        pytest.fail(f"$CHROMIUM={chosen!r} is not an executable file", pytrace=False)
    candidates = [
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
        "/usr/bin/chromium",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    with contextlib.suppress(Exception):
        bundled = playwright.chromium.executable_path
        if bundled and Path(bundled).is_file():
            return bundled
    pytest.fail(
        "no Chromium for the browser tests: install it (apt-get install chromium, or "
        "python -m playwright install chromium) or point $CHROMIUM at a Chromium binary",
        pytrace=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def url_for(port: int, path: str = "/") -> str:
    return f"http://{HOSTNAME}:{port}{path}"


_ANSWERS: dict[str, set[str]] | None = None


def correct_options() -> dict[str, set[str]]:
    """Question text -> the text of its correct option, from the bundled bank.

    The test servers draw every question from the bank (no GROQ_API_KEY), with
    the options shuffled: the correct option is found by its text.
    """
    global _ANSWERS
    if _ANSWERS is None:
        answers: dict[str, set[str]] = {}
        for category in Bank.load().categories.values():
            for question, _level in category.questions:
                answers.setdefault(question.text, set()).add(
                    question.options[question.correct[0]]
                )
        _ANSWERS = answers
    return _ANSWERS


def bank_question() -> dict[str, Any]:
    """A question of the bank in the quiz format (its answer is then known to
    ``correct_options`` like any bank question)."""
    category = next(iter(Bank.load().categories.values()))
    question, _level = category.questions[0]
    return {
        "kind": "choice",
        "text": question.text,
        "options": list(question.options),
        "correct": question.correct,
    }


@dataclass
class QuizPage:
    """One browser context and page: one player. Any dialog (alert, confirm)
    or uncaught script error is recorded; tests assert there were none."""

    name: str
    page: Page
    size: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialog_seen: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    async def open(
        cls, browser: Browser, name: str, size: str = "desktop", locale: str | None = None
    ) -> QuizPage:
        """``locale``: the browser's language (navigator.languages), e.g. "ar";
        by default the browser's own (English)."""
        extra: dict[str, Any] = {"locale": locale} if locale else {}
        context = await browser.new_context(accept_downloads=True, **SIZES[size], **extra)
        page = await context.new_page()
        qp = cls(name=name, page=page, size=size)
        page.on("dialog", qp._on_dialog)
        page.on("pageerror", lambda exc: qp.errors.append(f"{exc}\n{exc.stack}"))
        return qp

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        self.dialog_seen.set()
        task = asyncio.ensure_future(dialog.dismiss())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    # Navigation and the home screen.

    async def goto(self, port: int, path: str = "/") -> None:
        await self.page.goto(url_for(port, path))
        await self.expect_connected()

    async def create_room(
        self,
        topic: str = "space",
        *,
        host_plays: bool = True,
        own_quiz: bool = False,
        show_text: bool = True,
        **settings: int,
    ) -> str:
        """Fill the host form and create; returns the room code.

        The test servers have no Groq key: the form offers the bank's
        categories, and ``topic`` picks the one of that name (any other
        topic: a mix). ``own_quiz``: play the quiz saved in the editor.
        """
        await expect(self.by("phase")).to_have_attribute("data-phase", "home")
        await self.by("create-name").fill(self.name)
        if own_quiz:
            await self.page.locator("label[for]").filter(has_text="My own quiz").click()
        else:
            await self.page.locator("label[for]").filter(has_text="Questions for me").click()
            await expect(self.by("no-llm-note")).to_be_visible()
            labels = await self.by("create-category").locator("option").all_text_contents()
            match = [label for label in labels if label.lower() == topic.lower()]
            if match:
                await self.by("create-category").select_option(label=match[0])
        if host_plays:
            await self.by("create-host-plays").check()
        if not show_text:
            await self.page.locator("details.more > summary").click()
            await self.by("create-show-text").uncheck()
        fields = {
            "num_questions": "create-num-questions",
            "time_per_question": "create-time",
            "reveal_seconds": "create-reveal",
        }
        for key, value in settings.items():
            field_ = self.by(fields[key])
            if key == "num_questions":
                await field_.fill(str(value))
            else:
                await field_.select_option(str(value))
        await self.by("create-submit").click()
        await self.expect_phase("lobby")
        return (await self.by("room-code").text_content() or "").strip()

    async def join_by_link(self, port: int, code: str) -> None:
        """Open the invite link (/?room=CODE), as a friend would, and join."""
        await self.goto(port, f"/?room={code}")
        await expect(self.by("join-code")).to_have_value(code)
        await self.by("join-name").fill(self.name)
        await self.by("join-submit").click()
        await self.expect_phase("lobby")

    # Waiting.

    async def expect_phase(self, phase: str, timeout: float = WAIT_MS) -> None:
        # Checked on every animation frame: expect() polls at 100 ms to 1 s,
        # which adds up over a game of phase changes.
        # On a time-out the expectation below fails with a readable message.
        with contextlib.suppress(PlaywrightTimeoutError):
            await self.page.wait_for_function(
                "(phase) => document.querySelector(\"[data-testid='phase']\")?.dataset.phase"
                " === phase",
                arg=phase,
                polling="raf",
                timeout=timeout,
            )
        await expect(self.by("phase")).to_have_attribute("data-phase", phase, timeout=1)

    async def expect_connected(self, timeout: float = WAIT_MS) -> None:
        await expect(self.by("connection-status")).to_have_attribute(
            "data-state", "connected", timeout=timeout
        )

    async def expect_question(self, index: int, timeout: float = WAIT_MS) -> None:
        await self.expect_phase("question", timeout)
        await expect(self.by("question-counter")).to_contain_text(
            re.compile(rf"^Question {index + 1} of \d+$"), timeout=timeout
        )

    # Playing.

    async def options(self) -> list[str]:
        return await self.page.locator("[data-testid^='option-'] .option-text").all_text_contents()

    async def correct_index(self) -> int:
        text = (await self.by("question-text").text_content() or "").strip()
        right = correct_options().get(text)
        assert right, f"question not in the bank: {text!r}"
        options = await self.options()
        matches = [i for i, option in enumerate(options) if option in right]
        assert len(matches) == 1, (text, options, right)
        return matches[0]

    async def answer(self, correct: bool) -> int:
        """Click the right (or a wrong) option; wait until the server locked it in."""
        right = await self.correct_index()
        index = right if correct else (right + 1) % len(await self.options())
        await self.by(f"option-{index}").click()
        # Locked in, or (the last answer closes the question) already revealed.
        await self.page.wait_for_function(
            "(i) => document.querySelector(`[data-testid='option-${i}'][data-locked='true']`)"
            " || document.querySelector(\"[data-testid='phase']\").dataset.phase !== 'question'",
            arg=index,
            timeout=WAIT_MS,
        )
        return index

    async def score(self) -> int:
        """The score in the strip above the game."""
        return int(await self.by("gamebar-score").get_attribute("data-value") or "-1")

    async def player_id(self) -> str:
        session = await self.page.evaluate("sessionStorage.getItem('quiz.session.v1')")
        assert session, f"{self.name}: no saved seat"
        return str(json.loads(session)["player_id"])

    async def board(self) -> dict[str, int]:
        """player_id -> score, from the leaderboard on screen."""
        rows = self.by("leaderboard").first.get_by_test_id("leaderboard-row")
        out: dict[str, int] = {}
        for row in await rows.all():
            out[await row.get_attribute("data-player-id") or ""] = int(
                await row.get_attribute("data-score") or "-1"
            )
        return out

    async def shot(self, name: str, *, blur: bool = True) -> Path:
        """docs/screenshots/<name>-<size>.png (folder made if need be), the
        viewport as a player sees it."""
        path = SCREENSHOTS / f"{name}-{self.size}.png"
        # Focus rings on the headings the views focus are for keyboards, not pictures.
        if blur:
            await self.page.evaluate("document.activeElement && document.activeElement.blur()")
        await self.page.screenshot(path=path, animations="disabled", caret="hide")
        return path

    def assert_clean(self) -> None:
        assert not self.dialogs, f"{self.name}: dialogs opened: {self.dialogs}"
        assert not self.errors, f"{self.name}: script errors: {self.errors}"


_AXE: Any = None


async def axe_check(p: QuizPage, where: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    global _AXE
    if _AXE is None:
        from axe_playwright_python.async_playwright import Axe

        _AXE = Axe()
    results = await _AXE.run(p.page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(str(n.get("target")) for n in v.get("nodes", [])[:3])
        for v in results.response.get("violations", [])
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"{p.name} {where}: " + "\n".join(bad)


async def assert_fits(p: QuizPage, where: str) -> None:
    """The page is exactly the viewport: nothing to scroll, either way."""
    size = await p.page.evaluate(
        "() => [document.documentElement.scrollHeight, innerHeight,"
        " document.documentElement.scrollWidth, innerWidth]"
    )
    assert size[0] == size[1] and size[2] == size[3], f"{p.name} {where}: {size}"
