"""The host's editor for protocol 1.2, in headless Chromium: a picture round
built, moved as one file, and played (issues 24 and 25, the host's side).

``test_a_picture_round_goes_from_one_browser_to_another``: the host builds a
quiz in the editor: a question picture by the file picker (with its alt
text, required), one by pasting an image from the clipboard, an option
picture by the picker, one by pasting, one by dragging a file onto the
answer, a sound clip (played), a file the server refuses (said in the page's
words); a slider (its rule in a sentence, tried as a player) and an order
question (items moved, added, removed); two rounds (started, renamed, one
removed and started again). axe finds nothing serious. The host exports the
bundle (.zip: quiz.json and the media named by id, checked with Python's
zipfile and SHA-256). The server then forgets every file (as it does
MEDIA_TTL_SECONDS after their last use): the host's editor puts them back
from this browser's copies (IndexedDB). The server forgets again; a fresh
browser (no storage at all) imports the bundle, so every file comes from
the .zip and the quiz takes the ids the server answers; it creates a room
in teams (3 teams, sum, standings between rounds): the room state lists
the media and the settings; the lobby's dialog renames a team. The first
host, whose picture ids the server no longer has, creates a room: the page
puts them back first.

``test_the_editor_of_1_2_in_the_pseudo_locale``: a phone (375x812) in the
pseudo-locale: a kept quiz whose picture neither the server nor the browser
has (found before the room is asked for: the editor says so on it), the
editor with a picture, an option picture, a sound, a
slider, an order question and rounds, the upload refused, the create form
with teams on, and the lobby's teams dialog: no untranslated text, nothing
wider than its box (tests/web/page-check.js), axe clean; an upload held at
the server's answer shows its picture from its own bytes (a data: URL) and
its progress.

``test_an_upload_under_way_lands_in_the_editor_drawn_in_a_new_language``:
the language changes while a picture uploads; it lands in the editor as
drawn again, and what is typed there is kept with it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from playwright.async_api import Page, expect

from tests.browser_helpers import ROOT, QuizPage, axe_check
from tests.conftest import Harness
from tests.media_files import mp3

CHECK = (ROOT / "tests" / "web" / "page-check.js").read_text(encoding="utf-8")
QUIZ_KEY = "quiz.myquiz.v1"
MEDIA_ID = re.compile(r"^[0-9a-f]{64}$")
OPEN_DETAILS = "document.querySelectorAll('details').forEach((d) => { d.open = true; })"
TWO_FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


# ------------------------------------------------------------------ files


def picture(kind: str, size: tuple[int, int], colours: list[tuple[int, int, int]]) -> bytes:
    """A real picture made with Pillow: vertical stripes of ``colours`` (a flag)."""
    image = Image.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(image)
    width = size[0] // len(colours)
    for i, colour in enumerate(colours):
        draw.rectangle((i * width, 0, (i + 1) * width, size[1]), fill=colour)
    draw.ellipse((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, kind, **({"quality": 88} if kind == "JPEG" else {}))
    return out.getvalue()


FRANCE = picture("PNG", (600, 400), [(0, 35, 149), (255, 255, 255), (237, 41, 57)])
ITALY = picture("JPEG", (900, 600), [(0, 146, 70), (255, 255, 255), (206, 43, 55)])
IRELAND = picture("PNG", (300, 150), [(22, 155, 98), (255, 255, 255), (255, 136, 62)])
BELGIUM = picture("JPEG", (450, 390), [(0, 0, 0), (253, 218, 36), (239, 51, 64)])
MOON = picture("JPEG", (1200, 800), [(20, 20, 30), (200, 200, 190)])
GERMANY = picture("PNG", (500, 300), [(0, 0, 0), (221, 0, 0), (255, 206, 0)])
SONG = mp3(3.0)


def upload_file(name: str, mime: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data}


async def paste_file(target: Any, name: str, mime: str, data: bytes) -> None:
    """Paste a file on ``target`` as Ctrl+V does after copying an image: a
    paste event whose clipboard holds the file (and no text)."""
    await target.evaluate(
        """(el, [name, mime, b64]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], name, { type: mime }));
          el.focus();
          const init = { clipboardData: data, bubbles: true, cancelable: true };
          el.dispatchEvent(new ClipboardEvent("paste", init));
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )


