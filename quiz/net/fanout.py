"""Sending to many connections without holding the event loop for long.

How the hub carries out the pacing the core asks for (protocol 1.1, "Large
rooms"; design, "Big rooms"):

- A whole-room send to a large room goes out :data:`SLICE` connections at a
  time with the event loop running between two slices (:class:`Paced`): an
  answer that arrives while a question reaches 10,000 players is
  acknowledged in milliseconds, not after the whole broadcast. What is sent
  next to the room, or to one player, goes in line behind the frames still
  on their way, in the same slices, so nothing is overtaken.
- A count (``Send.count``: ``answer_progress``, ``room_size``) is spread
  over most of its interval in a large room, one slice at a time: 5,000
  frames in one burst held an answer's acknowledgement behind them, on the
  server and on every client machine that reads many of them. A newer count
  of the same name takes the place of the rest of the older one.
- A send does no per-connection bookkeeping: :func:`quiz.net.sockets.write_text`
  writes one serialized frame into each connection's buffer. Connections
  that stopped reading are found by :class:`SlowReaderSweep`, once a
  second, not on every send.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection

from quiz.ops.clock import Clock, Timer
from quiz.ops.tasks import Ticker

log = logging.getLogger("quiz.net.fanout")

# Connections written to at once by a paced send, and the share of its
# interval over which its slices are spread.
SLICE = 100
PACED_SHARE = 0.8
# A connection whose unsent bytes pile past this is not reading: it is cut
# rather than holding memory without bound.
MAX_BUFFERED_BYTES = 1 << 20
SWEEP_INTERVAL = 1.0


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
        clock: Clock,
    ) -> None:
        first = _Part(sockets, None, latest) if isinstance(latest, str) else _Part(sockets, latest)
        self.parts: deque[_Part] = deque([first])
        self.write = write
        self.spacing = spacing
        self.clock = clock
        self._timer: Timer | None = None

    @property
    def done(self) -> bool:
        return not self.parts

    def run(self) -> Paced:
        self._send(SLICE)
        return self

    def flush(self) -> None:
        self._send(None)

    def drop(self) -> None:
        """Send nothing more: what is left is moot (a count after its result)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.parts.clear()

    def then_all(self, sockets: Sequence[ServerConnection], frame: str) -> None:
        """``frame`` to ``sockets``, after the rest of this send (one not spread out)."""
        assert self.spacing == 0, "a paced count is flushed, not queued behind"
        self._queue(_Part(sockets, None, frame))

    def then(self, ws: ServerConnection, frame: str) -> None:
        """``frame`` to ``ws`` after the rest of this send (one not spread out)."""
        assert self.spacing == 0, "nothing waits behind a count"
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
            if self.spacing > 0:
                self._timer = self.clock.call_later(self.spacing, self._next_slice)
            else:
                # As fast as the loop allows: not a wait, a turn of the loop
                # for what came in meanwhile (the answers' acknowledgements).
                self._timer = asyncio.get_running_loop().call_soon(self._next_slice)

    def _next_slice(self) -> None:
        self._timer = None
        self._send(SLICE)


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
