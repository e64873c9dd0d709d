"""Sending to many connections without holding the event loop for long.

The rules the connection hub follows for big rooms (protocol 1.1, "Large
rooms"; design, "Big rooms"):

- ``answer_progress`` goes out at most about once a second in a large room
  (five times a second in a small one), paced: :data:`SLICE` connections at
  a time, the slices spread over most of the second, each with the latest
  count. A room of 5,000 sent all at once is 5,000 frames in one burst,
  and an answer's acknowledgement waited behind it, on the server and on
  every client machine that reads many of them; paced, no burst is longer
  than one slice.
- Everything else sent to a large room goes out :data:`SLICE` connections
  at a time with the event loop running between two slices: an answer that
  arrives while a question reaches 10,000 players is acknowledged in
  milliseconds, not after the whole broadcast. ``room_size`` is spread over
  most of a second like a progress count. What is sent next to the room,
  or to one player, goes in line behind the frames still on their way, in
  the same slices (a spread-out ``room_size`` is flushed first instead), so
  nothing is overtaken.
- A send does no per-connection bookkeeping: :func:`quiz.net.sockets.write_text`
  writes one serialized frame into each connection's buffer. Connections
  that stopped reading are found by :class:`SlowReaderSweep`, once a
  second, not on every send.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection

from quiz.core.state import LARGE_ROOM
from quiz.ops.tasks import Ticker

log = logging.getLogger("quiz.net.fanout")

# answer_progress: at most one a room per interval (one per answer would be
# n * n frames a question).
PROGRESS_INTERVAL = 0.2
LARGE_PROGRESS_INTERVAL = 1.0
# Connections written to at once by a paced send, and the share of its
# interval over which its slices are spread.
SLICE = 100
PACED_SHARE = 0.8
# While a large room fills, the heap is frozen again every this many seats;
# while it plays, every this many seconds.
REFREEZE_SEATS = 500
REFREEZE_SECONDS = 1.0
# A server holding more connections than this keeps its heap frozen too,
# whatever the size of its rooms; and collects its cyclic garbage in one
# full pass this often while no large room plays.
HEAVY_CONNECTIONS = 1_000
FULL_PASS_SECONDS = 600.0
# A connection whose unsent bytes pile past this is not reading: it is cut
# rather than holding memory without bound.
MAX_BUFFERED_BYTES = 1 << 20
SWEEP_INTERVAL = 1.0


def progress_interval(total: int) -> float:
    """Seconds between two ``answer_progress`` of a room with ``total`` players answering."""
    return LARGE_PROGRESS_INTERVAL if total > LARGE_ROOM else PROGRESS_INTERVAL


# How a frame is written to connections: the hub's one way (which repairs a
# frame that cannot be encoded, and counts what it sent).
Write = Callable[[Sequence[ServerConnection], str], None]


def pace(connections: int, interval: float) -> float:
    """Seconds between two slices of a send to ``connections`` that should
    end within most of ``interval`` (before the next one is due)."""
    slices = -(-connections // SLICE)
    return PACED_SHARE * interval / slices if slices > 1 else 0.0


@dataclass(slots=True)
class _Part:
    """One frame for some connections, within a :class:`Paced` send."""

    sockets: Sequence[ServerConnection]
    latest: Callable[[], str | None] | None  # None: ``frame`` as it is
    frame: str | None = None
    start: int = 0


class Paced:
    """Sends to many connections, :data:`SLICE` at a time, one slice every ``spacing`` s.

    Each slice sends what ``latest()`` gives then, so the last connections
    get the newest count rather than a stale one; None stops the rest (a
    progress count overtaken by the question's result is noise).
    :meth:`flush` sends the rest at once: what goes to the whole room next
    must not overtake it. A send as fast as the loop allows (``spacing`` 0)
    takes what follows it in line instead, in order: :meth:`then_all`,
    another frame for the room (``countdown`` right after
    ``questions_generated``), and :meth:`then`, a frame for one connection
    (a question's 10,000 ``your_result`` after its result). Each connection
    gets the frames in the order they were sent.
    """

    def __init__(
        self,
        sockets: Sequence[ServerConnection],
        latest: Callable[[], str | None] | str,
        write: Write,
        spacing: float,
    ) -> None:
        first = _Part(sockets, None, latest) if isinstance(latest, str) else _Part(sockets, latest)
        self.parts: deque[_Part] = deque([first])
        self.write = write
        self.spacing = spacing
        self._timer: asyncio.TimerHandle | None = None

    @property
    def done(self) -> bool:
        return not self.parts

    def run(self) -> Paced:
        self._send(SLICE)
        return self

    def flush(self) -> None:
        self._send(None)

    def then_all(self, sockets: Sequence[ServerConnection], frame: str) -> None:
        """``frame`` to ``sockets``, after the rest of this send (one not spread out)."""
        assert self.spacing == 0, "a paced count is flushed, not queued behind"
        self._queue(_Part(sockets, None, frame))

    def then(self, ws: ServerConnection, frame: str) -> None:
        """``frame`` to ``ws`` after the rest of this send."""
        if self.spacing > 0:
            # A count spread over a second: not worth holding a frame for.
            self.flush()
            self.write((ws,), frame)
            return
        self._queue(_Part((ws,), None, frame))

    def _queue(self, part: _Part) -> None:
        self.parts.append(part)
        if self._timer is None:
            self._send(SLICE)

    def _send(self, count: int | None) -> None:
        """``count`` more sends (None: all of them), the first parts first."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self.parts and (count is None or count > 0):
            part = self.parts[0]
            frame = part.frame if part.latest is None else part.latest()
            end = len(part.sockets) if count is None else part.start + count
            if frame is None:
                end = len(part.sockets)
            else:
                chunk = part.sockets[part.start : end]
                self.write(chunk, frame)
                if count is not None:
                    count -= len(chunk)
            part.start = end
            if part.start >= len(part.sockets):
                self.parts.popleft()
        if self.parts:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.spacing, self._send, SLICE)


class SlowReaderSweep:
    """Once a second, cut the connections whose write buffer is past the limit.

    A send (:mod:`quiz.net.sockets`) has no backpressure: a client that stops reading
    accumulates every frame in its buffer. Checking on every send cost
    O(players) per broadcast; once a second bounds what one slow reader can
    pile up to a second of traffic past :data:`MAX_BUFFERED_BYTES`.
    """

    def __init__(
        self,
        sockets: Callable[[], Iterable[ServerConnection]],
        limit: int = MAX_BUFFERED_BYTES,
        interval: float = SWEEP_INTERVAL,
    ) -> None:
        self.sockets = sockets
        self.limit = limit
        self.interval = interval
        self.cut = 0
        self.ticker = Ticker(interval, lambda _late: self.sweep())

    def start(self) -> None:
        self.ticker.start()

    async def stop(self) -> None:
        await self.ticker.stop()

    def sweep(self) -> int:
        """Cut every connection over the limit now; returns how many."""
        cut = 0
        for ws in list(self.sockets()):
            transport = ws.transport
            if transport is not None and transport.get_write_buffer_size() > self.limit:
                log.warning(
                    "dropping a connection that does not read", extra={"conn": ws.id.hex[:8]}
                )
                transport.abort()
                cut += 1
        self.cut += cut
        return cut


class GcWindow:
    """Keeps the cyclic GC off the heap that a big room's players hold.

    Measured (docs/performance.md), in a room of 5,000:

    - full passes walk every connection and player: they stalled the loop
      for up to 3.3 s in the middle of a game, and while the room filled
      they took an eighth of the CPU (six passes, 0.56 s, the longest
      166 ms), the heap growing by a quarter again and again and each growth
      buying a pass over all of it;
    - young passes during a game walked up to 90,000 objects (88 ms): each
      connection's keepalive (a timer, a future and a coroutine every ping
      interval) and each question's per-player objects live long enough to
      be promoted, and an answer that arrives during a pass waits for it.

    So from when a room here grows past :data:`LARGE_ROOM` players until its
    game ends, ``gc.freeze()`` moves every object alive to a generation the
    collector never scans. While it fills, the freeze is renewed every
    :data:`REFREEZE_SEATS` seats: a pass walks at most what the last seats
    brought.

    While it plays, even young passes cost: what a question holds for every
    player (the answers, the round's 5,000 connections) is young, and a young
    pass visits everything a young container refers to. A 10,000-player
    game spent 1.1 s in 670 young passes, and a 5,000-player burst of
    answers met passes of up to 37 ms. So while a large room plays the
    collector is off (``gc.disable()``) and the heap is frozen again every
    :data:`REFREEZE_SECONDS`, without a pass: reference counting frees what
    dies, and only cyclic garbage waits for the game's end, when the
    collector is back on.

    Many small rooms hold a heap as big (1,000 rooms of 5 had full passes of
    up to 365 ms), so the same holds while the server has more than
    :data:`HEAVY_CONNECTIONS` connections, renewed every second. Freezing
    does not keep anything alive (reference counting frees what is frozen);
    only cyclic garbage waits: until no large room is left and the server is
    no longer busy, when ``gc.unfreeze()`` gives everything back to the
    collector, or for a server that stays busy, every
    :data:`FULL_PASS_SECONDS` while no large room plays, when one full pass
    collects it.
    """

    def __init__(self) -> None:
        self.rooms: set[str] = set()  # large rooms holding the heap frozen
        self.playing: set[str] = set()  # those of them in a game
        self.busy = False  # more than HEAVY_CONNECTIONS connections
        self.paused = False  # the collector turned off here, for a game
        self.freezes = 0
        self.last_full = time.monotonic()
        self.ticker = Ticker(REFREEZE_SECONDS, lambda _late: self._tick())

    def connections(self, count: int) -> None:
        """The server holds ``count`` connections now."""
        if count > HEAVY_CONNECTIONS:
            if not self.busy or count % REFREEZE_SEATS == 0:
                self.busy = True
                self._freeze()
                self.ticker.start()
        elif self.busy and count <= HEAVY_CONNECTIONS // 2:  # not on and off at the edge
            self.busy = False
            self._release()

    def seated(self, room_id: str, players: int) -> None:
        """``room_id`` has ``players`` seated here now."""
        if players > LARGE_ROOM and (room_id not in self.rooms or players % REFREEZE_SEATS == 0):
            self.rooms.add(room_id)
            self._freeze()

    def started(self, room_id: str) -> None:
        """A large room's game begins: no collector, frozen again every second until it ends."""
        self.rooms.add(room_id)
        self.playing.add(room_id)
        self._freeze()
        if gc.isenabled():  # not if an operator turned it off for good
            gc.disable()
            self.paused = True
        self.ticker.start()

    def ended(self, room_id: str) -> None:
        self.playing.discard(room_id)
        self.rooms.discard(room_id)
        self._release()

    def _release(self) -> None:
        if not self.playing and self.paused:
            gc.enable()
            self.paused = False
        if not self.rooms and not self.busy:
            gc.unfreeze()
        if not self.playing and not self.busy:
            self.ticker.cancel()

    def _tick(self) -> None:
        if self.busy and not self.playing:
            now = time.monotonic()
            if now - self.last_full >= FULL_PASS_SECONDS:
                # The cyclic garbage of a server that stays busy (closed
                # connections, exceptions' tracebacks): one pause now and
                # then, never in a large room's game.
                self.last_full = now
                gc.unfreeze()
                gc.collect()
        self._freeze()

    def _freeze(self) -> None:
        if not self.paused:
            # The youngest generation first (well under a millisecond): what
            # died in it is not kept frozen. Not while the collector is off:
            # a second's survivors of a game are no young generation.
            gc.collect(0)
        gc.freeze()
        self.freezes += 1
