"""Looking up room codes: only wrong ones cost, and only their address.

A room code is five characters of a 32-letter alphabet: 33,554,432 codes, so
a ``join_room`` answered ``room_not_found`` or not tells a guesser whether a
room exists. Before a code is looked up the server cannot tell a guesser
from a pupil typing the code on the projector; afterwards it can. So:

- A code is *known* at an address once a room with that code was created,
  joined, rejoined or watched from it. A known code is looked up at once,
  always: a whole school joins its room however many wrong codes one pupil
  tries.
- Any other code is looked up within an allowance of *misses*: a lookup
  draws one from the address's allowance (``WRONG_CODE_PER_MINUTE``) and,
  for an address that missed within the last day, one from the server's
  (``SERVER_WRONG_CODE_PER_MINUTE``); a lookup that finds a room gives them
  back. Only misses are ever spent.
- When the allowance is spent, a lookup waits for it (held, not refused: it
  is answered when its turn comes), and the code the most connections wait
  for goes first, so a crowd that arrives while a script guesses is let in
  at the next allowance. Every request for that code goes with the one
  lookup; once it finds the room the code is known. A request that waited
  :data:`HOLD_S` is answered ``rate_limited`` with ``retry_after_ms``.

Nothing is decided on what the lookup found before the allowance is drawn,
so how long an answer takes says nothing about the code. The server's
clock (``quiz.ops.clock``) drives the allowances and the waits.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

from quiz.net.entry_limits import Refusal
from quiz.net.token_bucket import TokenBucket, ms
from quiz.ops.clock import Clock, Timer

# An address that missed within this long shares the server's allowance.
TAINT_S = 86_400.0
# A lookup waits at most this long for its allowance.
HOLD_S = 10.0
# How long a code stays known at an address after its last use there.
KNOWN_S = 6 * 3600.0
MAX_KNOWN = 200_000
MAX_ADDRESSES = 100_000
# Requests waiting at one address, and in all: past them, refused at once.
MAX_WAITING_PER_ADDRESS = 2_048
MAX_WAITING = 20_000
# A refusal never asks to come back later than this.
RETRY_MAX_S = 600.0
WAIT_MESSAGE = "too many wrong room codes were tried from your network: check the code, or wait"


@dataclass(eq=False, slots=True)
class Grant:
    """One lookup of one code within the allowance, shared by every request
    for that code at that address until it is settled."""

    address: str
    code: str
    server: bool  # the server's allowance was drawn too
    settled: bool = False


@dataclass(eq=False, slots=True)
class Waiter:
    future: asyncio.Future[Grant | Refusal]
    timer: Timer | None = None


@dataclass(slots=True)
class Waiting:
    """The requests for one code at one address, waiting for an allowance."""

    since: float
    waiters: list[Waiter] = field(default_factory=list)


@dataclass(slots=True)
class AddressGate:
    bucket: TokenBucket
    missed_at: float | None = None
    waiting: dict[str, Waiting] = field(default_factory=dict)
    count: int = 0  # requests waiting, over every code


class CodeGate:
    """The allowance of misses per address and per server, and the queue."""

    def __init__(
        self,
        per_address_per_minute: int,
        server_per_minute: int,
        clock: Clock,
        *,
        hold_s: float = HOLD_S,
    ) -> None:
        self.per_address = per_address_per_minute
        self.clock = clock
        self.hold_s = hold_s
        self.server = TokenBucket(server_per_minute / 60, server_per_minute)
        self._addresses: OrderedDict[str, AddressGate] = OrderedDict()
        self._known: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._inflight: dict[tuple[str, str], Grant] = {}
        self._queued: set[str] = set()  # addresses with requests waiting
        self._waiting = 0
        self._timer: Timer | None = None
        self._timer_due: float | None = None
        self.misses = 0  # lookups that found nothing, for tests and logs

    # Known codes.

    def known(self, address: str, code: str, now: float) -> bool:
        seen = self._known.get((address, code))
        return seen is not None and now - seen < KNOWN_S

    def learn(self, address: str, code: str, now: float) -> None:
        """A room with ``code`` was entered or created from ``address``."""
        self._known[(address, code)] = now
        self._known.move_to_end((address, code))
        while len(self._known) > MAX_KNOWN:
            self._known.popitem(last=False)

    def forget(self, address: str, code: str) -> None:
        """A known code that found no room (it closed): no longer known."""
        self._known.pop((address, code), None)

    # Lookups.

    async def admit(self, address: str, code: str) -> Grant | Refusal | None:
        """Whether ``code`` may be looked up for ``address`` now.

        None: it is known, look it up. A :class:`Grant`: look it up, then
        :meth:`settle` it. A :class:`Refusal`: not now (nothing looked up).
        May wait (at most ``hold_s``) for the allowance.
        """
        now = self.clock.monotonic()
        if self.known(address, code, now):
            return None
        shared = self._inflight.get((address, code))
        if shared is not None:
            return shared
        gate = self._address(address)
        if not gate.waiting and self._ready(gate, now):
            return self._grant(gate, address, code, now)
        if self._waiting >= MAX_WAITING or gate.count >= MAX_WAITING_PER_ADDRESS:
            return Refusal(WAIT_MESSAGE, ms(self._retry_s(gate, now)), "wrong_codes")
        waiter = Waiter(asyncio.get_running_loop().create_future())
        waiting = gate.waiting.setdefault(code, Waiting(now))
        waiting.waiters.append(waiter)
        gate.count += 1
        self._waiting += 1
        self._queued.add(address)
        waiter.timer = self.clock.call_later(
            self.hold_s, lambda: self._expire(address, code, waiter)
        )
        self._schedule(now, gate)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            # Its connection's handler stopped (the server shuts down): out
            # of the queue, and an allowance it was just given goes back.
            self._drop(address, code, waiter)
            if waiter.future.done() and not waiter.future.cancelled():
                given = waiter.future.result()
                if isinstance(given, Grant):
                    self.settle(given, None)
            raise

    def settle(self, grant: Grant, found: bool | None) -> None:
        """What the lookup allowed by ``grant`` found: a room (True), none
        (False), or nothing was looked up after all (None: no cost)."""
        if grant.settled:
            return
        grant.settled = True
        now = self.clock.monotonic()
        key = (grant.address, grant.code)
        if self._inflight.get(key) is grant:
            del self._inflight[key]
        gate = self._address(grant.address)
        if found is False:
            self.misses += 1
            gate.missed_at = now
        else:
            gate.bucket.give_back(now)
            if grant.server:
                self.server.give_back(now)
            if found:
                self.learn(grant.address, grant.code, now)
        self._pump()

    # The queue.

    def _ready(self, gate: AddressGate, now: float) -> bool:
        return gate.bucket.peek(now) and (not self._tainted(gate, now) or self.server.peek(now))

    def _tainted(self, gate: AddressGate, now: float) -> bool:
        return gate.missed_at is not None and now - gate.missed_at < TAINT_S

    def _grant(self, gate: AddressGate, address: str, code: str, now: float) -> Grant:
        server = self._tainted(gate, now)
        gate.bucket.take(now)
        if server:
            self.server.take(now)
        grant = self._inflight[(address, code)] = Grant(address, code, server)
        return grant

    def _pump(self) -> None:
        """Grant whatever the allowances allow now, the most wanted code first."""
        now = self.clock.monotonic()
        while True:
            best: tuple[tuple[int, float], str, str] | None = None
            for address in self._queued:
                gate = self._addresses[address]
                if not self._ready(gate, now):
                    continue
                for code, waiting in gate.waiting.items():
                    rank = (len(waiting.waiters), -waiting.since)
                    if best is None or rank > best[0]:
                        best = (rank, address, code)
            if best is None:
                break
            _, address, code = best
            gate = self._addresses[address]
            grant = self._grant(gate, address, code, now)
            for waiter in gate.waiting.pop(code).waiters:
                self._waiting -= 1
                gate.count -= 1
                if waiter.timer is not None:
                    waiter.timer.cancel()
                if not waiter.future.done():
                    waiter.future.set_result(grant)
            if not gate.waiting:
                self._queued.discard(address)
        self._schedule(now)

    def _schedule(self, now: float, gate: AddressGate | None = None) -> None:
        """Wake the queue when the first waiting address may be served
        (``gate``: only it changed, the others' times stand)."""
        if not self._queued:
            return
        gates = [gate] if gate is not None else [self._addresses[a] for a in self._queued]
        due = now + min(self._wait_s(g, now) for g in gates)
        if self._timer is not None and self._timer_due is not None and self._timer_due <= due:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = due
        # At least a millisecond: nothing was ready now, so a wait that rounds
        # to nothing would wake the queue to find it still not ready.
        self._timer = self.clock.call_later(max(0.001, due - now), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = self._timer_due = None
        self._pump()

    def _wait_s(self, gate: AddressGate, now: float) -> float:
        wait = gate.bucket.wait_s(now)
        if self._tainted(gate, now):
            wait = max(wait, self.server.wait_s(now))
        return wait

    def _retry_s(self, gate: AddressGate, now: float) -> float:
        """A fair guess of when a request turned away now would be served."""
        ahead = len(gate.waiting) / max(gate.bucket.rate, 1e-9)
        return min(RETRY_MAX_S, self._wait_s(gate, now) + ahead)

    def _expire(self, address: str, code: str, waiter: Waiter) -> None:
        if waiter.future.done():
            return
        self._drop(address, code, waiter)
        gate = self._address(address)
        now = self.clock.monotonic()
        waiter.future.set_result(Refusal(WAIT_MESSAGE, ms(self._retry_s(gate, now)), "wrong_codes"))

    def _drop(self, address: str, code: str, waiter: Waiter) -> None:
        gate = self._addresses.get(address)
        waiting = gate.waiting.get(code) if gate is not None else None
        if gate is None or waiting is None or waiter not in waiting.waiters:
            return
        waiting.waiters.remove(waiter)
        gate.count -= 1
        self._waiting -= 1
        if waiter.timer is not None:
            waiter.timer.cancel()
        if not waiting.waiters:
            del gate.waiting[code]
        if not gate.waiting:
            self._queued.discard(address)

    def _address(self, address: str) -> AddressGate:
        gate = self._addresses.get(address)
        if gate is None:
            rate = self.per_address
            gate = self._addresses[address] = AddressGate(TokenBucket(rate / 60, rate))
            self._forget_old()
        else:
            self._addresses.move_to_end(address)
        return gate

    def _forget_old(self) -> None:
        # Least recently seen first, never one with requests waiting (at
        # most MAX_WAITING of them are passed over).
        for _ in range(len(self._addresses)):
            if len(self._addresses) <= MAX_ADDRESSES:
                return
            oldest = next(iter(self._addresses))
            if oldest in self._queued:
                self._addresses.move_to_end(oldest)
            else:
                del self._addresses[oldest]
