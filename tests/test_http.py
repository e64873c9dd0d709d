"""Plain HTTP on the WebSocket port: health, readiness, the client, 426."""

from __future__ import annotations

import json

from tests.conftest import Harness
from tests.http_client import http_request


async def test_healthz_reports_rooms_and_connections(quiz: Harness) -> None:
    await quiz.room(2)
    reply = await http_request(quiz.server.port, "/healthz")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    body = json.loads(reply.body)
    assert body["status"] == "ok" and body["server_id"] == "test"
    assert body["rooms"] == 1 and body["connections"] == 2


async def test_head_healthz_has_no_body(quiz: Harness) -> None:
    reply = await http_request(quiz.server.port, "/healthz", method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["content-length"]) > 0


async def test_readyz_is_200_while_serving(quiz: Harness) -> None:
    reply = await http_request(quiz.server.port, "/readyz")
    assert reply.status == 200
    assert json.loads(reply.body)["status"] == "ready"


async def test_root_serves_the_browser_client(quiz: Harness) -> None:
    reply = await http_request(quiz.server.port, "/")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert b"<html" in reply.body.lower()
    assert "default-src 'self'" in reply.headers["content-security-policy"]
    again = await http_request(
        quiz.server.port, "/", headers={"If-None-Match": reply.headers["etag"]}
    )
    assert again.status == 304


async def test_query_string_is_ignored_for_files(quiz: Harness) -> None:
    reply = await http_request(quiz.server.port, "/?room=ABCDE")
    assert reply.status == 200


async def test_unknown_path_is_404_and_post_is_405(quiz: Harness) -> None:
    assert (await http_request(quiz.server.port, "/nope")).status == 404
    assert (await http_request(quiz.server.port, "/../quiz_server.py")).status == 404
    assert (await http_request(quiz.server.port, "/healthz", method="POST")).status == 405


async def test_plain_http_to_websocket_path_is_426(quiz: Harness) -> None:
    reply = await http_request(quiz.server.port, "/ws")
    assert reply.status == 426
    assert reply.headers["upgrade"] == "websocket"
