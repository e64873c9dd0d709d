"""The floor sends what a player of the quiz server sees, and reports like it.

A few players over real sockets, in one process: the frames of a one-question
game in order, the fan-out timing and GC metrics in /metrics, a picture
served with the quiz server's caching headers; and the load generator's
picture fetch, fed a response by hand.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import serve

from bench import common, floor_server, pictures
from bench.loadgen import Fetch


async def expect(ws: ClientConnection, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(5):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return dict(message)


@pytest.mark.parametrize("gc_mode", ["off", "window"])
async def test_a_game_on_the_floor_sends_the_quiz_servers_frames(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gc_mode: str
) -> None:
    monkeypatch.setenv("COUNTDOWN_SECONDS", "0")
    data = pictures.picture(1)
    [ident] = pictures.write_floor_media(tmp_path, [data])
    floor = floor_server.Floor(floor_server.load_media(str(tmp_path)), gc_mode)
    async with serve(
        floor.handler, "127.0.0.1", 0, process_request=floor.process_request, compression=None
    ) as server:
        port = server.sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/"
        async with connect(url) as host, connect(url) as player:
            await host.send(
                json.dumps(
                    {
                        "action": "create_room",
                        "name": "host",
                        "num_questions": 1,
                        "time_per_question": 5,
                        "reveal_seconds": 0,
                        "teams": ["A", "B"],
                        "media": [ident],
                    }
                )
            )
            created = await expect(host, "room_created")
            assert created["room"]["media"] == [ident]
            await player.send(json.dumps({"action": "join_room", "room_id": created["room_id"]}))
            joined = await expect(player, "room_joined")
            assert joined["room"]["player_count"] == 2
            assert [p["team"] for p in joined["room"]["players"]] == [0, 1]
            assert (await expect(host, "player_joined"))["player"]["id"] == joined["player_id"]
            await host.send(json.dumps({"action": "start_game", "request_id": "s"}))
            for ws in (host, player):
                question = await expect(ws, "question")
                assert question["image"] == ident
                await ws.send(
                    json.dumps({"action": "submit_answer", "question_index": 0, "answer": 0})
                )
            for ws in (host, player):
                assert (await expect(ws, "answer_received"))["question_index"] == 0
                assert (await expect(ws, "question_result"))["answered"] == 2
                assert (await expect(ws, "your_result"))["correct"] is True
                assert (await expect(ws, "game_over"))["player_count"] == 2
        # What the quiz server reports, from the same code.
        status, body = await common.http_get(port, "/metrics")
        text = body.decode()
        assert status == 200
        assert 'quiz_fanout_seconds_count{type="question"} 1.0' in text
        assert "quiz_gc_pause_max_seconds" in text
        assert "quiz_frames_out_total" in text
        health = await common.http_get_json(port)
        assert health["counters"]["messages_in"] == 5
        status, body = await common.http_get(port, f"/media/{ident}")
        assert (status, body) == (200, data)
        status, _ = await common.http_get(port, "/media/" + "0" * 64)
        assert status == 404
    assert gc.isenabled()  # the quiz server's policy gives the collector back after a game


class _Player:
    def __init__(self) -> None:
        self.loaded: dict[str, float] = {}

    def picture_loaded(self, media_id: str, t_ms: float) -> None:
        self.loaded[media_id] = t_ms


class _Worker:
    def __init__(self) -> None:
        self.fetch_ms: list[float] = []
        self.fetch_bytes = 0
        self.fetch_failed: Counter[str] = Counter()
        self.done = 0

    def fetched(self) -> None:
        self.done += 1


def _fetch(worker: _Worker, player: _Player) -> Fetch:
    return Fetch(worker, player, "ab" * 32, "127.0.0.1:1")  # type: ignore[arg-type]


def test_a_picture_fetch_counts_only_a_whole_200() -> None:
    worker, player = _Worker(), _Player()
    fetch = _fetch(worker, player)
    fetch.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nETag: x\r\n\r\n12345")
    fetch.data_received(b"67890")
    fetch.connection_lost(None)
    assert fetch.body == 10
    assert worker.fetch_bytes == 10 and len(worker.fetch_ms) == 1 and worker.done == 1
    assert "ab" * 32 in player.loaded
    short = _fetch(worker, player)
    short.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n123")
    short.connection_lost(None)
    missing = _fetch(worker, player)
    missing.data_received(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    missing.connection_lost(None)
    assert dict(worker.fetch_failed) == {"http_200": 1, "http_404": 1}
    assert worker.done == 3