async def drop_file(page: Page, target: Any, name: str, mime: str, data: bytes) -> None:
    """Drag a file from the desktop onto ``target``: dragenter, dragover, drop."""
    transfer = await page.evaluate_handle(
        """([name, mime, b64]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], name, { type: mime }));
          return data;
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )
    for event in ("dragenter", "dragover", "drop"):
        await target.dispatch_event(event, {"dataTransfer": transfer})


# ------------------------------------------------------------------ the page


class Frames:
    """Every WebSocket frame a page sends and receives, JSON decoded; a test
    waits for one by a predicate (an event, not a poll)."""

    def __init__(self, page: Page) -> None:
        self.sent: list[Any] = []
        self.received: list[Any] = []
        self.binary_sent = 0
        self._changed = asyncio.Event()
        page.on("websocket", self._socket)

    def _socket(self, ws: Any) -> None:
        ws.on("framesent", lambda payload: self._add(self.sent, payload))
        ws.on("framereceived", lambda payload: self._add(self.received, payload))

    def _add(self, into: list[Any], payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.binary_sent += into is self.sent
            return
        try:
            into.append(json.loads(payload))
        except ValueError:
            return
        self._changed.set()

    async def wait_for(
        self, into: list[Any], pred: Any, timeout: float = 10, since: int = 0
    ) -> Any:
        """The first message of ``into`` (from index ``since``) that ``pred`` holds for."""

        async def find() -> Any:
            while True:
                for message in into[since:]:
                    if pred(message):
                        return message
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)

    def uploads(self) -> int:
        return self.count("upload_media")

    def count(self, action: str) -> int:
        return sum(1 for m in self.sent if m.get("action") == action)


class HoldMedia:
    """The page's WebSocket through Playwright: while ``holding``, the
    server's ``media`` answer (and anything after it) waits for ``release()``,
    so that the page shows an upload being checked for as long as the test
    looks at it."""

    def __init__(self) -> None:
        self.holding = False
        self.queue: list[str | bytes] = []
        self.held = asyncio.Event()
        self.route: Any = None

    async def install(self, page: Page) -> None:
        def handler(ws: Any) -> None:
            self.route = ws
            ws.connect_to_server().on_message(self._from_server)

        await page.route_web_socket(re.compile(r"/ws$"), handler)

    def _from_server(self, message: str | bytes) -> None:
        kind = None
        if isinstance(message, str):
            kind = json.loads(message).get("type")
        if self.holding and (self.queue or kind == "media"):
            self.queue.append(message)
            self.held.set()
        else:
            self.route.send(message)

    def release(self) -> None:
        self.holding = False
        queued, self.queue = self.queue, []
        for message in queued:
            self.route.send(message)


def forget_media(quiz: Harness) -> None:
    """The server forgets every file, as it does MEDIA_TTL_SECONDS (a day)
    after their last use: the store and its read cache emptied."""
    media = quiz.server.media
    store = media.store
    store.entries.clear()  # type: ignore[attr-defined]  (the memory store of the tests)
    store.bytes = 0  # type: ignore[attr-defined]
    media.cache.items.clear()
    media.cache.bytes = 0
    media._refreshed.clear()


async def saved_quiz(p: QuizPage) -> dict[str, Any]:
    raw = await p.page.evaluate(f"localStorage.getItem({json.dumps(QUIZ_KEY)})")
    assert raw, f"{p.name}: no quiz saved"
    return dict(json.loads(raw))


def media_of(questions: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for q in questions:
        for media_id in [q.get("image"), q.get("audio"), *(q.get("option_images") or [])]:
            if isinstance(media_id, str) and media_id not in ids:
                ids.append(media_id)
    return ids


async def on_server(p: QuizPage, media_id: str) -> int:
    """HEAD /media/<id> from the page: the server's answer, never the browser's cache."""
    return int(
        await p.page.evaluate(
            "(id) => fetch(`/media/${id}`, { method: 'HEAD', cache: 'no-store' })"
            ".then((r) => r.status)",
            media_id,
        )
    )


async def expect_shown(image: Any) -> None:
    """An <img> that has loaded and has pixels (from the server, not a data: URL)."""
    await expect(image).to_have_attribute("src", re.compile(r"^/media/[0-9a-f]{64}$"))
    await image.evaluate(
        """(img) => new Promise((ok, no) => {
          const done = () => (img.naturalWidth ? ok(true) : no(new Error(img.src)));
          if (img.complete) done();
          else {
            img.addEventListener("load", done, { once: true });
            img.addEventListener("error", done, { once: true });
          }
        })""",
        timeout=10_000,
    )


async def open_editor(p: QuizPage) -> None:
    await p.page.locator("label[for]").filter(has_text="My own quiz").click()
    await p.by("open-editor").click()
    await expect(p.by("editor")).to_be_visible()


async def add_question(p: QuizPage, kind: str, text: str) -> Any:
    await p.by("editor-add-kind").select_option(kind)
    await p.by("editor-add").click()
    card = p.by("editor-question").last
    await expect(card).to_have_attribute("data-kind", kind)
    await card.get_by_test_id("q-text").fill(text)
    return card


async def fill_options(card: Any, options: list[str]) -> None:
    for i, option in enumerate(options):
        await card.get_by_test_id(f"q-option-{i}").fill(option)


# ------------------------------------------------------------------ the test


async def build_picture_round(host: QuizPage, tmp_path: Path) -> None:
    """Five questions in two rounds, with pictures on questions and answers,
    a sound, a slider and an order question."""
    page = host.page
    await host.by("editor-title").fill("Friday picture round")

    # 1. A flag: the picture by the file picker, its alt text; pictures on
    #    the answers by the picker, by pasting and by dropping a file.
    flags = await add_question(host, "choice", "Which country's flag is this?")
    await flags.get_by_test_id("q-image-file").set_input_files(
        upload_file("france.png", "image/png", FRANCE)
    )
    await expect_shown(flags.get_by_test_id("q-image-preview"))
    # The alt text is required: the field has the focus, and its error shows once left.
    await expect(flags.get_by_test_id("q-image-alt")).to_be_focused()
    await fill_options(flags, ["France", "Italy", "Ireland", "Belgium"])
    await flags.get_by_test_id("q-correct-0").check()
    await host.by("editor-title").focus()  # the question left: its errors show
    await expect(flags.locator("[data-field='image_alt']")).to_have_text(
        "Describe the picture, for players who can't see it."
    )
    await expect(flags.get_by_test_id("q-image-alt")).to_have_attribute("aria-invalid", "true")
    await flags.get_by_test_id("q-image-alt").fill(
        "A flag of three vertical stripes: blue, white and red"
    )
    await expect(flags.get_by_test_id("q-image-alt")).not_to_have_attribute("aria-invalid", "true")
    await flags.get_by_test_id("q-option-file-1").set_input_files(
        upload_file("italy.jpg", "image/jpeg", ITALY)
    )
    await expect_shown(flags.get_by_test_id("q-option-thumb-1"))
    await paste_file(
        flags.get_by_test_id("q-option-image-add-2"), "image.png", "image/png", IRELAND
    )
    await expect_shown(flags.get_by_test_id("q-option-thumb-2"))
    await drop_file(
        page, flags.locator("[data-option-row='3']"), "belgium.jpg", "image/jpeg", BELGIUM
    )
    await expect_shown(flags.get_by_test_id("q-option-thumb-3"))
    # A picture taken off an answer, and put back by the picker.
    await flags.get_by_test_id("q-option-image-remove-3").click()
    await expect(flags.get_by_test_id("q-option-thumb-3")).to_have_count(0)
    await flags.get_by_test_id("q-option-file-3").set_input_files(
        upload_file("belgium.jpg", "image/jpeg", BELGIUM)
    )
    await expect_shown(flags.get_by_test_id("q-option-thumb-3"))
    # A file that is no picture: refused by the server, said in the page's words.
    await flags.get_by_test_id("q-option-file-0").set_input_files(
        upload_file("notes.png", "image/png", b"these are notes, not a picture" * 50)
    )
    await expect(flags.get_by_test_id("q-option-0-image-error")).to_contain_text(
        "This file can't be used"
    )
    await expect(flags.get_by_test_id("q-option-image-add-0")).to_be_visible()

    # 2. The Moon, pasted from the clipboard, and a sound clip played.
    moon = await add_question(host, "text", "What did Apollo 11 land on?")
    await moon.get_by_test_id("q-answers").fill("The Moon\nMoon")
    await paste_file(moon.get_by_test_id("q-image-add"), "image.jpg", "image/jpeg", MOON)
    await expect_shown(moon.get_by_test_id("q-image-preview"))
    await moon.get_by_test_id("q-image-alt").fill("The Moon, grey and cratered, in a black sky")
    await moon.get_by_test_id("q-audio-file").set_input_files(
        upload_file("countdown.mp3", "audio/mpeg", SONG)
    )
    player = moon.get_by_test_id("q-audio-player")
    await expect(player).to_have_attribute("src", re.compile(r"^/media/[0-9a-f]{64}$"))
    played = await player.evaluate(
        """(a) => new Promise((ok, no) => {
          a.muted = true;
          a.addEventListener("timeupdate", () => ok(a.currentTime), { once: true });
          const failed = () => no(new Error(`audio error ${a.error && a.error.code}`));
          a.addEventListener("error", failed, { once: true });
          a.play().catch(no);
        })"""
    )
    assert played >= 0

    # 3. A slider: its rule said in a sentence, tried as a player.
    slider = await add_question(host, "slider", "In which year did Apollo 11 land on the Moon?")
    for field, value in [
        ("min", "1950"),
        ("max", "2000"),
        ("step", "1"),
        ("correct", "1969"),
        ("tolerance", "1"),
        ("margin", "5"),
    ]:
        await slider.get_by_test_id(f"q-slider-{field}").fill(value)
    await expect(slider.get_by_test_id("q-slider-summary")).to_have_text(
        "Full points within ±1, none beyond ±6."
    )
    await expect(slider.get_by_test_id("q-slider-preview")).to_have_value("1969")
    await slider.get_by_test_id("q-slider-preview").fill("1972")
    await expect(slider.get_by_test_id("q-slider-try")).to_have_text(
        "Answering 1972 scores 60% of the points."
    )
    # An answer off the slider's grid is an error on its field.
    await slider.get_by_test_id("q-slider-step").fill("5")
    await host.by("editor-title").focus()
    await expect(slider.locator("[data-field='correct']")).to_contain_text(
        "Must be one of the slider's values"
    )
    await expect(slider.get_by_test_id("q-slider-box")).to_be_hidden()
    await slider.get_by_test_id("q-slider-step").fill("1")
    await expect(slider.locator("[data-field='correct']")).to_be_hidden()

    # 4. An order question: typed out of order, put right with the buttons.
    order = await add_question(host, "order", "Nearest the Sun first")
    await expect(order.get_by_test_id("q-order-note")).to_contain_text("Players see them shuffled")
    await fill_options(order, ["Venus", "Mercury", "Earth", "Mars"])
    await order.get_by_test_id("q-item-up-1").click()
    order = host.by("editor-question").nth(3)
    await expect(order.get_by_test_id("q-option-0")).to_have_value("Mercury")
    await expect(order.get_by_test_id("q-item-down-0")).to_be_focused()  # "up" is off at the top
    await order.get_by_test_id("q-item-add").click()
    order = host.by("editor-question").nth(3)
    await expect(order.get_by_test_id("q-option-4")).to_be_focused()
    await page.keyboard.type("Jupiter")
    await order.get_by_test_id("q-item-add").click()
    order = host.by("editor-question").nth(3)
    await order.get_by_test_id("q-item-remove-5").click()
    order = host.by("editor-question").nth(3)
    await expect(order.get_by_test_id("q-item-add")).to_be_enabled()

    # 5. A poll with a picture dropped on the question itself.
    poll = await add_question(host, "poll", "Which flag do you like best?")
    await fill_options(poll, ["France", "Italy"])
    await drop_file(page, poll.get_by_test_id("q-image-slot"), "germany.png", "image/png", GERMANY)
    await expect_shown(poll.get_by_test_id("q-image-preview"))
    await poll.get_by_test_id("q-image-alt").fill("Three flags side by side")

    # Rounds: "Flags" from question 1, "Space" from question 2; one removed and started again.
    await host.by("editor-question").nth(0).get_by_test_id("q-round-add").click()
    first = host.by("editor-question").nth(0)
    await expect(first.get_by_test_id("q-round")).to_be_focused()
    await expect(first.get_by_test_id("q-round")).to_have_value("Round 1")
    await first.get_by_test_id("q-round").fill("Flags")
    await host.by("editor-question").nth(1).get_by_test_id("q-round-add").click()
    await expect(host.by("editor-round")).to_have_count(2)
    await expect(host.by("editor-question").nth(1).get_by_test_id("q-round")).to_have_value(
        "Round 2"
    )
    await host.by("editor-question").nth(1).get_by_test_id("q-round-remove").click()
    await expect(host.by("editor-round")).to_have_count(1)
    await expect(host.by("editor-round").first).to_contain_text("5 questions")
    await host.by("editor-question").nth(1).get_by_test_id("q-round-add").click()
    await host.by("editor-question").nth(1).get_by_test_id("q-round").fill("Space")
    await expect(host.by("editor-count")).to_have_text("5 questions in 2 rounds")
    await expect(host.by("editor-round").first).to_contain_text("1 question")
    # A question moved up across a round's start joins the round before.
    await host.by("editor-question").nth(1).get_by_test_id("q-down").click()
    await expect(host.by("editor-question").nth(1).get_by_test_id("q-round")).to_have_value("Space")
    await expect(host.by("editor-question").nth(1)).to_have_attribute("data-kind", "slider")
    await host.by("editor-question").nth(2).get_by_test_id("q-up").click()
    await expect(host.by("editor-question").nth(1)).to_have_attribute("data-kind", "text")


async def test_a_picture_round_goes_from_one_browser_to_another(
    start_server, browser, tmp_path: Path
) -> None:
    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    host = await QuizPage.open(browser, "Quizmaster", "desktop")
    host_frames = Frames(host.page)
    await host.goto(port)
    await open_editor(host)
    await build_picture_round(host, tmp_path)

    # Every question is ready; the quiz kept in this browser names media ids.
    await host.by("editor-done").click()
    await host.expect_phase("home")
    mine = await saved_quiz(host)
    kinds = [q["kind"] for q in mine["questions"]]
    assert kinds == ["choice", "text", "slider", "order", "poll"], kinds
    assert [q.get("round") for q in mine["questions"]] == ["Flags", "Space", None, None, None]
    assert mine["questions"][3]["options"][:5] == ["Mercury", "Venus", "Earth", "Mars", "Jupiter"]
    ids = media_of(mine["questions"])
    # France and three answers, the Moon and its sound, the poll's picture.
    assert len(ids) == 7 and all(MEDIA_ID.match(i) for i in ids), ids
    sound = mine["questions"][1]["audio"]
    # Uploads: 9 files (one refused, one taken off and put back) over one socket.
    assert host_frames.uploads() == 9
    assert host_frames.binary_sent >= 9

    await host.by("open-editor").click()
    await expect(host.by("editor-question")).to_have_count(5)
    # Taller than a screen: the whole picture question, its answers' pictures too.
    await host.page.set_viewport_size({"width": 1920, "height": 1500})
    await host.by("editor-question").first.evaluate("(el) => el.scrollIntoView()")
    await host.shot("editor-picture-round")
    await host.by("editor-question").nth(2).evaluate("(el) => el.scrollIntoView()")
    await host.shot("editor-slider")
    await host.by("editor-question").nth(3).evaluate("(el) => el.scrollIntoView()")
    await host.shot("editor-order")
    await host.page.set_viewport_size({"width": 1920, "height": 1080})
    await axe_check(host, "the editor with pictures, a slider, an order and rounds")

    # The bundle: quiz.json and each file, named by its id.
    await host.page.locator("details.more > summary").click()
    async with host.page.expect_download() as info:
        await host.by("editor-export-bundle").click()
    download = await info.value
    bundle_path = tmp_path / "friday.zip"
    await download.save_as(bundle_path)
    assert download.suggested_filename == "friday-picture-round.zip"
    await expect(host.by("editor-import-note")).to_have_text("Exported with 7 files.")
    with zipfile.ZipFile(bundle_path) as archive:
        assert archive.testzip() is None  # every CRC-32 holds
        names = archive.namelist()
        assert names[0] == "quiz.json"
        inside = json.loads(archive.read("quiz.json"))
        assert inside["title"] == "Friday picture round"
        assert media_of(inside["questions"]) == ids
        for media_id in ids:
            (name,) = [n for n in names if n.startswith(f"media/{media_id}.")]
            # Each file as the server serves it: its name is its SHA-256.
            assert hashlib.sha256(archive.read(name)).hexdigest() == media_id
        assert {n.rsplit(".", 1)[1] for n in names[1:]} == {"webp", "mp3"}

    # The server forgets every file; the editor puts them back from this browser.
    forget_media(quiz)
    assert await on_server(host, ids[0]) == 404
    await host.page.reload()
    await host.expect_connected()
    await host.by("open-editor").click()
    await expect(host.by("editor-media-note")).to_have_text(
        "7 files were put back on the server.", timeout=20_000
    )
    for media_id in media_of((await saved_quiz(host))["questions"]):
        assert await on_server(host, media_id) == 200
    assert (await saved_quiz(host))["questions"] == mine[
        "questions"
    ]  # the same originals, the same ids
    await host.by("editor-back").click()

    # A fresh browser (no localStorage, no IndexedDB) imports the bundle:
    # every file comes from it, since the server has forgotten them again.
    forget_media(quiz)
    other = await QuizPage.open(browser, "Teacher", "desktop")
    other_frames = Frames(other.page)
    await other.goto(port)
    await open_editor(other)
    await other.page.locator("details.more > summary").click()
    await other.by("editor-import-file").set_input_files(str(bundle_path))
    await expect(other.by("editor-import-note")).to_contain_text(
        "5 questions added from friday.zip. 7 files uploaded.", timeout=20_000
    )
    await expect(other.by("editor-title")).to_have_value("Friday picture round")
    await expect(other.by("editor-round")).to_have_count(2)
    await expect_shown(other.by("editor-question").first.get_by_test_id("q-option-thumb-2"))
    imported = await saved_quiz(other)
    new_ids = media_of(imported["questions"])
    assert len(new_ids) == 7
    assert sound in new_ids  # a sound keeps its id; a picture is encoded again, and its id follows
    for media_id in new_ids:
        assert await on_server(other, media_id) == 200
    assert other_frames.uploads() == 7
    await other.by("editor-done").click()
    await other.expect_phase("home")

    # Its room, in teams, standings between rounds: the room state lists the media.
    await other.by("create-name").fill("Teacher")
    await other.by("teams-on").check()
    await expect(other.by("team-name-1")).to_have_value("Blue team")
    await other.by("team-add").click()
    await expect(other.by("team-name-4")).to_be_focused()
    await other.by("team-remove-4").click()
    await other.by("team-name-2").fill("blue TEAM")
    await other.by("create-submit").click()
    await expect(other.by("team-name-2")).to_have_attribute("aria-invalid", "true")
    await other.by("team-name-2").fill("The Owls")
    await other.by("team-remove-3").click()
    await other.page.locator("label[for]").filter(has_text="Its players' points added up").click()
    await other.page.locator("label[for]").filter(has_text="Only between rounds").click()
    await other.shot("create-teams")
    await other.by("create-submit").click()
    created = await other_frames.wait_for(
        other_frames.received, lambda m: m.get("type") == "room_created"
    )
    room = created["room"]
    assert room["media"] == new_ids, (room["media"], new_ids)
    assert room["settings"]["teams"] == ["Red team", "Blue team", "The Owls"]
    assert room["settings"]["team_score"] == "sum"
    assert room["settings"]["leaderboard"] == "round"
    sent = next(m for m in other_frames.sent if m.get("action") == "create_room")
    assert [q.get("round") for q in sent["questions"]] == ["Flags", "Space", None, None, None]
    # The lobby's dialog: a team renamed.
    await other.by("teams-dialog-button").click()
    dialog = other.by("teams-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_test_id("teams-on")).to_be_checked()
    await dialog.get_by_test_id("team-name-2").fill("The Foxes")
    await dialog.get_by_test_id("teams-dialog-save").click()
    await expect(dialog).to_have_count(0)
    await other_frames.wait_for(
        other_frames.received,
        lambda m: (
            m.get("type") == "room_state" and m["room"]["settings"]["teams"][2:] == ["The Foxes"]
        ),
    )

    # The first host's pictures are gone from the server (the other browser's
    # were encoded again, and most have other ids): creating the room puts
    # them back first.
    uploads_before = host_frames.uploads()
    gone = [media_id for media_id in ids if media_id not in new_ids]
    assert gone, "every picture kept its id through the bundle: nothing to put back"
    for media_id in gone:
        assert await on_server(host, media_id) == 404
    await host.by("create-name").fill("Quizmaster")
    await host.by("create-submit").click()
    created = await host_frames.wait_for(
        host_frames.received, lambda m: m.get("type") == "room_created", timeout=20
    )
    assert created["room"]["media"] == ids
    assert host_frames.uploads() - uploads_before == len(gone)
    assert host_frames.count("create_room") == 1  # put back before the room was asked for

    # Once more, and this time the server says it still has them when asked
    # (a HEAD its read cache answers for an item the store has just dropped):
    # create_room is refused, the page puts every file back and asks again,
    # and no error is shown.
    await host.by("leave-button").click()
    await host.expect_phase("home")
    forget_media(quiz)
    asked: set[str] = set()

    async def still_there_once(route: Any) -> None:
        media_id = route.request.url.rsplit("/", 1)[1]
        if route.request.method == "HEAD" and media_id not in asked:
            asked.add(media_id)
            await route.fulfill(status=200, headers={"Content-Type": "image/webp"})
        else:
            await route.continue_()

    await host.page.route(re.compile(r"/media/[0-9a-f]{64}$"), still_there_once)
    uploads_before = host_frames.uploads()
    received_before = len(host_frames.received)
    await host.by("create-name").fill("Quizmaster")
    await host.by("create-submit").click()
    refused = await host_frames.wait_for(
        host_frames.received, lambda m: m.get("type") == "error", since=received_before
    )
    assert refused["code"] == "bad_message" and "no media" in refused["message"], refused
    created = await host_frames.wait_for(
        host_frames.received,
        lambda m: m.get("type") == "room_created",
        timeout=20,
        since=received_before,
    )
    assert created["room"]["media"] == ids
    assert host_frames.uploads() - uploads_before == len(ids)
    assert host_frames.count("create_room") == 3
    assert asked == set(ids)
    await expect(host.by("error-toast")).to_have_count(0)
    for p in (host, other):
        p.assert_clean()


async def test_the_editor_of_1_2_in_the_pseudo_locale(start_server, browser) -> None:
    quiz = await start_server(countdown_seconds=0)
    port = quiz.server.port
    phone = await QuizPage.open(browser, "Yuki", "phone")
    hold = HoldMedia()
    await hold.install(phone.page)
    await phone.goto(port, "/?lang=qps")
    await expect(phone.page.locator("html")).to_have_attribute("lang", "en-XA")

    async def check(where: str, axe: bool = True) -> None:
        await phone.page.evaluate(OPEN_DETAILS)
        await phone.page.evaluate(TWO_FRAMES)
        found = await phone.page.evaluate(f"({CHECK})", {"pseudo": True, "latinWords": False})
        assert not found, f"{where}:\n" + "\n".join(found)
        if axe:
            await axe_check(phone, where)

    # The create form with teams on, and its errors.
    await phone.by("teams-on").check()
    await phone.by("team-name-0").fill("")
    await phone.by("create-name").fill("Yuki")
    await phone.by("create-submit").click()
    await expect(phone.by("team-name-0")).to_have_attribute("aria-invalid", "true")
    await check("the create form, teams on, a team without a name")
    await phone.by("team-name-0").fill("Owls")

    # A quiz kept here whose picture neither the server nor this browser has:
    # creating the room opens the editor, which says so on the picture.
    lost = {
        "title": "Lost",
        "questions": [
            {
                "kind": "choice",
                "text": "Which flag?",
                "options": ["France", "Italy"],
                "correct": 0,
                "image": "e" * 64,
                "image_alt": "A flag",
            }
        ],
    }
    await phone.page.evaluate(
        "([key, quiz]) => localStorage.setItem(key, JSON.stringify(quiz))", [QUIZ_KEY, lost]
    )
    await phone.page.reload()
    await phone.expect_connected()
    await phone.by("source-mine").evaluate("(radio) => radio.labels[0].click()")
    await phone.by("create-name").fill("Yuki")
    await phone.by("create-submit").click()
    await expect(phone.by("editor")).to_be_visible()
    await expect(phone.by("editor-summary")).to_be_visible()
    # Found before the room was asked for: no refusal of the server to name.
    await expect(phone.by("editor-summary")).not_to_contain_text("questions[0]")
    await expect(phone.by("q-image-missing")).to_be_visible()
    await check("a quiz whose picture is gone")
    await phone.by("editor-question").first.get_by_test_id("q-delete").click()
    await expect(phone.by("editor-question")).to_have_count(0)

    # The editor: every new part, an upload refused.
    for kind in ("choice", "slider", "order", "text"):
        await phone.by("editor-add-kind").select_option(kind)
        await phone.by("editor-add").click()
    choice = phone.by("editor-question").nth(0)
    # An upload being checked: the picture at once, from its own bytes (a
    # data: URL, which the page's CSP allows), the progress and what it waits for.
    hold.holding = True
    await choice.get_by_test_id("q-image-file").set_input_files(
        upload_file("france.png", "image/png", FRANCE)
    )
    await asyncio.wait_for(hold.held.wait(), 10)
    await expect(choice.get_by_test_id("q-image-status")).to_have_text(
        re.compile(r"^⟦Çĥééçķîîñĝ ţĥéé þîîçţûûŕéé…")
    )
    await expect(choice.locator(".ed-upload img")).to_have_attribute(
        "src", re.compile(r"^data:image/png;base64,")
    )
    progress = choice.get_by_test_id("q-image-progress")
    await expect(progress).to_have_attribute("max", str(len(FRANCE)))
    await check("an upload being checked", axe=False)
    hold.release()
    await expect_shown(choice.get_by_test_id("q-image-preview"))
    await choice.get_by_test_id("q-option-file-1").set_input_files(
        upload_file("italy.jpg", "image/jpeg", ITALY)
    )
    await expect_shown(choice.get_by_test_id("q-option-thumb-1"))
    await choice.get_by_test_id("q-audio-file").set_input_files(
        upload_file("song.mp3", "audio/mpeg", SONG)
    )
    await expect(choice.get_by_test_id("q-audio-player")).to_be_visible()
    await choice.get_by_test_id("q-option-file-2").set_input_files(
        upload_file("notes.png", "image/png", b"not a picture at all" * 80)
    )
    await expect(choice.get_by_test_id("q-option-2-image-error")).to_be_visible()
    await phone.by("editor-question").nth(1).get_by_test_id("q-round-add").click()
    await phone.by("editor-question").nth(0).get_by_test_id("q-round-add").click()
    await phone.by("editor-done").click()
    await expect(phone.by("editor-summary")).to_be_visible()
    await check("the editor of 1.2, with its errors")
    await phone.by("editor-back").click()

    # The lobby's teams dialog (a room of bank questions).
    await phone.by("source-generated").evaluate("(radio) => radio.labels[0].click()")
    await phone.by("create-name").fill("Yuki")
    await phone.by(
        "create-host-plays"
    ).check()  # a phone plays: the presenter's screen is a projector's
    await phone.by("create-num-questions").fill("1")
    await phone.by("create-submit").click()
    await phone.expect_phase("lobby")
    await phone.by("teams-dialog-button").click()
    await expect(phone.by("teams-dialog")).to_be_visible()
    await check("the lobby's teams and standings dialog")
    await phone.by("teams-dialog-cancel").click()
    await expect(phone.by("teams-dialog")).to_have_count(0)
    phone.assert_clean()


async def test_an_upload_under_way_lands_in_the_editor_drawn_in_a_new_language(
    start_server, browser
) -> None:
    """The page draws the editor again when the language changes: a picture
    whose upload was under way lands in the new view and stays in the quiz
    (the old view's copy does not overwrite what is typed in the new one)."""
    quiz = await start_server(countdown_seconds=0)
    host = await QuizPage.open(browser, "Quizmaster", "desktop")
    hold = HoldMedia()
    await hold.install(host.page)
    await host.goto(quiz.server.port)
    await open_editor(host)
    card = await add_question(host, "choice", "Which country's flag is this?")
    hold.holding = True
    await card.get_by_test_id("q-image-file").set_input_files(
        upload_file("france.png", "image/png", FRANCE)
    )
    await asyncio.wait_for(hold.held.wait(), 10)
    await host.by("lang-select").select_option("fr")
    await expect(host.by("editor-add")).to_have_text("Ajouter une question")
    card = host.by("editor-question").first
    await expect(card.get_by_test_id("q-image-status")).to_have_text("Vérification de l'image…")
    hold.release()
    await expect_shown(card.get_by_test_id("q-image-preview"))
    await card.get_by_test_id("q-image-alt").fill("Un drapeau bleu, blanc, rouge")
    await card.get_by_test_id("q-option-0").fill("France")
    saved = (await saved_quiz(host))["questions"][0]
    assert MEDIA_ID.match(saved["image"]), saved
    assert saved["image_alt"] == "Un drapeau bleu, blanc, rouge"
    assert saved["options"][0] == "France"
    host.assert_clean()
