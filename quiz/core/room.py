"""The rules of one room: a state machine with no I/O, no clock and no sockets.

:meth:`Room.handle` takes one command, the id of the player who sent it and
the time, and returns what must happen as a list of outputs: messages to
send, a direct reply, connections to let go, questions to generate. The I/O
layers only carry commands in and outputs out, so every rule lives here and
the tests drive it directly, deterministically.

Time is data. Every deadline (countdown end, question deadline, reveal end,
reconnect grace, idle expiry, an abandoned lobby, the next ``room_size``)
is a field of the state, and every command first applies the transitions
that are due by its ``now_ms``; a timer in the I/O layer only sends
:class:`Tick` at :meth:`Room.next_wakeup_ms`. A late timer, or a server that
takes the room over after a crash, therefore cannot change an outcome: an
answer stamped after the deadline finds the question already closed.

The room is put together from parts, each in its own module: the state
(quiz.core.state), who is in it (quiz.core.seating), the lobby (quiz.core.lobby), the game
(quiz.core.play) and what
each seat sees (quiz.core.views). Question kinds are quiz.core.kinds', points
quiz.core.scoring's. Everything is re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from llm.types import Question
from quiz.core.commands import (
    Command,
    Disconnected,
    Generate,
    Limits,
    Output,
    Present,
    QuestionsReady,
    Release,
    Reply,
    Resume,
    RoomClosed,
    Seat,
    Send,
    Tick,
)
from quiz.core.lobby import LobbyRules
from quiz.core.play import PlayRules
from quiz.core.scoring import points_for, streak_bonus
from quiz.core.seating import SeatRules, no_seat
from quiz.core.state import (
    DEDUP_MAX_PER_PLAYER,
    FINAL_TOP,
    LARGE_ROOM,
    LEADERBOARD_TOP,
    LEGAL_TRANSITIONS,
    STATE_PLAYERS_MAX,
    Answer,
    Phase,
    Player,
    wrong_phase,
)
from quiz.wire.protocol import (
    CloseQuestion,
    EndGame,
    ErrorCode,
    GenerateQuestions,
    GetDisplayLink,
    GetResults,
    KickPlayer,
    LeaveRoom,
    LockRoom,
    Message,
    NextQuestion,
    PlayAgain,
    RoomSettings,
    SetQuestions,
    StartGame,
    SubmitAnswer,
    UnlockRoom,
    UpdateSettings,
    ack,
    error,
    with_request_id,
)

__all__ = [
    "DEDUP_MAX_PER_PLAYER",
    "FINAL_TOP",
    "LARGE_ROOM",
    "LEADERBOARD_TOP",
    "LEGAL_TRANSITIONS",
    "STATE_PLAYERS_MAX",
    "Answer",
    "Command",
    "Disconnected",
    "Generate",
    "Limits",
    "Output",
    "Phase",
    "Player",
    "Present",
    "QuestionsReady",
    "Release",
    "Reply",
    "Resume",
    "Room",
    "RoomClosed",
    "Seat",
    "Send",
    "Tick",
    "points_for",
    "streak_bonus",
]

# Host actions, and the phases each is allowed in (None: any phase).
_HOST_ONLY = (
    KickPlayer,
    StartGame,
    NextQuestion,
    PlayAgain,
    SetQuestions,
    CloseQuestion,
    EndGame,
    LockRoom,
    UnlockRoom,
    GetResults,
    GenerateQuestions,
    GetDisplayLink,
    UpdateSettings,
)
_IN_GAME = (Phase.GENERATING, Phase.COUNTDOWN, Phase.QUESTION, Phase.REVEAL)


class Room(SeatRules, LobbyRules, PlayRules):
    """One room's whole state, and the rules that change it."""

    @classmethod
    def create(
        cls,
        room_id: str,
        settings: RoomSettings,
        limits: Limits,
        host: Seat,
        now_ms: int,
        *,
        quiz: tuple[Question, ...] = (),
    ) -> tuple[Room, list[Output]]:
        """A new room in the lobby with ``host`` seated; the reply is ``room_created``.

        ``quiz``: the host's own questions (``create_room``'s ``questions``).
        """
        room = cls(room_id, settings, limits, created_ms=now_ms, last_activity_ms=now_ms)
        # The display token is derived from the host's secret token (through
        # its hash, which never leaves the server): as unguessable as the
        # token, and the core needs no source of randomness for it.
        digest = hashlib.sha256(b"quiz-display:" + host.token_hash.encode()).hexdigest()
        room.display_token = digest[:32]
        player = room._seat(host, plays=settings.host_plays)
        room.host_id = player.id
        room.use_quiz(quiz)
        reply = room._joined_message("room_created", player, host.request_id)
        return room, [Reply(reply, bind=player.id)]

    def handle(self, sender: str | None, command: Command, now_ms: int) -> list[Output]:
        """Apply one command from ``sender`` (a player id, or None) at ``now_ms``."""
        self.transitions = []
        if self.closed:
            if isinstance(command, Resume):
                return [Reply(no_seat(self.room_id, command.request_id))]
            return [Reply(error(ErrorCode.ROOM_NOT_FOUND, "this room is closed", _rid(command)))]
        out: list[Output] = []
        self._advance(now_ms, out)
        if self.closed:
            return out
        if isinstance(command, Tick):
            return out
        if isinstance(command, QuestionsReady):
            self._questions_ready(command, now_ms, out)
        elif isinstance(command, Seat):
            self._join(command, now_ms, out)
        elif isinstance(command, Resume):
            self._resume(command, now_ms, out)
        elif self.member(sender) is None:
            out.append(
                Reply(error(ErrorCode.NOT_IN_ROOM, "you are not in this room", _rid(command)))
            )
        elif isinstance(command, Disconnected):
            self._disconnected(sender, command.via, now_ms, out)  # type: ignore[arg-type]
        elif isinstance(command, Present):
            self._present(sender, command.via, now_ms, out)  # type: ignore[arg-type]
        else:
            self._deduplicated(sender, command, now_ms, out)  # type: ignore[arg-type]
        # What the command made due now (a countdown of 0) happens now.
        self._advance(now_ms, out)
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
            # Seats are marked absent in time order, so the first went first:
            # O(1), however many are away.
            times.append(next(iter(self.absent.values())) + self.limits.grace_ms)
        if self.empty_since_ms is not None:
            times.append(self.empty_since_ms + self.limits.abandoned_ms)
        if self.room_size_due_ms is not None:
            times.append(self.room_size_due_ms)
        return min(times)

    # Commands from a seat.

    def _deduplicated(self, sender: str, command: Command, now_ms: int, out: list[Output]) -> None:
        """Apply a seat's command once: a retried request_id gets the first reply."""
        self.last_activity_ms = now_ms
        request_id = command.request_id  # type: ignore[union-attr]
        if request_id is not None:
            cached = self._seen(sender, request_id, now_ms)
            if cached is not None:
                # A retry of a request already applied: the same reply, no effect.
                out.append(Reply(cached))
                return
        start = len(out)
        self._player_command(sender, command, now_ms, out)
        if request_id is not None:
            for output in out[start:]:
                if isinstance(output, Reply):
                    self._remember(sender, request_id, now_ms, output.message)
                    break

    def _player_command(
        self, sender: str, command: Command, now_ms: int, out: list[Output]
    ) -> None:
        rid = command.request_id  # type: ignore[union-attr]
        if isinstance(command, SubmitAnswer):
            self._answer(sender, command, now_ms, out)
        elif isinstance(command, LeaveRoom):
            out.append(Reply(ack(rid)))
            self._remove(sender, "left", None, now_ms, out)
        elif not isinstance(command, _HOST_ONLY):
            raise TypeError(f"not a room command: {command!r}")
        elif sender != self.host_id:
            out.append(Reply(error(ErrorCode.NOT_HOST, "only the host can do that", rid)))
        else:
            self._host_command(sender, command, now_ms, out)

    def _host_command(self, sender: str, command: Command, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id  # type: ignore[union-attr]
        if isinstance(command, KickPlayer):
            self._kick(sender, command, now_ms, out)
        elif isinstance(command, StartGame):
            self._start(command, now_ms, out)
        elif isinstance(command, PlayAgain):
            self._play_again(command, now_ms, out)
        elif isinstance(command, SetQuestions):
            self._set_questions(command, now_ms, out)
        elif isinstance(command, UpdateSettings):
            self._update_settings(command, now_ms, out)
        elif isinstance(command, GenerateQuestions):
            self._draft(command, out)
        elif isinstance(command, LockRoom | UnlockRoom):
            self._lock(isinstance(command, LockRoom), rid, now_ms, out)
        elif isinstance(command, GetDisplayLink):
            link = {"type": "display_link", "room_id": self.room_id}
            link["display_token"] = self.display_token
            out.append(Reply(with_request_id(link, rid)))
        elif isinstance(command, GetResults):
            if not self.counts:
                why = "get_results: no question has closed yet"
                out.append(Reply(error(ErrorCode.WRONG_PHASE, why, rid)))
            else:
                out.append(Reply(self.results(rid)))
        elif isinstance(command, NextQuestion):
            self._if_phase(
                (Phase.REVEAL,), "next_question", rid, out, lambda: self._next(now_ms, out)
            )
        elif isinstance(command, CloseQuestion):
            self._if_phase(
                (Phase.QUESTION,),
                "close_question",
                rid,
                out,
                lambda: self._close_question(now_ms, out),
            )
        elif isinstance(command, EndGame):
            self._if_phase(_IN_GAME, "end_game", rid, out, lambda: self._finish(out))

    def _if_phase(
        self,
        phases: tuple[Phase, ...],
        action: str,
        rid: str | None,
        out: list[Output],
        then: Callable[[], None],
    ) -> None:
        if self.phase not in phases:
            out.append(Reply(wrong_phase(self.phase, action, rid)))
            return
        out.append(Reply(ack(rid)))
        then()

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
            elif (
                self.empty_since_ms is not None
                and due == self.empty_since_ms + self.limits.abandoned_ms
            ):
                self._close("abandoned", out)
            elif self.phase is Phase.QUESTION and self.deadline_ms == due:
                self._close_question(due, out)
            elif self.phase in (Phase.COUNTDOWN, Phase.REVEAL) and self.phase_ends_ms == due:
                if self.phase is Phase.COUNTDOWN:
                    self._open_question(0, now_ms, out)
                else:
                    self._next(now_ms, out)
            elif self.room_size_due_ms == due:
                self._send_room_size(due, out)
            else:
                self._expire_absent(due, now_ms, out)

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
