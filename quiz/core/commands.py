"""Everything that goes into a room: the commands of the wire, and those of the server. No I/O.

The wire's commands (:class:`StartGame`, :class:`SubmitAnswer`...) are what
:func:`quiz.wire.protocol.parse` makes of a client's frame, every field
within its range. The server's own (:class:`Seat`, :class:`Resume`,
:class:`Disconnected`, :class:`Present`, :class:`QuestionsReady`,
:class:`Tick`) are built by the I/O layers: a seat with the id and token
they drew, a lost connection, generated questions, a timer's tick. Each
carries the optional ``request_id`` of the frame it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from quiz.core.question import Difficulty, Question
from quiz.core.settings import RoomSettings


@dataclass(frozen=True, slots=True)
class CreateRoom:
    action: ClassVar[str] = "create_room"
    name: str
    settings: RoomSettings
    request_id: str | None = None
    questions: tuple[Question, ...] = ()  # the host's own quiz, if any


@dataclass(frozen=True, slots=True)
class UploadMedia:
    """Announce a file of ``size`` bytes, sent next in binary frames (protocol 1.2).

    Never reaches a room: the server's media layer (:mod:`quiz.media`) takes it,
    in a room or not. ``content_type`` is what the client believes; the bytes decide.
    """

    action: ClassVar[str] = "upload_media"
    size: int
    content_type: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class JoinRoom:
    action: ClassVar[str] = "join_room"
    room_id: str
    name: str
    request_id: str | None = None
    team: int | None = None  # protocol 1.2: an index into the room's teams


@dataclass(frozen=True, slots=True)
class Rejoin:
    action: ClassVar[str] = "rejoin"
    room_id: str
    token: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class StartGame:
    action: ClassVar[str] = "start_game"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitAnswer:
    action: ClassVar[str] = "submit_answer"
    question_index: int
    # An index, a sorted tuple of distinct indexes (multi) or typed text;
    # whether it fits the open question's kind is the room's to say.
    answer: int | tuple[int, ...] | str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class NextQuestion:
    action: ClassVar[str] = "next_question"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class KickPlayer:
    action: ClassVar[str] = "kick_player"
    player_id: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class LeaveRoom:
    action: ClassVar[str] = "leave_room"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class PlayAgain:
    action: ClassVar[str] = "play_again"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SetQuestions:
    action: ClassVar[str] = "set_questions"
    questions: tuple[Question, ...]
    topic: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class CloseQuestion:
    action: ClassVar[str] = "close_question"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class EndGame:
    action: ClassVar[str] = "end_game"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class LockRoom:
    action: ClassVar[str] = "lock_room"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class UnlockRoom:
    action: ClassVar[str] = "unlock_room"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class GetResults:
    action: ClassVar[str] = "get_results"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class GenerateQuestions:
    """Ask for AI-written draft questions, sent to the host to review."""

    action: ClassVar[str] = "generate_questions"
    topic: str
    count: int
    difficulty: Difficulty
    language: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateSettings:
    """New values for some of the room's settings (the fields present)."""

    action: ClassVar[str] = "update_settings"
    changes: dict[str, Any]
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class GetDisplayLink:
    action: ClassVar[str] = "get_display_link"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Watch:
    """Follow a room as a display screen: no player, no controls."""

    action: ClassVar[str] = "watch"
    room_id: str
    display_token: str
    request_id: str | None = None


# What a seated client sends to its room.
@dataclass(frozen=True, slots=True)
class MovePlayer:
    """The host puts a player in another team (in the lobby)."""

    action: ClassVar[str] = "move_player"
    player_id: str
    team: int
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SetExtraTime:
    """The host gives a player more time: ``factor`` x each later question's time."""

    action: ClassVar[str] = "set_extra_time"
    player_id: str
    factor: float
    request_id: str | None = None


RoomCommand = (
    StartGame
    | SubmitAnswer
    | NextQuestion
    | KickPlayer
    | LeaveRoom
    | PlayAgain
    | SetQuestions
    | CloseQuestion
    | EndGame
    | LockRoom
    | UnlockRoom
    | GetResults
    | GenerateQuestions
    | GetDisplayLink
    | UpdateSettings
    | MovePlayer
    | SetExtraTime
)
ClientCommand = CreateRoom | JoinRoom | Rejoin | Watch | UploadMedia | RoomCommand

# Actions that bring a connection into a room, as opposed to acting in one.
ENTRY_COMMANDS = (CreateRoom, JoinRoom, Rejoin, Watch)


# The server's own commands.


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
    # The keys under which the name is indexed: two names clash when any key
    # is equal. The rule is quiz.wire.names'; the I/O layer computes them, so
    # the core compares opaque strings and a log entry replays the same way.
    name_keys: tuple[str, ...] = ()
    # The word filter flags the name (refused while the room filters names).
    flagged: bool = False
    team: int | None = None  # the team the player asked for (join_room's team)


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
