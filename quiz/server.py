"""The asyncio layer: connections, rooms in this process, timers, fan-out, HTTP.

Everything here carries commands into :class:`quiz.game.Room` and its
outputs out to sockets; no rule of the game lives here.

Ordering: a room applies one command at a time under its lock, and delivers
that command's outputs before releasing it. Every send is synchronous
(``websockets.broadcast`` writes into the connection's buffer without
awaiting), so the order in which outputs are delivered is the order in
which every connection receives them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from redis.exceptions import RedisError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from llm import QuestionSource, RedisQuestionCache
from quiz import codec, endpoints
from quiz.cluster import Cluster, NotOwner, RoomGone, Unavailable
from quiz.config import Settings
from quiz.fanout import LARGE_ROOM, SlowReaderSweep, progress_interval, send_in_slices
from quiz.game import (
    Disconnected,
    Generate,
    Limits,
    Output,
    QuestionsReady,
    Release,
    Reply,
    Resume,
    Room,
    RoomClosed,
    Seat,
    Send,
    Tick,
)
from quiz.metrics import Counters, LoopLag, ServerMetrics
from quiz.protocol import (
    ENTRY_COMMANDS,
    ClientCommand,
    CloseCode,
    CreateRoom,
    ErrorCode,
    JoinRoom,
    Message,
    ProtocolError,
    Rejoin,
    encode,
    error,
    parse,
)
from quiz.ratelimit import TokenBucket

log = logging.getLogger("quiz.server")

ROOM_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud
ROOM_CODE_LENGTH = 5
RECONNECT_AFTER_MS = 1000
WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def hash_token(token: str) -> str:
    # Rooms keep only a hash, so a dump of room state (or of Redis) holds no
    # usable token.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(eq=False, slots=True)
class Client:
    """One WebSocket connection and what it is bound to."""

    ws: ServerConnection
    bucket: TokenBucket
    room: LocalRoom | None = None
    player_id: str | None = None
    # Direct replies to entry commands, by request_id: before a connection is
    # a player, idempotency can only be per connection.
    seen: dict[str, tuple[float, str]] = field(default_factory=dict)
    messages: int = 0


@dataclass(eq=False, slots=True)
class LocalRoom:
    """A room this process serves: its connections here, and its state and
    timers while this process owns it (always, without Redis)."""

    room_id: str
    room: Room | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    clients: dict[str, Client] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None
    timer_due: int | None = None
    progress_pending: Message | None = None
    progress_sent_at: float = 0.0
    progress_timer: asyncio.TimerHandle | None = None
    last_result_index: int = -1
    gone: bool = False
    # With Redis (see quiz.cluster): the lease held, the last sequence number
    # seen, the log entry relayed or written last, the inbox entries applied
    # and read last.
    lease: str | None = None
    seq: int = 0
    cursor: str = "0-0"
    inbox_cursor: str = "0-0"
    inbox_read: str = "0-0"
    snapshot_seq: int = 0
    forwarding: int = 0  # commands sent to the owner and not answered yet
    # Joins waiting for the next seating pass (see QuizServer._seat_together).
    seating: list[tuple[Seat, Client, str, asyncio.Future[str | None]]] = field(
        default_factory=list
    )


class QuizServer:
    """Serves protocol v1 and the HTTP endpoints on one port."""

    def __init__(self, settings: Settings, source: QuestionSource) -> None:
        self.settings = settings
        self.server_id = settings.server_id
        self.source = source
        self.rooms: dict[str, LocalRoom] = {}
        self.clients: set[Client] = set()
        self.limits = Limits(
            max_players=settings.max_players_per_room,
            grace_ms=int(settings.reconnect_grace_seconds * 1000),
            idle_ttl_ms=int(settings.room_idle_ttl_seconds * 1000),
            countdown_ms=settings.countdown_seconds * 1000,
        )
        self.static = endpoints.load_static(Path(settings.web_dir) if settings.web_dir else WEB_DIR)
        self.allowed_origins = set(settings.allowed_origins)
        self.shutting_down = False
        self.server: Server | None = None
        self.started = time.monotonic()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.counters = Counters()
        self.metrics = ServerMetrics(self.counters, self._sizes)
        self.loop_lag = LoopLag(on_sample=self.metrics.lag)
        self.sweep = SlowReaderSweep(lambda: (c.ws for c in self.clients))
        self.cluster = Cluster(settings, self) if settings.redis_url else None
        if self.cluster is not None:
            self.metrics.time_redis(self.cluster.redis)
            # Generated question sets are shared by every server.
            self.source.use_cache(RedisQuestionCache(self.cluster.redis))

    # Life cycle.

    async def start(self) -> Server:
        """Listen on HOST:PORT; the bound port is in :attr:`port` afterwards."""
        if self.cluster is not None:
            await self.cluster.start()
        self.server = await serve(
            self.handler,
            self.settings.host,
            self.settings.port,
            process_request=self.process_request,
            ping_interval=self.settings.ping_interval,
            ping_timeout=self.settings.ping_timeout,
            max_size=self.settings.max_message_bytes,
            # permessage-deflate compresses each frame once per connection
            # (per-connection contexts): fan-out to n players would deflate
            # n times. Messages are a few hundred bytes of JSON; not worth it.
            compression=None,
            # Bounds how long a peer that never answers our close can hold
            # shutdown, so SIGTERM ends the process well within 10 s.
            close_timeout=2,
            server_header="quiz-server",
            # WORKERS > 1: the workers share one port, the kernel spreads
            # connections between them.
            reuse_port=self.settings.workers > 1,
            # A room code on a projector brings hundreds of connections at
            # once; the default backlog (100) drops the rest into a 1 s retry.
            backlog=1024,
        )
        self.loop_lag.start()
        self.metrics.start()
        self.sweep.start()
        log.info(
            "listening", extra={"host": self.settings.host, "port": self.port, "event": "listening"}
        )
        return self.server

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def shutdown(self) -> None:
        """Tell every player to come back, close with 1012, stop serving."""
        if self.shutting_down:
            return
        self.shutting_down = True
        log.info(
            "shutting down", extra={"connections": len(self.clients), "rooms": len(self.rooms)}
        )
        frame = encode({"type": "server_restarting", "reconnect_after_ms": RECONNECT_AFTER_MS})
        websockets.broadcast([c.ws for c in self.clients], frame)
        for lr in self.rooms.values():
            self._cancel_timers(lr)
        if self.cluster is not None:
            try:
                async with asyncio.timeout(2):
                    await self._depart()
            except TimeoutError:
                log.warning("handing rooms over took too long; leases will run out instead")
        # Close every connection with 1012 at once, while the listener still
        # answers /readyz with 503; each close waits at most close_timeout
        # for a peer that never answers.
        closing = [
            asyncio.ensure_future(c.ws.close(CloseCode.RESTARTING, "server restarting"))
            for c in self.clients
        ]
        if closing:
            await asyncio.wait(closing, timeout=self.settings.shutdown_grace_seconds)
        if self.server is not None:
            self.server.close(code=CloseCode.RESTARTING, reason="server restarting")
            try:
                await asyncio.wait_for(self.server.wait_closed(), timeout=2)
            except TimeoutError:
                log.warning("connections still open at shutdown; exiting anyway")
        for task in list(self._tasks):
            task.cancel()
        await self.loop_lag.stop()
        await self.sweep.stop()
        self.metrics.stop()
        if self.cluster is not None:
            await self.cluster.stop()
        await self.source.aclose()

    async def _depart(self) -> None:
        """Redis mode, at shutdown: hand every owned room over at once.

        Our players are not marked disconnected: told to come back, they
        rejoin elsewhere within a second or two, and a question must not
        close early without them. Should one not come back, the owners see
        this server's heartbeat stop and mark them disconnected then.
        """
        assert self.cluster is not None
        await self.cluster.hand_over()

    # HTTP.

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        if upgrade:
            if path not in ("/", "/ws"):
                return endpoints.text_response(404, "No WebSocket endpoint here; use /ws.\n")
            if not self._origin_allowed(request):
                return endpoints.text_response(403, "Origin not allowed.\n")
            if self.shutting_down:
                return endpoints.text_response(503, "Server is restarting.\n")
            return None  # go on with the WebSocket handshake
        if request.method not in ("GET", "HEAD"):
            return endpoints.text_response(
                405, "Method not allowed.\n", extra={"Allow": "GET, HEAD"}
            )
        head = request.method == "HEAD"
        if path == "/healthz":
            return endpoints.json_response(200, self.health(), head=head)
        if path == "/metrics":
            body, content_type = self.metrics.render()
            return endpoints.response(200, body, content_type, head=head)
        if path == "/readyz":
            redis_ok = self.cluster is None or self.cluster.healthy
            ready = redis_ok and not self.shutting_down
            status = "shutting_down" if self.shutting_down else "redis_unreachable"
            body = {
                "status": "ready" if ready else status,
                "server_id": self.settings.server_id,
            }
            return endpoints.json_response(200 if ready else 503, body, head=head)
        if path == "/ws":
            return endpoints.text_response(
                426,
                "This is the WebSocket endpoint: connect with a WebSocket client.\n",
                extra={"Upgrade": "websocket"},
            )
        return endpoints.static_response(self.static, request, path)

    def health(self) -> dict[str, object]:
        return {
            "status": "ok",
            "server_id": self.settings.server_id,
            "rooms": len(self.rooms),
            "connections": len(self.clients),
            "uptime_s": round(time.monotonic() - self.started, 1),
            "loop_lag_ms": self.loop_lag.report(),
            "counters": dict(self.counters),
            "redis": self.cluster.metrics() if self.cluster is not None else None,
        }

    def _sizes(self) -> dict[str, int]:
        """For /metrics, when scraped: O(rooms), never on the game's path."""
        players = sum(len(lr.clients) for lr in self.rooms.values())
        return {"rooms": len(self.rooms), "connections": len(self.clients), "players": players}

    def _origin_allowed(self, request: Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None or not self.allowed_origins:
            return True  # not a browser, or no list: anyone
        if origin.rstrip("/") in self.allowed_origins:
            return True
        # The page this server serves itself is always welcome.
        host = request.headers.get("Host", "")
        return origin.split("://", 1)[-1] == host

    # WebSocket.

    async def handler(self, ws: ServerConnection) -> None:
        client = Client(
            ws, TokenBucket(self.settings.rate_limit_per_second, self.settings.rate_limit_burst)
        )
        self.clients.add(client)
        peer = _peer(ws)
        log.info("connection open", extra={"peer": peer, "conn": ws.id.hex[:8]})
        try:
            async for raw in ws:
                await self._on_frame(client, raw)
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(client)
            await self._on_gone(client)
            log.info(
                "connection closed",
                extra={
                    "peer": peer,
                    "conn": ws.id.hex[:8],
                    "code": ws.close_code,
                    "messages": client.messages,
                },
            )

    async def _on_frame(self, client: Client, raw: str | bytes) -> None:
        client.messages += 1
        self.counters["messages_in"] += 1
        if not client.bucket.take(time.monotonic()):
            if client.bucket.strikes > self.settings.rate_limit_burst:
                log.warning("closing a flooding connection", extra={"conn": client.ws.id.hex[:8]})
                self._close(client, CloseCode.POLICY, "rate limit exceeded")
            else:
                self._send(
                    client, encode(error(ErrorCode.RATE_LIMITED, "slow down: too many messages"))
                )
            return
        try:
            command = parse(raw)
        except ProtocolError as exc:
            log.info("error", extra={"conn": client.ws.id.hex[:8], "code": str(exc.code)})
            self._send(client, encode(error(exc.code, exc.message, exc.request_id)))
            return
        self.metrics.command(command)
        try:
            await self._dispatch(client, command)
        except Unavailable:
            self._send(
                client,
                encode(
                    error(
                        ErrorCode.SERVER_BUSY,
                        "the game store is unreachable; retry shortly",
                        command.request_id,
                    )
                ),
            )
        except Exception:
            log.exception("internal error", extra={"action": type(command).__name__})
            self._send(
                client,
                encode(
                    error(
                        ErrorCode.INTERNAL_ERROR,
                        "the server failed on this message",
                        command.request_id,
                    )
                ),
            )

    async def _dispatch(self, client: Client, command: ClientCommand) -> None:
        rid = command.request_id
        if isinstance(command, ENTRY_COMMANDS):
            # A retry first: the same reply as the first time, even though
            # the first one seated this connection.
            if rid is not None:
                hit = client.seen.get(rid)
                if hit is not None and time.monotonic() - hit[0] < self.limits.dedup_ttl_ms / 1000:
                    self._send(client, hit[1])
                    return
            if client.room is not None:
                self._send(
                    client, encode(error(ErrorCode.ALREADY_IN_ROOM, "leave your room first", rid))
                )
                return
            reply = await self._enter(client, command)
            if rid is not None and reply is not None:
                if len(client.seen) >= 32:
                    client.seen.pop(next(iter(client.seen)))
                client.seen[rid] = (time.monotonic(), reply)
            return
        if client.room is None or client.player_id is None:
            self._send(client, encode(error(ErrorCode.NOT_IN_ROOM, "join a room first", rid)))
            return
        await self.apply(client.room, command, sender=client)

    async def _enter(self, client: Client, command: CreateRoom | JoinRoom | Rejoin) -> str | None:
        """create_room, join_room, rejoin: the frame of the direct reply."""
        rid = command.request_id
        if isinstance(command, CreateRoom):
            if len(self.rooms) >= self.settings.max_rooms or self.shutting_down:
                return self._refuse(client, ErrorCode.SERVER_BUSY, "no room for more rooms", rid)
            token = secrets.token_urlsafe(24)
            seat = Seat(_new_player_id(), command.name, hash_token(token), rid, self.server_id)
            created = await self._create_room(command, seat)
            if created is None:
                return self._refuse(client, ErrorCode.SERVER_BUSY, "try again shortly", rid)
            lr, outputs = created
            async with lr.lock:
                return self._deliver(lr, outputs, client, token)
        lr = self.rooms.get(command.room_id)
        if lr is None and self.cluster is not None:
            lr = await self._follow(command.room_id)
        if lr is None:
            return self._refuse(client, ErrorCode.ROOM_NOT_FOUND, f"no room {command.room_id}", rid)
        if isinstance(command, JoinRoom):
            token = secrets.token_urlsafe(24)
            seat = Seat(_new_player_id(), command.name, hash_token(token), rid, self.server_id)
            if self.cluster is None:
                return await self._seat_together(lr, seat, client, token)
            return await self.apply(lr, seat, sender=client, token=token)
        return await self.apply(
            lr,
            Resume(hash_token(command.token), rid, self.server_id),
            sender=client,
            token=command.token,
        )

    async def _seat_together(
        self, lr: LocalRoom, seat: Seat, client: Client, token: str
    ) -> str | None:
        """Seat a join with every other join that arrives before the room's lock is free.

        A room code on a projector brings hundreds of joins within a second;
        one pass under the lock for all of them, instead of one lock hand-off
        (a turn of the loop) each. Without Redis only: there every command is
        its own log append.
        """
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        lr.seating.append((seat, client, token, future))
        if len(lr.seating) == 1:
            self.spawn(self._seat_batch(lr))
        return await future

    async def _seat_batch(self, lr: LocalRoom) -> None:
        batch: list[tuple[Seat, Client, str, asyncio.Future[str | None]]] = []
        try:
            async with lr.lock:
                # Everyone who queued while this task waited for the lock is in.
                batch, lr.seating = lr.seating, []
                now = now_ms()
                for seat, client, token, future in batch:
                    if lr.gone or lr.room is None:
                        frame = self._refuse_gone(client, seat)
                    else:
                        frame = self._deliver(lr, lr.room.handle(None, seat, now), client, token)
                    future.set_result(frame)
        finally:
            if not batch:  # cancelled before the lock: those queued must not wait forever
                batch, lr.seating = lr.seating, []
            for *_, future in batch:
                if not future.done():
                    future.set_exception(RuntimeError("seating pass failed"))

    def _refuse(self, client: Client, code: ErrorCode, message: str, rid: str | None) -> str:
        log.info("error", extra={"conn": client.ws.id.hex[:8], "code": str(code)})
        frame = encode(error(code, message, rid))
        self._send(client, frame)
        return frame

    async def _create_room(
        self, command: CreateRoom, seat: Seat
    ) -> tuple[LocalRoom, list[Output]] | None:
        """A new room owned here, with a code no other room has (on any server)."""
        for _ in range(8):
            room_id = self._new_room_id()
            room, outputs = Room.create(room_id, command.settings, self.limits, seat, now_ms())
            lr = LocalRoom(room_id, room)
            if self.cluster is not None:
                try:
                    if not await self.cluster.create(lr):
                        continue  # the code is taken on another server
                except Unavailable:
                    return None
            self.rooms[room_id] = lr
            if self.cluster is not None:
                # The reader must watch the new room's inbox (after it is listed).
                with contextlib.suppress(Unavailable, RedisError):
                    await self.cluster.wake()
            log.info("room created", extra={"room": room_id, "topic": command.settings.topic})
            return lr, outputs
        return None

    async def _follow(self, room_id: str) -> LocalRoom | None:
        """Redis mode: start serving a room another server created."""
        assert self.cluster is not None
        lr = LocalRoom(room_id)
        self.rooms[room_id] = lr
        # Held while the cursor is set, so no command of a concurrent join
        # goes out before this server reads the log from the right place.
        async with lr.lock:
            try:
                found = await self.cluster.follow(lr)
            except Unavailable:
                found = False
            if not found:
                lr.gone = True
                if self.rooms.get(room_id) is lr:
                    del self.rooms[room_id]
                return None
        return lr

    async def _on_gone(self, client: Client) -> None:
        lr, player_id = client.room, client.player_id
        if lr is None or player_id is None or lr.clients.get(player_id) is not client:
            return
        if self.shutting_down:
            return  # everyone is being told to come back; nobody to tell
        del lr.clients[player_id]
        client.room = client.player_id = None
        try:
            await self.apply(lr, Disconnected(), player_id=player_id)
        except Unavailable:
            log.warning("could not record a disconnect", extra={"room": lr.room_id})
        self._forget_if_unused(lr)

    def _forget_if_unused(self, lr: LocalRoom) -> None:
        """A followed room with no player here any more is no longer relayed."""
        if (
            lr.room is None
            and not lr.clients
            and not lr.forwarding
            and self.rooms.get(lr.room_id) is lr
        ):
            del self.rooms[lr.room_id]

    # Applying commands.

    async def apply(
        self,
        lr: LocalRoom,
        command: Any,
        *,
        sender: Client | None = None,
        player_id: str | None = None,
        token: str | None = None,
        origin: tuple[str, str, str] | None = None,
    ) -> str | None:
        """Apply one command to a room and deliver what it yields.

        ``origin`` (server, request ref, inbox entry) marks a command another
        server forwarded. Returns the frame of the direct reply to ``sender``,
        if there was one. Raises :class:`Unavailable` when Redis is needed
        and out of reach.
        """
        pid = player_id if player_id is not None else (sender.player_id if sender else None)
        pending = None
        if origin is not None and self.cluster is not None and origin[0] == self.settings.server_id:
            # Our own forwarded command, applied here after we took the room.
            pending = self.cluster.pending.get(origin[1])
            if pending is not None:
                sender, token = pending.client, pending.token
        async with lr.lock:
            if lr.gone:
                return self._refuse_gone(sender, command)
            if lr.room is not None:
                now = now_ms()
                outputs = lr.room.handle(pid, command, now)
                if self.cluster is not None and outputs:
                    try:
                        await self.cluster.append(lr, pid, command, now, outputs, origin)
                    except NotOwner as exc:
                        # Fenced: a successor owns the room. Our state ran
                        # ahead of the log and is dropped; the command goes
                        # to the successor like any follower's.
                        self.cluster.demote(lr, f"write refused: {exc}")
                    except Unavailable:
                        # Applied in memory, not recorded: the state is no
                        # longer the log's. Drop it; it is rebuilt from the
                        # log when Redis is back.
                        self._drop_state(lr)
                        raise
                if lr.room is not None:
                    frame = self._deliver(lr, outputs, sender, token)
                    if pending is not None and not pending.done.done():
                        pending.done.set_result(frame)
                    return frame
            if origin is not None:
                return None  # read from the inbox by a server that no longer owns the room
        # A follower: the owner applies it. Not under the lock, so that one
        # slow round trip does not hold this server's other players back.
        assert self.cluster is not None
        # While a join is on its way the room has no player here yet, and must
        # not be forgotten: its reply comes through the log we would stop reading.
        lr.forwarding += 1
        try:
            return await self.cluster.forward(lr, pid, command, sender, token)
        except RoomGone:
            self._vanished(lr)
            return self._refuse_gone(sender, command)
        finally:
            lr.forwarding -= 1
            self._forget_if_unused(lr)

    def _vanished(self, lr: LocalRoom) -> None:
        """The room is gone from Redis (expired, or its data lost): let its players go."""
        log.warning("room vanished from redis", extra={"room": lr.room_id})
        outputs: list[Output] = [
            Release(pid, CloseCode.ROOM_CLOSED, "room closed") for pid in lr.clients
        ]
        self._deliver(lr, [*outputs, RoomClosed("vanished")], None, None)

    def _refuse_gone(self, sender: Client | None, command: Any) -> str | None:
        if sender is None:
            return None
        rid = getattr(command, "request_id", None)
        return self._refuse(sender, ErrorCode.ROOM_NOT_FOUND, "this room is closed", rid)

    def _deliver(
        self, lr: LocalRoom, outputs: Iterable[Output], sender: Client | None, token: str | None
    ) -> str | None:
        reply_frame: str | None = None
        for output in outputs:
            if isinstance(output, Send):
                self._fan_out(lr, output)
            elif isinstance(output, Reply):
                message = output.message
                if message["type"] == "error":
                    log.info("error", extra={"room": lr.room_id, "code": message["code"]})
                if output.bind is not None and sender is not None:
                    self._bind(lr, output.bind, sender)
                    message = {**message, "token": token, "server_id": self.settings.server_id}
                reply_frame = encode(message)
                if sender is not None:
                    self._send(sender, reply_frame)
            elif isinstance(output, Release):
                released = lr.clients.pop(output.player_id, None)
                if released is not None:
                    released.room = released.player_id = None
                    released.seen.clear()  # its seat is gone: old replies would lie
                    if output.close_code is not None:
                        self._close(released, output.close_code, output.reason)
            elif isinstance(output, Generate):
                if lr.room is not None:  # the owner asks; followers only relay
                    log.info(
                        "game started",
                        extra={
                            "room": lr.room_id,
                            "topic": output.topic,
                            "players": len(lr.room.players),
                        },
                    )
                    self.spawn(self._generate(lr, output))
            elif isinstance(output, RoomClosed):
                lr.gone = True
                self._cancel_timers(lr)
                if self.rooms.get(lr.room_id) is lr:
                    del self.rooms[lr.room_id]
                if lr.room is not None:
                    log.info("room closed", extra={"room": lr.room_id, "reason": output.reason})
        if lr.room is not None and not lr.room.closed:
            self._schedule(lr)
        elif not lr.gone:
            self._forget_if_unused(lr)
        return reply_frame

    # Redis mode: what quiz.cluster calls back.

    def deliver_relayed(self, lr: LocalRoom, entry: dict[str, Any]) -> None:
        """Deliver one log entry written by the room's owner to players here."""
        assert self.cluster is not None
        if lr.seq and entry["seq"] <= lr.seq:
            return  # seen already
        if lr.seq and entry["seq"] != lr.seq + 1:
            log.warning("gap in a room's log", extra={"room": lr.room_id, "after": lr.seq})
            self.counters["log_gaps"] += 1
        lr.seq = entry["seq"]
        pending = None
        if entry["origin"] == self.settings.server_id and entry["ref"]:
            pending = self.cluster.pending.get(entry["ref"])
        outputs = [codec.output_from_dict(o) for o in entry["out"]]
        sender, token = (pending.client, pending.token) if pending else (None, None)
        frame = self._deliver(lr, outputs, sender, token)
        if pending is not None and not pending.done.done():
            pending.done.set_result(frame)

    def apply_forwarded(self, lr: LocalRoom, inbox_id: str, body: dict[str, Any]) -> None:
        """A command another server forwarded to this room's owner."""
        command = codec.command_from_dict(body["cmd"])
        origin = (body["origin"], body["ref"], inbox_id)

        async def run() -> None:
            with contextlib.suppress(Unavailable):
                await self.apply(lr, command, player_id=body["pid"], origin=origin)

        # Spawned in inbox order; the room's lock is fair (FIFO), so they
        # are applied in that order too.
        self.spawn(run())

    def resume_owned(self, lr: LocalRoom) -> None:
        """This server now owns ``lr`` (taken over or reloaded): restart its clock."""
        assert lr.room is not None
        lr.inbox_read = lr.inbox_cursor
        self._schedule(lr)
        room = lr.room
        if room.phase == "generating":
            # The previous owner died while asking for questions: ask again.
            again = Generate(
                room.generation,
                room.settings.topic,
                room.settings.num_questions,
                room.settings.difficulty,
            )
            self.spawn(self._generate(lr, again))

    def room_demoted(self, lr: LocalRoom) -> None:
        """This server lost ``lr``: its timers stop; its players stay, as followers."""
        self._cancel_timers(lr)
        self._forget_if_unused(lr)

    def _drop_state(self, lr: LocalRoom) -> None:
        lr.room = None  # the lease is kept: ensure_owner reloads when Redis is back
        self._cancel_timers(lr)

    async def take_over(self, lr: LocalRoom) -> None:
        """Own ``lr`` if its lease ran out (or is ours and its state was dropped)."""
        assert self.cluster is not None
        async with lr.lock:
            if lr.gone or lr.room is not None:
                return
            try:
                await self.cluster.ensure_owner(lr)
            except (Unavailable, NotOwner):
                pass  # tried again at the next maintenance round
            except RoomGone:
                self._vanished(lr)

    def _bind(self, lr: LocalRoom, player_id: str, client: Client) -> None:
        old = lr.clients.get(player_id)
        if old is not None and old is not client:
            # The same player on a newer connection: the old one goes (4003).
            old.room = old.player_id = None
            self._close(old, CloseCode.REPLACED, "rejoined on another connection")
        lr.clients[player_id] = client
        client.room, client.player_id = lr, player_id

    def _fan_out(self, lr: LocalRoom, send: Send) -> None:
        message = send.message
        if send.to is not None:
            client = lr.clients.get(send.to)
            if client is not None:
                self._send(client, encode(message))
            return
        if message["type"] == "answer_progress":
            self._progress(lr, message)
            return
        if message["type"] == "game_over" and lr.room is not None:
            log.info(
                "game over", extra={"room": lr.room_id, "players": len(message["leaderboard"])}
            )
        if message["type"] == "question_result":
            lr.progress_pending = None  # the result supersedes it
            lr.last_result_index = message["question_index"]
        frame = encode(message)  # once for the whole room
        self._broadcast((c for pid, c in lr.clients.items() if pid != send.exclude), frame)

    def _progress(self, lr: LocalRoom, message: Message) -> None:
        """Coalesce ``answer_progress``: the latest count, at most one per interval."""
        loop = asyncio.get_running_loop()
        interval = progress_interval(message["total"])
        due = lr.progress_sent_at + interval
        if message["total"] <= LARGE_ROOM and lr.progress_timer is None and loop.time() >= due:
            self._send_progress(lr, message)  # a small room: at once
            return
        # A large room's count always waits for the timer, so the answer that
        # changed it is acknowledged before anything goes to the whole room.
        lr.progress_pending = message
        if lr.progress_timer is None:
            lr.progress_timer = loop.call_later(
                max(0.0, due - loop.time()), self._flush_progress, lr
            )

    def _flush_progress(self, lr: LocalRoom) -> None:
        lr.progress_timer = None
        message, lr.progress_pending = lr.progress_pending, None
        if message is not None and not lr.gone:
            self._send_progress(lr, message)

    def _send_progress(self, lr: LocalRoom, message: Message) -> None:
        lr.progress_sent_at = asyncio.get_running_loop().time()
        index = message["question_index"]

        def open_still() -> bool:
            # Only while that question is still open: a late count is noise.
            return not lr.gone and index > lr.last_result_index

        frame = encode(message)
        sockets = [c.ws for c in lr.clients.values()]
        send_in_slices(sockets, frame, open_still, lambda n: self.metrics.sent(n, frame))

    def _broadcast(self, clients: Iterable[Client], frame: str) -> None:
        # No per-connection checks here: slow readers are cut by self.sweep.
        sockets = [c.ws for c in clients]
        websockets.broadcast(sockets, frame)
        self.metrics.sent(len(sockets), frame)

    def _send(self, client: Client, frame: str) -> None:
        websockets.broadcast((client.ws,), frame)
        self.metrics.sent(1, frame)

    def _close(self, client: Client, code: int, reason: str) -> None:
        self.spawn(client.ws.close(code, reason))

    # Timers and background work.

    def _schedule(self, lr: LocalRoom) -> None:
        assert lr.room is not None
        due = lr.room.next_wakeup_ms()
        if due == lr.timer_due:
            return
        if lr.timer is not None:
            lr.timer.cancel()
        lr.timer, lr.timer_due = None, due
        if due is not None:
            delay = max(0.0, (due - now_ms()) / 1000)
            lr.timer = asyncio.get_running_loop().call_later(delay, self._on_timer, lr)

    def _on_timer(self, lr: LocalRoom) -> None:
        lr.timer = lr.timer_due = None

        async def tick() -> None:
            # Only the owner keeps time; a room lost meanwhile is not ticked.
            if lr.room is not None:
                with contextlib.suppress(Unavailable):
                    await self.apply(lr, Tick())

        self.spawn(tick())

    def _cancel_timers(self, lr: LocalRoom) -> None:
        for handle in (lr.timer, lr.progress_timer):
            if handle is not None:
                handle.cancel()
        lr.timer = lr.progress_timer = None
        lr.timer_due = None

    async def _generate(self, lr: LocalRoom, request: Generate) -> None:
        started = time.monotonic()
        try:
            result = await self.source.generate(request.topic, request.count, request.difficulty)  # type: ignore[arg-type]
            questions = result.questions
        except Exception:
            # The source falls back by itself; this is the last line of defence.
            log.exception("question generation failed", extra={"room": lr.room_id})
            questions = ()
        log.info(
            "questions ready",
            extra={
                "room": lr.room_id,
                "count": len(questions),
                "llm": sum(1 for q in questions if q.source == "llm"),
                "ms": round((time.monotonic() - started) * 1000),
            },
        )
        with contextlib.suppress(Unavailable):
            await self.apply(lr, QuestionsReady(request.generation, questions))

    def spawn(self, awaitable: Awaitable[Any]) -> None:
        """Run ``awaitable`` in the background, logging a failure."""
        task = asyncio.ensure_future(awaitable)
        # Keep a reference: the loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    def _new_room_id(self) -> str:
        while True:
            code = "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(ROOM_CODE_LENGTH))
            if code not in self.rooms:
                return code


def _new_player_id() -> str:
    # 48 random bits: in a room of 10,000 players a clash has odds of about
    # one in three million, and the room refuses a taken id all the same.
    return "p" + secrets.token_hex(6)


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    # Behind a platform's proxy the socket's peer is the proxy.
    forwarded = ws.request.headers.get("X-Forwarded-For") if ws.request else None
    if forwarded:
        return forwarded.split(",")[0].strip()
    return f"{address[0]}:{address[1]}" if address else "?"


async def run(
    settings: Settings, stop: asyncio.Event, source: QuestionSource | None = None
) -> None:
    """Serve until ``stop`` is set, then shut down gracefully."""
    quiz = QuizServer(settings, source or QuestionSource())
    await quiz.start()
    await stop.wait()
    await quiz.shutdown()
