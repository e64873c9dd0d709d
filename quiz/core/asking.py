"""The open question: answers in, counts out, scores when it closes. No I/O.

What an answer may be and when it is right is quiz.core.kinds' to say, how
much it earns quiz.core.scoring's; the game around the questions (starting,
rounds, the end) is quiz.core.play's.

Extra time (protocol 1.2): a player the host gave ``extra`` x the time has
a later deadline and earns speed points against their own time. The
question's deadline is the latest of its players'; the earlier ones are
``cutoffs``, at each of which the players whose time ran out without an
answer stop being waited for, so that the question still closes as soon as
everyone who can still answer has.
"""

from __future__ import annotations

from quiz.core.commands import SubmitAnswer
from quiz.core.kinds import answer_counts, answer_error, credit, histogram, is_correct
from quiz.core.messages import ErrorCode, Message, error, with_request_id, wrong_phase
from quiz.core.outputs import Output, Reply, Send
from quiz.core.question import Question
from quiz.core.scoring import award
from quiz.core.state import (
    LARGE_COUNT_MS,
    LEADERBOARD_TOP,
    PROGRESS_MS,
    Answer,
    Phase,
    Player,
    RoomState,
)
from quiz.core.teams import Teams
from quiz.core.views import Views, wire_answer


class Asking:
    """The question in play. Changes the answers, the counts and, when the
    question closes, the scores (the players' and their teams')."""

    def __init__(self, state: RoomState, views: Views, teams: Teams) -> None:
        self.state = state
        self.views = views
        self.teams = teams

    def open_question(self, index: int, now_ms: int, out: list[Output]) -> None:
        s = self.state
        s.enter(Phase.QUESTION)
        s.question_index = index
        s.question_started_ms = now_ms
        s.phase_ends_ms = None
        s.answers.clear()
        # Everyone seated when the question opens may answer it; who joins
        # later plays from the next one.
        s.eligible = set(s.players)
        s.timed_out.clear()
        s.able = s.connected_count
        s.answered = 0
        s.progress_due_ms = None
        # A small room's first count goes at once; a large room's comes an
        # interval after the question has gone out, not in the middle of its
        # slices.
        s.progress_sent_ms = now_ms if s.is_large() else None
        question = s.questions[index]
        limit_ms = self.views.limit_ms(question)
        s.cutoffs = []
        given = sorted({p.extra for p in s.players.values() if p.extra != 1})
        if limit_ms is None:
            s.deadline_ms = None
        elif not given:
            s.deadline_ms = now_ms + limit_ms
        else:
            # The question lasts as long as its slowest clock; the earlier
            # deadlines are cutoffs (O(players) once a question, not per answer).
            times = [now_ms + round(limit_ms * f) for f in [1.0, *given]]
            s.cutoffs, s.deadline_ms = times[:-1], times[-1]
        extra = [p.id for p in s.players.values() if p.extra != 1]
        out.append(Send(self.views.question_message(now_ms), exclude=frozenset(extra) or None))
        for pid in extra:
            out.append(Send(self.views.question_message(now_ms, pid), to=pid))

    def answer(self, sender: str, command: SubmitAnswer, now_ms: int, out: list[Output]) -> None:
        s = self.state
        rid = command.request_id
        refusal = self._refusal(sender, command, now_ms)
        if refusal is not None:
            out.append(Reply(refusal))
            return
        question = s.questions[s.question_index]
        value = command.answer
        if question.kind == "multi" and isinstance(value, tuple):
            value = tuple(sorted(value))
        elif question.kind == "order" and isinstance(value, tuple):
            # Kept as the items' own indexes, in the player's order.
            shown = self.views.shown(question)
            value = tuple(shown[i] for i in value)
        s.answers[sender] = Answer(value, now_ms)
        # ``answered`` counts connected eligible players only (``able``'s
        # population): an answer that reaches the room from a player marked
        # disconnected must not count, or it closes the question before the
        # connected players answer (and set_connected counts it again on
        # resume). Found by tests/test_game_properties.py.
        if s.players[sender].connected:
            s.answered += 1
        received = {"type": "answer_received", "question_index": s.question_index}
        out.append(Reply(with_request_id(received, rid)))
        self.progress_changed(now_ms, out)

    def _refusal(self, sender: str, command: SubmitAnswer, now_ms: int) -> Message | None:
        """The error an answer gets, or None if it counts."""
        s = self.state
        rid = command.request_id
        if sender not in s.players:
            why = "you present or watch this room: only players answer"
            return error(ErrorCode.NOT_A_PLAYER, why, rid)
        if s.phase is not Phase.QUESTION:
            return wrong_phase(s.phase, "submit_answer", rid)
        if command.question_index != s.question_index:
            why = f"question {command.question_index} is not open; question {s.question_index} is"
            return error(ErrorCode.STALE_QUESTION, why, rid)
        if sender not in s.eligible:
            why = "you joined during this question; you play from the next one"
            return error(ErrorCode.WRONG_PHASE, why, rid)
        if sender in s.answers:
            return error(ErrorCode.ALREADY_ANSWERED, "only your first answer counts", rid)
        if sender in s.timed_out or (
            s.cutoffs and self._past_own_deadline(s.players[sender], now_ms)
        ):
            why = f"your time for question {s.question_index} is up"
            return error(ErrorCode.STALE_QUESTION, why, rid)
        why_not = answer_error(s.questions[s.question_index], command.answer)
        if why_not is not None:
            return error(ErrorCode.INVALID_ANSWER, why_not, rid)
        return None

    def _past_own_deadline(self, player: Player, now_ms: int) -> bool:
        """Whether ``player``'s own time for the open question is up (only
        asked while deadlines differ: otherwise the question closes at it)."""
        limit = self.views.limit_ms(self.state.questions[self.state.question_index], player)
        return limit is not None and now_ms >= self.state.question_started_ms + limit

    def cut_off(self, now_ms: int, out: list[Output]) -> None:
        """An earlier deadline: who had that little time and did not answer
        is no longer waited for (O(players), at most twice a question)."""
        s = self.state
        s.cutoffs.pop(0)
        for pid in s.eligible:
            player = s.players.get(pid)
            if player is None or pid in s.answers or pid in s.timed_out:
                continue
            if self._past_own_deadline(player, now_ms):
                s.timed_out.add(pid)
                if player.connected:
                    s.able -= 1
        self.progress_changed(now_ms, out)

    def progress_changed(self, now_ms: int, out: list[Output]) -> None:
        """After an answer or a departure: count, and close when all answered.

        ``answer_progress`` is a count that only needs to be about right: it
        goes out at most once per :data:`PROGRESS_MS` (a large room: once per
        :data:`LARGE_COUNT_MS`, spread over it), the latest count when it is
        due, at a time kept in the state like every deadline.
        """
        s = self.state
        if s.phase is not Phase.QUESTION:
            return
        if s.progress_due_ms is None:
            interval = LARGE_COUNT_MS if s.is_large() else PROGRESS_MS
            last = s.progress_sent_ms
            s.progress_due_ms = now_ms if last is None else max(now_ms, last + interval)
        if s.progress_due_ms <= now_ms:
            self.send_progress(now_ms, out)
        # With nobody connected who can answer, wait for the deadline (or
        # the host): they may come back within it.
        if s.able and s.answered == s.able:
            self.close_question(now_ms, out)

    def send_progress(self, now_ms: int, out: list[Output]) -> None:
        s = self.state
        s.progress_due_ms = None
        s.progress_sent_ms = now_ms
        progress = {
            "type": "answer_progress",
            "question_index": s.question_index,
            "answered": s.answered,
            "total": s.able,
        }
        out.append(Send(progress, count="progress", spread_ms=LARGE_COUNT_MS))

    def close_question(self, now_ms: int, out: list[Output]) -> None:
        s = self.state
        question = s.questions[s.question_index]
        given = [a.option for a in s.answers.values()]
        tally = histogram(question, given) if question.kind == "slider" else None
        self._score(question)
        s.counts.append(tally if tally is not None else answer_counts(question, given))
        s.top_ids = None  # scores changed
        s.enter(Phase.REVEAL)
        s.deadline_ms = s.progress_due_ms = None
        s.cutoffs = []
        s.round_over = False
        reveal_ms = s.settings.reveal_seconds * 1000
        s.phase_ends_ms = now_ms + reveal_ms if reveal_ms else None
        board = self.views.leaderboard()
        s.last_result = self.views.result_message(question, s.counts[-1], board[:LEADERBOARD_TOP])
        if s.phase_ends_ms is not None:
            s.last_result["next_at_ms"] = s.phase_ends_ms
        # The result makes any count still on its way moot.
        out.append(Send(s.last_result, ends_counts=True))
        ranks = {entry["player_id"]: entry["rank"] for entry in board}
        team_ranks = {t["team"]: t["rank"] for t in self.teams.standings()}
        for pid, player in s.players.items():
            if player.connected:
                out.append(Send(self._your_result(question, player, ranks, team_ranks), to=pid))

    def late_results(self, player_ids: list[str]) -> list[Output]:
        """The ``your_result`` of the question that just closed for players
        the room counted as gone when it closed, word for word what
        :meth:`close_question` would have sent them (a server that was
        paused kept them connected all along: quiz.rooms.cluster.replica)."""
        s = self.state
        question = s.questions[s.question_index]
        ranks = self.views.ranks()
        team_ranks = {t["team"]: t["rank"] for t in self.teams.standings()}
        return [
            Send(self._your_result(question, s.players[pid], ranks, team_ranks), to=pid)
            for pid in player_ids
        ]

    def _score(self, question: Question) -> None:
        """Every player's points for the question that closes, and their history."""
        s = self.state
        for pid, player in s.players.items():
            answer = s.answers.get(pid)
            given = answer.option if answer else None
            correct = is_correct(question, given)
            elapsed = answer.at_ms - s.question_started_ms if answer else 0
            player.last_answered = answer is not None
            player.last_correct = correct
            player.last_points = 0
            if answer is not None or pid in s.eligible:
                got = award(
                    question,
                    correct,
                    elapsed,
                    self.views.limit_ms(question, player),
                    player.streak,
                    credit=credit(question, given),
                    speed_points=s.settings.speed_points,
                    streak_bonus_on=s.settings.streak_bonus,
                )
                player.last_points, player.streak = got.points, got.streak
                player.score += got.points
                self.teams.scored(player, got.points)
                if correct:
                    player.correct_ms += elapsed
            # One history entry per question of this game; None when not answered.
            player.history.extend([None] * (s.question_index - len(player.history)))
            player.history.append(
                None
                if answer is None
                else {
                    "answer": wire_answer(answer.option),
                    "correct": correct,
                    "points": player.last_points,
                    "time_ms": elapsed,
                }
            )

    def _your_result(
        self, question: Question, player: Player, ranks: dict[str, int], team_ranks: dict[int, int]
    ) -> Message:
        mine: Message = {
            "type": "your_result",
            "question_index": self.state.question_index,
            "kind": question.kind,
            "answered": player.last_answered,
            "correct": player.last_correct,
            "points": player.last_points,
            "score": player.score,
            "rank": ranks[player.id],
            "streak": player.streak,
        }
        if player.team is not None:
            mine["team"] = player.team
            mine["team_rank"] = team_ranks.get(player.team)
        return mine
