"""A room's state: its phase, seats and answers, as plain data. No I/O.

:class:`RoomState` holds every field a snapshot must carry, plus indexes
derived from them (rebuilt on load, never stored), and the few helpers that
keep those indexes and counters true. It holds no rule: the rules that
change it are the units of :mod:`quiz.core.room` (seating, lobby, play,
views), each given the state it may change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from quiz.core.kinds import AnswerValue
from quiz.core.messages import CloseCode, Message
from quiz.core.outputs import Output, Release, RoomClosed
from quiz.core.question import Question
from quiz.core.settings import RoomLimits, RoomSettings

LEADERBOARD_TOP = 10  # in question_result
FINAL_TOP = 100  # in game_over
STATE_PLAYERS_MAX = 100  # players listed in a room state
LARGE_ROOM = 100  # more players than this: presence goes to the host only
# A large room's counts (room_size, answer_progress) at most once per this;
# a small room's answer_progress at most once per PROGRESS_MS.
LARGE_COUNT_MS = 1_000
PROGRESS_MS = 200
WATCHERS_MAX = 20  # display screens (and a presenting host) per room
PLAYED_MAX = 500  # question texts remembered for `exclude`
# Remembered request ids per player: bounds memory against a client that
# sends a fresh request_id with every message.
DEDUP_MAX_PER_PLAYER = 128


class Phase(StrEnum):
    LOBBY = "lobby"
    GENERATING = "generating"
    COUNTDOWN = "countdown"
    QUESTION = "question"
    REVEAL = "reveal"
    FINISHED = "finished"


# Every transition the rules may make; the property tests hold them to it.
LEGAL_TRANSITIONS: frozenset[tuple[Phase, Phase]] = frozenset(
    {
        (Phase.LOBBY, Phase.GENERATING),
        (Phase.LOBBY, Phase.COUNTDOWN),  # the host's own quiz: nothing to generate
        (Phase.GENERATING, Phase.COUNTDOWN),
        (Phase.GENERATING, Phase.LOBBY),  # no question could be had at all
        (Phase.COUNTDOWN, Phase.QUESTION),
        (Phase.QUESTION, Phase.REVEAL),
        (Phase.REVEAL, Phase.QUESTION),
        (Phase.REVEAL, Phase.COUNTDOWN),  # a new round: its title, then its first question
        (Phase.REVEAL, Phase.FINISHED),
        (Phase.FINISHED, Phase.LOBBY),
        # end_game, from any phase of a game.
        (Phase.GENERATING, Phase.FINISHED),
        (Phase.COUNTDOWN, Phase.FINISHED),
        (Phase.QUESTION, Phase.FINISHED),
    }
)


@dataclass(slots=True)
class Player:
    """A seat: a player, or (in ``RoomState.watchers``) a presenting host or a display."""

    id: str
    name: str
    token_hash: str
    seat: int
    score: int = 0
    streak: int = 0
    correct_ms: int = 0  # total time of correct answers: the tie-break
    connected: bool = True
    last_points: int = 0
    last_correct: bool | None = False  # None: the last question was a poll
    last_answered: bool = False
    via: str = ""  # the server holding the connection, so its death can be noticed
    display: bool = False
    # One entry per closed question since the game began: None (not
    # answered) or {answer, correct, points, time_ms}; shorter for a player
    # who joined late. `results` is built from it.
    history: list[dict[str, Any] | None] = field(default_factory=list)
    team: int | None = None  # protocol 1.2: an index into the room's teams
    extra: float = 1.0  # the host's extra time: this x each question's time
    # The name's index keys (Seat.name_keys). Derived from the name by the
    # I/O layer: a snapshot leaves them out and its reader derives them again.
    keys: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        if self.team is None:
            return {"id": self.id, "name": self.name}
        return {"id": self.id, "name": self.name, "team": self.team}

    def state(self) -> dict[str, Any]:
        entry = {"id": self.id, "name": self.name, "score": self.score, "connected": self.connected}
        if self.team is not None:
            entry["team"] = self.team
        return entry


@dataclass(slots=True)
class Answer:
    option: AnswerValue
    at_ms: int


@dataclass
class RoomState:
    """One room's whole state. Snapshots hold every field with ``init=True``."""

    room_id: str
    settings: RoomSettings
    limits: RoomLimits
    created_ms: int
    phase: Phase = Phase.LOBBY
    host_id: str = ""
    players: dict[str, Player] = field(default_factory=dict)
    # Seats that do not play: a presenting host, display screens.
    watchers: dict[str, Player] = field(default_factory=dict)
    next_seat: int = 0
    generation: int = 0
    draft_generation: int | None = None  # the Generate whose questions go to the host
    quiz: tuple[Question, ...] = ()  # the host's own questions, played instead of generated
    questions: tuple[Question, ...] = ()  # this game's questions
    question_index: int = -1
    question_started_ms: int = 0
    deadline_ms: int | None = None  # the open question's deadline (None: no limit)
    phase_ends_ms: int | None = None  # countdown or reveal end
    answers: dict[str, Answer] = field(default_factory=dict)
    eligible: set[str] = field(default_factory=set)
    # Of the eligible players, how many are connected and how many of those
    # answered: kept up to date so an answer costs O(1), not O(players).
    able: int = 0
    answered: int = 0
    # Disconnected seats by the time they went: their grace runs from it.
    absent: dict[str, int] = field(default_factory=dict)
    last_result: Message | None = None
    last_activity_ms: int = 0
    closed: bool = False
    # player id -> request id -> (time seen, direct reply)
    seen_requests: dict[str, dict[str, tuple[int, Message]]] = field(default_factory=dict)
    locked: bool = False
    display_token: str = ""
    started: bool = False  # a game has begun at least once
    empty_since_ms: int | None = None  # first lobby, nobody connected, since then
    played: list[str] = field(default_factory=list)  # question texts, for `exclude`
    counts: list[list[int]] = field(default_factory=list)  # answer_counts per closed question
    final_board: list[Message] | None = None  # game_over's leaderboard (None: recompute)
    # Counts are deadlines like any other: when the next is due, when and
    # what the last one said.
    room_size_due_ms: int | None = None
    room_size_sent_ms: int = 0
    room_size_sent: list[int] = field(default_factory=list)  # [players, connected] last sent
    progress_due_ms: int | None = None
    progress_sent_ms: int | None = None  # None: none yet for the open question
    # Protocol 1.2. In reveal after a round's last question: its standings
    # (round_over) were sent, the next step leaves the round.
    round_over: bool = False
    # Extra time: the deadlines before the question's last one (players with
    # less time than others), and who ran out of time without answering.
    cutoffs: list[int] = field(default_factory=list)
    timed_out: set[str] = field(default_factory=set)
    # Derived from the fields above, rebuilt by __post_init__, never stored.
    names: dict[str, str] = field(init=False, repr=False)  # name key -> id
    tokens: dict[str, str] = field(init=False, repr=False)  # token hash -> id
    connected_count: int = field(init=False, repr=False)  # connected players
    top_ids: tuple[str, ...] | None = field(init=False, repr=False)  # state_for's list
    # Their entries, for the top_ids they were made from (read-only: shared
    # by every room state that lists them).
    top_states: tuple[tuple[str, ...], list[Message]] | None = field(init=False, repr=False)
    # Per team: how many players it has and the sum of their scores, kept up
    # to date as players join, leave, move and score (O(1) each).
    team_members: list[int] = field(init=False, repr=False)
    team_totals: list[int] = field(init=False, repr=False)
    # Called with (from, to) at every change of phase, when set (tests, tracing).
    on_transition: Callable[[Phase, Phase], None] | None = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.names = {}
        self.tokens = {}
        for seat in (*self.players.values(), *self.watchers.values()):
            self.index(seat)
        self.connected_count = sum(1 for p in self.players.values() if p.connected)
        self.top_ids = None
        self.top_states = None
        self.on_transition = None
        self.count_teams()

    def count_teams(self) -> None:
        """Recount the teams' members and totals from the players (a load, a new list)."""
        self.team_members = [0] * len(self.settings.teams)
        self.team_totals = [0] * len(self.settings.teams)
        for player in self.players.values():
            if player.team is not None and player.team < len(self.team_members):
                self.team_members[player.team] += 1
                self.team_totals[player.team] += player.score

    def index(self, seat: Player) -> None:
        """Make ``seat`` findable by its token and (a player's) by its name."""
        self.tokens[seat.token_hash] = seat.id
        for key in seat.keys:
            self.names.setdefault(key, seat.id)

    def unindex(self, seat: Player) -> None:
        del self.tokens[seat.token_hash]
        for key in seat.keys:
            if self.names.get(key) == seat.id:
                del self.names[key]

    def member(self, player_id: str | None) -> Player | None:
        """The seat ``player_id`` holds, playing or not."""
        if player_id is None:
            return None
        return self.players.get(player_id) or self.watchers.get(player_id)

    def find_token(self, token_hash: str) -> Player | None:
        return self.member(self.tokens.get(token_hash))

    def is_large(self) -> bool:
        return len(self.players) > LARGE_ROOM

    def set_connected(self, seat: Player, connected: bool) -> None:
        """Flip a seat's presence, keeping the counts true."""
        if seat.connected == connected:
            return
        seat.connected = connected
        if self.top_ids is not None and seat.id in self.top_ids:
            self.top_states = None  # a listed entry changed
        if connected:
            self.absent.pop(seat.id, None)
            self.empty_since_ms = None
        if seat.id not in self.players:
            return
        step = 1 if connected else -1
        self.connected_count += step
        if (
            self.phase is Phase.QUESTION
            and seat.id in self.eligible
            and seat.id not in self.timed_out
        ):
            self.able += step
            if seat.id in self.answers:
                self.answered += step

    def note_if_empty(self, now_ms: int) -> None:
        """Start the abandoned clock of a never-started room that nobody is in."""
        if self.started or self.phase is not Phase.LOBBY or self.connected_count:
            return
        if any(w.connected for w in self.watchers.values()):
            return
        if self.empty_since_ms is None:
            self.empty_since_ms = now_ms

    def enter(self, phase: Phase) -> None:
        if self.on_transition is not None:
            self.on_transition(self.phase, phase)
        self.phase = phase

    def close(self, reason: str, out: list[Output]) -> None:
        for seat in (*self.players.values(), *self.watchers.values()):
            if seat.connected:
                out.append(Release(seat.id, CloseCode.ROOM_CLOSED, reason))
        self.closed = True
        out.append(RoomClosed(reason))
