"""The websockets entry: accept connections, rate-limit and parse their
frames, hand commands to the rooms, shut down gracefully.

Three parts sit under it, each knowing nothing of the ones above:
:mod:`quiz.net.http` answers plain HTTP, :mod:`quiz.net.hub` holds the connections
and carries rooms' outputs to them, and :class:`~quiz.rooms.contract.Rooms` (picked
by :func:`~quiz.rooms.contract.make_rooms`) applies commands wherever rooms live.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from quiz.core.commands import ENTRY_COMMANDS, ClientCommand, SetQuestions, UploadMedia
from quiz.core.messages import CloseCode, ErrorCode, Message, error
from quiz.llm import QuestionSource
from quiz.media.service import MediaService
from quiz.media.store import StoreUnavailable
from quiz.net import endpoints
from quiz.net.entry import EntryDesk, rate_limited
from quiz.net.entry_limits import Refusal
from quiz.net.fanout import SlowReaderSweep
from quiz.net.http import Http
from quiz.net.hub import Client, Hub
from quiz.net.media_entry import MediaEntry
from quiz.net.origin import OriginPolicy
from quiz.net.peers import PeerInfo, peer_info
from quiz.net.token_bucket import TokenBucket, ms
from quiz.ops.clock import Clock, SystemClock
from quiz.ops.config import Settings
from quiz.ops.gcwindow import settle_started_heap
from quiz.ops.metrics import Counters, LoopLag, ServerMetrics
from quiz.ops.tasks import Background
from quiz.rooms.backends import make_media, make_rooms
from quiz.rooms.contract import Health, RoomNotFound, RoomsEnv, Unavailable
from quiz.wire.frames import encode
from quiz.wire.protocol import ProtocolError, parse

log = logging.getLogger("quiz.net.server")

RECONNECT_AFTER_MS = 1000
WEB_DIR = Path(__file__).resolve().parents[2] / "web"


class QuizServer:
    """Serves the protocol and the HTTP endpoints on one port."""

    def __init__(
        self, settings: Settings, source: QuestionSource, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.server_id = settings.server_id
        self.source = source
        self.clock = clock or SystemClock()
        self.counters = Counters()
        self.metrics = ServerMetrics(self.counters, self._sizes)
        self.loop_lag = LoopLag(on_sample=self.metrics.lag)
        self.tasks = Background()
        self.hub = Hub(self.server_id, self.metrics, self.tasks, self.clock)
        self.sweep = SlowReaderSweep(lambda: (c.ws for c in self.hub.clients))
        self.rooms = make_rooms(
            settings, RoomsEnv(self.hub, self.clock, source, self.metrics, self.tasks.spawn)
        )
        # Pictures and sound (quiz.media): uploads over the WebSocket, GET /media/<id>.
        self.media = MediaService(
            settings, make_media(settings, self.clock), self.clock, self._refuse, self.tasks.spawn
        )
        self.uploads = MediaEntry(self.media, self.hub, self._refuse, self.tasks.spawn)
        static = endpoints.load_static(Path(settings.web_dir) if settings.web_dir else WEB_DIR)
        self.http = Http(
            static,
            OriginPolicy(settings.allowed_origins),
            self.server_id,
            self.health,
            self.readiness,
            lambda: endpoints.client_config(self.settings, self.source.bank, self.port),
            self.metrics.render,
            self.media.fetch,
        )
        self.shutting_down = False
        # create_room, join_room, rejoin, watch: limits, retries, the rooms.
        self.entry = EntryDesk(
            settings,
            self.rooms,
            self.hub,
            self.media,
            self.clock,
            self._send_error,
            lambda: self.shutting_down,
        )
        self.server: Server | None = None
        self.started = self.clock.monotonic()

    # Life cycle.

    async def start(self) -> Server:
        """Listen on HOST:PORT; the bound port is in :attr:`port` afterwards."""
        await self.rooms.start()
        await self.media.start()
        self.server = await serve(
            self.handler,
            self.settings.host,
            self.settings.port,
            process_request=self.http.process_request,
            process_response=self.http.process_response,
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
        clients = list(self.hub.clients)
        log.info("shutting down", extra={"connections": len(clients), "rooms": self.rooms.count})
        frame = encode({"type": "server_restarting", "reconnect_after_ms": RECONNECT_AFTER_MS})
        # The hub's one way to send: serialized once, counted in /metrics.
        self.hub.write([c.ws for c in clients], frame)
        # Players told to come back are not marked disconnected: they rejoin
        # elsewhere (or here, after a restart) within a second or two, and a
        # question must not close early without them.
        try:
            async with asyncio.timeout(2):
                await self.rooms.hand_over()
        except TimeoutError:
            log.warning("handing rooms over took too long; leases will run out instead")
        # Close every connection with 1012 at once, while the listener still
        # answers /readyz with 503; each close waits at most close_timeout
        # for a peer that never answers.
        closing = [
            asyncio.ensure_future(c.ws.close(CloseCode.RESTARTING, "server restarting"))
            for c in clients
        ]
        if closing:
            await asyncio.wait(closing, timeout=self.settings.shutdown_grace_seconds)
        if self.server is not None:
            self.server.close(code=CloseCode.RESTARTING, reason="server restarting")
            try:
                await asyncio.wait_for(self.server.wait_closed(), timeout=2)
            except TimeoutError:
                log.warning("connections still open at shutdown; exiting anyway")
        self.tasks.cancel()
        await self.loop_lag.stop()
        await self.sweep.stop()
        self.metrics.stop()
        await self.rooms.stop()
        await self.media.stop()
        await self.source.aclose()

    # Health.

    def readiness(self) -> Health:
        if self.shutting_down:
            return Health(False, "shutting_down")
        return self.rooms.health()

    def _sizes(self) -> dict[str, int]:
        """For /metrics, when scraped: O(rooms), never on the game's path."""
        players = sum(len(members) for members in self.hub.members.values())
        return {
            "rooms": self.rooms.count,
            "connections": len(self.hub.clients),
            "players": players,
        }

    def health(self) -> dict[str, object]:
        return {
            "status": "ok",
            "server_id": self.server_id,
            "rooms": self.rooms.count,
            "connections": len(self.hub.clients),
            "uptime_s": round(self.clock.monotonic() - self.started, 1),
            "loop_lag_ms": self.loop_lag.report(),
            "counters": dict(self.counters),
            "store": self.rooms.metrics(),
            "media": self.media.health(),
        }

    # WebSocket.

    async def handler(self, ws: ServerConnection) -> None:
        client = Client(
            ws,
            TokenBucket(self.settings.rate_limit_per_second, self.settings.rate_limit_burst),
            peer=_peer(ws, self.settings.trusted_proxy_hops),
            entries=self.entry.limits.connection(),
        )
        self.hub.add(client)
        log.info("connection open", extra={"conn": client.tag, **_peer_fields(client.peer)})
        try:
            async for raw in ws:
                await self._on_frame(client, raw)
        except ConnectionClosed:
            pass
        finally:
            self.media.closed(client)  # an upload cut short stores nothing
            seat = self.hub.gone(client)
            # At shutdown everyone is being told to come back: nobody to tell.
            if seat is not None and not self.shutting_down:
                try:
                    await self.rooms.release(*seat)
                except (Unavailable, RoomNotFound):
                    # With Redis, presence is reconciled once it is back.
                    log.warning("could not record a disconnect", extra={"room": seat[0]})
            log.info(
                "connection closed",
                extra={
                    "conn": client.tag,
                    **_peer_fields(client.peer),
                    "code": ws.close_code,
                    "messages": client.messages,
                    # Every error it was sent, by code: one line per connection,
                    # however many bad frames it sent.
                    **({"errors": _counts(client.errors)} if client.errors else {}),
                },
            )

    async def _on_frame(self, client: Client, raw: str | bytes) -> None:
        client.messages += 1
        self.counters["messages_in"] += 1
        if client.closing:
            return  # closing for flooding: what it still sends is not answered
        if isinstance(raw, bytes) and self.media.receiving(client):
            # An announced upload's bytes: bounded by its size and the media
            # limits (quiz.media.uploads), not drawn from the message bucket,
            # which would hold a 10 MB file to 20 frames a second.
            self.uploads.frame(client, raw)
            return
        now = self.clock.monotonic()
        if not client.bucket.take(now):
            if client.bucket.strikes > self.settings.rate_limit_burst:
                log.warning("closing a flooding connection", extra={"conn": client.tag})
                client.closing = True
                self.hub.close(client, CloseCode.POLICY, "rate limit exceeded")
            else:
                wait = ms(client.bucket.wait_s(now))
                refusal = Refusal("slow down: too many messages", wait, "messages")
                self._send_error(client, rate_limited(refusal, None))
            return
        try:
            command = parse(raw)
        except ProtocolError as exc:
            self._refuse(client, exc.code, exc.message, exc.request_id)
            return
        rid = command.request_id
        self.metrics.command(command)
        try:
            await self._dispatch(client, command)
        except Unavailable as exc:
            self._refuse(client, ErrorCode.SERVER_BUSY, str(exc) or "busy; retry shortly", rid)
        except RoomNotFound:
            self._refuse(client, ErrorCode.ROOM_NOT_FOUND, "there is no such room", rid)
        except StoreUnavailable:
            self._refuse(client, ErrorCode.SERVER_BUSY, "media are unavailable; retry shortly", rid)
        except Exception:
            log.exception("internal error", extra={"action": type(command).__name__})
            self._refuse(client, ErrorCode.INTERNAL_ERROR, "the server failed on this message", rid)

    async def _dispatch(self, client: Client, command: ClientCommand) -> None:
        rid = command.request_id
        if isinstance(command, UploadMedia):  # anyone, in a room or not
            self.uploads.announce(client, command)
            return
        if not isinstance(command, ENTRY_COMMANDS):
            if client.room_id is None or client.player_id is None:
                self._refuse(client, ErrorCode.NOT_IN_ROOM, "join a room first", rid)
                return
            if isinstance(command, SetQuestions):
                unknown = await self.media.unknown(command.questions)
                if unknown is not None:
                    self._refuse(client, ErrorCode.BAD_MESSAGE, unknown, rid)
                    return
            await self.rooms.submit(client.room_id, client.player_id, command, client)
            return
        await self.entry.handle(client, command)

    def _refuse(self, client: Client, code: ErrorCode, message: str, rid: str | None) -> str:
        return self._send_error(client, error(code, message, rid))

    def _send_error(self, client: Client, message: Message) -> str:
        """Send an error made here (not by a room), counted on the client; its frame."""
        client.note_error(message["code"])
        frame = encode(message)
        self.hub.send(client, frame)
        return frame


