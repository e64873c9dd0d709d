"""Simulated players: one worker process drives thousands of WebSocket clients.

Each player is a real WebSocket client (websockets' own sans-I/O
``ClientProtocol``: handshake, masking, permessage-deflate as a browser offers
it, ping/pong, close) on a bare ``asyncio.Protocol``. No task per player: the
bytes are handled in ``data_received``, which also stamps the receipt time, so
the generator adds as little as possible between the socket and the clock.

Targets:

- ``json``: protocol v1 (the quiz server) and the floor, text frames of JSON.
- ``sio``: the peer, Engine.IO v4 / Socket.IO v5 framing over the same
  WebSocket client (``42["event",{...}]``, ping ``2`` / pong ``3``).

Every player reads every frame. Only the frames a measurement needs are
decoded (``question``, ``answer_received``, joins, ``room_size``, errors, the
host's ``game_over``); the others are counted by their ``type``, read from the
frame's first bytes. Protocol 1.1's large-room rules are checked on the way
(capped lists with ``player_count``, presence to the host only) and breaches
counted under ``large_room``.

The coordinator (bench.run) drives a worker with commands over a
multiprocessing pipe: ``hosts``, ``join``, ``start``, ``wait``, ``results``,
``close``, ``exit``. Every wait is bounded by a timeout from the command.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import math
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from bench import common
from quiz.core.state import LARGE_ROOM


def _now_ms() -> float:
    return time.time() * 1000.0


class Player(asyncio.Protocol):
    """One simulated player on one WebSocket connection."""

    __slots__ = (
        "answer_sent_ms",
        "answers_received",
        "asked_ms",
        "closed",
        "codec",
        "done",
        "frag",
        "game_over",
        "is_host",
        "joined",
        "key",
        "loaded",
        "media",
        "name",
        "proto",
        "questions",
        "ready",
        "results",
        "room_players",
        "transport",
        "w",
        "waiting",
        "your_results",
    )

    def __init__(self, w: Worker, key: str, name: str, uri: str, codec: str, host: bool) -> None:
        self.w = w
        self.key = key
        self.name = name
        self.codec = codec
        self.is_host = host
        extensions = enable_client_permessage_deflate(None) if w.compression else None
        self.proto = ClientProtocol(parse_uri(uri), extensions=extensions, max_size=None)
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.joined: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.frag: list[bytes] | None = None
        self.questions: set[int] = set()
        self.answer_sent_ms: dict[int, float] = {}
        self.answers_received = 0
        self.results = 0
        self.your_results = 0
        self.game_over = False
        self.room_players = 0  # as last told: room_joined, player_joined, room_size
        self.done = False
        self.closed = False
        # Pictures (protocol 1.2 "Media"): the room's list, when each was loaded
        # (ms), and the questions whose picture had not come when they opened.
        self.media: list[str] = []
        self.loaded: dict[str, float] = {}
        self.waiting: dict[str, float] = {}  # media id -> the question's receipt (ms)
        self.asked_ms: dict[int, float] = {}  # question index -> receipt (ms)

    # --- transport ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self.proto.send_request(self.proto.connect())
        self._flush()

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for data in self.proto.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()

    def data_received(self, data: bytes) -> None:
        t_ms = _now_ms()
        proto = self.proto
        proto.receive_data(data)
        for event in proto.events_received():
            if isinstance(event, Frame):
                opcode = event.opcode
                if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
                    if event.fin:
                        self._on_text(event.data, t_ms)
                    else:
                        self.frag = [event.data]
                elif opcode is Opcode.CONT and self.frag is not None:
                    self.frag.append(event.data)
                    if event.fin:
                        whole, self.frag = b"".join(self.frag), None
                        self._on_text(whole, t_ms)
                elif opcode is Opcode.CLOSE:
                    self._on_close(proto.close_rcvd.code if proto.close_rcvd else 1005)
            elif isinstance(event, Response):
                if proto.handshake_exc is not None or proto.state is not State.OPEN:
                    self._fail(f"handshake: {proto.handshake_exc!r}")
                elif proto.extensions:
                    self.w.deflate += 1
                elif self.codec == "json" and not self.ready.done():
                    self.ready.set_result(None)
        self._flush()

    def eof_received(self) -> bool | None:
        self.proto.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.closed:
            self._on_close(None)

    def _fail(self, why: str) -> None:
        self.w.errors[why[:60]] += 1
        for fut in (self.ready, self.joined):
            if not fut.done():
                fut.set_exception(ConnectionError(why))

    def _on_close(self, code: int | None) -> None:
        if self.closed:
            return
        self.closed = True
        if not self.w.closing:
            self.w.errors[f"closed_{code}"] += 1
            if not self.done:
                self.w.lost += 1
        for fut in (self.ready, self.joined):
            if not fut.done():
                fut.set_exception(ConnectionError(f"closed {code}"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # --- application --------------------------------------------------------------------

    def send(self, action: str, payload: dict[str, Any]) -> None:
        if self.transport is None or self.proto.state is not State.OPEN:
            return
        if self.codec == "json":
            data = common.dumps({"action": action, **payload})
        else:
            data = b"42" + common.dumps([action, payload])
        self.proto.send_text(data)
        self._flush()

    def _send_raw(self, data: bytes) -> None:
        if self.transport is not None and self.proto.state is State.OPEN:
            self.proto.send_text(data)
            self._flush()

    def _on_text(self, data: bytes, t_ms: float) -> None:
        w = self.w
        if self.codec == "sio":
            head = data[:2]
            if head == b"42":
                data = data[2:]
                # ["type",{...}]
                end = data.find(b'"', 2)
                kind = data[2:end].decode() if data.startswith(b'["') and end > 0 else "?"
                body: bytes | None = data
            elif data == b"2":  # engine.io ping: answer pong, not a message
                self._send_raw(b"3")
                return
            elif data[:1] == b"0":  # engine.io open
                self._send_raw(b"40")
                return
            elif head == b"40":  # namespace connected
                if not self.ready.done():
                    self.ready.set_result(None)
                return
            elif data[:1] == b"1" or head in (b"41", b"44"):
                # Engine.IO close, Socket.IO disconnect or connect error: the server
                # will not answer on this connection. Fail a pending join now (a join
                # waiting here would otherwise hold its slot until the phase deadline).
                kind = "sio_" + data[:2].decode(errors="replace")
                self.w.errors[kind] += 1
                for fut in (self.ready, self.joined):
                    if not fut.done():
                        fut.set_exception(ConnectionError(kind))
                return
            else:
                kind, body = "sio_" + data[:2].decode(errors="replace"), None
        else:
            body = data
            if data.startswith(b'{"type":"'):
                end = data.find(b'"', 9)
                kind = data[9:end].decode()
            else:
                kind = str(common.loads(data).get("type"))
        counts = w.msgs_game if w.in_game else w.msgs_join
        counts[kind] += 1
        if w.in_game:
            w.bytes_game += len(data)
        else:
            w.bytes_join += len(data)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, body, len(data), t_ms)
        elif kind in _PRESENCE:
            self._on_presence(kind)

    def _on_question(self, body: bytes | None, size: int, t_ms: float) -> None:
        w = self.w
        m = self._decode(body)
        index = m["question_index"]
        self.questions.add(index)
        self.asked_ms[index] = t_ms
        w.on_question(self.key, index, m["server_time_ms"], t_ms, size)
        options = len(m.get("options") or (1, 2, 3, 4))
        w.loop.call_later(w.draw_delay(), self.answer, index, options)
        if w.media_mode and self.media:
            self._picture_due(m.get("image"), t_ms)
            if index + 1 < len(self.media):
                # The next question's picture, fetched while this one is open
                # (the prefetch of a client that reads the room's media list),
                # after a jitter so that 5,000 phones do not connect in the
                # same millisecond.
                w.loop.call_later(w.rng.uniform(0, w.media_jitter_s), w.fetch, self, index + 1)

    def _picture_due(self, media_id: Any, t_ms: float) -> None:
        """The question shows ``media_id`` now: was it loaded before? (fair timing)"""
        if not isinstance(media_id, str):
            return
        loaded = self.loaded.get(media_id)
        if loaded is not None:
            self.w.picture_wait.append(0.0)
        else:
            self.waiting[media_id] = t_ms  # late: its wait is known when it comes
            self.w.pictures_late += 1

    def picture_loaded(self, media_id: str, t_ms: float) -> None:
        self.loaded[media_id] = t_ms
        asked = self.waiting.pop(media_id, None)
        if asked is not None:
            self.w.picture_wait.append(t_ms - asked)

    def _on_answer_received(self, body: bytes | None, size: int, t_ms: float) -> None:
        m = self._decode(body)
        index = m.get("question_index", -1)
        sent = self.answer_sent_ms.get(index)
        if sent is not None:
            self.w.answer_lat.append(t_ms - sent)
            self.w.acks.append((self.key, index, sent, t_ms))
        self.answers_received += 1

    def _on_question_result(self, body: bytes | None, size: int, t_ms: float) -> None:
        self.results += 1

    def _on_your_result(self, body: bytes | None, size: int, t_ms: float) -> None:
        self.your_results += 1

    def _on_game_over(self, body: bytes | None, size: int, t_ms: float) -> None:
        self.game_over = True
        if self.is_host and self.w.check_large_room:
            # One decode a room (the host's): in protocol 1.1 the leaderboard is
            # capped and player_count gives the total.
            m = self._decode(body)
            self._check_list(len(m.get("leaderboard") or ()), m.get("player_count"), "game_over")
        if not self.done:
            self.done = True
            self.w.player_done()

    def _on_room_joined(self, body: bytes | None, size: int, t_ms: float) -> None:
        m = self._decode(body)
        room = m.get("room") or {}
        if self.w.check_large_room and isinstance(room, dict) and "players" in room:
            count = room.get("player_count")
            self.room_players = count if isinstance(count, int) else len(room["players"])
            self._check_list(len(room["players"]), count, "room_joined")
        if isinstance(room, dict) and isinstance(room.get("media"), list) and not self.media:
            self.media = [str(x) for x in room["media"]]
            if self.w.media_mode and self.media:
                self.w.fetch(self, 0)  # in the lobby: the first question's picture
        if not self.joined.done():
            self.joined.set_result({"room_id": m.get("room_id"), "player_id": m.get("player_id")})

    def _on_room_size(self, body: bytes | None, size: int, t_ms: float) -> None:
        players = self._decode(body).get("players")
        if isinstance(players, int):
            self.room_players = players

    def _on_presence(self, kind: str) -> None:
        # Protocol 1.1: in a large room presence goes to the host only. Checked
        # before counting the newcomer: the join that makes a room large may go out.
        if not self.is_host and self.w.check_large_room and self.room_players > LARGE_ROOM:
            self.w.large_room["presence_to_player_in_large_room"] += 1
        if kind == "player_joined":
            self.room_players += 1

    def _check_list(self, listed: int, count: Any, what: str) -> None:
        """Protocol 1.1: player lists hold at most 100, and ``player_count`` the total."""
        if listed > LARGE_ROOM:
            self.w.large_room[f"{what}_list_over_{LARGE_ROOM}"] += 1
        if not isinstance(count, int):
            self.w.large_room[f"{what}_without_player_count"] += 1

    def _on_error(self, body: bytes | None, size: int, t_ms: float) -> None:
        code = str(self._decode(body).get("code"))
        self.w.errors[f"error_{code}"] += 1
        if not self.joined.done():
            self.joined.set_exception(ConnectionError(f"error {code}"))

    def _decode(self, body: bytes | None) -> dict[str, Any]:
        if body is None:
            return {}
        value = common.loads(body)
        if self.codec == "sio":
            value = value[1] if len(value) > 1 else {}
        return value if isinstance(value, dict) else {}

    def answer(self, index: int, options: int) -> None:
        if self.closed or self.done:
            return
        self.answer_sent_ms[index] = _now_ms()
        self.send(
            "submit_answer", {"question_index": index, "answer": self.w.rng.randrange(options)}
        )


class Fetch(asyncio.Protocol):
    """One ``GET /media/<id>`` on its own connection, as a phone's browser makes it."""

    def __init__(self, w: Worker, player: Player, media_id: str, host: str) -> None:
        self.w = w
        self.player = player
        self.media_id = media_id
        self.request = (
            f"GET /media/{media_id} HTTP/1.1\r\nHost: {host}\r\n"
            "Accept: image/webp,*/*\r\nConnection: close\r\n\r\n"
        ).encode()
        self.started_ms = _now_ms()
        self.head = b""
        self.status = 0
        self.length = -1
        self.body = 0
        self.over = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if self.status:
            self.body += len(data)
            return
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = self.head[:end].split(b"\r\n")
        self.status = int(lines[0].split(b" ", 2)[1])
        for line in lines[1:]:
            if line.lower().startswith(b"content-length:"):
                self.length = int(line.split(b":", 1)[1])
        self.body = len(self.head) - end - 4

    def connection_lost(self, exc: Exception | None) -> None:
        if self.status == 200 and self.body == self.length:
            self.finish()
        else:
            self.fail(f"http_{self.status}" if self.status else "no_response")

    def finish(self) -> None:
        if self.over:
            return
        self.over = True
        now = _now_ms()
        self.w.fetch_ms.append(now - self.started_ms)
        self.w.fetch_bytes += self.body
        self.player.picture_loaded(self.media_id, now)
        self.w.fetched()

    def fail(self, why: str) -> None:
        if self.over:
            return
        self.over = True
        self.w.fetch_failed[why] += 1
        self.w.fetched()


