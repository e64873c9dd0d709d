"""What goes into a room and what comes out of it, besides the wire's own commands.

The I/O layers build the commands below (a seat with the id and token they
drew, a lost connection, generated questions, a timer tick) and carry out
the outputs (send, reply, release a connection, generate questions, drop
the room). No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

from llm.types import Question
from quiz.wire.protocol import Message, RoomCommand


@dataclass(frozen=True, slots=True)
class Limits:
    """Server-wide limits a room obeys, fixed when the room is created."""

    max_players: int = 1000
    grace_ms: int = 120_000
    idle_ttl_ms: int = 1_800_000
    countdown_ms: int = 3_000
    dedup_ttl_ms: int = 60_000
    # A room still in its first lobby with nobody connected closes after this.
    abandoned_ms: int = 30_000


@dataclass(frozen=True, slots=True)
class Seat:
    """A new player, with the id and token hash the I/O layer drew.

    With ``display_token`` it is a display screen (``watch``): a seat with no
    player and no controls, admitted only with the room's display token.
    """

    player_id: str
    name: str
    token_hash: str
    request_id: str | None = None
    via: str = ""  # the server holding the player's connection
    display_token: str | None = None


@dataclass(frozen=True, slots=True)
class Resume:
    """``rejoin``: the player holding the token behind ``token_hash``."""

    token_hash: str
    request_id: str | None = None
    via: str = ""


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The player's connection is gone; the seat stays for the grace period.

    With ``via``, only if the player is still connected through that server
    (it died): one who rejoined elsewhere meanwhile stays connected.
    """

    via: str = ""


@dataclass(frozen=True, slots=True)
class Present:
    """The player's connection through ``via`` is live.

    A server sends it when the room shows one of its connected players as
    gone (marked disconnected while the server was paused or cut off from
    the others): presence follows connections.
    """

    via: str


@dataclass(frozen=True, slots=True)
class QuestionsReady:
    """The questions asked for with :class:`Generate` number ``generation``."""

    generation: int
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Tick:
    """Apply the transitions due by now; nothing else."""


Command = Seat | Resume | Disconnected | Present | QuestionsReady | Tick | RoomCommand


@dataclass(frozen=True, slots=True)
class Send:
    """A message to every connected seat (``to`` None) or to one."""

    message: Message
    to: str | None = None
    exclude: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The direct reply to the command's sender; ``bind`` seats its connection."""

    message: Message
    bind: str | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """The player no longer belongs to this room; close its connection with
    ``close_code`` if it has one (``None``: keep the connection open)."""

    player_id: str
    close_code: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Generate:
    """Ask the question source for questions; answer with :class:`QuestionsReady`.

    ``language`` is a BCP 47 tag; ``exclude`` holds the texts of the
    questions this room has played already, so that ``play_again`` does not
    repeat them. ``draft``: the questions go to the host to review
    (``questions_draft``), not into a game.
    """

    generation: int
    topic: str
    count: int
    difficulty: str
    language: str = "en"
    exclude: tuple[str, ...] = ()
    draft: bool = False


@dataclass(frozen=True, slots=True)
class RoomClosed:
    """The room is over: drop it. Connections were released before this."""

    reason: str


Output = Send | Reply | Release | Generate | RoomClosed
