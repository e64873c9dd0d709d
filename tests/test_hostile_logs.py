"""Logs under hostile input: no forged fields, one line per misbehaving
connection, no token or name at any level, the socket peer as ``peer``."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed

from quiz.ops.logs import setup_logging
from tests.conftest import Harness, StartServer
from tests.test_hostile_text import room_plays
from tests.test_ws_errors import still_works


class Captured:
    """What the server's own log handler wrote."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """Log exactly as quiz_server.py does (LOG_FORMAT=text, DEBUG) into memory."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    quiet = {n: logging.getLogger(n).level for n in ("websockets", "httpx")}
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)  # setup_logging's handler writes here
    setup_logging("DEBUG", "text", "test")
    yield Captured(stream)
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, value in quiet.items():
        logging.getLogger(name).setLevel(value)


async def test_text_logs_quote_values_so_fields_cannot_be_forged(
    quiz: Harness, logs: Captured
) -> None:
    host = await quiz.player()
    await host.create("Host", topic="x room=FAKE1 level=CRITICAL")
    lines = [line for line in logs.lines() if "room created" in line]
    assert len(lines) == 1, lines
    assert 'topic="x room=FAKE1 level=CRITICAL"' in lines[0]
    # Outside quoted values, the only room= field is the real one.
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', lines[0])
    assert re.findall(r"\broom=(\S+)", bare) == [host.room_id]
    assert "level=" not in bare


async def test_a_flood_of_bad_frames_makes_a_few_lines_not_hundreds(
    start_server: StartServer, logs: Captured
) -> None:
    quiz = await start_server(rate_limit_per_second=5, rate_limit_burst=10)
    player = await quiz.player()
    with contextlib.suppress(ConnectionClosed):  # closed for flooding midway
        for _ in range(920):
            await player.send_raw("not json")
    assert await player.closed() == 1008
    await still_works(quiz)
    conn = [line for line in logs.lines() if "quiz." in line and "conn=" in line]
    tags = {re.search(r"conn=(\w+)", line).group(1) for line in conn}  # type: ignore[union-attr]
    per_tag = {tag: [line for line in conn if f"conn={tag}" in line] for tag in tags}
    worst = max(per_tag.values(), key=len)
    # open, first bad_json, first rate_limited, closing for flooding, closed.
    assert len(worst) <= 5, worst
    closed = [line for line in worst if "connection closed" in line]
    assert "errors=" in closed[0] and "bad_json:" in closed[0], closed


async def test_no_token_or_name_in_the_logs_even_at_debug(quiz: Harness, logs: Captured) -> None:
    host = await quiz.player()
    await host.create("Zebulon", num_questions=1)
    guest = await quiz.player()
    await guest.join(host.room_id, "Quintessa")
    token = guest.token
    assert token is not None
    await guest.close()
    back = await quiz.player()
    await back.rejoin(host.room_id, token)
    await room_plays(host, back)
    text = "\n".join(logs.lines())
    assert "connection open" in text  # the capture works
    for secret in (token, host.token, "Zebulon", "Quintessa"):
        assert secret is not None and secret not in text, secret


async def test_forwarded_for_is_logged_apart_from_the_peer(
    start_server: StartServer, logs: Captured
) -> None:
    quiz = await start_server()
    await quiz.player(additional_headers={"X-Forwarded-For": "6.6.6.6"})
    opened = [line for line in logs.lines() if "quiz.net.server: connection open" in line]
    assert len(opened) == 1
    assert "peer=127.0.0.1:" in opened[0]
    assert "forwarded_for=6.6.6.6" in opened[0]
    assert "client=" not in opened[0]  # not trusted: limits use the peer


async def test_json_logs_survive_text_that_is_not_unicode() -> None:
    from quiz.ops.logs import JsonFormatter

    record = logging.makeLogRecord({"msg": "m", "levelname": "INFO", "topic": "a\udc00b"})
    line = JsonFormatter("test").format(record)
    line.encode("utf-8")  # would raise on a lone surrogate
    assert "\\udc00" in line and json.loads(line)["topic"] == "a\udc00b"
