"""Entering rooms: ``create_room``, ``join_room``, ``rejoin`` and ``watch``.

Before a connection is a player, the server answers for it here: a retry
(the same ``request_id``) gets the first reply again; the allowances of the
connection and of its address are drawn (:mod:`quiz.net.entry_limits`); a
room code the address has not used yet is looked up within the allowance
of misses (:mod:`quiz.net.code_gate`); then the rooms seat the player.

Nothing here refuses a right token or a right code because of another
connection's wrong guesses: a ``rejoin`` or ``watch`` is never held back by
its address, and a code is held back only until the address or the server
has an allowance of misses for it (found rooms give it back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from websockets.protocol import State

from quiz.core.commands import CreateRoom, JoinRoom, Rejoin, Watch
from quiz.core.messages import ErrorCode, Message, error, no_display, no_seat
from quiz.net.code_gate import CodeGate, Grant
from quiz.net.entry_limits import EntryLimits, EntryRules, Refusal
from quiz.net.hub import Client, Hub
from quiz.ops.clock import Clock
from quiz.ops.config import Settings
from quiz.rooms.contract import (
    ROOM_CODE_ALPHABET,
    ROOM_CODE_LENGTH,
    RoomNotFound,
    Rooms,
    Unavailable,
    new_seat,
    resume,
)

if TYPE_CHECKING:
    from quiz.media.service import MediaService

# Direct replies to entry commands remembered per connection, for retries.
SEEN_PER_CONNECTION = 32
SEEN_S = 60.0

EntryCommand = CreateRoom | JoinRoom | Rejoin | Watch
_ALPHABET = frozenset(ROOM_CODE_ALPHABET)


def rate_limited(refusal: Refusal, request_id: str | None) -> Message:
    """The ``rate_limited`` error of a refusal: when to come back, and why."""
    message = error(ErrorCode.RATE_LIMITED, refusal.message, request_id)
    message["retry_after_ms"] = refusal.retry_after_ms
    message["reason"] = refusal.reason
    return message


class EntryDesk:
    """The entry commands of connections that are not in a room yet."""

    def __init__(
        self,
        settings: Settings,
        rooms: Rooms,
        hub: Hub,
        media: MediaService,
        clock: Clock,
        send_error: Callable[[Client, Message], str],
        shutting_down: Callable[[], bool],
    ) -> None:
        self.server_id = settings.server_id
        self.rooms = rooms
        self.hub = hub
        self.media = media
        self.clock = clock
        self.send_error = send_error
        self.shutting_down = shutting_down
        self.limits = EntryLimits(
            EntryRules(
                create_per_minute=settings.create_room_per_minute,
                join_per_minute=settings.join_per_minute,
                join_burst=settings.join_burst,
            )
        )
        self.gate = CodeGate(
            settings.wrong_code_per_minute, settings.server_wrong_code_per_minute, clock
        )

    async def handle(self, client: Client, command: EntryCommand) -> None:
        rid = command.request_id
        # A retry first: the same reply as the first time, even though the
        # first one seated this connection.
        if rid is not None:
            hit = client.seen.get(rid)
            if hit is not None and self.clock.monotonic() - hit[0] < SEEN_S:
                self.hub.send(client, hit[1])
                return
        if client.room_id is not None:
            self.refuse(client, ErrorCode.ALREADY_IN_ROOM, "leave your room first", rid)
            return
        # A refusal is not remembered for the request_id, like any
        # rate_limited: the same request may come back when it says.
        address = client.peer.address
        refusal = self.limits.check(client.entries, address, command, self.clock.monotonic())
        if refusal is not None:
            self.send_error(client, rate_limited(refusal, rid))
            return
        grant: Grant | None = None
        if isinstance(command, JoinRoom) and not _may_be_a_room(command.room_id):
            # No room ever had such a code (an O for a 0, a letter too many):
            # saying so at once tells nobody anything.
            reply = self.refuse(client, ErrorCode.ROOM_NOT_FOUND, "there is no such room", rid)
            self.limits.settle(client.entries, command, reply, self.clock.monotonic())
            return
        if isinstance(command, JoinRoom):
            # The code first (it may wait for an allowance of misses), then
            # the joins: a guess that waits holds no join of the crowd's.
            admitted = await self.gate.admit(address, command.room_id)
            if isinstance(admitted, Refusal):
                self.send_error(client, rate_limited(admitted, rid))
                return
            grant = admitted
            gone = client.ws.state is not State.OPEN  # closed while it waited its turn
            now = self.clock.monotonic()
            refusal = None if gone else self.limits.join(client.entries, address, now)
            if gone or refusal is not None:
                if grant is not None:
                    self.gate.settle(grant, None)  # nothing looked up
                if refusal is not None:
                    self.send_error(client, rate_limited(refusal, rid))
                return
        found: bool | None = None
        try:
            reply = await self._enter(client, command)
            now = self.clock.monotonic()
            found = not self.limits.settle(client.entries, command, reply, now)
        finally:
            if grant is not None:
                self.gate.settle(grant, found)
        self._learn(client, command, found, now)
        if rid is not None and reply is not None:
            if len(client.seen) >= SEEN_PER_CONNECTION:
                client.seen.pop(next(iter(client.seen)))
            client.seen[rid] = (now, reply)

    def _learn(self, client: Client, command: EntryCommand, found: bool, now: float) -> None:
        """Codes the address showed it knows, and known codes gone stale."""
        address = client.peer.address
        if client.room_id is not None:  # created or entered: the code is right
            self.gate.learn(address, client.room_id, now)
        elif isinstance(command, JoinRoom | Rejoin | Watch):
            if found:  # a room that exists (full, locked, a name taken...)
                if isinstance(command, JoinRoom):
                    self.gate.learn(address, command.room_id, now)
            elif isinstance(command, JoinRoom):
                self.gate.forget(address, command.room_id)

    async def _enter(self, client: Client, command: EntryCommand) -> str | None:
        """create_room, join_room, watch, rejoin: the frame of the direct reply."""
        rid = command.request_id
        try:
            if isinstance(command, CreateRoom):
                if self.shutting_down():
                    raise Unavailable("the server is restarting; retry shortly")
                unknown = await self.media.unknown(command.questions)
                if unknown is not None:
                    return self.refuse(client, ErrorCode.BAD_MESSAGE, unknown, rid)
                seat, token = new_seat(command.name, rid, self.server_id)
                return await self.rooms.create(command, seat, client, token)
            if isinstance(command, JoinRoom):
                seat, token = new_seat(command.name, rid, self.server_id, team=command.team)
                return await self.rooms.enter(command.room_id, seat, client, token)
            if isinstance(command, Watch):  # a display screen: a seat with no player
                seat, token = new_seat("", rid, self.server_id, command.display_token)
                return await self.rooms.enter(command.room_id, seat, client, token)
            again = resume(command.token, rid, self.server_id)
            return await self.rooms.enter(command.room_id, again, client, command.token)
        except RoomNotFound:
            # The same answer as a wrong token in a room that exists: a rejoin
            # or a display link must not tell a guesser which codes are rooms.
            if isinstance(command, Rejoin):
                return self.send_error(client, no_seat(command.room_id, rid))
            if isinstance(command, Watch):
                return self.send_error(client, no_display(rid))
            return self.refuse(client, ErrorCode.ROOM_NOT_FOUND, "there is no such room", rid)

    def refuse(self, client: Client, code: ErrorCode, message: str, rid: str | None) -> str:
        return self.send_error(client, error(code, message, rid))


def _may_be_a_room(code: str) -> bool:
    """Whether ``code`` (upper case) is written as the server writes room codes."""
    return len(code) == ROOM_CODE_LENGTH and all(c in _ALPHABET for c in code)