def _peer(ws: ServerConnection, trusted_hops: int) -> PeerInfo:
    """Who is at the other end; the last use of the handshake's headers."""
    forwarded = None
    if ws.request is not None:
        # Several X-Forwarded-For headers are one list, in order (RFC 9110).
        forwarded = ", ".join(ws.request.headers.get_all("X-Forwarded-For")) or None
        # websockets keeps the handshake request for as long as the
        # connection lives, though its headers (a browser's cookies, user
        # agent, languages...) have all been read by now: in the origin
        # check and just above. Dropped: about 1.7 KiB a player with the
        # benchmark's lean handshakes (tracemalloc), more from browsers.
        ws.request.headers.clear()
    return peer_info(ws.remote_address, forwarded, trusted_hops)


def _peer_fields(peer: PeerInfo) -> dict[str, str]:
    """Log fields: the socket's peer, and what a proxy (or the client) claims."""
    fields = {"peer": peer.peer}
    if peer.forwarded_for is not None:
        fields["forwarded_for"] = peer.forwarded_for
    if peer.address != peer.peer.rsplit(":", 1)[0]:
        fields["client"] = peer.address
    return fields


def _counts(counts: dict[str, int]) -> str:
    return ",".join(f"{code}:{n}" for code, n in counts.items())


async def run(
    settings: Settings,
    stop: asyncio.Event,
    source: QuestionSource | None = None,
    *,
    settle_heap: bool = False,
) -> None:
    """Serve until ``stop`` is set, then shut down gracefully.

    ``settle_heap``: this process is the server's own, so what it holds once
    built may be frozen out of the collector's way (settle_started_heap).
    """
    quiz = QuizServer(settings, source or QuestionSource())
    if settle_heap:  # before listening: no player waits for this one pass
        settle_started_heap()
    await quiz.start()
    await stop.wait()
    await quiz.shutdown()
