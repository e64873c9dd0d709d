"""A local HTTP server playing Groq's ``/openai/v1/chat/completions``, for tests.

It runs in the test's own event loop (``asyncio.start_server``, a small
HTTP/1.1 handler), so the real ``groq`` SDK and httpx talk to it over real
sockets, and a test that measures the loop's responsiveness measures the
whole path.

Use it as an async context manager::

    async with FakeGroq(questions_reply(sample_questions(5))) as fake:
        source = QuestionSource(api_key="test-key", base_url=fake.base_url, ...)

or through the ``fake_groq`` fixture (``from fake_groq import fake_groq`` in
a test module or conftest). Script what it answers with :meth:`FakeGroq.script`
(one reply per request, in order), ``fake.default`` (the reply once the script
is used up) or ``fake.responder`` (a function of the request).

Verification requests (the blind answering of generated questions: a user
message with a ``questions`` list) are kept apart: they land in
``fake.verifications``, not ``fake.requests``, and are answered from
:meth:`FakeGroq.script_verify`, else ``fake.verifier``, else like a model
that agrees with itself: each question gets the index of the option that the
fake's own earlier reply marked correct, and each slider (a question with
``min``/``max``/``step`` instead of options) the value it gave as correct
(``verify_delay`` seconds late).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest_asyncio

CHAT_PATH = "/openai/v1/chat/completions"


@dataclass(frozen=True, slots=True)
class Request:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.json().get("messages", []))

    def user_data(self) -> dict[str, Any]:
        """The user message parsed as JSON (how QuestionSource sends its request)."""
        user = [m for m in self.messages if m.get("role") == "user"]
        return dict(json.loads(user[-1]["content"]))

    @property
    def is_verification(self) -> bool:
        """Whether this asks the model to answer questions rather than write them."""
        try:
            return "questions" in self.user_data()
        except (ValueError, KeyError, IndexError, TypeError):
            return False


@dataclass(frozen=True, slots=True)
class Reply:
    """What the fake answers to one request.

    ``delay`` waits before the status line; ``trickle`` > 0 sends the body
    ``chunk`` bytes at a time with that many seconds between chunks; ``hang``
    never answers at all (the connection stays open until the fake closes).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    trickle: float = 0.0
    chunk: int = 1
    hang: bool = False


HANG = Reply(hang=True)

Responder = Callable[[Request], "Reply | Awaitable[Reply]"]


def completion(content: str, *, model: str = "openai/gpt-oss-20b", **reply: Any) -> Reply:
    """A 200 chat completion whose message content is ``content``."""
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
    return Reply(body=json.dumps(body).encode(), **reply)


def sample_questions(count: int, prefix: str = "Fake question") -> list[dict[str, Any]]:
    """``count`` distinct valid questions in the model's JSON shape, correct always 0.

    Their right options ("right0", "right1", ...) differ from each other, and
    from those of another ``prefix``, so no two of them give each other away.
    """
    tag = "" if prefix == "Fake question" else "".join(c for c in prefix.lower() if c.isalnum())
    return [
        {
            "kind": "choice",
            "text": f"{prefix} number {i}?",
            "options": [f"right{i}{tag}", f"wrong{i}a", f"wrong{i}b", f"wrong{i}c"],
            "correct": 0,
            "explanation": f"Because {i} is right.",
        }
        for i in range(count)
    ]


def sample_slider(
    text: str = "In what year did the first crewed Moon landing happen?",
    *,
    low: float = 1900,
    high: float = 2000,
    step: float = 1,
    correct: float = 1969,
    **fields: Any,
) -> dict[str, Any]:
    """A slider in the model's JSON shape (every field of the schema), valid
    unless ``fields`` or the numbers say otherwise: 100 steps, so the server's
    tolerance is 2 steps."""
    item = {
        "kind": "slider",
        "text": text,
        "options": [],
        "correct": correct,
        "min": low,
        "max": high,
        "step": step,
        "explanation": "Apollo 11 landed on 20 July 1969.",
    }
    item.update(fields)
    return item


def questions_reply(questions: list[dict[str, Any]], **reply: Any) -> Reply:
    """A completion whose content is ``{"questions": questions}``."""
    return completion(json.dumps({"questions": questions}), **reply)


def answers_reply(answers: list[float], **reply: Any) -> Reply:
    """A verification completion answering question ``i`` with ``answers[i]``
    (an option index, or a slider's number)."""
    content = {"answers": [{"id": i, "answer": a} for i, a in enumerate(answers)]}
    return completion(json.dumps(content), **reply)


def error_reply(
    status: int, message: str, *, headers: tuple[tuple[str, str], ...] = (), **reply: Any
) -> Reply:
    """An error in Groq's shape: ``{"error": {"message", "type", "code"}}``."""
    body = {"error": {"message": message, "type": "invalid_request_error", "code": str(status)}}
    return Reply(status=status, body=json.dumps(body).encode(), headers=headers, **reply)


