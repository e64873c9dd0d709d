"""Property tests of the pure game core: arbitrary command sequences, invariants.

A hypothesis state machine drives one :class:`Room` with arbitrary commands
from arbitrary senders (the host, players, disconnected players, players
already gone, strangers) at non-decreasing times with jumps past deadlines,
the grace period and the idle TTL. Beside the room runs an independent model,
fed only by the outputs the room produces (who was seated, released, which
answers were received, which question opened or closed). After every step
the room must agree with the model:

- scores, streaks and tie-break times are recomputed from the received
  answers by the scoring oracle (tests/scoring_oracle.py); every player is
  scored at most once per question, scores change only when a question
  closes (or on ``play_again``), and each player's score is the sum of the
  ``points`` of the ``your_result`` messages sent to them plus the points of
  questions closed while they were disconnected;
- leaderboards (the room's own, ``question_result``'s top 10, ``game_over``)
  are competition rankings of exactly the room's players, as the oracle ranks them;
- only transitions in ``LEGAL_TRANSITIONS`` happen, chained from the phase
  before the call to the phase after it;
- no message names the correct answer of a question that is still open;
- a repeated ``request_id`` within the dedup window returns the first reply
  and nothing else;
- after every call nothing timed is overdue (``next_wakeup_ms() > now``).
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from quiz.core.commands import (
    Disconnected,
    KickPlayer,
    LeaveRoom,
    NextQuestion,
    PlayAgain,
    QuestionsReady,
    Resume,
    Seat,
    StartGame,
    SubmitAnswer,
    Tick,
)
from quiz.core.outputs import Generate, Playing, Release, Reply, RoomClosed, Send
from quiz.core.question import Question
from quiz.core.room import Room
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.core.state import LARGE_COUNT_MS, LEADERBOARD_TOP, LEGAL_TRANSITIONS, PROGRESS_MS, Phase
from tests.game_helpers import (
    answer,
    correct,
    keys_deep,
    make_questions,
    make_room,
    make_seat,
    one,
    start,
    track_transitions,
    walk,
    wrong,
)
from tests.scoring_oracle import Standing, ranked

TIME_PER_QUESTION = 10  # seconds
T_MS = TIME_PER_QUESTION * 1000
GRACE_MS = 10_000
IDLE_MS = 300_000
DEDUP_MS = 60_000
NAMES = ["Ann", "ann", "Bob", "BOB", "Cy", "Dee", "Eve", "Host"]
PLAYER_COMMANDS = (StartGame, SubmitAnswer, NextQuestion, KickPlayer, LeaveRoom, PlayAgain)

# Time steps: mostly small, sometimes to a deadline or past the grace; the
# dedup window and the idle TTL in their own rule, so rooms live a while.
DT = st.one_of(
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 3_000),
    st.integers(0, 3_000),
    st.sampled_from([T_MS - 1, T_MS, GRACE_MS]),
)
LONG_WAIT = st.sampled_from([30_000, DEDUP_MS, DEDUP_MS + 1, IDLE_MS - 1, IDLE_MS])
SHAPE = st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1)))
SHAPES = st.lists(SHAPE, min_size=1, max_size=3)
LONG_SHAPES = st.lists(SHAPE, min_size=1, max_size=8)  # room for a capped streak
OPEN = precondition(lambda self: not self.closed)
# Elapsed times on the edges of the points formula for T = 10 s: full points
# below 500 ms; 2570, 2610, 5070 ms give x.5 exactly (a float formula rounds
# them down); T - 1 is the last accepted millisecond.
EDGE_ELAPSED = [0, 499, 500, 501, 2_570, 2_610, 5_070, T_MS - 1]
PICK = st.integers(0, 63)
SEED = st.integers(0, 2**16)
WHO = st.sampled_from(["host", "member", "ever", "none"])
HOST_DT = st.integers(0, 2_000)
OPTION = st.one_of(st.just(-1), st.integers(0, 3))
WAIT = st.one_of(
    st.integers(0, 300), st.integers(0, T_MS // 2), st.sampled_from([-1 - e for e in EDGE_ELAPSED])
)
RID = st.one_of(st.none(), st.sampled_from(["r1", "r2"]))


def check_competition_ranking(board: list[dict[str, Any]], key=None) -> None:
    """Sorted by score; ranks 1, 1, 3 style; ``key`` the full tie key if known."""
    scores = [e["score"] for e in board]
    assert scores == sorted(scores, reverse=True), board
    for i, entry in enumerate(board):
        if i == 0:
            assert entry["rank"] == 1, board
            continue
        previous = board[i - 1]
        same = key(entry) == key(previous) if key else entry["score"] == previous["score"]
        if key:
            assert entry["rank"] == (previous["rank"] if same else i + 1), board
        else:
            assert entry["rank"] in ((previous["rank"], i + 1) if same else (i + 1,)), board


class OpenQuestion:
    def __init__(self, game: int, index: int, start: int, deadline: int, eligible: set[str]):
        self.game = game
        self.index = index
        self.start = start
        self.deadline = deadline
        self.eligible = eligible
        self.answers: dict[str, tuple[int, int]] = {}  # pid -> (option, at_ms)
        self.counted_at: int | None = None  # the last answer_progress


class RoomMachine(RuleBasedStateMachine):
    # Set up.

    @initialize(
        countdown=st.sampled_from([0, 1_000]),
        reveal=st.sampled_from([0, 1, 2]),
        num_questions=st.integers(1, 8),
        max_players=st.integers(2, 5),
        others=st.integers(0, 3),
    )
    def create(self, countdown, reveal, num_questions, max_players, others):
        self.now = 0
        self.limits = RoomLimits(
            max_players=max_players,
            grace_ms=GRACE_MS,
            idle_ttl_ms=IDLE_MS,
            countdown_ms=countdown,
            dedup_ttl_ms=DEDUP_MS,
        )
        room_settings = RoomSettings(
            num_questions=num_questions,
            time_per_question=TIME_PER_QUESTION,
            reveal_seconds=reveal,
        )
        self.room, out = Room.create(
            "ROOM", room_settings, self.limits, make_seat("p0", "Host", "h0"), 0
        )
        self.moves = track_transitions(self.room)
        assert out == [Reply(out[0].message, bind="p0")]
        assert out[0].message["type"] == "room_created" and out[0].message["is_host"]
        self.next_id = 1
        self.ever = ["p0"]
        # The model.
        self.seat: dict[str, int] = {"p0": 0}  # members, with their seat number
        self.names = {"p0": "Host"}
        self.connected = {"p0": True}
        self.gone_at: dict[str, int] = {}  # disconnected players: since when
        self.standing = {"p0": Standing()}  # score, streak, tie-break time: the oracle's
        self.sent_points = {"p0": 0}  # sum of points of your_result sent to them
        self.unsent_points = {"p0": 0}  # points of questions closed while away
        self.host = "p0"
        self.closed = False
        self.game = 0
        self.questions: tuple[Question, ...] = ()
        self.open: OpenQuestion | None = None
        self.next_index = 0
        self.closed_questions: set[tuple[int, int]] = set()
        self.scored: set[tuple[int, int, str]] = set()
        self.last: dict[str, dict[str, Any]] = {}  # pid -> expected your_result
        self.dedup: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.longest_streak = 0
        self.questions_closed = 0
        for i in range(1, others + 1):
            self.seat_new(0, NAMES[2 * i], None)

    # Senders and targets. Dynamic choices draw an index from a strategy
    # built once: building strategies at every draw made the run 3x slower.

    def pick(self, data, seq):
        return seq[data.draw(PICK) % len(seq)]

    def anyone(self, data) -> str | None:
        """The host, a member, a player gone, a stranger, or no one."""
        who = data.draw(WHO)
        if who == "host":
            return self.room.state.host_id
        if who == "member":
            return self.pick(data, sorted(self.seat) or ["ghost"])
        if who == "ever":
            return self.pick(data, [*self.ever, "ghost"])
        return None

    # Rules. Few of them, each drawing its kind of command inside: hypothesis
    # switches whole rules off at random per run (swarm testing), and with
    # many small rules too few runs would both start a game and answer.

    @OPEN
    @rule(dt=DT, long=st.integers(0, 3), longer=LONG_WAIT)
    def time_passes(self, dt, long, longer):
        """A timer fires: soon, at a deadline, past the grace, the dedup or the TTL."""
        self.step(None, Tick(), longer if long == 0 else dt)

    @precondition(lambda self: self.closed)
    @rule(
        data=st.data(),
        dt=DT,
        command=st.sampled_from([Tick(), StartGame("r1"), make_seat("px", "X", "hx")]),
    )
    def poke_closed_room(self, data, dt, command):
        self.step(self.anyone(data), command, dt)

    @OPEN
    @rule(data=st.data(), shapes=LONG_SHAPES, moves=st.integers(1, 4))
    def host_drives(self, data, shapes, moves):
        """The happy path, so that games get played: the next few moves of the game.

        In the lobby the host starts; while generating, the questions come;
        in a question the members answer (mostly right and fast, sometimes
        slowly or on an edge of the formula); in a reveal or at the end the
        host moves on. The other rules interleave anything else.
        """
        for _ in range(moves):
            if self.closed:
                return
            self.host_move(data, shapes)

    def host_move(self, data, shapes) -> None:
        phase = self.room.state.phase
        dt = data.draw(HOST_DT)
        if phase is Phase.LOBBY:
            self.step(self.room.state.host_id, StartGame(), dt)
        elif phase is Phase.GENERATING:
            self.step(None, QuestionsReady(self.room.state.generation, make_questions(shapes)), dt)
        elif phase is Phase.COUNTDOWN:
            self.step(None, Tick(), self.room.state.phase_ends_ms - self.now)
        elif phase is Phase.QUESTION:
            order = sorted(self.seat)
            random.Random(data.draw(SEED)).shuffle(order)
            for pid in order:
                if self.closed or self.room.state.phase is not Phase.QUESTION:
                    break
                option = data.draw(OPTION)  # -1: the right one
                if option < 0:
                    option = self.room.state.questions[self.room.state.question_index].correct[0]
                # Mostly quick, sometimes slow, sometimes aimed at an elapsed
                # time on an edge of the formula (under/at 0.5 s, a half that
                # must round up, the last millisecond): encoded as -1 - aim.
                wait = data.draw(WAIT)
                if wait < 0:
                    elapsed = self.now - self.room.state.question_started_ms
                    wait = max(-1 - wait - elapsed, 0)
                self.step(pid, SubmitAnswer(self.room.state.question_index, option), wait)
        elif phase is Phase.REVEAL:
            self.step(self.room.state.host_id, NextQuestion(), dt)
        else:
            self.step(self.room.state.host_id, PlayAgain(), dt)

    @OPEN
    @rule(
        data=st.data(),
        dt=DT,
        kind=st.sampled_from(["seat", "seat", "resume", "disconnect"]),
        rid=RID,
        name=st.sampled_from(NAMES),
    )
    def connection(self, data, dt, kind, rid, name):
        """A player joins, rejoins with a token (or a bogus one), or drops."""
        if kind == "seat":
            self.seat_new(dt, name, rid)
        elif kind == "resume":
            token = self.pick(data, ["h" + p[1:] for p in self.ever] + ["bogus"])
            self.step(None, Resume(token, rid), dt)
        else:
            self.step(self.anyone(data), Disconnected(), dt)

    @OPEN
    @rule(
        dt=DT,
        offset=st.sampled_from([0, 0, 0, -1, 1]),
        shapes=SHAPES | st.just([]),
    )
    def questions_ready(self, dt, offset, shapes):
        """Questions for the current request, a stale one, or none at all."""
        generation = self.room.state.generation + offset
        self.step(None, QuestionsReady(generation, make_questions(shapes)), dt)

    @OPEN
    @rule(
        data=st.data(),
        dt=DT,
        kind=st.sampled_from(["start", "answer", "answer", "next", "kick", "leave", "again"]),
        rid=RID,
        index=st.one_of(st.just(-1), st.integers(0, 3)),  # -1: the open question's
        option=st.integers(-1, 4),
    )
    def player_command(self, data, dt, kind, rid, index, option):
        """Any command from anyone: host, player, gone player, stranger, nobody."""
        sender = self.anyone(data)
        if kind == "start":
            command: Any = StartGame(rid)
        elif kind == "answer":
            if index < 0:
                index = max(self.room.state.question_index, 0)
            command = SubmitAnswer(index, option, rid)
        elif kind == "next":
            command = NextQuestion(rid)
        elif kind == "kick":
            command = KickPlayer(self.pick(data, [*self.ever, "ghost"]), rid)
        elif kind == "leave":
            command = LeaveRoom(rid)
        else:
            command = PlayAgain(rid)
        self.step(sender, command, dt)

    def seat_new(self, dt, name, rid):
        pid = f"p{self.next_id}"
        self.next_id += 1
        self.ever.append(pid)
        self.step(None, make_seat(pid, name, "h" + pid[1:], rid), dt)

    # One step, and the model fed by its outputs.

    def step(self, sender, command, dt):
        self.now += dt
        now = self.now
        phase_before = self.room.state.phase
        scores_before = {pid: p.score for pid, p in self.room.state.players.items()}
        out = self.room.handle(sender, command, now)

        if self.closed:
            assert len(out) == 1 and out[0].message["code"] == "room_not_found", out
            return

        transitions = list(self.moves)
        assert set(transitions) <= LEGAL_TRANSITIONS, transitions
        chain = [phase_before] + [b for _, b in transitions]
        assert [a for a, _ in transitions] == chain[:-1], (phase_before, transitions)
        assert chain[-1] is self.room.state.phase

        replies = [o for o in out if isinstance(o, Reply)]
        assert len(replies) <= 1, out
        first_reply = True
        for o in out:
            if isinstance(o, Release):
                self.on_release(sender, command, o, now)
            elif isinstance(o, RoomClosed):
                assert o is out[-1]
                self.closed = True
            elif isinstance(o, Generate):
                assert o.generation == self.room.state.generation
                assert o.count == self.room.state.settings.num_questions
            elif isinstance(o, Playing):
                # Right after the countdown that starts a game, or the game_over that ends it.
                before = out[out.index(o) - 1]
                assert isinstance(before, Send), out
                assert before.message["type"] == ("countdown" if o.started else "game_over")
            elif isinstance(o, Reply):
                assert first_reply
                first_reply = False
                if self.on_reply(sender, command, o, now):
                    assert o is out[-1], out  # a cached reply: nothing after it
            else:
                self.on_send(command, o, now)
            if isinstance(o, Send | Reply):
                # After the model saw it: a question_result closes its question.
                self.check_secrecy(o.message)
        assert self.last == {}, ("your_result missing for", self.last)

        if (Phase.FINISHED, Phase.LOBBY) in transitions:
            for pid in self.seat:
                self.standing[pid] = Standing()
                self.sent_points[pid] = self.unsent_points[pid] = 0

        if (
            not any(isinstance(o, Send) and o.message["type"] == "question_result" for o in out)
            and (Phase.FINISHED, Phase.LOBBY) not in transitions
        ):
            for pid, player in self.room.state.players.items():
                assert player.score == scores_before.get(pid, 0), (pid, out)

    def on_release(self, sender, command, o: Release, now: int) -> None:
        pid = o.player_id
        assert pid in self.seat, o
        if o.close_code == 4002:  # the room closes: every connected player goes
            assert o.reason in ("idle", "empty") and self.connected[pid]
            return
        assert (o.reason, o.close_code) in (("left", None), ("timeout", None), ("kicked", 4001))
        if o.reason == "left":
            assert isinstance(command, LeaveRoom) and sender == pid
        elif o.reason == "kicked":
            assert isinstance(command, KickPlayer) and command.player_id == pid
            assert sender == self.host
        else:  # gone past the grace period
            assert not self.connected[pid] and now >= self.gone_at[pid] + GRACE_MS, o
        self.gone_at.pop(pid, None)
        for table in (
            self.seat,
            self.names,
            self.connected,
            self.standing,
            self.sent_points,
            self.unsent_points,
        ):
            del table[pid]
        self.last.pop(pid, None)
        if self.open is not None:
            self.open.answers.pop(pid, None)

    def on_reply(self, sender, command, o: Reply, now: int) -> bool:
        """Check a direct reply; True if it was a cached one."""
        message = o.message
        rid = getattr(command, "request_id", None)
        if rid is not None:
            assert message.get("request_id") == rid, message
        else:
            assert "request_id" not in message, message
        if isinstance(command, (*PLAYER_COMMANDS, Disconnected)) and sender not in self.seat:
            assert message["code"] == "not_in_room", message
            assert o.bind is None
            return False
        if isinstance(command, PLAYER_COMMANDS) and rid is not None:
            hit = self.dedup.get((sender, rid))
            if hit is not None and now - hit[0] <= DEDUP_MS:
                assert message == hit[1], (message, hit)
                return True
            self.dedup[(sender, rid)] = (now, message)

        if isinstance(command, Seat):
            if o.bind is not None:
                assert o.bind == command.player_id and message["type"] == "room_joined"
                assert len(self.seat) < self.limits.max_players
                assert all(n.casefold() != command.name.casefold() for n in self.names.values())
                self.seat[o.bind] = int(o.bind[1:])
                self.names[o.bind] = command.name
                self.connected[o.bind] = True
                self.standing[o.bind] = Standing()
                self.sent_points[o.bind] = self.unsent_points[o.bind] = 0
            else:
                assert message["code"] in ("room_full", "name_taken"), message
                if message["code"] == "room_full":
                    assert len(self.seat) >= self.limits.max_players
        elif isinstance(command, Resume):
            owner = "p" + command.token_hash[1:]
            if owner in self.seat:
                assert o.bind == owner and message["resumed"] is True
                self.connected[owner] = True
                self.gone_at.pop(owner, None)
            else:
                assert o.bind is None and message["code"] == "invalid_token", message
        elif isinstance(command, SubmitAnswer):
            self.on_answer_reply(sender, command, message, now)
        elif isinstance(command, StartGame | NextQuestion | PlayAgain | KickPlayer):
            if sender != self.host:
                assert message["code"] == "not_host", message
            elif isinstance(command, KickPlayer) and (
                command.player_id == sender or command.player_id not in self.seat
            ):
                assert message["code"] == "bad_message", message
        elif isinstance(command, LeaveRoom):
            assert message["type"] == "ack", message
        return False

    def on_answer_reply(self, sender, command: SubmitAnswer, message, now: int) -> None:
        q = self.open
        if q is None:
            want = "wrong_phase"
        elif command.question_index != q.index:
            want = "stale_question"
        elif sender not in q.eligible:
            want = "wrong_phase"
        elif sender in q.answers:
            want = "already_answered"
        elif not 0 <= command.answer < len(self.questions[q.index].options):
            want = "invalid_answer"
        else:
            want = "answer_received"
        got = message["type"] if message["type"] != "error" else message["code"]
        assert got == want, (want, message)
        if want == "answer_received":
            assert q is not None and now < q.deadline, (now, q.deadline)
            assert message["question_index"] == q.index
            q.answers[sender] = (command.answer, now)

    def on_send(self, command, o: Send, now: int) -> None:
        m = o.message
        kind = m["type"]
        if o.to is not None:
            assert o.to in self.seat, o
        if kind == "questions_generated":
            assert isinstance(command, QuestionsReady) and command.questions
            self.game += 1
            self.questions = command.questions
            self.next_index = 0
            assert m["num_questions"] == len(command.questions)
        elif kind == "question":
            assert self.open is None, "a question opened over an open one"
            assert m["question_index"] == self.next_index
            assert m["deadline_ms"] == m["server_time_ms"] + T_MS
            assert m["server_time_ms"] <= now < m["deadline_ms"]
            self.open = OpenQuestion(
                self.game, self.next_index, m["server_time_ms"], m["deadline_ms"], set(self.seat)
            )
            self.next_index += 1
        elif kind == "answer_progress":
            q = self.open
            assert q is not None and m["question_index"] == q.index
            # A count at most once per interval, the latest when it goes out.
            interval = LARGE_COUNT_MS if self.room.state.is_large() else PROGRESS_MS
            if q.counted_at is not None:
                assert now - q.counted_at >= interval, (now, q.counted_at)
            q.counted_at = now
            able = {p for p in q.eligible if p in self.seat and self.connected[p]}
            assert m["total"] == len(able), (m, able)
            assert m["answered"] == len(able & set(q.answers)), m
        elif kind == "question_result":
            self.on_result(m)
        elif kind == "your_result":
            q_key = (self.game, m["question_index"], o.to)
            assert q_key not in self.scored, "scored twice"
            self.scored.add(q_key)
            assert self.connected[o.to], "your_result to a disconnected player"
            assert m == self.last.pop(o.to), (m, o.to)
            self.sent_points[o.to] += m["points"]
        elif kind == "game_over":
            assert self.open is None and self.next_index == len(self.questions)
            assert m["leaderboard"] == self.model_board()
        elif kind == "player_disconnected":
            pid = m["player"]["id"]
            assert isinstance(command, Disconnected) and self.connected[pid]
            self.connected[pid] = False
            self.gone_at[pid] = now
        elif kind == "host_changed":
            assert self.host not in self.seat, "host changed while the host is seated"
            connected = [p for p in self.seat if self.connected[p]]
            heir = min(connected or self.seat, key=self.seat.__getitem__)
            assert m["host_id"] == heir, (m, heir)
            self.host = heir

    def on_result(self, m: dict[str, Any]) -> None:
        q = self.open
        assert q is not None and m["question_index"] == q.index, m
        assert (q.game, q.index) not in self.closed_questions, "closed twice"
        self.closed_questions.add((q.game, q.index))
        self.questions_closed += 1
        question = self.questions[q.index]
        assert m["correct_answer"] == question.correct[0]
        counts = [0] * len(question.options)
        for option, _ in q.answers.values():
            counts[option] += 1
        assert m["answer_counts"] == counts
        self.last = {}
        for pid in self.seat:
            got = q.answers.get(pid)
            right = got is not None and got[0] == question.correct[0]
            points = 0
            standing = self.standing[pid]
            if got is not None or pid in q.eligible:  # a late joiner's streak stays
                elapsed = got[1] - q.start if got is not None else 0
                points = standing.answer(right, elapsed, T_MS)
                self.longest_streak = max(self.longest_streak, standing.streak)
            if not self.connected[pid]:
                self.unsent_points[pid] += points
            self.last[pid] = {
                "type": "your_result",
                "kind": "choice",
                "question_index": q.index,
                "answered": got is not None,
                "correct": right,
                "points": points,
                "score": standing.score,
                "rank": None,
                "streak": standing.streak,
            }
        board = self.model_board()
        for entry in board:
            self.last[entry["player_id"]]["rank"] = entry["rank"]
        self.last = {p: r for p, r in self.last.items() if self.connected[p]}
        assert m["leaderboard"] == board[:LEADERBOARD_TOP], (m["leaderboard"], board)
        self.open = None

    def model_board(self) -> list[dict[str, Any]]:
        by_seat = {p: self.standing[p] for p in sorted(self.seat, key=self.seat.__getitem__)}
        return [
            {
                "player_id": pid,
                "name": self.names[pid],
                "score": self.standing[pid].score,
                "rank": rank,
            }
            for pid, rank in ranked(by_seat)
        ]

    def check_secrecy(self, message: dict[str, Any]) -> None:
        for d in walk(message):
            if "correct_answer" in d:
                key = (self.game, d["question_index"])
                assert key in self.closed_questions, ("correct answer of an open question", d)
                if self.open is not None:
                    assert d["question_index"] != self.open.index, d
            if "correct" in d:
                assert d is message and message["type"] == "your_result", message
                assert isinstance(d["correct"], bool)
            # A room state in a question shows the question, never its answer.
            if d.get("type") == "question" or d.get("phase") == "question":
                assert not keys_deep(d) & {"correct", "correct_answer"}, d

    # Invariants after every step.

    @invariant()
    def agrees_with_model(self):
        room = self.room
        assert room.state.closed == self.closed
        if self.closed:
            assert room.next_wakeup_ms() is None
            return
        assert room.next_wakeup_ms() > self.now, "a timed transition is overdue"
        assert set(room.state.players) == set(self.seat)
        assert room.state.host_id == self.host and self.host in room.state.players
        for pid, player in room.state.players.items():
            assert player.connected == self.connected[pid], pid
            model = self.standing[pid]
            assert player.score == model.score, (pid, player.score, model.score)
            assert player.score == self.sent_points[pid] + self.unsent_points[pid], pid
            assert player.streak == model.streak, pid
            assert player.correct_ms == model.correct_ms, pid
        assert (room.state.phase is Phase.QUESTION) == (self.open is not None)
        if self.open is not None:
            assert room.state.question_index == self.open.index
            assert set(room.state.answers) == set(self.open.answers)
            assert set(room.state.answers) <= room.state.eligible

    @invariant()
    def leaderboard_is_a_ranking_of_the_players(self):
        if self.closed:
            return
        board = self.room.views.leaderboard()
        ids = [e["player_id"] for e in board]
        assert sorted(ids) == sorted(self.room.state.players), "not a permutation of the players"
        assert len(ids) == len(set(ids))
        players = self.room.state.players
        check_competition_ranking(
            board, key=lambda e: (e["score"], players[e["player_id"]].correct_ms)
        )
        assert board == self.model_board()
        assert self.room.views.ranks() == {e["player_id"]: e["rank"] for e in board}


RoomMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRoomMachine = RoomMachine.TestCase


def test_check_competition_ranking_rejects_bad_rankings():
    good = [
        {"score": 5, "rank": 1},
        {"score": 5, "rank": 1},
        {"score": 3, "rank": 3},
    ]
    check_competition_ranking(good)
    for bad in (
        [{"score": 5, "rank": 1}, {"score": 3, "rank": 1}],
        [{"score": 5, "rank": 1}, {"score": 5, "rank": 1}, {"score": 3, "rank": 2}],
        [{"score": 3, "rank": 1}, {"score": 5, "rank": 2}],
        [{"score": 5, "rank": 2}],
    ):
        try:
            check_competition_ranking(bad)
        except AssertionError:
            continue
        raise AssertionError(f"accepted {bad}")


@settings(max_examples=200, deadline=None)
@given(
    limit_s=st.integers(5, 120),
    plays=st.lists(
        st.tuples(
            st.sampled_from(["right", "right", "right", "wrong", "none"]),
            # Elapsed ms; negative: -1 - k stands for (2k + 1) * T / 1000,
            # where the exact points end in .5 and must round up.
            st.one_of(st.integers(0, 600), st.integers(0, 120_000), st.integers(-500, -1)),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_scoring_matches_the_rules(limit_s, plays):
    """One player through a whole game: every your_result against the rules.

    The state machine rarely plays seven right answers in a row; this one
    reaches the +500 cap, and any time limit from 5 to 120 s.
    """
    limit_ms = limit_s * 1000
    room, _ = make_room(1, num_questions=len(plays), time_per_question=limit_s)
    now = 0
    start(room, now)
    me = Standing()
    for index, (what, elapsed) in enumerate(plays):
        assert room.state.phase is Phase.QUESTION and room.state.question_index == index
        started = now
        if elapsed < 0:
            elapsed = (2 * (-1 - elapsed) + 1) * limit_s
        elapsed = min(elapsed, limit_ms - 1)
        if what == "none":
            now = room.state.deadline_ms
            out = room.handle(None, Tick(), now)
        else:
            now = started + elapsed
            option = correct(index) if what == "right" else wrong(index)
            out = answer(room, "p0", option, now)
        points = me.answer(what == "right", elapsed, limit_ms)
        assert one(out, "your_result", to="p0") == {
            "type": "your_result",
            "kind": "choice",
            "question_index": index,
            "answered": what != "none",
            "correct": what == "right",
            "points": points,
            "score": me.score,
            "rank": 1,
            "streak": me.streak,
        }
        now += 1
        room.handle("p0", NextQuestion(), now)
    assert room.state.phase is Phase.FINISHED
    assert room.views.leaderboard() == [
        {"player_id": "p0", "name": "Host", "score": me.score, "rank": 1}
    ]