class Worker:
    """One process's players and the measurements they make."""

    def __init__(self, conn: Connection, wid: int, options: dict[str, Any]) -> None:
        self.conn = conn
        self.wid = wid
        self.compression = bool(options.get("compression", True))
        self.rng = random.Random(options.get("seed", 1) * 1000 + wid)
        self.delay: dict[str, Any] = options.get("delay", {"kind": "uniform", "min": 0, "max": 1})
        self.loop = asyncio.get_running_loop()
        self.players: list[Player] = []
        self.hosts: dict[str, Player] = {}
        self.in_game = False
        self.closing = False
        self.msgs_join: Counter[str] = Counter()
        self.msgs_game: Counter[str] = Counter()
        self.bytes_join = 0
        self.bytes_game = 0
        self.errors: Counter[str] = Counter()
        # Breaches of protocol 1.1's large-room rules, by kind (see Player._check_list).
        self.large_room: Counter[str] = Counter()
        self.check_large_room = bool(options.get("check_large_room", True))  # quiz only
        self.lost = 0
        self.deflate = 0  # connections that negotiated permessage-deflate
        # (room key, question index) -> [server_time_ms, [receipt ms...]]
        self.fanout: dict[tuple[str, int], list[Any]] = {}
        self.question_bytes: list[int] = []
        self.answer_lat: list[float] = []
        # (room key, question index, sent ms, acknowledged ms) of every answer:
        # the coordinator finds the windows in which the server handled answers.
        self.acks: list[tuple[str, int, float, float]] = []
        self.join_lat: list[float] = []
        self.join_first = math.inf
        self.join_last = 0.0
        self.done_count = 0
        self.expected_done = 0
        self.all_done = asyncio.Event()
        self.game_started_ms = 0.0
        self.game_ended_ms = 0.0
        self.cpu_marks: dict[str, float] = {}
        # Pictures: fetched ahead over HTTP (GET /media/<id>) when the scenario
        # says so, at most ``media_inflight`` at once per worker.
        media = options.get("media") or {}
        self.media_mode = bool(media)
        self.media_jitter_s = float(media.get("jitter_s", 2.0))
        self.media_inflight = int(media.get("inflight", 256))
        self.fetching = 0
        self.fetch_tasks: set[asyncio.Task[None]] = set()
        self.fetch_queue: collections.deque[tuple[Player, int]] = collections.deque()
        self.fetch_ms: list[float] = []  # start of a fetch to its last byte
        self.fetch_bytes = 0
        self.fetch_failed: Counter[str] = Counter()
        self.picture_wait: list[float] = []  # per (player, question): 0 when loaded before
        self.pictures_late = 0

    # --- measurements -------------------------------------------------------------------

    def on_question(self, key: str, index: int, server_ms: int, t_ms: float, size: int) -> None:
        entry = self.fanout.get((key, index))
        if entry is None:
            entry = self.fanout[(key, index)] = [server_ms, []]
            self.question_bytes.append(size)
        entry[1].append(t_ms)

    def fetch(self, player: Player, index: int) -> None:
        """Fetch ``player``'s picture number ``index`` now, or when a slot frees."""
        if player.closed or index >= len(player.media) or player.media[index] in player.loaded:
            return
        if self.fetching >= self.media_inflight:
            self.fetch_queue.append((player, index))
            return
        self.fetching += 1
        media_id = player.media[index]
        port = player.proto.uri.port
        fetch = Fetch(self, player, media_id, f"127.0.0.1:{port}")
        task = self.loop.create_task(self._fetch(fetch, port))
        self.fetch_tasks.add(task)  # held until done: a task nobody holds may vanish
        task.add_done_callback(self.fetch_tasks.discard)

    async def _fetch(self, fetch: Fetch, port: int) -> None:
        try:
            await self.loop.create_connection(lambda: fetch, "127.0.0.1", port)
        except OSError as exc:
            fetch.fail(f"connect_{type(exc).__name__}")

    def fetched(self) -> None:
        self.fetching -= 1
        while self.fetch_queue and self.fetching < self.media_inflight:
            player, index = self.fetch_queue.popleft()
            self.fetch(player, index)

    def draw_delay(self) -> float:
        d = self.delay
        if d["kind"] == "lognormal":
            value = d["median"] * math.exp(self.rng.gauss(0.0, d["sigma"]))
        else:
            value = self.rng.uniform(d["min"], d["max"])
        return min(max(value, d.get("min", 0.0)), d.get("max", 60.0))

    def player_done(self) -> None:
        self.done_count += 1
        self.game_ended_ms = _now_ms()
        if self.done_count >= self.expected_done:
            self.all_done.set()

    # --- commands -----------------------------------------------------------------------

    async def recv(self) -> dict[str, Any]:
        fd = self.conn.fileno()
        ready: asyncio.Future[None] = self.loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        self.loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            self.loop.remove_reader(fd)
            # The loop made the pipe non-blocking; a large command (or reply) needs
            # blocking reads and writes on it.
            os.set_blocking(fd, True)
        return self.conn.recv()

    async def run(self) -> None:
        handlers = {
            "hosts": self.cmd_hosts,
            "join": self.cmd_join,
            "start": self.cmd_start,
            "wait": self.cmd_wait,
            "results": self.cmd_results,
            "close": self.cmd_close,
        }
        while True:
            cmd = await self.recv()
            name = cmd["cmd"]
            if name == "exit":
                self.conn.send({"ok": True})
                return
            try:
                reply = await handlers[name](cmd)
            except Exception as exc:  # reported to the coordinator, which decides
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            self.conn.send(reply)

    async def _connect(self, spec: dict[str, Any], host: bool) -> Player:
        player = Player(self, spec["key"], spec["name"], spec["uri"], spec["codec"], host)
        self.players.append(player)
        started = time.perf_counter()
        self.join_first = min(self.join_first, _now_ms())
        await self.loop.create_connection(lambda: player, "127.0.0.1", spec["port"])
        await player.ready
        if host:
            player.send("create_room", {"name": spec["name"], **spec["settings"]})
        else:
            player.send("join_room", {"room_id": spec["room_id"], "name": spec["name"]})
        await player.joined
        self.join_lat.append((time.perf_counter() - started) * 1000)
        self.join_last = max(self.join_last, _now_ms())
        return player

    async def _bounded(
        self, specs: list[dict[str, Any]], host: bool, concurrency: int, limit_s: float
    ) -> tuple[list[tuple[dict[str, Any], Player]], Counter[str]]:
        sem = asyncio.Semaphore(concurrency)
        deadline = self.loop.time() + limit_s
        failures: Counter[str] = Counter()
        done: list[tuple[dict[str, Any], Player]] = []

        async def one(spec: dict[str, Any]) -> None:
            async with sem:
                left = deadline - self.loop.time()
                if left <= 0:
                    failures["join_timeout"] += 1
                    return
                try:
                    player = await asyncio.wait_for(self._connect(spec, host), left)
                    done.append((spec, player))
                except TimeoutError:
                    failures["join_timeout"] += 1
                except (OSError, ConnectionError) as exc:
                    failures[f"join_{type(exc).__name__}: {str(exc)[:40]}"] += 1

        await asyncio.gather(*(one(s) for s in specs))
        return done, failures

    async def cmd_hosts(self, cmd: dict[str, Any]) -> dict[str, Any]:
        done, failures = await self._bounded(cmd["rooms"], True, cmd["concurrency"], cmd["timeout"])
        rooms = {}
        for spec, player in done:
            self.hosts[spec["key"]] = player
            rooms[spec["key"]] = player.joined.result()["room_id"]
        self.errors.update(failures)
        return {"ok": True, "rooms": rooms, "failures": dict(failures)}

    async def cmd_join(self, cmd: dict[str, Any]) -> dict[str, Any]:
        started = _now_ms()
        done, failures = await self._bounded(
            cmd["players"], False, cmd["concurrency"], cmd["timeout"]
        )
        self.errors.update(failures)
        return {
            "ok": True,
            "joined": len(done),
            "failures": dict(failures),
            "started_ms": started,
            "ended_ms": _now_ms(),
        }

    async def cmd_start(self, cmd: dict[str, Any]) -> dict[str, Any]:
        # The join's garbage goes now, before anything of the game is measured
        # (the collector is off: see worker_main).
        gc.collect()
        self.in_game = True
        self.game_started_ms = _now_ms()
        self.cpu_marks["game_start"] = time.process_time()
        self.expected_done = sum(1 for p in self.players if not p.closed)
        if self.expected_done == 0:
            self.all_done.set()
        for key in cmd["keys"]:
            host = self.hosts.get(key)
            if host is not None:
                host.send("start_game", {"request_id": "start"})
        return {"ok": True, "expected": self.expected_done}

    async def cmd_wait(self, cmd: dict[str, Any]) -> dict[str, Any]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_done.wait(), cmd["timeout"])
        self.cpu_marks["game_end"] = time.process_time()
        return {"ok": True, "done": self.done_count, "expected": self.expected_done}

    async def cmd_results(self, cmd: dict[str, Any]) -> dict[str, Any]:
        expect_q = cmd["num_questions"]
        missing: Counter[str] = Counter()
        for p in self.players:
            if len(p.questions) < expect_q:
                missing["question"] += expect_q - len(p.questions)
            if not p.game_over:
                missing["game_over"] += 1
            # Every target sends each question's result and each player's own.
            missing["question_result"] += max(0, expect_q - p.results)
            missing["your_result"] += max(0, expect_q - p.your_results)
            missing["answer_received"] += max(0, len(p.answer_sent_ms) - p.answers_received)
        return {
            "ok": True,
            "players": len(self.players),
            "msgs_join": dict(self.msgs_join),
            "msgs_game": dict(self.msgs_game),
            "bytes_join": self.bytes_join,
            "bytes_game": self.bytes_game,
            "errors": dict(self.errors),
            "large_room": dict(self.large_room),
            "lost": self.lost,
            "deflate_connections": self.deflate,
            "missing": {k: v for k, v in missing.items() if v},
            "fanout": [[k[0], k[1], v[0], v[1]] for k, v in self.fanout.items()],
            "question_bytes": self.question_bytes,
            "answer_lat": self.answer_lat,
            "acks": self.acks,
            "media": {
                "fetches": len(self.fetch_ms),
                "failed": dict(self.fetch_failed),
                "bytes": self.fetch_bytes,
                "fetch_ms": self.fetch_ms,
                "picture_wait_ms": self.picture_wait,
                "late": self.pictures_late,
                "still_waiting": sum(len(p.waiting) for p in self.players),
            }
            if self.media_mode
            else None,
            "join_lat": self.join_lat,
            "join_first_ms": self.join_first,
            "join_last_ms": self.join_last,
            "game_started_ms": self.game_started_ms,
            "game_ended_ms": self.game_ended_ms,
            "done": self.done_count,
            "cpu_game_s": self.cpu_marks.get("game_end", 0.0)
            - self.cpu_marks.get("game_start", 0.0),
            "cpu_total_s": time.process_time(),
            "json": common.JSON_LIB,
            "loop": type(self.loop).__module__,
        }

    async def cmd_close(self, cmd: dict[str, Any]) -> dict[str, Any]:
        self.closing = True
        for p in self.players:
            p.close()
        await asyncio.sleep(0.2)
        return {"ok": True}


