"""Everything that comes out of a room: what the I/O layers must carry out. No I/O.

:meth:`quiz.core.room.Room.handle` returns a list of these, in order: the
I/O layers send, reply, release connections, ask for questions and drop
the room, in that order, and decide nothing of the game themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from quiz.core.messages import Message


@dataclass(frozen=True, slots=True)
class Send:
    """A message to every connected seat (``to`` None) or to one; ``exclude``:
    the seats a whole-room message is not for.

    Pacing is a rule of the game that the I/O layer carries out without
    reading the message. ``count`` names a count that only needs to be about
    right (``answer_progress``, ``room_size``): in a large room it may be
    spread over ``spread_ms``, one slice of connections at a time, and a
    newer count of the same name takes the place of what is not sent yet. A
    message that makes the counts moot (a question's result) has
    ``ends_counts``: what is still being spread is dropped, not sent.
    """

    message: Message
    to: str | None = None
    exclude: frozenset[str] | None = None
    count: str | None = None
    spread_ms: int = 0
    ends_counts: bool = False


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
    """Ask the question source for questions; the answer comes as ``QuestionsReady``.

    ``language`` is a BCP 47 tag; ``exclude`` holds the texts of the
    questions this room has played already, so that ``play_again`` does not
    repeat them. ``draft``: the questions go to the host to review
    (``questions_draft``), not into a game. ``sliders``: the set may hold
    ``slider`` questions (protocol 1.2): only a draft, which the host reviews
    in a 1.2 editor; a generated game stays answerable by a 1.1 client.
    """

    generation: int
    topic: str
    count: int
    difficulty: str
    language: str = "en"
    exclude: tuple[str, ...] = ()
    draft: bool = False
    sliders: bool = False


@dataclass(frozen=True, slots=True)
class Playing:
    """A game began (its countdown) or ended (``game_over``).

    Nothing for the players: the I/O layer may prepare for the burst of a
    game (a big room's server keeps its garbage collector off meanwhile).
    """

    started: bool


@dataclass(frozen=True, slots=True)
class RoomClosed:
    """The room is over: drop it. Connections were released before this."""

    reason: str


Output = Send | Reply | Release | Generate | Playing | RoomClosed