@dataclass
class FakeGroq:
    """The fake endpoint on 127.0.0.1 and a free port; see the module docstring."""

    default: Reply = field(default_factory=lambda: questions_reply(sample_questions(5)))
    responder: Responder | None = None
    verifier: Responder | None = None
    verify_delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    verifications: list[Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    # question text -> the text of the option the fake's replies marked correct
    keys: dict[str, str] = field(default_factory=dict)
    # slider question text -> the value the fake's replies gave as correct
    values: dict[str, float] = field(default_factory=dict)
    _queue: deque[Reply] = field(default_factory=deque)
    _verify_queue: deque[Reply] = field(default_factory=deque)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    port: int = 0

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` / GROQ_BASE_URL (the SDK adds the path)."""
        return f"http://127.0.0.1:{self.port}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order, before ``default``."""
        self._queue.extend(replies)

    def script_verify(self, *replies: Reply) -> None:
        """Answer the next verification requests with ``replies``, in order."""
        self._verify_queue.extend(replies)

    async def start(self) -> FakeGroq:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and end every connection, hanging ones included."""
        self._closing.set()
        if self._server is not None:
            self._server.close()
        # On Python 3.11 Server.wait_closed() does not wait for connection
        # handlers, so end them here.
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> FakeGroq:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def wait_for_requests(self, count: int) -> None:
        """Return once ``count`` question-writing requests have been received."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.requests) >= count)

    async def _reply_for(self, request: Request) -> Reply:
        if request.is_verification:
            return await self._verify_reply(request)
        if self._queue:
            reply = self._queue.popleft()
        elif self.responder is not None:
            answer = self.responder(request)
            reply = answer if isinstance(answer, Reply) else await answer
        else:
            reply = self.default
        self._remember(reply)
        return reply

    def _remember(self, reply: Reply) -> None:
        """Note the key of every question in a reply, to answer its verification."""
        try:
            content = json.loads(reply.body)["choices"][0]["message"]["content"]
            items = json.loads(content)["questions"]
        except (ValueError, KeyError, IndexError, TypeError):
            return  # an error or a broken reply: nothing to remember
        for item in items:
            try:
                if isinstance(item, dict) and item.get("kind") == "slider":
                    self.values[item["text"].strip()] = item["correct"]
                else:
                    self.keys[item["text"].strip()] = item["options"][item["correct"]]
            except (KeyError, IndexError, TypeError, AttributeError):
                continue  # a broken question: the server drops it anyway

    async def _verify_reply(self, request: Request) -> Reply:
        if self._verify_queue:
            return self._verify_queue.popleft()
        if self.verifier is not None:
            answer = self.verifier(request)
            return answer if isinstance(answer, Reply) else await answer
        answers: list[float] = []
        for item in request.user_data()["questions"]:
            text = item["text"].strip()
            if "options" not in item:  # a slider
                answers.append(self.values.get(text, item["min"]))
                continue
            key = self.keys.get(text)
            options = item["options"]
            answers.append(options.index(key) if key in options else 0)
        return answers_reply(answers, delay=self.verify_delay)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            while not self._closing.is_set():
                request = await _read_request(reader)
                if request is None:
                    return
                if request.path == CHAT_PATH and request.is_verification:
                    self.verifications.append(request)
                else:
                    self.requests.append(request)
                async with self._changed:
                    self._changed.notify_all()
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    if request.path != CHAT_PATH:
                        reply = error_reply(404, f"unknown path {request.path}")
                    else:
                        reply = await self._reply_for(request)
                    await self._send(reader, writer, reply)
                finally:
                    self.in_flight -= 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away, as it does when its deadline expires
        except asyncio.CancelledError:
            # close() cancels us. Ending normally rather than as cancelled
            # keeps asyncio's stream callback (3.11) from logging an error.
            if not self._closing.is_set():
                raise
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _send(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, reply: Reply
    ) -> None:
        if reply.hang or reply.delay:
            # Hang (until the fake closes) or wait out the simulated latency,
            # but stop as soon as the client hangs up, so that `in_flight`
            # counts only requests a client is still waiting for.
            waiting = asyncio.create_task(
                self._closing.wait() if reply.hang else asyncio.sleep(reply.delay)
            )
            gone = asyncio.create_task(reader.read(1))  # b"" at the client's EOF
            try:
                await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiting.cancel()
                gone.cancel()
                await asyncio.gather(waiting, gone, return_exceptions=True)
            if reply.hang or (gone.done() and not gone.cancelled()):
                raise ConnectionResetError("the client hung up")
        phrase = HTTPStatus(reply.status).phrase
        head = [
            f"HTTP/1.1 {reply.status} {phrase}",
            "content-type: application/json",
            f"content-length: {len(reply.body)}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        if reply.trickle <= 0:
            writer.write(reply.body)
            await writer.drain()
            return
        await writer.drain()
        for start in range(0, len(reply.body), max(reply.chunk, 1)):
            writer.write(reply.body[start : start + max(reply.chunk, 1)])
            await writer.drain()
            await asyncio.sleep(reply.trickle)


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    """One HTTP/1.1 request with a Content-Length body; None at a clean end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, path, headers, body)


@pytest_asyncio.fixture
async def fake_groq() -> AsyncIterator[FakeGroq]:
    """A started :class:`FakeGroq`, closed after the test."""
    async with FakeGroq() as fake:
        yield fake
