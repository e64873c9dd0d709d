"""Hostile HTTP: duplicate headers, foreign origins, DNS rebinding, headers on
every response, HEAD without a body. Raw requests over real sockets."""

from __future__ import annotations

import base64
import os

import pytest

from quiz.net.endpoints import SECURITY_HEADERS
from tests.conftest import Harness, StartServer
from tests.http_client import http_request, raw_request
from tests.test_ws_errors import still_works


def upgrade(host: str, *extra: str) -> list[str]:
    key = base64.b64encode(os.urandom(16)).decode()
    return [
        "GET /ws HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *extra,
    ]


async def test_two_origin_headers_are_400_without_a_traceback(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    quiz = await start_server(allowed_origins=("https://quiz.example",))
    port = quiz.server.port
    reply = await raw_request(
        port,
        upgrade(
            f"127.0.0.1:{port}", "Origin: https://quiz.example", "Origin: https://evil.example"
        ),
    )
    assert reply.status == 400, reply
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    reply = await raw_request(port, upgrade(f"127.0.0.1:{port}", "Upgrade: websocket"))
    assert reply.status == 400, reply
    await still_works(quiz)


@pytest.mark.parametrize(
    ("origin", "host", "status"),
    [
        ("http://evil.example", "evil.example", 403),  # DNS rebinding
        ("http://evil.example:{port}", "evil.example:{port}", 403),
        ("evil://127.0.0.1:{port}", "127.0.0.1:{port}", 403),  # not a web origin
        ("null", "127.0.0.1:{port}", 403),
        ("https://evil.example", "127.0.0.1:{port}", 403),
        ("https://quiz.example", "127.0.0.1:{port}", 101),
        ("HTTPS://Quiz.Example:443", "127.0.0.1:{port}", 101),
        ("http://127.0.0.1:{port}", "127.0.0.1:{port}", 101),  # our own page, locally
        ("http://localhost:{port}", "localhost:{port}", 101),
        ("http://quiz.example:{port}", "quiz.example:{port}", 101),  # our own page, our name
    ],
)
async def test_origin_rules(start_server: StartServer, origin: str, host: str, status: int) -> None:
    quiz = await start_server(allowed_origins=("https://quiz.example",))
    port = quiz.server.port
    lines = upgrade(host.format(port=port), f"Origin: {origin.format(port=port)}")
    reply = await raw_request(port, lines)
    assert reply.status == status, (origin, host, reply)


REQUESTS = [
    ("GET", "/healthz", {}, 200),
    ("GET", "/readyz", {}, 200),
    ("GET", "/", {}, 200),
    ("GET", "/nope", {}, 404),
    ("GET", "/ws", {}, 426),
    ("POST", "/", {}, 405),
    ("HEAD", "/ws", {}, 426),
    ("HEAD", "/nope", {}, 404),
    ("HEAD", "/healthz", {}, 200),
    ("HEAD", "/", {}, 200),
    ("GET", "/elsewhere", {"Upgrade": "websocket", "Connection": "Upgrade"}, 404),
    ("GET", "/ws", {"Upgrade": "websocket", "Connection": "Upgrade"}, 400),  # no key
    ("GET", "/ws", {"Upgrade": "websocket", "Origin": "https://evil.example"}, 403),
]


@pytest.mark.parametrize(("method", "path", "headers", "status"), REQUESTS)
async def test_every_response_has_security_headers_and_head_has_no_body(
    start_server: StartServer, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    quiz = await start_server(allowed_origins=("https://quiz.example",))
    reply = await http_request(quiz.server.port, path, method=method, headers=headers)
    assert reply.status == status, reply
    for key, value in SECURITY_HEADERS.items():
        assert reply.headers.get(key.lower()) == value, (key, reply.headers)
    csp = reply.headers["content-security-policy"]
    assert "connect-src 'self';" in csp and "ws:" not in csp
    if method == "HEAD":
        assert reply.body == b"", reply


async def test_the_101_of_a_websocket_handshake_carries_only_the_handshake(
    quiz: Harness,
) -> None:
    # Page headers protect documents; a 101 has none, and every connection
    # keeps its 101 in memory for as long as it is open.
    player = await quiz.player()
    response = player.ws.response
    assert response is not None and response.status_code == 101
    assert not [key for key in SECURITY_HEADERS if key in response.headers]
    assert response.headers["Upgrade"].lower() == "websocket"
