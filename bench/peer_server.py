"""The peer: the same fan-out and echo as the floor, through python-socketio.

What a Python developer would otherwise pick for a room-based real-time game:
``socketio.AsyncServer`` with rooms (``enter_room``, ``emit(..., room=...)``),
served by aiohttp (python-socketio's native async mode, with aiohttp's own
WebSocket implementation; no ASGI layer in between). Default settings
throughout: the stock json module, engine.io's 25 s ping, aiohttp's
permessage-deflate when the client offers it.

Events mirror the floor's actions: ``create_room``, ``join_room``,
``start_game``, ``submit_answer``; replies ``room_created``, ``room_joined``,
``ack``, ``answer_received``; the room gets ``question`` and ``game_over``.

Run: ``PORT=8801 HOST=127.0.0.1 python -m bench.peer_server``
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web

from bench.common import LoopLag, install_uvloop, question_message, raise_fd_limit


def _warnings_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
    return logger


@dataclass(eq=False)
class PeerRoom:
    room_id: str
    num_questions: int
    time_limit_s: int
    reveal_s: float
    question_bytes: int
    members: set[str] = field(default_factory=set)
    open_index: int | None = None
    answered: set[str] = field(default_factory=set)
    all_in: asyncio.Event = field(default_factory=asyncio.Event)
    started: bool = False


class Peer:
    def __init__(self) -> None:
        # Logging only: python-socketio's default logger shows errors alone, so an
        # event it drops ("... is not connected to namespace /") or a send to a gone
        # client would leave nothing in the server log. Warnings are rare; nothing
        # else about the server changes.
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            cors_allowed_origins="*",
            logger=_warnings_logger("peer.socketio"),
            engineio_logger=_warnings_logger("peer.engineio"),
        )
        self.rooms: dict[str, PeerRoom] = {}
        self.where: dict[str, PeerRoom] = {}
        self.loop_lag = LoopLag()
        self.connections = 0
        self.messages_in = 0
        self.next_room = 0
        self.tasks: set[asyncio.Task[None]] = set()
        sio = self.sio
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        sio.on("create_room", self.on_create)
        sio.on("join_room", self.on_join)
        sio.on("start_game", self.on_start)
        sio.on("submit_answer", self.on_answer)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self.connections += 1

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.connections -= 1
        room = self.where.pop(sid, None)
        if room is not None:
            room.members.discard(sid)
            if not room.members:
                self.rooms.pop(room.room_id, None)

    async def _enter(self, sid: str, room: PeerRoom, kind: str, data: dict[str, Any]) -> None:
        await self.sio.enter_room(sid, room.room_id)
        room.members.add(sid)
        self.where[sid] = room
        reply = {"type": kind, "room_id": room.room_id, "player_id": sid}
        if data.get("request_id") is not None:
            reply["request_id"] = data["request_id"]
        await self.sio.emit(kind, reply, to=sid)

    async def on_create(self, sid: str, data: dict[str, Any]) -> None:
        self.messages_in += 1
        self.next_room += 1
        room = PeerRoom(
            f"S{self.next_room:05d}",
            int(data.get("num_questions", 5)),
            int(data.get("time_per_question", 20)),
            float(data.get("reveal_seconds", 2)),
            int(data.get("question_bytes", 260)),
        )
        self.rooms[room.room_id] = room
        await self._enter(sid, room, "room_created", data)

    async def on_join(self, sid: str, data: dict[str, Any]) -> None:
        self.messages_in += 1
        room = self.rooms.get(str(data.get("room_id")))
        if room is None:
            await self.sio.emit("error", {"type": "error", "code": "room_not_found"}, to=sid)
            return
        await self._enter(sid, room, "room_joined", data)

    async def on_start(self, sid: str, data: dict[str, Any]) -> None:
        self.messages_in += 1
        room = self.where.get(sid)
        if room is None or room.started:
            return
        room.started = True
        await self.sio.emit("ack", {"type": "ack", "request_id": data.get("request_id")}, to=sid)
        task = asyncio.create_task(self.play(room))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def on_answer(self, sid: str, data: dict[str, Any]) -> None:
        self.messages_in += 1
        room = self.where.get(sid)
        if room is None:
            return
        index = data.get("question_index")
        reply: dict[str, Any] = {"type": "answer_received", "question_index": index}
        if data.get("request_id") is not None:
            reply["request_id"] = data["request_id"]
        await self.sio.emit("answer_received", reply, to=sid)
        if index == room.open_index and sid not in room.answered:
            room.answered.add(sid)
            if len(room.answered) >= len(room.members):
                room.all_in.set()

    async def play(self, room: PeerRoom) -> None:
        for index in range(room.num_questions):
            room.answered = set()
            room.all_in = asyncio.Event()
            room.open_index = index
            message = question_message(
                index, room.num_questions, room.time_limit_s * 1000, room.question_bytes
            )
            await self.sio.emit("question", message, room=room.room_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.all_in.wait(), room.time_limit_s)
            room.open_index = None
            await asyncio.sleep(room.reveal_s)
        await self.sio.emit("game_over", {"type": "game_over"}, room=room.room_id)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "server_id": "peer",
                "rooms": len(self.rooms),
                "connections": self.connections,
                "loop_lag_ms": self.loop_lag.report(),
                "counters": {"messages_in": self.messages_in},
            }
        )


async def main_async() -> None:
    peer = Peer()
    app = web.Application()
    peer.sio.attach(app)
    app.router.add_get("/healthz", peer.healthz)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8801"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=4096)
    await site.start()
    peer.loop_lag.start()
    print(f"listening host={host} port={port}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    # Prompt exit: aiohttp's cleanup waits on every open connection.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(runner.cleanup(), 2)
    # engine.io's per-socket tasks would keep asyncio.run() waiting; nothing is left
    # to save, so leave now.
    sys.stdout.flush()
    os._exit(0)


def main() -> None:
    raise_fd_limit()
    if os.environ.get("BENCH_UVLOOP") == "1":
        install_uvloop()
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
