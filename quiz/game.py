"""The rules of one room: a state machine with no I/O, no clock and no sockets.

:meth:`Room.handle` takes one command, the id of the player who sent it and
the time, and returns what must happen as a list of outputs: messages to
send, a direct reply, connections to let go, questions to generate. The I/O
layers only carry commands in and outputs out, so every rule lives here and
the tests drive it directly, deterministically.

Time is data. Every deadline (countdown end, question deadline, reveal end,
reconnect grace, idle expiry) is a field of the state, and every command
first applies the transitions that are due by its ``now_ms``; a timer in the
I/O layer only sends :class:`Tick` at :meth:`Room.next_wakeup_ms`. A late
timer, or a server that takes the room over after a crash, therefore
cannot change an outcome: an answer stamped after the deadline finds the
question already closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from llm.types import Question
from quiz.protocol import (
    ErrorCode,
    KickPlayer,
    LeaveRoom,
    Message,
    NextQuestion,
    PlayAgain,
    RoomSettings,
    StartGame,
    SubmitAnswer,
    ack,
    error,
    with_request_id,
)

LEADERBOARD_TOP = 10
STREAK_STEP = 100
STREAK_MAX = 500
FULL_POINTS_MS = 500
MAX_POINTS = 1000
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
        (Phase.GENERATING, Phase.COUNTDOWN),
        (Phase.GENERATING, Phase.LOBBY),  # no question could be had at all
        (Phase.COUNTDOWN, Phase.QUESTION),
        (Phase.QUESTION, Phase.REVEAL),
        (Phase.REVEAL, Phase.QUESTION),
        (Phase.REVEAL, Phase.FINISHED),
        (Phase.FINISHED, Phase.LOBBY),
    }
)


def points_for(elapsed_ms: int, limit_ms: int) -> int:
    """Base points for a correct answer ``elapsed_ms`` into a question.

    ``round(1000 * (1 - (t / T) / 2))``, full points under half a second.
    Halves round up (not Python's round-half-even), as a client computing
    the same formula with JavaScript's ``Math.round`` would expect.
    """
    if elapsed_ms < FULL_POINTS_MS:
        return MAX_POINTS
    # Exact integer arithmetic: the float form floor(1000 * (1 - t/T/2) + 0.5)
    # lands just under the half for many (t, T), e.g. t=1285, T=5000 gives
    # 871.4999... -> 871 instead of 871.5 -> 872. With t capped at T,
    # floor(1000 - 500 t / T + 1/2) == (2000 T - 1000 t + T) // (2 T).
    elapsed_ms = min(elapsed_ms, limit_ms)
    return (2 * MAX_POINTS * limit_ms - MAX_POINTS * elapsed_ms + limit_ms) // (2 * limit_ms)


def streak_bonus(streak: int) -> int:
    """Bonus for the ``streak``-th correct answer in a row (1 for the first)."""
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_MAX)


@dataclass(frozen=True, slots=True)
class Limits:
    """Server-wide limits a room obeys, fixed when the room is created."""

    max_players: int = 1000
    grace_ms: int = 120_000
    idle_ttl_ms: int = 1_800_000
    countdown_ms: int = 3_000
    dedup_ttl_ms: int = 60_000


# Commands the I/O layer makes; the wire's own commands live in protocol.


@dataclass(frozen=True, slots=True)
class Seat:
    """A new player, with the id and token hash the I/O layer drew."""

    player_id: str
    name: str
    token_hash: str
    request_id: str | None = None
    via: str = ""  # the server holding the player's connection


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


Command = (
    Seat
    | Resume
    | Disconnected
    | Present
    | QuestionsReady
    | Tick
    | StartGame
    | SubmitAnswer
    | NextQuestion
    | KickPlayer
    | LeaveRoom
    | PlayAgain
)


# Outputs.


@dataclass(frozen=True, slots=True)
class Send:
    """A message to every connected player (``to`` None) or to one."""

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
    """Ask the question source for questions; answer with :class:`QuestionsReady`."""

    generation: int
    topic: str
    count: int
    difficulty: str


@dataclass(frozen=True, slots=True)
class RoomClosed:
    """The room is over: drop it. Connections were released before this."""

    reason: str


Output = Send | Reply | Release | Generate | RoomClosed


@dataclass(slots=True)
class Player:
    id: str
    name: str
    token_hash: str
    seat: int
    score: int = 0
    streak: int = 0
    correct_ms: int = 0  # total time of correct answers: the tie-break
    connected: bool = True
    last_points: int = 0
    last_correct: bool = False
    last_answered: bool = False
    via: str = ""  # the server holding the connection, so its death can be noticed

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}

    def state(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "score": self.score, "connected": self.connected}


@dataclass(slots=True)
class Answer:
    option: int
    at_ms: int


@dataclass
class Room:
    """One room's whole state, and the rules that change it."""

    room_id: str
    settings: RoomSettings
    limits: Limits
    created_ms: int
    phase: Phase = Phase.LOBBY
    host_id: str = ""
    players: dict[str, Player] = field(default_factory=dict)
    next_seat: int = 0
    generation: int = 0
    questions: tuple[Question, ...] = ()
    question_index: int = -1
    question_started_ms: int = 0
    deadline_ms: int | None = None  # the open question's deadline
    phase_ends_ms: int | None = None  # countdown or reveal end
    answers: dict[str, Answer] = field(default_factory=dict)
    eligible: set[str] = field(default_factory=set)
    # Of the eligible players, how many are connected and how many of those
    # answered: kept up to date so an answer costs O(1), not O(players).
    able: int = 0
    answered: int = 0
    # Disconnected players by the time they went: their grace runs from it.
    absent: dict[str, int] = field(default_factory=dict)
    last_result: Message | None = None
    last_activity_ms: int = 0
    closed: bool = False
    # player id -> request id -> (time seen, direct reply)
    seen_requests: dict[str, dict[str, tuple[int, Message]]] = field(default_factory=dict)
    # The phase changes made by the last call to handle(), for the tests.
    transitions: list[tuple[Phase, Phase]] = field(default_factory=list, repr=False)

    # Creating and entering.

    @classmethod
    def create(
        cls, room_id: str, settings: RoomSettings, limits: Limits, host: Seat, now_ms: int
    ) -> tuple[Room, list[Output]]:
        """A new room in the lobby with ``host`` seated; the reply is ``room_created``."""
        room = cls(room_id, settings, limits, created_ms=now_ms, last_activity_ms=now_ms)
        player = room._seat(host)
        room.host_id = player.id
        reply = room._joined_message("room_created", player, host.request_id)
        return room, [Reply(reply, bind=player.id)]

    def handle(self, sender: str | None, command: Command, now_ms: int) -> list[Output]:
        """Apply one command from ``sender`` (a player id, or None) at ``now_ms``."""
        self.transitions = []
        if self.closed:
            return [Reply(error(ErrorCode.ROOM_NOT_FOUND, "this room is closed", _rid(command)))]
        out: list[Output] = []
        self._advance(now_ms, out)
        if self.closed:
            return out
        if isinstance(command, Tick):
            return out
        if isinstance(command, QuestionsReady):
            self._questions_ready(command, now_ms, out)
            return out
        if isinstance(command, Seat):
            self._join(command, now_ms, out)
            return out
        if isinstance(command, Resume):
            self._resume(command, now_ms, out)
            return out
        if sender is None or sender not in self.players:
            out.append(
                Reply(error(ErrorCode.NOT_IN_ROOM, "you are not in this room", _rid(command)))
            )
            return out
        if isinstance(command, Disconnected):
            self._disconnected(sender, command.via, now_ms, out)
            return out
        if isinstance(command, Present):
            self._present(sender, command.via, now_ms, out)
            return out

        self.last_activity_ms = now_ms
        request_id = command.request_id
        if request_id is not None:
            cached = self._seen(sender, request_id, now_ms)
            if cached is not None:
                # A retry of a request already applied: the same reply, no effect.
                out.append(Reply(cached))
                return out
        start = len(out)
        self._player_command(sender, command, now_ms, out)
        if request_id is not None:
            for output in out[start:]:
                if isinstance(output, Reply):
                    self._remember(sender, request_id, now_ms, output.message)
                    break
        return out

    def next_wakeup_ms(self) -> int | None:
        """When the next timed transition is due, or None if nothing is pending."""
        if self.closed:
            return None
        times = [self.last_activity_ms + self.limits.idle_ttl_ms]
        if self.phase is Phase.QUESTION and self.deadline_ms is not None:
            times.append(self.deadline_ms)
        if self.phase in (Phase.COUNTDOWN, Phase.REVEAL) and self.phase_ends_ms is not None:
            times.append(self.phase_ends_ms)
        if self.absent:
            times.append(min(self.absent.values()) + self.limits.grace_ms)
        return min(times)

    def find_token(self, token_hash: str) -> Player | None:
        for player in self.players.values():
            if player.token_hash == token_hash:
                return player
        return None

    # Views.

    def state_for(self, player_id: str | None, now_ms: int) -> Message:
        """The room state as ``player_id`` sees it (``your_answer`` is theirs)."""
        state: Message = {
            "room_id": self.room_id,
            "phase": str(self.phase),
            "host_id": self.host_id,
            "topic": self.settings.topic,
            "settings": self.settings.to_dict(),
            "players": [p.state() for p in self.players.values()],
            "question_index": self.question_index,
            "total_questions": len(self.questions) or self.settings.num_questions,
            "server_time_ms": now_ms,
        }
        if self.phase is Phase.QUESTION:
            state["question"] = self._question_message(now_ms)
            answer = self.answers.get(player_id) if player_id else None
            state["your_answer"] = answer.option if answer else None
        if self.phase is Phase.COUNTDOWN and self.phase_ends_ms is not None:
            state["countdown_ends_ms"] = self.phase_ends_ms
        if self.phase in (Phase.REVEAL, Phase.FINISHED) and self.last_result is not None:
            state["last_result"] = self.last_result
        if self.phase is Phase.FINISHED:
            state["leaderboard"] = self.leaderboard()
        return state

    def leaderboard(self, top: int | None = None) -> list[Message]:
        """Everyone ranked: by score, then by total time of correct answers.

        Players equal on both share a rank (1, 1, 3); seat order breaks the
        tie in the listing only, so it is stable.
        """
        ordered = sorted(self.players.values(), key=lambda p: (-p.score, p.correct_ms, p.seat))
        board: list[Message] = []
        rank = 0
        previous: tuple[int, int] | None = None
        for position, player in enumerate(ordered, start=1):
            key = (player.score, player.correct_ms)
            if key != previous:
                rank, previous = position, key
            if top is not None and position > top:
                break
            board.append(
                {"player_id": player.id, "name": player.name, "score": player.score, "rank": rank}
            )
        return board

    def ranks(self) -> dict[str, int]:
        return {entry["player_id"]: entry["rank"] for entry in self.leaderboard()}

    # Player commands.

    def _player_command(
        self, sender: str, command: Command, now_ms: int, out: list[Output]
    ) -> None:
        rid = command.request_id  # type: ignore[union-attr]
        if isinstance(command, SubmitAnswer):
            self._answer(sender, command, now_ms, out)
        elif isinstance(command, LeaveRoom):
            out.append(Reply(ack(rid)))
            self._remove(sender, "left", None, now_ms, out)
        elif isinstance(command, KickPlayer | StartGame | NextQuestion | PlayAgain):
            if sender != self.host_id:
                out.append(Reply(error(ErrorCode.NOT_HOST, "only the host can do that", rid)))
            elif isinstance(command, KickPlayer):
                self._kick(sender, command, now_ms, out)
            elif isinstance(command, StartGame):
                self._start(command, now_ms, out)
            elif isinstance(command, NextQuestion):
                if self.phase is not Phase.REVEAL:
                    out.append(Reply(_wrong_phase(self.phase, "next_question", rid)))
                else:
                    out.append(Reply(ack(rid)))
                    self._next(now_ms, out)
            else:
                self._play_again(command, now_ms, out)

    def _join(self, seat: Seat, now_ms: int, out: list[Output]) -> None:
        rid = seat.request_id
        if len(self.players) >= self.limits.max_players:
            out.append(Reply(error(ErrorCode.ROOM_FULL, "this room is full", rid)))
            return
        folded = seat.name.casefold()
        if any(p.name.casefold() == folded for p in self.players.values()):
            out.append(Reply(error(ErrorCode.NAME_TAKEN, "that name is taken in this room", rid)))
            return
        self.last_activity_ms = now_ms
        player = self._seat(seat)
        out.append(Reply(self._joined_message("room_joined", player, rid, now_ms), bind=player.id))
        out.append(Send({"type": "player_joined", "player": player.public()}, exclude=player.id))

    def _resume(self, resume: Resume, now_ms: int, out: list[Output]) -> None:
        player = self.find_token(resume.token_hash)
        if player is None:
            out.append(
                Reply(
                    error(
                        ErrorCode.INVALID_TOKEN, "that token is not valid here", resume.request_id
                    )
                )
            )
            return
        self.last_activity_ms = now_ms
        was_connected = player.connected
        player.via = resume.via
        self._set_connected(player, True)
        message = self._joined_message("room_joined", player, resume.request_id, now_ms)
        message["resumed"] = True
        # The I/O layer closes an older connection of this player with 4003.
        out.append(Reply(message, bind=player.id))
        if not was_connected:
            out.append(
                Send({"type": "player_reconnected", "player": player.public()}, exclude=player.id)
            )
            self._progress_changed(now_ms, out)

    def _disconnected(self, player_id: str, via: str, now_ms: int, out: list[Output]) -> None:
        player = self.players[player_id]
        if not player.connected or (via and player.via != via):
            return
        self._set_connected(player, False)
        self.absent[player_id] = now_ms
        out.append(Send({"type": "player_disconnected", "player": player.public()}))
        self._progress_changed(now_ms, out)

    def _present(self, player_id: str, via: str, now_ms: int, out: list[Output]) -> None:
        player = self.players[player_id]
        if player.connected:
            # Through this server, or through another on a newer connection,
            # which wins: nothing to reconcile.
            return
        player.via = via
        self._set_connected(player, True)
        out.append(Send({"type": "player_reconnected", "player": player.public()}))
        self._progress_changed(now_ms, out)

    def _kick(self, sender: str, command: KickPlayer, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id
        if command.player_id == sender:
            out.append(
                Reply(error(ErrorCode.BAD_MESSAGE, "player_id: the host cannot kick themself", rid))
            )
            return
        if command.player_id not in self.players:
            out.append(
                Reply(error(ErrorCode.BAD_MESSAGE, "player_id: no such player in this room", rid))
            )
            return
        out.append(Reply(ack(rid)))
        self._remove(command.player_id, "kicked", 4001, now_ms, out)

    def _start(self, command: StartGame, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.LOBBY:
            out.append(Reply(_wrong_phase(self.phase, "start_game", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self._enter(Phase.GENERATING)
        self.generation += 1
        topic, count = self.settings.topic, self.settings.num_questions
        out.append(Send({"type": "generating_questions", "topic": topic, "num_questions": count}))
        out.append(Generate(self.generation, topic, count, self.settings.difficulty))

    def _questions_ready(self, ready: QuestionsReady, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.GENERATING or ready.generation != self.generation:
            return  # a late answer to an abandoned request
        if not ready.questions:
            self._enter(Phase.LOBBY)
            out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))
            return
        self.questions = ready.questions
        llm = sum(1 for q in ready.questions if q.source == "llm")
        out.append(
            Send(
                {
                    "type": "questions_generated",
                    "num_questions": len(ready.questions),
                    "source": "llm" if llm else "fallback",
                    "llm_count": llm,
                    "fallback_count": len(ready.questions) - llm,
                }
            )
        )
        self._enter(Phase.COUNTDOWN)
        self.phase_ends_ms = now_ms + self.limits.countdown_ms
        out.append(
            Send(
                {
                    "type": "countdown",
                    "seconds": self.limits.countdown_ms // 1000,
                    "ends_ms": self.phase_ends_ms,
                }
            )
        )
        self._advance(now_ms, out)

    def _answer(self, sender: str, command: SubmitAnswer, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id
        if self.phase is not Phase.QUESTION:
            out.append(Reply(_wrong_phase(self.phase, "submit_answer", rid)))
            return
        if command.question_index != self.question_index:
            out.append(
                Reply(
                    error(
                        ErrorCode.STALE_QUESTION,
                        f"question {command.question_index} is not open; "
                        f"question {self.question_index} is",
                        rid,
                    )
                )
            )
            return
        if sender not in self.eligible:
            out.append(
                Reply(
                    error(
                        ErrorCode.WRONG_PHASE,
                        "you joined during this question; you play from the next one",
                        rid,
                    )
                )
            )
            return
        if sender in self.answers:
            out.append(
                Reply(error(ErrorCode.ALREADY_ANSWERED, "only your first answer counts", rid))
            )
            return
        options = len(self.questions[self.question_index].options)
        if not 0 <= command.answer < options:
            out.append(
                Reply(
                    error(ErrorCode.INVALID_ANSWER, f"answer: must be from 0 to {options - 1}", rid)
                )
            )
            return
        self.answers[sender] = Answer(command.answer, now_ms)
        # ``answered`` counts connected eligible players only (``able``'s
        # population): an answer that reaches the room from a player marked
        # disconnected must not count, or it closes the question before the
        # connected players answer (and _set_connected counts it again on
        # resume). Found by tests/test_game_properties.py.
        if self.players[sender].connected:
            self.answered += 1
        out.append(
            Reply(
                with_request_id(
                    {"type": "answer_received", "question_index": self.question_index}, rid
                )
            )
        )
        self._progress_changed(now_ms, out)

    def _play_again(self, command: PlayAgain, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.FINISHED:
            out.append(Reply(_wrong_phase(self.phase, "play_again", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self._enter(Phase.LOBBY)
        for player in self.players.values():
            player.score = player.streak = player.correct_ms = player.last_points = 0
            player.last_correct = player.last_answered = False
        self.questions = ()
        self.question_index = -1
        self.deadline_ms = self.phase_ends_ms = None
        self.answers.clear()
        self.eligible.clear()
        self.last_result = None
        out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))

    # Transitions.

    def _advance(self, now_ms: int, out: list[Output]) -> None:
        """Apply, in time order, every timed transition due by ``now_ms``."""
        while not self.closed:
            due = self.next_wakeup_ms()
            if due is None or due > now_ms:
                return
            # Each step below clears the condition that made it due, so the
            # loop ends; it runs transitions at their own times, in order.
            if due == self.last_activity_ms + self.limits.idle_ttl_ms:
                self._close("idle", out)
            elif self.phase is Phase.QUESTION and self.deadline_ms == due:
                self._close_question(due, out)
            elif self.phase in (Phase.COUNTDOWN, Phase.REVEAL) and self.phase_ends_ms == due:
                if self.phase is Phase.COUNTDOWN:
                    self._open_question(0, now_ms, out)
                else:
                    self._next(now_ms, out)
            else:
                for pid, gone in list(self.absent.items()):
                    if gone + self.limits.grace_ms <= due:
                        self._remove(pid, "timeout", None, now_ms, out)

    def _open_question(self, index: int, now_ms: int, out: list[Output]) -> None:
        self._enter(Phase.QUESTION)
        self.question_index = index
        self.question_started_ms = now_ms
        self.deadline_ms = now_ms + self.settings.time_per_question * 1000
        self.phase_ends_ms = None
        self.answers.clear()
        # Everyone seated when the question opens may answer it; who joins
        # later plays from the next one.
        self.eligible = set(self.players)
        self.able = len(self.eligible) - len(self.absent)
        self.answered = 0
        out.append(Send(self._question_message(now_ms)))

    def _question_message(self, now_ms: int) -> Message:
        question = self.questions[self.question_index]
        return {
            "type": "question",
            "question_index": self.question_index,
            "total_questions": len(self.questions),
            "question": question.text,
            "options": list(question.options),
            "time_limit_ms": self.settings.time_per_question * 1000,
            "deadline_ms": self.deadline_ms,
            "server_time_ms": now_ms,
        }

    def _progress_changed(self, now_ms: int, out: list[Output]) -> None:
        """After an answer or a departure: report progress, close when all answered."""
        if self.phase is not Phase.QUESTION:
            return
        out.append(
            Send(
                {
                    "type": "answer_progress",
                    "question_index": self.question_index,
                    "answered": self.answered,
                    "total": self.able,
                }
            )
        )
        # With nobody connected who can answer, wait for the deadline: they
        # may come back within it.
        if self.able and self.answered == self.able:
            self._close_question(now_ms, out)

    def _close_question(self, now_ms: int, out: list[Output]) -> None:
        question = self.questions[self.question_index]
        limit_ms = self.settings.time_per_question * 1000
        counts = [0] * len(question.options)
        for answer in self.answers.values():
            counts[answer.option] += 1
        for pid, player in self.players.items():
            answer = self.answers.get(pid)
            player.last_answered = answer is not None
            player.last_correct = answer is not None and answer.option == question.correct
            player.last_points = 0
            if answer is not None and player.last_correct:
                elapsed = answer.at_ms - self.question_started_ms
                player.streak += 1
                player.last_points = points_for(elapsed, limit_ms) + streak_bonus(player.streak)
                player.score += player.last_points
                player.correct_ms += elapsed
            elif pid in self.eligible:
                player.streak = 0
        self._enter(Phase.REVEAL)
        self.deadline_ms = None
        reveal_ms = self.settings.reveal_seconds * 1000
        self.phase_ends_ms = now_ms + reveal_ms if reveal_ms else None
        board = self.leaderboard()
        self.last_result = {
            "type": "question_result",
            "question_index": self.question_index,
            "correct_answer": question.correct,
            "answer_counts": counts,
            "leaderboard": board[:LEADERBOARD_TOP],
        }
        if self.phase_ends_ms is not None:
            self.last_result["next_at_ms"] = self.phase_ends_ms
        out.append(Send(self.last_result))
        ranks = {entry["player_id"]: entry["rank"] for entry in board}
        for pid, player in self.players.items():
            if player.connected:
                out.append(
                    Send(
                        {
                            "type": "your_result",
                            "question_index": self.question_index,
                            "answered": player.last_answered,
                            "correct": player.last_correct,
                            "points": player.last_points,
                            "score": player.score,
                            "rank": ranks[pid],
                            "streak": player.streak,
                        },
                        to=pid,
                    )
                )

    def _next(self, now_ms: int, out: list[Output]) -> None:
        if self.question_index + 1 < len(self.questions):
            self._open_question(self.question_index + 1, now_ms, out)
            return
        self._enter(Phase.FINISHED)
        self.phase_ends_ms = None
        out.append(Send({"type": "game_over", "leaderboard": self.leaderboard()}))

    def _remove(
        self, player_id: str, reason: str, close_code: int | None, now_ms: int, out: list[Output]
    ) -> None:
        player = self.players[player_id]
        was_connected = player.connected
        if was_connected:
            self._set_connected(player, False)
        del self.players[player_id]
        self.absent.pop(player_id, None)
        self.answers.pop(player_id, None)
        self.eligible.discard(player_id)
        self.seen_requests.pop(player_id, None)
        message = {"type": "player_left", "player": player.public(), "reason": reason}
        # The one who goes hears it too, before the room lets go of them.
        if was_connected:
            out.append(Send(message, to=player_id))
        out.append(Release(player_id, close_code, reason))
        if not self.players:
            self._close("empty", out)
            return
        out.append(Send(message))
        if player_id == self.host_id:
            connected = [p for p in self.players.values() if p.connected]
            heir = min(connected or self.players.values(), key=lambda p: p.seat)
            self.host_id = heir.id
            out.append(Send({"type": "host_changed", "host_id": heir.id}))
        self._progress_changed(now_ms, out)

    def _close(self, reason: str, out: list[Output]) -> None:
        for player in self.players.values():
            if player.connected:
                out.append(Release(player.id, 4002, reason))
        self.closed = True
        out.append(RoomClosed(reason))

    # Helpers.

    def _set_connected(self, player: Player, connected: bool) -> None:
        """Flip a player's presence, keeping the answer-progress counts true."""
        if player.connected == connected:
            return
        player.connected = connected
        if connected:
            self.absent.pop(player.id, None)
        if self.phase is Phase.QUESTION and player.id in self.eligible:
            step = 1 if connected else -1
            self.able += step
            if player.id in self.answers:
                self.answered += step

    def _enter(self, phase: Phase) -> None:
        self.transitions.append((self.phase, phase))
        self.phase = phase

    def _seat(self, seat: Seat) -> Player:
        player = Player(seat.player_id, seat.name, seat.token_hash, self.next_seat, via=seat.via)
        self.next_seat += 1
        self.players[player.id] = player
        return player

    def _joined_message(
        self, kind: str, player: Player, request_id: str | None, now_ms: int | None = None
    ) -> Message:
        return with_request_id(
            {
                "type": kind,
                "room_id": self.room_id,
                "player_id": player.id,
                "is_host": player.id == self.host_id,
                "room": self.state_for(player.id, self.created_ms if now_ms is None else now_ms),
            },
            request_id,
        )

    def _seen(self, player_id: str, request_id: str, now_ms: int) -> Message | None:
        entries = self.seen_requests.get(player_id)
        if not entries:
            return None
        hit = entries.get(request_id)
        if hit is None or now_ms - hit[0] > self.limits.dedup_ttl_ms:
            return None
        return hit[1]

    def _remember(self, player_id: str, request_id: str, now_ms: int, reply: Message) -> None:
        entries = self.seen_requests.setdefault(player_id, {})
        ttl = self.limits.dedup_ttl_ms
        if len(entries) >= DEDUP_MAX_PER_PLAYER:
            for key in [k for k, (at, _) in entries.items() if now_ms - at > ttl]:
                del entries[key]
            while len(entries) >= DEDUP_MAX_PER_PLAYER:
                del entries[next(iter(entries))]  # oldest first: dicts keep order
        entries[request_id] = (now_ms, reply)


def _rid(command: object) -> str | None:
    return getattr(command, "request_id", None)


def _wrong_phase(phase: Phase, action: str, request_id: str | None) -> Message:
    return error(ErrorCode.WRONG_PHASE, f"{action} is not possible in phase {phase}", request_id)
