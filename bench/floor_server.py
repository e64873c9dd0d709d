"""The floor: the fastest Python server we know that does the quiz server's visible work.

It sends the frames a player of the quiz server sees, of about their sizes,
with none of the game behind them (no rules, names, scores or ranks):

- a join: ``room_joined`` listing at most 100 players with ``player_count``;
  presence to everyone in a room of up to 100, to the host only above, and
  there ``room_size`` to the others at most once a second, spread over 0.8 s;
- ``start_game``: ``ack``, ``countdown``, then each question: ``question``
  to everyone, ``answer_received`` to each answer, ``answer_progress`` at
  most every 200 ms (a large room: once a second, spread), then
  ``question_result`` to everyone and ``your_result`` to each, the reveal,
  and ``game_over`` listing the first 100;
- ``GET /media/<id>`` from memory (``FLOOR_MEDIA_DIR``: files named by id),
  with the quiz server's caching headers.

And it does it the fastest way we measured for the quiz server: frames
encoded once with orjson and written with the quiz server's own
:func:`quiz.net.sockets.write_text` (the frame serialized once for the whole
room); a send to a large room a slice of 100 connections at a time with the
loop running between two (:class:`quiz.net.fanout.Paced`: the quiz server
measured slices better for answers than one broadcast); websockets'
``serve()`` with the quiz server's options (no permessage-deflate, the same
ping, size limit and backlog); uvloop with ``BENCH_UVLOOP=1``. The cyclic
GC is off for the process's life by default (``FLOOR_GC=off``: nothing the
quiz server's policy does can be cheaper); ``FLOOR_GC=window`` applies the
quiz server's own policy (:class:`quiz.ops.gcwindow.GcWindow`) instead.

It reports what the quiz server reports, through the same code
(:class:`quiz.ops.metrics.ServerMetrics`): ``/healthz`` (loop lag,
counters) and ``/metrics`` (GC passes and pauses, loop lag, frames sent, the
fan-out time of each whole-room frame by type).

Run: ``PORT=8800 HOST=127.0.0.1 python -m bench.floor_server``
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bench.common import install_uvloop, question_message, raise_fd_limit
from quiz.core.state import LARGE_COUNT_MS, LARGE_ROOM, LEADERBOARD_TOP, PROGRESS_MS
from quiz.net.fanout import Paced, pace
from quiz.net.sockets import write_text
from quiz.ops.clock import SystemClock
from quiz.ops.gcwindow import GcWindow
from quiz.ops.metrics import Counters, FanoutClock, LoopLag, ServerMetrics

log = logging.getLogger("floor")
MEDIA_PATH = re.compile(r"/media/([0-9a-f]{64})")
LISTED = 100  # players listed in a room state and game_over, as in protocol 1.1


def dumps(message: dict[str, Any]) -> str:
    """One frame's text: orjson, as the quiz server encodes (the hub sends str)."""
    return orjson.dumps(message).decode()


@dataclass(eq=False)
class FloorRoom:
    """One room: its connections in joining order, and the open question."""

    room_id: str
    host: str
    num_questions: int
    time_limit_s: int
    reveal_s: float
    question_bytes: int
    media: list[str]
    teams: int
    conns: dict[str, ServerConnection] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    listed: list[dict[str, Any]] = field(default_factory=list)
    started: bool = False
    open_index: int | None = None
    answered: set[str] = field(default_factory=set)
    all_in: asyncio.Event = field(default_factory=asyncio.Event)
    progress_sent: float = -1e9
    progress_timer: asyncio.TimerHandle | None = None
    size_sent: float = -1e9
    size_timer: asyncio.TimerHandle | None = None
    counts: Paced | None = None  # a count being spread
    pending: Paced | None = None  # a whole-room send still on its way
    timing: FanoutClock | None = None

    @property
    def large(self) -> bool:
        return len(self.conns) > LARGE_ROOM


