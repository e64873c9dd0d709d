"""The rules of one room: a state machine with no I/O, no clock and no sockets.

:meth:`Room.handle` takes one command, the id of the player who sent it and
the time, and returns what must happen as a list of outputs: messages to
send, a direct reply, connections to let go, questions to generate. The I/O
layers only carry commands in and outputs out, so every rule lives here and
the tests drive it directly, deterministically.

Time is data. Every deadline (countdown end, question deadline, reveal end,
reconnect grace, idle expiry, an abandoned lobby, the next count) is a field
of the state, and every command first applies the transitions that are due
by its ``now_ms``; a timer in the I/O layer only sends :class:`Tick` at
:meth:`Room.next_wakeup_ms`. A late timer, or a server that takes the room
over after a crash, therefore cannot change an outcome: an answer stamped
after the deadline finds the question already closed.

A room is its state (:class:`~quiz.core.state.RoomState`, plain data) and
units of rules, each given the state and the units it may call:

- :class:`~quiz.core.views.Views` builds what each seat sees; it changes nothing;
- :class:`~quiz.core.lobby.Lobby` prepares the next game (quiz, settings, drafts);
- :class:`~quiz.core.play.Play` runs games (phases, rounds, the end);
- :class:`~quiz.core.asking.Asking` runs the open question (answers, counts, scores);
- :class:`~quiz.core.seating.Seating` seats and unseats (presence, the host,
  the lock, teams, extra time);
- :class:`~quiz.core.teams.Teams` keeps the teams' members and scores.

:class:`Room` dispatches each command to its unit from one table, applies
request-id deduplication, and runs the timed transitions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from quiz.core.asking import Asking
from quiz.core.commands import (
    CloseQuestion,
    Command,
    Disconnected,
    EndGame,
    GenerateQuestions,
    GetDisplayLink,
    GetResults,
    KickPlayer,
    LeaveRoom,
    LockRoom,
    MovePlayer,
    NextQuestion,
    PlayAgain,
    Present,
    QuestionsReady,
    Resume,
    Seat,
    SetExtraTime,
    SetQuestions,
    StartGame,
    SubmitAnswer,
    Tick,
    UnlockRoom,
    UpdateSettings,
)
from quiz.core.lobby import Lobby
from quiz.core.messages import (
    ErrorCode,
    Message,
    ack,
    error,
    no_seat,
    with_request_id,
    wrong_phase,
)
from quiz.core.outputs import Output, Reply
from quiz.core.play import Play
from quiz.core.question import Question
from quiz.core.seating import Seating
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.core.state import DEDUP_MAX_PER_PLAYER, Phase, RoomState
from quiz.core.teams import Teams
from quiz.core.views import Views

_IN_GAME = (Phase.GENERATING, Phase.COUNTDOWN, Phase.QUESTION, Phase.REVEAL)

# A host command: (the phases it is allowed in, None for any; what it does).
HostRule = Callable[["Room", object, int, list[Output]], None]


class Room:
    """One room: its state, and the rules that change it."""

    def __init__(self, state: RoomState) -> None:
        self.state = state
        self.teams = Teams(state)
        self.views = Views(state, self.teams)
        self.lobby = Lobby(state, self.views, self.teams)
        self.asking = Asking(state, self.views, self.teams)
        self.play = Play(state, self.views, self.lobby, self.asking, self.teams)
        self.seats = Seating(state, self.views, self.asking, self.teams)

    @classmethod
    def create(
        cls,
        room_id: str,
        settings: RoomSettings,
        limits: RoomLimits,
        host: Seat,
        now_ms: int,
        *,
        quiz: tuple[Question, ...] = (),
    ) -> tuple[Room, list[Output]]:
        """A new room in the lobby with ``host`` seated; the reply is ``room_created``.

        ``quiz``: the host's own questions (``create_room``'s ``questions``).
        """
        state = RoomState(room_id, settings, limits, created_ms=now_ms, last_activity_ms=now_ms)
        room = cls(state)
        # The display token is derived from the host's secret token (through
        # its hash, which never leaves the server): as unguessable as the
        # token, and the core needs no source of randomness for it.
        digest = hashlib.sha256(b"quiz-display:" + host.token_hash.encode()).hexdigest()
        state.display_token = digest[:32]
        player = room.seats.seat(host, plays=settings.host_plays)
        state.host_id = player.id
        room.lobby.use_quiz(quiz)
        reply = room.views.joined_message("room_created", player, host.request_id)
        return room, [Reply(reply, bind=player.id)]

    def handle(self, sender: str | None, command: Command, now_ms: int) -> list[Output]:
        """Apply one command from ``sender`` (a player id, or None) at ``now_ms``."""
        state = self.state
        if state.closed:
            if isinstance(command, Resume):
                return [Reply(no_seat(state.room_id, command.request_id))]
            return [Reply(error(ErrorCode.ROOM_NOT_FOUND, "this room is closed", _rid(command)))]
        out: list[Output] = []
        self._advance(now_ms, out)
        if state.closed:
            return out
        if isinstance(command, Tick):
            return out
        if isinstance(command, QuestionsReady):
            self.play.questions_ready(command, now_ms, out)
        elif isinstance(command, Seat):
            self.seats.join(command, now_ms, out)
        elif isinstance(command, Resume):
            self.seats.resume(command, now_ms, out)
        elif sender is None or state.member(sender) is None:
            out.append(
                Reply(error(ErrorCode.NOT_IN_ROOM, "you are not in this room", _rid(command)))
            )
        elif isinstance(command, Disconnected):
            self.seats.disconnected(sender, command.via, now_ms, out)
        elif isinstance(command, Present):
            self.seats.present(sender, command.via, now_ms, out)
        else:
            self._deduplicated(sender, command, now_ms, out)
        # What the command made due now (a countdown of 0) happens now.
        self._advance(now_ms, out)
        return out

    def next_wakeup_ms(self) -> int | None:
        """When the next timed transition is due, or None if nothing is pending."""
        s = self.state
        if s.closed:
            return None
        times = [s.last_activity_ms + s.limits.idle_ttl_ms]
        if s.phase is Phase.QUESTION:
            if s.deadline_ms is not None:
                times.append(s.deadline_ms)
            if s.progress_due_ms is not None:
                times.append(s.progress_due_ms)
            if s.cutoffs:
                times.append(s.cutoffs[0])
        if s.phase in (Phase.COUNTDOWN, Phase.REVEAL) and s.phase_ends_ms is not None:
            times.append(s.phase_ends_ms)
        if s.absent:
            # Seats are marked absent in time order, so the first went first:
            # O(1), however many are away.
            times.append(next(iter(s.absent.values())) + s.limits.grace_ms)
        if s.empty_since_ms is not None:
            times.append(s.empty_since_ms + s.limits.abandoned_ms)
        if s.room_size_due_ms is not None:
            times.append(s.room_size_due_ms)
        return min(times)

    # Commands from a seat.

    def _deduplicated(self, sender: str, command: Command, now_ms: int, out: list[Output]) -> None:
        """Apply a seat's command once: a retried request_id gets the first reply."""
        self.state.last_activity_ms = now_ms
        request_id = _rid(command)
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
        rid = _rid(command)
        if isinstance(command, SubmitAnswer):
            self.asking.answer(sender, command, now_ms, out)
            return
        if isinstance(command, LeaveRoom):
            out.append(Reply(ack(rid)))
            self.seats.remove(sender, "left", None, now_ms, out)
            return
        rule = HOST_RULES.get(type(command))
        if rule is None:
            raise TypeError(f"not a room command: {command!r}")
        phases, apply = rule
        # A player picks their own team in the lobby; everything else here is the host's.
        own_team = isinstance(command, MovePlayer) and command.player_id == sender
        if sender != self.state.host_id and not own_team:
            out.append(Reply(error(ErrorCode.NOT_HOST, "only the host can do that", rid)))
        elif phases is not None and self.state.phase not in phases:
            out.append(Reply(wrong_phase(self.state.phase, command.action, rid)))  # type: ignore[union-attr]
        else:
            apply(self, command, now_ms, out)

    # Transitions.

    def _advance(self, now_ms: int, out: list[Output]) -> None:
        """Apply, in time order, every timed transition due by ``now_ms``."""
        s = self.state
        while not s.closed:
            due = self.next_wakeup_ms()
            if due is None or due > now_ms:
                return
            # Each step below clears the condition that made it due, so the
            # loop ends; it runs transitions at their own times, in order.
            if due == s.last_activity_ms + s.limits.idle_ttl_ms:
                s.close("idle", out)
            elif s.empty_since_ms is not None and due == s.empty_since_ms + s.limits.abandoned_ms:
                s.close("abandoned", out)
            elif s.phase is Phase.QUESTION and s.deadline_ms == due:
                self.asking.close_question(due, out)
            elif s.phase is Phase.QUESTION and s.cutoffs and s.cutoffs[0] == due:
                self.asking.cut_off(due, out)
            elif s.phase is Phase.QUESTION and s.progress_due_ms == due:
                # A count goes out now, however late: the next one is an
                # interval after this one.
                self.asking.send_progress(now_ms, out)
            elif s.phase in (Phase.COUNTDOWN, Phase.REVEAL) and s.phase_ends_ms == due:
                if s.phase is Phase.COUNTDOWN:
                    self.asking.open_question(s.question_index + 1, now_ms, out)
                else:
                    self.play.next(now_ms, out)
            elif s.room_size_due_ms == due:
                self.seats.send_room_size(now_ms, out)
            else:
                self.seats.expire_absent(due, now_ms, out)

    def _seen(self, player_id: str, request_id: str, now_ms: int) -> Message | None:
        entries = self.state.seen_requests.get(player_id)
        if not entries:
            return None
        hit = entries.get(request_id)
        if hit is None or now_ms - hit[0] > self.state.limits.dedup_ttl_ms:
            return None
        return hit[1]

    def _remember(self, player_id: str, request_id: str, now_ms: int, reply: Message) -> None:
        entries = self.state.seen_requests.setdefault(player_id, {})
        ttl = self.state.limits.dedup_ttl_ms
        if len(entries) >= DEDUP_MAX_PER_PLAYER:
            for key in [k for k, (at, _) in entries.items() if now_ms - at > ttl]:
                del entries[key]
            while len(entries) >= DEDUP_MAX_PER_PLAYER:
                del entries[next(iter(entries))]  # oldest first: dicts keep order
        entries[request_id] = (now_ms, reply)


