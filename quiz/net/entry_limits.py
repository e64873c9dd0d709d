"""Limits on entering rooms, per connection and per client address. Pure.

The per-connection message bucket (quiz.net.token_bucket) bounds how fast one
socket talks, not what it costs: a client that creates a room, drops the
socket and does it again fills the server with rooms, and one that tries
room codes or tokens without end is guessing. So, on top of it:

- ``create_room`` and ``join_room`` each draw from a bucket of the
  connection and one of the client's address;
- a wrong code or token (a ``join_room``, ``rejoin`` or ``watch`` answered
  ``room_not_found`` or ``invalid_token``) draws from a third pair; once one
  is empty, those three are refused until it refills.

Refused entries get ``rate_limited``. Time is an argument; the table of
addresses is bounded (least recently seen forgotten first).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field

from quiz.core.commands import ClientCommand, CreateRoom, JoinRoom, Rejoin, Watch
from quiz.core.messages import ErrorCode
from quiz.net.token_bucket import TokenBucket

# A connection gets at most this share of its address's allowance (and at
# least 1 a minute): one socket needs far less than a school's NAT.
PER_CONNECTION = {"create": 5, "join": 10, "miss": 10}
MAX_ADDRESSES = 100_000


@dataclass(frozen=True, slots=True)
class EntryRules:
    """Allowances a minute, per client address (each also its burst)."""

    create_per_minute: int = 20
    join_per_minute: int = 1200
    wrong_code_per_minute: int = 30

    def per_minute(self, kind: str) -> int:
        return {
            "create": self.create_per_minute,
            "join": self.join_per_minute,
            "miss": self.wrong_code_per_minute,
        }[kind]


def _bucket(per_minute: int) -> TokenBucket:
    return TokenBucket(rate=per_minute / 60, burst=per_minute)


@dataclass(slots=True)
class ConnectionEntries:
    """The buckets of one connection."""

    buckets: dict[str, TokenBucket] = field(default_factory=dict)


class EntryLimits:
    """Per-address and per-connection allowances for entering rooms."""

    def __init__(self, rules: EntryRules, max_addresses: int = MAX_ADDRESSES) -> None:
        self.rules = rules
        self.max_addresses = max_addresses
        self._by_address: OrderedDict[tuple[str, str], TokenBucket] = OrderedDict()

    def connection(self) -> ConnectionEntries:
        # Buckets are made on a connection's first draw of each kind: most
        # connections join once and then hold a seat for the whole game, and
        # a room of 10,000 would keep 20,000 full buckets for nothing.
        return ConnectionEntries()

    def check(
        self, conn: ConnectionEntries, address: str, command: ClientCommand, now: float
    ) -> str | None:
        """Why ``command`` may not go ahead now, or None (its allowance taken)."""
        if isinstance(command, CreateRoom):
            if not self._take(conn, address, "create", now):
                return "too many rooms created from your address: wait a minute"
        elif isinstance(command, JoinRoom | Rejoin | Watch):
            if not self._has(conn, address, "miss", now):
                return "too many wrong room codes or tokens from your address: wait a minute"
            if isinstance(command, JoinRoom) and not self._take(conn, address, "join", now):
                return "too many joins from your address: wait a minute"
        return None

    def settle(
        self,
        conn: ConnectionEntries,
        address: str,
        command: ClientCommand,
        reply: str | None,
        now: float,
    ) -> None:
        """Count a wrong code or token, from the direct reply's frame."""
        if isinstance(command, JoinRoom | Rejoin | Watch) and _error_code(reply) in _MISSES:
            self._connection_bucket(conn, "miss").take(now)
            self._address_bucket(address, "miss").take(now)

    def _take(self, conn: ConnectionEntries, address: str, kind: str, now: float) -> bool:
        """Draw from both buckets if both have room; else draw from neither."""
        if not self._has(conn, address, kind, now):
            return False
        self._connection_bucket(conn, kind).take(now)
        self._address_bucket(address, kind).take(now)
        return True

    def _has(self, conn: ConnectionEntries, address: str, kind: str, now: float) -> bool:
        mine = conn.buckets.get(kind)  # none yet: full
        return (mine is None or mine.peek(now)) and self._address_bucket(address, kind).peek(now)

    def _connection_bucket(self, conn: ConnectionEntries, kind: str) -> TokenBucket:
        bucket = conn.buckets.get(kind)
        if bucket is None:
            share = max(1, min(PER_CONNECTION[kind], self.rules.per_minute(kind)))
            bucket = conn.buckets[kind] = _bucket(share)
        return bucket

    def _address_bucket(self, address: str, kind: str) -> TokenBucket:
        key = (address, kind)
        bucket = self._by_address.get(key)
        if bucket is None:
            bucket = self._by_address[key] = _bucket(self.rules.per_minute(kind))
            if len(self._by_address) > self.max_addresses:
                self._by_address.popitem(last=False)
        else:
            self._by_address.move_to_end(key)
        return bucket


_MISSES = frozenset({str(ErrorCode.ROOM_NOT_FOUND), str(ErrorCode.INVALID_TOKEN)})


def _error_code(frame: str | None) -> str | None:
    # Only error replies are parsed, and they are small.
    if frame is None or not frame.startswith('{"type":"error"'):
        return None
    return str(json.loads(frame).get("code"))
