"""Limits on entering rooms, per connection and per client address. Pure.

The per-connection message bucket (quiz.net.token_bucket) bounds how fast one
socket talks, not what it costs: a client that creates a room, drops the
socket and does it again fills the server with rooms, and one script can
seat fake players as fast as it can open sockets. So, on top of it:

- ``create_room`` draws from a bucket of the connection and one of the
  client's address;
- ``join_room`` draws likewise, from allowances sized for a venue behind one
  address (a whole school's NAT): ``JOIN_PER_MINUTE`` a minute after a
  first ``JOIN_BURST``. A refusal says when to come back (``retry_after_ms``),
  and the times it gives are spread at the allowance's pace, so a crowd told
  to wait comes back one by one instead of all at the same millisecond;
- a wrong code or token (a ``join_room``, ``rejoin`` or ``watch`` answered
  ``room_not_found`` or ``invalid_token``) costs only the connection that
  sent it: once a connection has spent its allowance of misses, its own
  entries wait until it refills. Another connection of the same address is
  never refused for it.

What a guesser may learn is bounded elsewhere: a code not known at an
address is looked up only within that address's and the server's allowance
of misses (quiz.net.code_gate); a token carries 192 random bits and a
failed ``rejoin`` says nothing about which rooms exist.

Time is an argument; the table of addresses is bounded (least recently seen
forgotten first).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field

from quiz.core.commands import ClientCommand, CreateRoom, JoinRoom, Rejoin, Watch
from quiz.core.messages import ErrorCode
from quiz.net.token_bucket import TokenBucket, ms

# A connection's own allowances a minute (each also its burst): one phone
# needs one join (a few, when its name is taken) and no wrong code at all.
PER_CONNECTION = {"create": 5, "join": 10, "miss": 10}
MAX_ADDRESSES = 100_000


@dataclass(frozen=True, slots=True)
class EntryRules:
    """Allowances per client address (see the README's table)."""

    create_per_minute: int = 20
    join_per_minute: int = 10_000
    join_burst: int = 500


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an entry may not go ahead now, and when to try again."""

    message: str
    retry_after_ms: int
    reason: str  # "rooms_created", "joins" or "wrong_codes"


@dataclass(slots=True)
class ConnectionEntries:
    """The buckets of one connection."""

    buckets: dict[str, TokenBucket] = field(default_factory=dict)


@dataclass(slots=True)
class AddressEntries:
    """The buckets of one client address, and the last retry time it gave."""

    create: TokenBucket
    join: TokenBucket
    promised: float = 0.0  # the latest time a refused join was told to come back


class EntryLimits:
    """Per-address and per-connection allowances for entering rooms."""

    def __init__(self, rules: EntryRules, max_addresses: int = MAX_ADDRESSES) -> None:
        self.rules = rules
        self.max_addresses = max_addresses
        self._by_address: OrderedDict[str, AddressEntries] = OrderedDict()

    def connection(self) -> ConnectionEntries:
        # Buckets are made on a connection's first draw of each kind: most
        # connections join once and then hold a seat for the whole game, and
        # a room of 10,000 would keep 20,000 full buckets for nothing.
        return ConnectionEntries()

    def check(
        self, conn: ConnectionEntries, address: str, command: ClientCommand, now: float
    ) -> Refusal | None:
        """Why ``command`` may not go ahead now, or None.

        A ``create_room`` draws its allowance here; a ``join_room`` draws
        from :meth:`join` once its code may be looked up.
        """
        if isinstance(command, CreateRoom):
            return self._create(conn, address, now)
        if not isinstance(command, JoinRoom | Rejoin | Watch):
            return None
        misses = conn.buckets.get("miss")
        if misses is not None and not misses.peek(now):
            # This connection's own wrong guesses, nobody else's.
            why = "too many wrong room codes or tokens on this connection: wait"
            return Refusal(why, ms(misses.wait_s(now)), "wrong_codes")
        mine = conn.buckets.get("join")
        if isinstance(command, JoinRoom) and mine is not None and not mine.peek(now):
            why = "too many joins on this connection: wait"
            return Refusal(why, ms(mine.wait_s(now)), "joins")
        return None

    def join(self, conn: ConnectionEntries, address: str, now: float) -> Refusal | None:
        """Draw a ``join_room`` from the connection's and the address's
        allowances, once its room code may be looked up; or why not now."""
        mine = self._connection_bucket(conn, "join")
        entries = self._address(address)
        theirs = entries.join
        if mine.peek(now) and theirs.peek(now):
            mine.take(now)
            theirs.take(now)
            return None
        if not mine.peek(now):
            why = "too many joins on this connection: wait"
            return Refusal(why, ms(mine.wait_s(now)), "joins")
        # The address's allowance is spent: a crowd behind one NAT. Each
        # refusal names the next free moment at the allowance's pace, so the
        # crowd comes back spread out and gets in by itself.
        slot = max(now + theirs.wait_s(now), entries.promised + 1 / theirs.rate)
        entries.promised = slot
        why = "the room is busy with joins from your network: wait"
        return Refusal(why, ms(slot - now), "joins")

    def settle(
        self,
        conn: ConnectionEntries,
        command: ClientCommand,
        reply: str | None,
        now: float,
    ) -> bool:
        """Count a wrong code or token on its connection, from the direct
        reply's frame; whether it was one."""
        if isinstance(command, JoinRoom | Rejoin | Watch) and error_code(reply) in MISSES:
            self._connection_bucket(conn, "miss").take(now)
            return True
        return False

    def _create(self, conn: ConnectionEntries, address: str, now: float) -> Refusal | None:
        mine = self._connection_bucket(conn, "create")
        theirs = self._address(address).create
        if mine.peek(now) and theirs.peek(now):
            mine.take(now)
            theirs.take(now)
            return None
        wait = max(mine.wait_s(now), theirs.wait_s(now))
        return Refusal("too many rooms created: wait", ms(wait), "rooms_created")

    def _connection_bucket(self, conn: ConnectionEntries, kind: str) -> TokenBucket:
        bucket = conn.buckets.get(kind)
        if bucket is None:
            share = PER_CONNECTION[kind]
            if kind == "create":
                share = min(share, self.rules.create_per_minute)
            bucket = conn.buckets[kind] = TokenBucket(share / 60, max(1, share))
        return bucket

    def _address(self, address: str) -> AddressEntries:
        entries = self._by_address.get(address)
        if entries is None:
            rules = self.rules
            entries = self._by_address[address] = AddressEntries(
                TokenBucket(rules.create_per_minute / 60, rules.create_per_minute),
                TokenBucket(rules.join_per_minute / 60, rules.join_burst),
            )
            if len(self._by_address) > self.max_addresses:
                self._by_address.popitem(last=False)
        else:
            self._by_address.move_to_end(address)
        return entries


MISSES = frozenset({str(ErrorCode.ROOM_NOT_FOUND), str(ErrorCode.INVALID_TOKEN)})


def error_code(frame: str | None) -> str | None:
    """The code of an error reply's frame; None for any other reply."""
    # Only error replies are parsed, and they are small.
    if frame is None or not frame.startswith('{"type":"error"'):
        return None
    return str(json.loads(frame).get("code"))
