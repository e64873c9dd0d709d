"""The peer: the floor's frames through python-socketio, as a Python developer would write it.

``socketio.AsyncServer`` with rooms (``enter_room``, ``emit(..., room=...)``),
configured for speed as its documentation allows:

- ``async_mode="aiohttp"``: served by aiohttp with its own compiled
  WebSocket reader, no ASGI layer between (the mode python-socketio tries
  first);
- ``json=``: "an alternative JSON module ... compatible with the standard
  library", here orjson behind ``dumps``/``loads`` (:data:`FAST_JSON`);
- ``async_handlers=False``: each event is handled in the connection's own
  task, not in a new task per event (these handlers never wait);
- uvloop with ``BENCH_UVLOOP=1``; engine.io's own ping (25 s) and
  aiohttp's permessage-deflate when the client offers it.

It sends what the floor sends, the way python-socketio offers: a join's
reply listing at most 100 players, ``player_joined`` to the room (to the
host only above 100) and ``room_size`` to the room at most once a second;
``countdown``, each ``question`` to the room, ``answer_received``,
``answer_progress`` at most every 200 ms (once a second above 100),
``question_result`` to the room and ``your_result`` to each, and
``game_over`` listing 100. python-socketio has no paced send: each is one
``emit``. Events are named by the message type, Socket.IO framing
(``42["question",{...}]``).

It reports like the quiz server, through the same code
(:class:`quiz.ops.metrics.ServerMetrics`): ``/healthz`` and ``/metrics``
(GC passes, loop lag, frames sent, and the fan-out time of a room's
``question``: from engine.io's first write of it to its last, timed in
:func:`time_question_writes` while the server has one room).

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
from time import perf_counter
from typing import Any

import orjson
import socketio
from aiohttp import web
from engineio.async_drivers import aiohttp as eio_aiohttp

from bench.common import FAST_JSON, install_uvloop, question_message, raise_fd_limit
from quiz.core.state import LARGE_COUNT_MS, LARGE_ROOM, LEADERBOARD_TOP, PROGRESS_MS
from quiz.ops.clock import SystemClock
from quiz.ops.metrics import Counters, LoopLag, ServerMetrics

LISTED = 100


def _warnings_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
    return logger


@dataclass(eq=False)
class PeerRoom:
    room_id: str
    host: str
    num_questions: int
    time_limit_s: int
    reveal_s: float
    question_bytes: int
    teams: int
    members: dict[str, int] = field(default_factory=dict)  # sid -> seat number
    listed: list[dict[str, Any]] = field(default_factory=list)
    open_index: int | None = None
    answered: set[str] = field(default_factory=set)
    all_in: asyncio.Event = field(default_factory=asyncio.Event)
    started: bool = False
    progress_sent: float = -1e9
    progress_timer: asyncio.TimerHandle | None = None
    size_sent: float = -1e9
    size_timer: asyncio.TimerHandle | None = None

    @property
    def large(self) -> bool:
        return len(self.members) > LARGE_ROOM


class QuestionWrites:
    """The fan-out time of a question: engine.io's first write of it to its last."""

    def __init__(self, metrics: ServerMetrics) -> None:
        self.metrics = metrics
        self.expected = 0
        self.first = 0.0

    def expect(self, recipients: int) -> None:
        self.expected, self.first = recipients, 0.0

    def written(self, started: float) -> None:
        if self.expected <= 0:
            return
        if not self.first:
            self.first = started
        self.expected -= 1
        if self.expected == 0:
            self.metrics.fanned_out("question", perf_counter() - self.first)


def time_question_writes(writes: QuestionWrites) -> None:
    """Wrap engine.io's aiohttp WebSocket.send to time the writes of a question.

    python-socketio's emit only queues a packet per client; each client's
    writer task sends it later. A ``question`` packet starts with
    ``42["question"``; the wrapper costs a prefix test per frame.
    """
    original = eio_aiohttp.WebSocket.send

    async def send(self: Any, message: Any) -> None:
        if isinstance(message, str) and message.startswith('42["question"'):
            started = perf_counter()
            await original(self, message)
            writes.written(started)
        else:
            await original(self, message)

    eio_aiohttp.WebSocket.send = send  # type: ignore[method-assign]