def _rid(command: object) -> str | None:
    return getattr(command, "request_id", None)


# Host commands: what each does, in which phases (None: any), dispatched by
# type. The phase check is here, once; a rule that allows its command in any
# phase checks what it must itself.


def _kick(room: Room, command: KickPlayer, now_ms: int, out: list[Output]) -> None:
    room.seats.kick(room.state.host_id, command, now_ms, out)


def _display_link(room: Room, command: GetDisplayLink, now_ms: int, out: list[Output]) -> None:
    link = {"type": "display_link", "room_id": room.state.room_id}
    link["display_token"] = room.state.display_token
    out.append(Reply(with_request_id(link, command.request_id)))


def _results(room: Room, command: GetResults, now_ms: int, out: list[Output]) -> None:
    if not room.state.counts:
        why = "get_results: no question has closed yet"
        out.append(Reply(error(ErrorCode.WRONG_PHASE, why, command.request_id)))
        return
    out.append(Reply(room.views.results(command.request_id)))


def _then(step: Callable[[Room, int, list[Output]], None]) -> HostRule:
    """A host command that is acknowledged, then does ``step``."""

    def apply(room: Room, command: object, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(_rid(command))))
        step(room, now_ms, out)

    return apply


HOST_RULES: dict[type, tuple[tuple[Phase, ...] | None, HostRule]] = {
    KickPlayer: (None, _kick),  # type: ignore[dict-item]
    StartGame: ((Phase.LOBBY,), lambda r, c, t, o: r.play.start(c, t, o)),  # type: ignore[arg-type]
    PlayAgain: ((Phase.FINISHED,), lambda r, c, t, o: r.play.play_again(c, t, o)),  # type: ignore[arg-type]
    SetQuestions: ((Phase.LOBBY,), lambda r, c, t, o: r.lobby.set_questions(c, t, o)),  # type: ignore[arg-type]
    UpdateSettings: ((Phase.LOBBY,), lambda r, c, t, o: r.lobby.update_settings(c, t, o)),  # type: ignore[arg-type]
    GenerateQuestions: ((Phase.LOBBY,), lambda r, c, t, o: r.lobby.draft(c, o)),  # type: ignore[arg-type]
    LockRoom: (None, lambda r, c, t, o: r.seats.lock(True, _rid(c), t, o)),
    UnlockRoom: (None, lambda r, c, t, o: r.seats.lock(False, _rid(c), t, o)),
    GetDisplayLink: (None, _display_link),  # type: ignore[dict-item]
    GetResults: (None, _results),  # type: ignore[dict-item]
    NextQuestion: ((Phase.REVEAL,), _then(lambda r, t, o: r.play.next(t, o))),
    CloseQuestion: ((Phase.QUESTION,), _then(lambda r, t, o: r.asking.close_question(t, o))),
    MovePlayer: ((Phase.LOBBY,), lambda r, c, t, o: r.seats.move(c, t, o)),  # type: ignore[arg-type]
    SetExtraTime: (None, lambda r, c, t, o: r.seats.extra_time(c, o)),  # type: ignore[arg-type]
    EndGame: (_IN_GAME, _then(lambda r, t, o: r.play.finish(o))),
}
