"""The connection hub: this server's connections, who they are in which
room, and how a room's outputs reach them.

The hub is the :class:`~quiz.rooms.contract.Delivery` of the rooms layer. Every send
is synchronous (:func:`quiz.net.sockets.write_text` writes into each connection's
buffer without awaiting), so outputs reach every connection in the order they are
delivered: the order in which the room applied its commands.

The hub decides nothing of the game: it carries out the pacing the core
writes on each :class:`~quiz.core.outputs.Send` (:mod:`quiz.net.fanout`) and
never reads a message's type.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from time import perf_counter

from websockets.asyncio.server import ServerConnection

from quiz.core.messages import CloseCode, Message
from quiz.core.outputs import Output, Playing, Release, Reply, RoomClosed, Send
from quiz.core.state import LARGE_ROOM
from quiz.net.entry_limits import ConnectionEntries
from quiz.net.fanout import Paced, pace
from quiz.net.peers import PeerInfo
from quiz.net.sockets import write_text
from quiz.net.token_bucket import TokenBucket
from quiz.ops.clock import Clock
from quiz.ops.gcwindow import GcWindow
from quiz.ops.metrics import FanoutClock, ServerMetrics
from quiz.ops.tasks import Background
from quiz.wire import frames as delivery
from quiz.wire.frames import encode

log = logging.getLogger("quiz.net.hub")


@dataclass(eq=False, slots=True)
class Client:
    """One WebSocket connection and the seat it holds, if any."""

    ws: ServerConnection
    bucket: TokenBucket
    room_id: str | None = None
    player_id: str | None = None
    # Direct replies to entry commands, by request_id: before a connection is
    # a player, idempotency can only be per connection.
    seen: dict[str, tuple[float, str]] = field(default_factory=dict)
    messages: int = 0
    # Security (quiz.net.peers, quiz.net.entry_limits): who this is, its allowances for
    # entering rooms, the errors it was sent by code, and whether it is being
    # closed for flooding (then its frames are dropped unanswered).
    peer: PeerInfo = field(default_factory=lambda: PeerInfo("?", "?", None))
    entries: ConnectionEntries = field(default_factory=ConnectionEntries)
    errors: dict[str, int] = field(default_factory=dict)
    closing: bool = False

    @property
    def tag(self) -> str:
        return self.ws.id.hex[:8]

    def note_error(self, code: str, room_id: str | None = None) -> None:
        """Count an error sent to this connection; log the first of each code only.

        A client sending a thousand bad frames makes one line per code, and
        the counts in its "connection closed" line, not a thousand lines.
        """
        count = self.errors.get(code, 0) + 1
        self.errors[code] = count
        if count == 1:
            extra = {"conn": self.tag, "code": str(code)}
            log.info("error", extra={**extra, "room": room_id} if room_id else extra)


@dataclass(slots=True)
class Round:
    """A large room's whole-room send on its way, and who it is not for."""

    paced: Paced
    exclude: frozenset[str] | None
    timing: FanoutClock  # the send's write, timing each whole-room frame of it