class Peer:
    def __init__(self) -> None:
        # Logging: python-socketio's default logger shows errors alone, so an
        # event it drops would leave nothing in the server log. Warnings are rare.
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            json=FAST_JSON,
            async_handlers=False,
            cors_allowed_origins="*",
            logger=_warnings_logger("peer.socketio"),
            engineio_logger=_warnings_logger("peer.engineio"),
        )
        self.rooms: dict[str, PeerRoom] = {}
        self.where: dict[str, PeerRoom] = {}
        self.counters = Counters()
        self.metrics = ServerMetrics(self.counters, self.sizes)
        self.loop_lag = LoopLag(on_sample=self.metrics.lag)
        self.clock = SystemClock()
        self.writes = QuestionWrites(self.metrics)
        self.connections = 0
        self.next_room = 0
        self.tasks: set[asyncio.Task[None]] = set()
        sio = self.sio
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        sio.on("create_room", self.on_create)
        sio.on("join_room", self.on_join)
        sio.on("start_game", self.on_start)
        sio.on("submit_answer", self.on_answer)

    def sizes(self) -> dict[str, int]:
        players = sum(len(r.members) for r in self.rooms.values())
        return {"rooms": len(self.rooms), "connections": self.connections, "players": players}

    async def emit(self, message: dict[str, Any], room: PeerRoom | None = None, **kw: Any) -> None:
        """One emit, counted as frames sent (one per recipient)."""
        kind = message["type"]
        to = kw.get("to")
        if room is not None and to is None:
            skip = kw.get("skip_sid")
            self.counters["frames_out"] += len(room.members) - (1 if skip else 0)
            started = perf_counter()
            await self.sio.emit(kind, message, room=room.room_id, skip_sid=skip)
            if kind != "question":  # the question is timed at its writes
                self.metrics.fanned_out(kind, perf_counter() - started)
        else:
            self.counters["frames_out"] += 1
            await self.sio.emit(kind, message, to=to)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self.connections += 1

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.connections -= 1
        room = self.where.pop(sid, None)
        if room is not None:
            room.members.pop(sid, None)
            if not room.members:
                self.rooms.pop(room.room_id, None)

    async def _enter(self, sid: str, room: PeerRoom, kind: str, data: dict[str, Any]) -> None:
        await self.sio.enter_room(sid, room.room_id)
        seat = len(room.members)
        room.members[sid] = seat
        self.where[sid] = room
        entry: dict[str, Any] = {"id": sid, "name": data.get("name"), "score": 0, "connected": True}
        if room.teams:
            entry["team"] = seat % room.teams
        if len(room.listed) < LISTED:
            room.listed.append(entry)
        state = {
            "room_id": room.room_id,
            "phase": "lobby",
            "host_id": room.host,
            "players": room.listed,
            "player_count": len(room.members),
            "server_time_ms": self.clock.now_ms(),
        }
        reply = {"type": kind, "room_id": room.room_id, "player_id": sid, "room": state}
        if data.get("request_id") is not None:
            reply["request_id"] = data["request_id"]
        await self.emit(reply, to=sid)
        if kind == "room_joined":
            joined = {"type": "player_joined", "player": entry}
            if not room.large:
                await self.emit(joined, room, skip_sid=sid)
            else:
                await self.emit(joined, to=room.host)
                if room.size_timer is None:
                    loop = asyncio.get_running_loop()
                    due = max(0.0, room.size_sent + LARGE_COUNT_MS / 1000 - loop.time())
                    room.size_timer = loop.call_later(due, self._later, self.room_size, room)

    def _later(self, fn: Any, *args: Any) -> None:
        """Run the coroutine function ``fn(*args)`` as a task (from a timer)."""
        task = asyncio.ensure_future(fn(*args))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def room_size(self, room: PeerRoom) -> None:
        room.size_timer = None
        room.size_sent = asyncio.get_running_loop().time()
        n = len(room.members)
        await self.emit(
            {"type": "room_size", "players": n, "connected": n}, room, skip_sid=room.host
        )

    async def on_create(self, sid: str, data: dict[str, Any]) -> None:
        self.counters["messages_in"] += 1
        self.next_room += 1
        teams = data.get("teams") or []
        room = PeerRoom(
            f"S{self.next_room:04d}",
            sid,
            int(data.get("num_questions", 5)),
            int(data.get("time_per_question", 20)),
            float(data.get("reveal_seconds", 2)),
            int(data.get("question_bytes", 300)),
            len(teams) if isinstance(teams, list) else 0,
        )
        self.rooms[room.room_id] = room
        await self._enter(sid, room, "room_created", data)

    async def on_join(self, sid: str, data: dict[str, Any]) -> None:
        self.counters["messages_in"] += 1
        room = self.rooms.get(str(data.get("room_id")))
        if room is None:
            await self.emit({"type": "error", "code": "room_not_found"}, to=sid)
            return
        await self._enter(sid, room, "room_joined", data)

    async def on_start(self, sid: str, data: dict[str, Any]) -> None:
        self.counters["messages_in"] += 1
        room = self.where.get(sid)
        if room is None or room.started:
            return
        room.started = True
        await self.emit({"type": "ack", "request_id": data.get("request_id")}, to=sid)
        self._later(self.play, room)

    async def on_answer(self, sid: str, data: dict[str, Any]) -> None:
        self.counters["messages_in"] += 1
        room = self.where.get(sid)
        if room is None:
            return
        index = data.get("question_index")
        reply: dict[str, Any] = {"type": "answer_received", "question_index": index}
        if data.get("request_id") is not None:
            reply["request_id"] = data["request_id"]
        await self.emit(reply, to=sid)
        if index != room.open_index or sid in room.answered:
            return
        room.answered.add(sid)
        if len(room.answered) >= len(room.members):
            room.all_in.set()
        elif room.progress_timer is None:
            loop = asyncio.get_running_loop()
            interval = (LARGE_COUNT_MS if room.large else PROGRESS_MS) / 1000
            due = max(0.0, room.progress_sent + interval - loop.time())
            room.progress_timer = loop.call_later(due, self._later, self.progress, room, index)

    async def progress(self, room: PeerRoom, index: int) -> None:
        room.progress_timer = None
        if room.open_index != index:
            return
        room.progress_sent = asyncio.get_running_loop().time()
        count = {
            "type": "answer_progress",
            "question_index": index,
            "answered": len(room.answered),
            "total": len(room.members),
        }
        await self.emit(count, room)

    async def play(self, room: PeerRoom) -> None:
        countdown = float(os.environ.get("COUNTDOWN_SECONDS", "1"))
        ends = self.clock.now_ms() + int(countdown * 1000)
        await self.emit({"type": "countdown", "seconds": countdown, "ends_ms": ends}, room)
        await asyncio.sleep(countdown)
        loop = asyncio.get_running_loop()
        for index in range(room.num_questions):
            room.answered = set()
            room.all_in = asyncio.Event()
            room.open_index = index
            room.progress_sent = loop.time() if room.large else -1e9
            message = question_message(
                index, room.num_questions, room.time_limit_s * 1000, room.question_bytes
            )
            if len(self.rooms) == 1:  # one room: its question's writes are its own
                self.writes.expect(len(room.members))
            await self.emit(message, room)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.all_in.wait(), room.time_limit_s)
            room.open_index = None
            if room.progress_timer is not None:
                room.progress_timer.cancel()
                room.progress_timer = None
            await self.close_question(room, index)
            await asyncio.sleep(room.reveal_s)
        top = [
            {"player_id": p["id"], "name": p["name"], "score": 0, "rank": 1} for p in room.listed
        ]
        over = {"type": "game_over", "leaderboard": top, "player_count": len(room.members)}
        await self.emit(over, room)

    async def close_question(self, room: PeerRoom, index: int) -> None:
        answered = len(room.answered)
        top = [
            {"player_id": p["id"], "name": p["name"], "score": 100, "rank": i + 1}
            for i, p in enumerate(room.listed[:LEADERBOARD_TOP])
        ]
        result = {
            "type": "question_result",
            "question_index": index,
            "correct_index": 0,
            "correct_answer": "Option one",
            "counts": [answered, 0, 0, 0],
            "explanation": "",
            "leaderboard": top,
            "answered": answered,
            "total": len(room.members),
            "next_at_ms": self.clock.now_ms() + int(room.reveal_s * 1000),
        }
        await self.emit(result, room)
        for rank, sid in enumerate(list(room.members), 1):
            mine = {
                "type": "your_result",
                "question_index": index,
                "correct": sid in room.answered,
                "points": 100 if sid in room.answered else 0,
                "score": 100 * (index + 1),
                "streak": index + 1,
                "rank": rank,
                "answer": 0,
            }
            await self.emit(mine, to=sid)

    async def healthz(self, request: web.Request) -> web.Response:
        body = {
            "status": "ok",
            "server_id": "peer",
            "rooms": len(self.rooms),
            "connections": self.connections,
            "loop_lag_ms": self.loop_lag.report(),
            "counters": dict(self.counters),
        }
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    async def metrics_page(self, request: web.Request) -> web.Response:
        body, content_type = self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})


async def main_async() -> None:
    peer = Peer()
    time_question_writes(peer.writes)
    app = web.Application()
    peer.sio.attach(app)
    app.router.add_get("/healthz", peer.healthz)
    app.router.add_get("/metrics", peer.metrics_page)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8801"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    peer.loop_lag.start()
    peer.metrics.start()
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
