"""Where rooms live: one contract, two implementations, one factory.

The connection layer (:mod:`quiz.net.server`, :mod:`quiz.net.hub`) talks to rooms
only through :class:`Rooms`, and rooms reach connections only through
:class:`Delivery`. :class:`~quiz.rooms.memory.LocalRooms` keeps rooms in this
process's memory; :class:`~quiz.rooms.cluster.rooms.RedisRooms` shares them among
servers through Redis. :func:`quiz.rooms.backends.make_rooms` picks one from the settings, and
nothing else in the server asks which one it has (python-socketio's
``AsyncServer(client_manager=...)`` is the model).

Outcomes of a command, the same for both:

- applied: its outputs are delivered through :class:`Delivery` (the direct
  reply to the sender among them, in order) and ``submit`` returns the reply
  frame;
- refused without being applied: :class:`RoomNotFound` or
  :class:`Unavailable` is raised, and the command never takes effect later.
"""

from __future__ import annotations

import hashlib
import secrets
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from quiz.core.commands import Command, CreateRoom, Resume, Seat
from quiz.core.outputs import Output
from quiz.core.settings import RoomLimits
from quiz.wire.names import name_index, offensive

if TYPE_CHECKING:
    from quiz.llm import QuestionSource
    from quiz.ops.clock import Clock
    from quiz.ops.config import Settings
    from quiz.ops.metrics import ServerMetrics

ROOM_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud
ROOM_CODE_LENGTH = 5


class Unavailable(Exception):
    """The room's store cannot be reached now: the command was not applied
    (the client gets ``server_busy`` and may retry)."""


class RoomNotFound(Exception):
    """No such room (never was, expired, or closed): nothing was applied."""


class Delivery(Protocol):
    """How outputs reach this server's connections; the hub implements it.

    ``conn`` is the connection layer's own handle, carried through the rooms
    layer untouched.
    """

    def deliver(
        self, room_id: str, outputs: Sequence[Output], sender: object | None, token: str | None
    ) -> str | None:
        """Carry one applied command's outputs out, in order.

        The reply goes to ``sender`` when it is a connection of this server;
        a reply that seats a player (``Reply.bind``) binds ``sender``, or,
        with no sender here, means the player is now connected elsewhere.
        Returns the reply frame sent to ``sender`` (None without one here).
        """
        ...

    def present(self, room_id: str) -> Collection[str]:
        """The players of ``room_id`` with a live connection to this server."""
        ...


@dataclass(frozen=True, slots=True)
class Health:
    ready: bool
    reason: str = "ready"


class Rooms(ABC):
    """Create, enter and run rooms; the same promises whatever the backend."""

    @abstractmethod
    async def start(self) -> None:
        """Connect to what the rooms need; raise if it cannot be reached."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop background work and close connections to the store."""

    @abstractmethod
    async def create(
        self, command: CreateRoom, seat: Seat, conn: object, token: str
    ) -> str | None:
        """A new room as ``command`` asks, ``seat`` its host; the ``room_created`` frame.

        Raises :class:`Unavailable` when no room can be made now.
        """

    @abstractmethod
    async def enter(
        self, room_id: str, command: Seat | Resume, conn: object, token: str
    ) -> str | None:
        """``join_room`` (a :class:`Seat`) or ``rejoin`` (a :class:`Resume`)."""

    @abstractmethod
    async def submit(
        self, room_id: str, player_id: str, command: Command, conn: object
    ) -> str | None:
        """A seated player's command; the reply frame, if it has one."""

    @abstractmethod
    async def release(self, room_id: str, player_id: str) -> None:
        """The player's connection to this server is gone (not replaced)."""

    @abstractmethod
    async def hand_over(self) -> None:
        """At shutdown: let other servers carry on this server's rooms now."""

    @abstractmethod
    def health(self) -> Health:
        """Whether this server can take players now, and if not, why."""

    @abstractmethod
    def metrics(self) -> dict[str, object]:
        """Numbers for /healthz."""

    @property
    @abstractmethod
    def count(self) -> int:
        """Rooms this server serves."""


def new_seat(
    name: str,
    request_id: str | None,
    via: str,
    display_token: str | None = None,
    team: int | None = None,
) -> tuple[Seat, str]:
    """A new seat (a player's, or a display's) and the secret token that resumes it."""
    token = secrets.token_urlsafe(24)
    seat = Seat(
        new_player_id(),
        name,
        hash_token(token),
        request_id,
        via,
        display_token,
        # The one name rule (look-alikes, case) and the word filter, applied
        # here: the core compares the keys and reads the flag.
        name_keys=() if display_token is not None else name_index(name),
        flagged=display_token is None and offensive(name),
        team=team,
    )
    return seat, token


def resume(token: str, request_id: str | None, via: str) -> Resume:
    return Resume(hash_token(token), request_id, via)


def hash_token(token: str) -> str:
    # Rooms keep only a hash, so a dump of room state (or of Redis) holds no
    # usable token.
    return hashlib.sha256(token.encode()).hexdigest()


def new_player_id() -> str:
    # 48 random bits: in a room of 10,000 players a clash has odds of about
    # one in three million, and the room refuses a taken id all the same.
    return "p" + secrets.token_hex(6)


def new_room_code() -> str:
    return "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(ROOM_CODE_LENGTH))


def limits_from(settings: Settings) -> RoomLimits:
    """The limits every room of this server obeys."""
    return RoomLimits(
        max_players=settings.max_players_per_room,
        grace_ms=int(settings.reconnect_grace_seconds * 1000),
        idle_ttl_ms=int(settings.room_idle_ttl_seconds * 1000),
        countdown_ms=settings.countdown_seconds * 1000,
        abandoned_ms=int(settings.abandoned_lobby_seconds * 1000),
    )


@dataclass(frozen=True, slots=True)
class RoomsEnv:
    """What a rooms backend is handed by the server: how outputs reach
    connections, the clock, where questions come from, the metrics it
    reports into, and how to run a task on the side."""

    delivery: Delivery
    clock: Clock
    source: QuestionSource
    metrics: ServerMetrics
    spawn: Callable[[Awaitable[Any]], None]