class Floor:
    """The floor's rooms, connections and sends."""

    def __init__(self, media: dict[str, bytes], gc_mode: str) -> None:
        self.rooms: dict[str, FloorRoom] = {}
        self.connections = 0
        self.counters = Counters()
        self.metrics = ServerMetrics(self.counters, self.sizes)
        self.loop_lag = LoopLag(on_sample=self.metrics.lag)
        self.clock = SystemClock()
        self.media = media
        self.gc_window = GcWindow(LARGE_ROOM) if gc_mode == "window" else None
        self.tasks: set[asyncio.Task[None]] = set()
        self.next_room = 0
        self.next_player = 0

    def sizes(self) -> dict[str, int]:
        players = sum(len(r.conns) for r in self.rooms.values())
        return {"rooms": len(self.rooms), "connections": self.connections, "players": players}

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "server_id": "floor",
            "rooms": len(self.rooms),
            "connections": self.connections,
            "loop_lag_ms": self.loop_lag.report(),
            "counters": dict(self.counters),
            "gc": {"enabled": gc.isenabled(), "mode": "window" if self.gc_window else "off"},
        }

    # HTTP on the same port, as the quiz server: /healthz, /metrics, /media/<id>.

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if "websocket" in request.headers.get("Upgrade", "").lower():
            return None
        path = request.path.split("?", 1)[0]
        if path == "/metrics":
            body, content_type = self.metrics.render()
            return _response(200, body, content_type)
        match = MEDIA_PATH.fullmatch(path)
        if match is not None:
            item = self.media.get(match.group(1))
            if item is None:
                return _response(404, b"Not found.\n", "text/plain")
            response = _response(200, item, "image/webp")
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.headers["ETag"] = f'"{match.group(1)}"'
            return response
        return _response(200, orjson.dumps(self.health()), "application/json")

    # Sending: every send comes here, as in the quiz server's hub.

    def write(self, sockets: Sequence[ServerConnection], frame: str) -> None:
        data = frame.encode()
        write_text(sockets, data)
        self.metrics.sent(len(sockets), len(data))

    def to_one(self, room: FloorRoom | None, ws: ServerConnection, frame: str) -> None:
        """One connection's frame, behind a whole-room send still on its way."""
        if room is not None and room.pending is not None and not room.pending.done:
            room.pending.then(ws, frame)
        else:
            self.write((ws,), frame)

    def to_room(self, room: FloorRoom, frame: str, kind: str, skip: str | None = None) -> None:
        """``frame`` to the room (but ``skip``): at once in a small room, in slices in a
        large one, timed from its first connection to its last as the quiz server does."""
        sockets = [ws for pid, ws in room.conns.items() if pid != skip]
        if room.counts is not None:  # a count never overtaken: its rest goes first
            room.counts.flush()
            room.counts = None
        if room.pending is not None and (room.pending.done or not room.large):
            room.pending.flush()
            room.pending = room.timing = None
        if not room.large:
            started = perf_counter()
            self.write(sockets, frame)
            self.metrics.fanned_out(kind, perf_counter() - started)
        elif room.pending is not None and room.timing is not None:
            room.timing.expect(frame, kind, len(sockets))
            room.pending.then_all(sockets, frame)
        else:
            timing = FanoutClock(self.metrics, self.write)
            timing.expect(frame, kind, len(sockets))
            paced = Paced(sockets, frame, timing, 0.0, self.clock).run()
            if not paced.done:
                room.pending, room.timing = paced, timing

    def spread(self, room: FloorRoom, latest: Callable[[], str | None], skip: str | None) -> None:
        """A count to a large room, spread over most of a second, each slice the newest."""
        if room.counts is not None:
            room.counts.drop()
        sockets = [ws for pid, ws in room.conns.items() if pid != skip]
        spacing = pace(len(sockets), LARGE_COUNT_MS / 1000)
        paced = Paced(sockets, latest, self.write, spacing, self.clock).run()
        room.counts = None if paced.done else paced

    # Connections.

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        if self.gc_window is not None:
            self.gc_window.connections(self.connections)
        if ws.request is not None:
            ws.request.headers.clear()  # as the quiz server: read, then dropped
        room: FloorRoom | None = None
        player_id = ""
        try:
            async for raw in ws:
                self.counters["messages_in"] += 1
                message = orjson.loads(raw)
                action = message.get("action")
                if action == "submit_answer" and room is not None:
                    self.answer(room, ws, player_id, message)
                elif action in ("create_room", "join_room") and room is None:
                    self.next_player += 1
                    player_id = f"p{self.next_player:011d}"
                    room = self.enter(ws, player_id, message, action == "create_room")
                elif action == "start_game" and room is not None and not room.started:
                    room.started = True
                    self.write(
                        (ws,), dumps({"type": "ack", "request_id": message.get("request_id")})
                    )
                    task = asyncio.create_task(self.play(room))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                else:
                    error = {"type": "error", "code": "bad_message", "message": "not here"}
                    self.write((ws,), dumps(error))
        except ConnectionClosed:
            pass
        finally:
            self.connections -= 1
            if self.gc_window is not None:
                self.gc_window.connections(self.connections)
            if room is not None:
                room.conns.pop(player_id, None)
                if not room.conns:
                    self.rooms.pop(room.room_id, None)
                    if self.gc_window is not None:
                        self.gc_window.ended(room.room_id)

    def enter(
        self, ws: ServerConnection, player_id: str, message: dict[str, Any], create: bool
    ) -> FloorRoom | None:
        rid = message.get("request_id")
        name = str(message.get("name", ""))
        if create:
            self.next_room += 1
            teams = message.get("teams") or []
            room = FloorRoom(
                f"F{self.next_room:04d}",
                player_id,
                int(message.get("num_questions", 5)),
                int(message.get("time_per_question", 20)),
                float(message.get("reveal_seconds", 2)),
                int(message.get("question_bytes", 300)),
                [str(m) for m in message.get("media") or []],
                len(teams) if isinstance(teams, list) else 0,
            )
            self.rooms[room.room_id] = room
            kind = "room_created"
        else:
            found = self.rooms.get(str(message.get("room_id")))
            if found is None:
                self.write((ws,), dumps({"type": "error", "code": "room_not_found"}))
                return None
            room, kind = found, "room_joined"
        index = len(room.conns)
        room.conns[player_id] = ws
        room.names[player_id] = name
        entry = {"id": player_id, "name": name, "score": 0, "connected": True}
        if room.teams:
            entry["team"] = index % room.teams
        if len(room.listed) < LISTED:
            room.listed.append(entry)  # the listed players change only while fewer than 100
        if self.gc_window is not None:
            self.gc_window.seated(room.room_id, len(room.conns))
        state = {
            "room_id": room.room_id,
            "phase": "lobby",
            "host_id": room.host,
            "players": room.listed,
            "player_count": len(room.conns),
            "media": room.media,
            "server_time_ms": self.clock.now_ms(),
        }
        reply = {"type": kind, "room_id": room.room_id, "player_id": player_id, "room": state}
        if rid is not None:
            reply["request_id"] = rid
        self.write((ws,), dumps(reply))
        if not create:
            self.presence(room, player_id, entry)
        return room

    def presence(self, room: FloorRoom, player_id: str, entry: dict[str, Any]) -> None:
        """player_joined: to everyone in a small room; to the host in a large one, and
        room_size to the others at most once a second."""
        joined = dumps({"type": "player_joined", "player": entry})
        if not room.large:
            self.to_room(room, joined, "player_joined", skip=player_id)
            return
        host = room.conns.get(room.host)
        if host is not None:
            self.write((host,), joined)
        if room.size_timer is None:
            loop = asyncio.get_running_loop()
            due = max(0.0, room.size_sent + LARGE_COUNT_MS / 1000 - loop.time())
            room.size_timer = loop.call_later(due, self.room_size, room)

    def room_size(self, room: FloorRoom) -> None:
        room.size_timer = None
        room.size_sent = asyncio.get_running_loop().time()
        n = len(room.conns)
        frame = dumps({"type": "room_size", "players": n, "connected": n})
        self.spread(room, lambda: frame if room.conns else None, room.host)

    # The game.

    def answer(
        self, room: FloorRoom, ws: ServerConnection, player_id: str, message: dict[str, Any]
    ) -> None:
        index = message.get("question_index")
        reply: dict[str, Any] = {"type": "answer_received", "question_index": index}
        if message.get("request_id") is not None:
            reply["request_id"] = message["request_id"]
        # A direct reply goes out at once, as the quiz server's: the player had its
        # question, so nothing still on its way to the room is due to it first.
        self.write((ws,), dumps(reply))
        if index != room.open_index or player_id in room.answered:
            return
        room.answered.add(player_id)
        if len(room.answered) >= len(room.conns):
            room.all_in.set()
        elif room.progress_timer is None:
            loop = asyncio.get_running_loop()
            interval = (LARGE_COUNT_MS if room.large else PROGRESS_MS) / 1000
            due = max(0.0, room.progress_sent + interval - loop.time())
            room.progress_timer = loop.call_later(due, self.progress, room, index)

    def progress(self, room: FloorRoom, index: int) -> None:
        room.progress_timer = None
        if room.open_index != index:
            return
        room.progress_sent = asyncio.get_running_loop().time()
        count = {"type": "answer_progress", "question_index": index, "total": len(room.conns)}
        if not room.large:
            frame = dumps({**count, "answered": len(room.answered)})
            self.to_room(room, frame, "answer_progress")
            return

        def latest() -> str | None:  # each slice the newest count, none after the question
            if room.open_index != index:
                return None
            return dumps({**count, "answered": len(room.answered)})

        self.spread(room, latest, None)

    async def play(self, room: FloorRoom) -> None:
        if self.gc_window is not None and room.large:
            self.gc_window.started(room.room_id)
        countdown = float(os.environ.get("COUNTDOWN_SECONDS", "1"))
        ends = self.clock.now_ms() + int(countdown * 1000)
        self.to_room(
            room, dumps({"type": "countdown", "seconds": countdown, "ends_ms": ends}), "countdown"
        )
        await asyncio.sleep(countdown)
        for index in range(room.num_questions):
            room.answered = set()
            room.all_in = asyncio.Event()
            room.open_index = index
            # A large room's first count comes a second after its question, as the
            # quiz server's; a small room's at the first answer.
            room.progress_sent = asyncio.get_running_loop().time() if room.large else -1e9
            message = question_message(
                index, room.num_questions, room.time_limit_s * 1000, room.question_bytes
            )
            if index < len(room.media):
                message["image"] = room.media[index]
            self.to_room(room, dumps(message), "question")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.all_in.wait(), room.time_limit_s)
            room.open_index = None
            if room.progress_timer is not None:
                room.progress_timer.cancel()
                room.progress_timer = None
            if room.counts is not None:  # the result makes a count on its way moot
                room.counts.drop()
                room.counts = None
            self.close_question(room, index)
            await asyncio.sleep(room.reveal_s)
        top = [
            {"player_id": p["id"], "name": p["name"], "score": 0, "rank": 1} for p in room.listed
        ]
        over = {"type": "game_over", "leaderboard": top, "player_count": len(room.conns)}
        self.to_room(room, dumps(over), "game_over")
        if self.gc_window is not None:
            self.gc_window.ended(room.room_id)

    def close_question(self, room: FloorRoom, index: int) -> None:
        """question_result to everyone (once encoded), then each player's your_result."""
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
            "total": len(room.conns),
            "next_at_ms": self.clock.now_ms() + int(room.reveal_s * 1000),
        }
        self.to_room(room, dumps(result), "question_result")
        for rank, (pid, ws) in enumerate(room.conns.items(), 1):
            mine = {
                "type": "your_result",
                "question_index": index,
                "correct": pid in room.answered,
                "points": 100 if pid in room.answered else 0,
                "score": 100 * (index + 1),
                "streak": index + 1,
                "rank": rank,
                "answer": 0,
            }
            self.to_one(room, ws, dumps(mine))


