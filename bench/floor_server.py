"""The floor: a bare websockets server doing only the quiz server's fan-out and echo.

It speaks the subset of protocol v1 the load generator uses (``create_room``,
``join_room``, ``start_game``, ``submit_answer``) with none of the game: on
``start_game`` it broadcasts ``question``-shaped frames of the size the quiz
server sent (``websockets.broadcast``, one encode per question, as the quiz
server does), echoes every answer with ``answer_received``, closes a question
when the room has answered or its time is up, waits ``reveal_seconds`` and,
after the last question, sends a tiny ``game_over`` so clients know the end.
No player_joined, no results, no scores: what is left is the transport's cost.

The ``serve()`` options are the quiz server's (ping interval, max size, no
permessage-deflate; ``FLOOR_COMPRESSION=deflate`` to accept it), so the ratio
quiz/floor is the cost of the game above the same transport.

Run: ``PORT=8800 HOST=127.0.0.1 python -m bench.floor_server``
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bench.common import LoopLag, install_uvloop, question_message, raise_fd_limit

log = logging.getLogger("floor")


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


@dataclass(eq=False)
class FloorRoom:
    room_id: str
    num_questions: int
    time_limit_s: int
    reveal_s: float
    question_bytes: int
    conns: dict[str, ServerConnection] = field(default_factory=dict)
    open_index: int | None = None
    answered: set[str] = field(default_factory=set)
    all_in: asyncio.Event = field(default_factory=asyncio.Event)
    started: bool = False


class Floor:
    def __init__(self) -> None:
        self.rooms: dict[str, FloorRoom] = {}
        self.connections = 0
        self.loop_lag = LoopLag()
        self.counters: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.next_room = 0
        self.next_player = 0

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "server_id": "floor",
            "rooms": len(self.rooms),
            "connections": self.connections,
            "loop_lag_ms": self.loop_lag.report(),
            "counters": dict(self.counters),
        }

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if "websocket" in request.headers.get("Upgrade", "").lower():
            return None
        body = json.dumps(self.health()).encode()
        headers = Headers(
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return Response(200, "OK", headers, body)

    def send(self, targets: list[ServerConnection], frame: str) -> None:
        websockets.broadcast(targets, frame)
        self.counters["frames_out"] += len(targets)

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        room: FloorRoom | None = None
        player_id = ""
        try:
            async for raw in ws:
                self.counters["messages_in"] += 1
                message = json.loads(raw)
                action = message.get("action")
                rid = message.get("request_id")
                if action == "submit_answer" and room is not None:
                    index = message.get("question_index")
                    reply: dict[str, Any] = {"type": "answer_received", "question_index": index}
                    if rid is not None:
                        reply["request_id"] = rid
                    self.send([ws], encode(reply))
                    if index == room.open_index and player_id not in room.answered:
                        room.answered.add(player_id)
                        if len(room.answered) >= len(room.conns):
                            room.all_in.set()
                elif action in ("create_room", "join_room"):
                    self.next_player += 1
                    player_id = f"p{self.next_player}"
                    if action == "create_room":
                        self.next_room += 1
                        room = FloorRoom(
                            f"F{self.next_room:05d}",
                            int(message.get("num_questions", 5)),
                            int(message.get("time_per_question", 20)),
                            float(message.get("reveal_seconds", 2)),
                            int(message.get("question_bytes", 260)),
                        )
                        self.rooms[room.room_id] = room
                        kind = "room_created"
                    else:
                        room = self.rooms.get(str(message.get("room_id")))
                        if room is None:
                            self.send([ws], encode({"type": "error", "code": "room_not_found"}))
                            continue
                        kind = "room_joined"
                    room.conns[player_id] = ws
                    out = {"type": kind, "room_id": room.room_id, "player_id": player_id}
                    if rid is not None:
                        out["request_id"] = rid
                    self.send([ws], encode(out))
                elif action == "start_game" and room is not None and not room.started:
                    room.started = True
                    self.send([ws], encode({"type": "ack", "request_id": rid}))
                    task = asyncio.create_task(self.play(room))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                else:
                    self.send([ws], encode({"type": "error", "code": "unknown_action"}))
        except ConnectionClosed:
            pass
        finally:
            self.connections -= 1
            if room is not None:
                room.conns.pop(player_id, None)
                if not room.conns:
                    self.rooms.pop(room.room_id, None)

    async def play(self, room: FloorRoom) -> None:
        for index in range(room.num_questions):
            room.answered = set()
            room.all_in = asyncio.Event()
            room.open_index = index
            message = question_message(
                index, room.num_questions, room.time_limit_s * 1000, room.question_bytes
            )
            self.send(list(room.conns.values()), encode(message))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.all_in.wait(), room.time_limit_s)
            room.open_index = None
            await asyncio.sleep(room.reveal_s)
        self.send(list(room.conns.values()), encode({"type": "game_over"}))


async def main_async() -> None:
    floor = Floor()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8800"))
    # The quiz server declines permessage-deflate (compression=None); so does the floor,
    # unless FLOOR_COMPRESSION=deflate.
    compression = "deflate" if os.environ.get("FLOOR_COMPRESSION", "") == "deflate" else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with serve(
        floor.handler,
        host,
        port,
        process_request=floor.process_request,
        ping_interval=20,
        ping_timeout=20,
        max_size=64 * 1024,
        close_timeout=2,
        compression=compression,
    ) as server:
        floor.loop_lag.start()
        bound = server.sockets[0].getsockname()[1]
        print(f"listening host={host} port={bound}", file=sys.stderr, flush=True)
        await stop.wait()


def main() -> None:
    raise_fd_limit()
    if os.environ.get("BENCH_UVLOOP") == "1":
        install_uvloop()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