_Handler = Callable[[Player, "bytes | None", int, float], None]
_HANDLERS: dict[str, _Handler] = {
    "question": Player._on_question,
    "answer_received": Player._on_answer_received,
    "question_result": Player._on_question_result,
    "your_result": Player._on_your_result,
    "game_over": Player._on_game_over,
    "room_joined": Player._on_room_joined,
    "room_created": Player._on_room_joined,
    "room_size": Player._on_room_size,
    "error": Player._on_error,
}
_PRESENCE = frozenset(("player_joined", "player_left", "player_disconnected", "player_reconnected"))


def worker_main(conn: Connection, wid: int, options: dict[str, Any]) -> None:
    """Entry point of a worker process (multiprocessing, spawn)."""
    common.raise_fd_limit()
    cpus = options.get("cpus")
    if cpus:
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(0, set(cpus))
    if options.get("json") == "json":
        common.use_stdlib_json()
    if options.get("loop") == "uvloop":
        common.install_uvloop()
    # No cyclic GC in a worker. Its passes stopped the worker in the middle
    # of question fan-outs (room_5000: young ones of 5 to 14 ms in every
    # fan-out, a full one of 158 ms), and that time was charged to whichever
    # server was under test. (The quiz server's room_10000 fan-out went from
    # 17,500 to 38,900 deliveries/s across this change, but a change of its
    # send path, 1ca4c06, landed between the two runs, and the floor's moved
    # only from 38,000 to 38,400: the two effects are not separated.) A
    # worker lives for one run and makes few cycles (10,000 players: 221 MiB
    # at most); reference counting frees the rest, and cmd_start collects
    # the join's cycles.
    gc.disable()

    async def main() -> None:
        await Worker(conn, wid, options).run()

    asyncio.run(main())
