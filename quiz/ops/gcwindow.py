"""The process's garbage collector while big rooms play: off the heap they hold.

The collector is process-wide policy, so it lives here, apart from the
sending it protects: the hub tells :class:`GcWindow` when connections come
and go, when a room grows, and when a game starts and ends.
"""

from __future__ import annotations

import gc
import time

from quiz.ops.tasks import Ticker

# While a large room fills, the heap is frozen again every this many seats;
# while it plays, every this many seconds.
REFREEZE_SEATS = 500
REFREEZE_SECONDS = 1.0
# A server holding more connections than this keeps its heap frozen too,
# whatever the size of its rooms; and collects its cyclic garbage in one
# full pass this often while no large room plays.
HEAVY_CONNECTIONS = 1_000
FULL_PASS_SECONDS = 600.0


def settle_started_heap() -> None:
    """Collect once, then freeze what a server holds once it is built.

    The modules, the question bank and the name tables are some 60 MB of
    objects that live as long as the process: a full pass would walk them
    for nothing. Left to the collector, the first full pass came due in a
    room's first joins and held the loop 32 to 38 ms (measured in the
    benchmark's 200-player room); now it comes before the server listens. A
    process, not a test that runs servers in its own heap, calls this once
    (``quiz_server.py``); :class:`GcWindow`'s ``unfreeze`` after a big game
    gives the heap back to the collector.
    """
    gc.collect()
    gc.freeze()


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

    So from when a room here grows past ``large_room`` players until its
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

    def __init__(self, large_room: int) -> None:
        self.large_room = large_room
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
        renew = room_id not in self.rooms or players % REFREEZE_SEATS == 0
        if players > self.large_room and renew:
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