def _response(status: int, body: bytes, content_type: str) -> Response:
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return Response(status, "OK" if status == 200 else "Not Found", headers, body)


def load_media(folder: str) -> dict[str, bytes]:
    """The pictures to serve, by id: the files of ``folder`` named by their id."""
    if not folder:
        return {}
    return {
        p.name: p.read_bytes()
        for p in Path(folder).iterdir()
        if MEDIA_PATH.fullmatch(f"/media/{p.name}")
    }


async def main_async() -> None:
    gc_mode = os.environ.get("FLOOR_GC", "off")
    floor = Floor(load_media(os.environ.get("FLOOR_MEDIA_DIR", "")), gc_mode)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8800"))
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
        compression=None,
        backlog=1024,
    ) as server:
        if gc_mode != "window":
            # Off for good, the heap of the imports frozen out of any pass: no
            # collector policy can cost less than none. (Before the GC timing
            # starts: this one pass is start-up, not serving.)
            gc.collect()
            gc.freeze()
            gc.disable()
        floor.loop_lag.start()
        floor.metrics.start()
        bound = server.sockets[0].getsockname()[1]
        print(f"listening host={host} port={bound} gc={gc_mode}", file=sys.stderr, flush=True)
        await stop.wait()


def main() -> None:
    raise_fd_limit()
    if os.environ.get("BENCH_UVLOOP") == "1":
        install_uvloop()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