class Hub:
    """Connections by room and player, and the fan-out to them."""

    def __init__(
        self,
        server_id: str,
        metrics: ServerMetrics,
        tasks: Background,
        clock: Clock,
        gc_window: GcWindow | None = None,
    ) -> None:
        self.server_id = server_id
        self.metrics = metrics
        self.tasks = tasks
        self.clock = clock
        self.clients: set[Client] = set()
        self.members: dict[str, dict[str, Client]] = {}
        # A large room's whole-room send still on its way, slice by slice.
        self.rounds: dict[str, Round] = {}
        # A large room's counts being spread, by the count's name.
        self.counts: dict[str, dict[str, Paced]] = {}
        self.gc_window = gc_window or GcWindow(LARGE_ROOM)

    # Connections.

    def add(self, client: Client) -> None:
        self.clients.add(client)
        self.gc_window.connections(len(self.clients))

    def gone(self, client: Client) -> tuple[str, str] | None:
        """A connection closed: the seat it still held, to be marked disconnected.

        None when it held none, or when a newer connection took its seat.
        """
        self.clients.discard(client)
        self.gc_window.connections(len(self.clients))
        room_id, player_id = client.room_id, client.player_id
        if room_id is None or player_id is None:
            return None
        members = self.members.get(room_id)
        if members is None or members.get(player_id) is not client:
            return None
        del members[player_id]
        if not members:
            self._forget(room_id)
        client.room_id = client.player_id = None
        return room_id, player_id

    # Delivery, for the rooms layer.

    def deliver(
        self, room_id: str, outputs: Sequence[Output], sender: object | None, token: str | None
    ) -> str | None:
        reply_frame: str | None = None
        for output in outputs:
            try:
                if isinstance(output, Send):
                    self._fan_out(room_id, output)
                elif isinstance(output, Reply):
                    reply_frame = self._reply(room_id, output, sender, token)
                elif isinstance(output, Release):
                    self._release(room_id, output)
                elif isinstance(output, Playing):
                    self._playing(room_id, output.started)
                elif isinstance(output, RoomClosed):
                    self._forget(room_id)
            except Exception:
                # One output that cannot go out (a message that does not
                # encode, a connection in a bad state) must not hold back the
                # rest: the room's game goes on for everyone else.
                log.exception("could not deliver an output", extra={"room": room_id})
        return reply_frame

    def present(self, room_id: str) -> Collection[str]:
        return self.members.get(room_id, {}).keys()

    def _reply(
        self, room_id: str, output: Reply, sender: object | None, token: str | None
    ) -> str | None:
        client = sender if isinstance(sender, Client) else None
        if output.bind is not None:
            self.bind(room_id, output.bind, client)
        if client is None:
            # The sender is another server's player (a replica folding the
            # log, an owner applying a forwarded command): that server
            # answers and logs it. Nothing to encode here, even for a
            # room_joined of 100 players.
            return None
        message = output.message
        if message["type"] == "error":
            client.note_error(message["code"], room_id)
        if output.bind is not None:
            message = {**message, "token": token, "server_id": self.server_id}
        frame = encode(message)
        self.send(client, frame)
        return frame

    def bind(self, room_id: str, player_id: str, client: Client | None) -> None:
        """Seat ``player_id`` on ``client``, or elsewhere when ``client`` is None.

        The one rule for a player on several connections: the newest wins.
        An older connection here, whether the new one is here or on another
        server, is let go with 4003 and without a disconnect: the player is
        still connected, through the new one.
        """
        members = self.members.setdefault(room_id, {})
        old = members.get(player_id)
        if old is not None and old is not client:
            old.room_id = old.player_id = None
            del members[player_id]
            self.close(old, CloseCode.REPLACED, "rejoined on another connection")
        if client is not None:
            members[player_id] = client
            client.room_id, client.player_id = room_id, player_id
            self.gc_window.seated(room_id, len(members))
        elif not members:
            self._forget(room_id)

    def _release(self, room_id: str, output: Release) -> None:
        pending = self.rounds.pop(room_id, None)
        if pending is not None:
            pending.paced.flush()  # what the leaver was still due, before its close
        members = self.members.get(room_id)
        released = members.pop(output.player_id, None) if members else None
        if released is None:
            return
        released.room_id = released.player_id = None
        released.seen.clear()  # its seat is gone: old replies would lie
        if output.close_code is not None:
            self.close(released, output.close_code, output.reason)

    def _playing(self, room_id: str, started: bool) -> None:
        members = self.members.get(room_id, {})
        if started:
            if len(members) > LARGE_ROOM:
                self.gc_window.started(room_id)
            return
        self.gc_window.ended(room_id)
        log.info("game over", extra={"room": room_id, "players": len(members)})

    def _forget(self, room_id: str) -> None:
        self.gc_window.ended(room_id)
        self.members.pop(room_id, None)
        pending = self.rounds.pop(room_id, None)
        if pending is not None:
            pending.paced.flush()  # a game_over still on its way, say
        self._end_counts(room_id)

    def _end_counts(self, room_id: str) -> None:
        for paced in self.counts.pop(room_id, {}).values():
            paced.drop()

    # Fan-out.

    def _fan_out(self, room_id: str, send: Send) -> None:
        members = self.members.get(room_id)
        if not members:
            return
        if send.ends_counts:
            self._end_counts(room_id)
        if send.to is not None:
            client = members.get(send.to)
            if client is not None:
                self._to_one(room_id, client, send.message)
            return
        frame = encode(send.message)  # once for the whole room
        excluded = send.exclude or ()
        sockets = [c.ws for pid, c in members.items() if pid not in excluded]
        large = len(members) > LARGE_ROOM
        if large and send.count is not None and send.spread_ms > 0:
            self._spread(room_id, members, sockets, send, frame)
            return
        # Whatever else goes to the room does not overtake a count on its
        # way: the rest of it goes first (rare: counts run alone but for a
        # question's result, which drops them).
        for paced in self.counts.pop(room_id, {}).values():
            paced.flush()
        pending = self.rounds.get(room_id)
        if pending is not None and (pending.paced.done or not large):
            del self.rounds[room_id]
            pending.paced.flush()  # never overtaken by what follows it
            pending = None
        # The type labels a timing only (/metrics: first connection to last).
        kind = str(send.message.get("type"))
        if not large:
            started = perf_counter()
            self.write(sockets, frame)
            self.metrics.fanned_out(kind, perf_counter() - started)
        elif pending is not None:
            # In line behind the frames still on their way, in the same slices.
            pending.timing.expect(frame, kind, len(sockets))
            pending.paced.then_all(sockets, frame)
            pending.exclude = None
        else:
            # A slice at a time, the loop running between two: an answer that
            # arrives while a question reaches 10,000 players is read and
            # acknowledged in a few milliseconds, not after the whole broadcast.
            timing = FanoutClock(self.metrics, self.write)
            timing.expect(frame, kind, len(sockets))
            paced = Paced(sockets, frame, timing, 0.0, self.clock).run()
            if not paced.done:
                self.rounds[room_id] = Round(paced, send.exclude, timing)

    def _spread(
        self,
        room_id: str,
        members: dict[str, Client],
        sockets: list[ServerConnection],
        send: Send,
        frame: str,
    ) -> None:
        """A count to a large room, spread over most of its interval.

        A newer count of the same name replaces what the older one has not
        sent yet (it goes to everyone anyway); a count is sent only while the
        room is the one it was counted for.
        """
        assert send.count is not None
        counts = self.counts.setdefault(room_id, {})
        older = counts.pop(send.count, None)
        if older is not None:
            older.drop()

        def latest() -> str | None:
            return frame if self.members.get(room_id) is members else None

        spacing = pace(len(sockets), send.spread_ms / 1000)
        paced = Paced(sockets, latest, self.write, spacing, self.clock).run()
        if not paced.done:
            counts[send.count] = paced

    def _to_one(self, room_id: str, client: Client, message: Message) -> None:
        pending = self.rounds.get(room_id)
        if (
            pending is None
            or pending.paced.done
            or (pending.exclude is not None and client.player_id in pending.exclude)
        ):
            self.send(client, encode(message))
        else:
            # Not before what the room was sent first (a your_result after
            # its question_result): behind it, in its slices.
            pending.paced.then(client.ws, encode(message))

    def write(self, sockets: Sequence[ServerConnection], frame: str) -> None:
        """``frame`` to ``sockets``: every send of the hub, at once or sliced, comes here."""
        # No per-connection check here: quiz.net.fanout.SlowReaderSweep cuts the
        # connections that stopped reading, once a second.
        try:
            data = frame.encode()
        except UnicodeEncodeError:
            data = delivery.repair(frame).encode()
        write_text(sockets, data)
        self.metrics.sent(len(sockets), len(data))

    def send(self, client: Client, frame: str) -> None:
        self.write((client.ws,), frame)

    def close(self, client: Client, code: int, reason: str) -> None:
        self.tasks.spawn(client.ws.close(code, reason))
