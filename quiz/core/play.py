"""The game: questions in, answers checked and scored, results out. No I/O.

The lobby's own business (the host's quiz, drafts, settings) is quiz.core.lobby's.

What an answer may be and when it is right is quiz.core.kinds' to say, how
much it earns quiz.core.scoring's; this module runs the phases around them.
"""

from __future__ import annotations

from quiz.core.commands import PlayAgain, QuestionsReady, StartGame, SubmitAnswer
from quiz.core.kinds import answer_counts, answer_error, is_correct
from quiz.core.lobby import Lobby
from quiz.core.messages import ErrorCode, ack, error, with_request_id, wrong_phase
from quiz.core.outputs import Generate, Output, Playing, Reply, Send
from quiz.core.question import Question
from quiz.core.scoring import award
from quiz.core.state import (
    LARGE_COUNT_MS,
    LEADERBOARD_TOP,
    PLAYED_MAX,
    PROGRESS_MS,
    Answer,
    Phase,
    RoomState,
)
from quiz.core.views import Views, wire_answer


class Play:
    """The games. Changes the phase, the questions, the answers and the
    scores; hands a draft that arrives to the lobby."""

    def __init__(self, state: RoomState, views: Views, lobby: Lobby) -> None:
        self.state = state
        self.views = views
        self.lobby = lobby

    # Starting a game.

    def start(self, command: StartGame, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(command.request_id)))
        self.state.started = True
        self.state.empty_since_ms = None
        self.state.draft_generation = None  # a draft still on its way is not wanted now
        self.state.generation += 1
        if self.state.quiz:
            self.begin(self.state.quiz, now_ms, out)
            return
        self.state.enter(Phase.GENERATING)
        s = self.state.settings
        out.append(
            Send(
                {"type": "generating_questions", "topic": s.topic, "num_questions": s.num_questions}
            )
        )
        request = self.pending_generate()
        assert request is not None
        out.append(request)

    def pending_generate(self) -> Generate | None:
        """The game's questions this room waits for, as a request (None: not waiting).

        A server that takes the room over while it generates asks again with it.
        """
        if self.state.phase is not Phase.GENERATING:
            return None
        s = self.state.settings
        exclude = tuple(self.state.played)
        return Generate(
            self.state.generation, s.topic, s.num_questions, s.difficulty, s.language, exclude
        )

    def questions_ready(self, ready: QuestionsReady, now_ms: int, out: list[Output]) -> None:
        if ready.generation == self.state.draft_generation and self.state.phase is Phase.LOBBY:
            self.lobby.draft_ready(ready, out)
            return
        if self.state.phase is not Phase.GENERATING or ready.generation != self.state.generation:
            return  # a late answer to an abandoned request
        if not ready.questions:
            self.state.enter(Phase.LOBBY)
            out.append(Send({"type": "room_state", "room": self.views.state_for(None, now_ms)}))
            return
        self.begin(ready.questions, now_ms, out)

    def begin(self, questions: tuple[Question, ...], now_ms: int, out: list[Output]) -> None:
        """Questions in hand: announce them and count down to the first."""
        self.state.questions = questions
        self.state.played = (self.state.played + [q.text for q in questions])[-PLAYED_MAX:]
        self.state.counts = []
        for seat in self.state.players.values():
            seat.history = []
        llm = sum(1 for q in questions if q.source == "llm")
        host = all(q.source == "host" for q in questions)
        out.append(
            Send(
                {
                    "type": "questions_generated",
                    "num_questions": len(questions),
                    "source": "host" if host else "llm" if llm else "fallback",
                    "llm_count": llm,
                    "fallback_count": 0 if host else len(questions) - llm,
                }
            )
        )
        self.state.enter(Phase.COUNTDOWN)
        self.state.phase_ends_ms = now_ms + self.state.limits.countdown_ms
        seconds = self.state.limits.countdown_ms // 1000
        out.append(
            Send({"type": "countdown", "seconds": seconds, "ends_ms": self.state.phase_ends_ms})
        )
        out.append(Playing(True))

    # During a question.

    def answer(self, sender: str, command: SubmitAnswer, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id
        if sender not in self.state.players:
            why = "you present or watch this room: only players answer"
            out.append(Reply(error(ErrorCode.NOT_A_PLAYER, why, rid)))
            return
        if self.state.phase is not Phase.QUESTION:
            out.append(Reply(wrong_phase(self.state.phase, "submit_answer", rid)))
            return
        current = self.state.question_index
        if command.question_index != current:
            why = f"question {command.question_index} is not open; question {current} is"
            out.append(Reply(error(ErrorCode.STALE_QUESTION, why, rid)))
            return
        if sender not in self.state.eligible:
            why = "you joined during this question; you play from the next one"
            out.append(Reply(error(ErrorCode.WRONG_PHASE, why, rid)))
            return
        if sender in self.state.answers:
            why = "only your first answer counts"
            out.append(Reply(error(ErrorCode.ALREADY_ANSWERED, why, rid)))
            return
        why_not = answer_error(self.state.questions[self.state.question_index], command.answer)
        if why_not is not None:
            out.append(Reply(error(ErrorCode.INVALID_ANSWER, why_not, rid)))
            return
        self.state.answers[sender] = Answer(command.answer, now_ms)
        # ``answered`` counts connected eligible players only (``able``'s
        # population): an answer that reaches the room from a player marked
        # disconnected must not count, or it closes the question before the
        # connected players answer (and _set_connected counts it again on
        # resume). Found by tests/test_game_properties.py.
        if self.state.players[sender].connected:
            self.state.answered += 1
        received = {"type": "answer_received", "question_index": self.state.question_index}
        out.append(Reply(with_request_id(received, rid)))
        self.progress_changed(now_ms, out)

    def open_question(self, index: int, now_ms: int, out: list[Output]) -> None:
        self.state.enter(Phase.QUESTION)
        self.state.question_index = index
        self.state.question_started_ms = now_ms
        limit_ms = self.views.limit_ms(self.state.questions[index])
        self.state.deadline_ms = None if limit_ms is None else now_ms + limit_ms
        self.state.phase_ends_ms = None
        self.state.answers.clear()
        # Everyone seated when the question opens may answer it; who joins
        # later plays from the next one.
        self.state.eligible = set(self.state.players)
        self.state.able = self.state.connected_count
        self.state.answered = 0
        self.state.progress_due_ms = None
        # A small room's first count goes at once; a large room's comes an
        # interval after the question has gone out, not in the middle of its
        # slices.
        self.state.progress_sent_ms = now_ms if self.state.is_large() else None
        out.append(Send(self.views.question_message(now_ms)))

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
        question = self.state.questions[self.state.question_index]
        limit_ms = self.views.limit_ms(question)
        counts = answer_counts(question, (a.option for a in self.state.answers.values()))
        for pid, player in self.state.players.items():
            answer = self.state.answers.get(pid)
            correct = is_correct(question, answer.option if answer else None)
            elapsed = answer.at_ms - self.state.question_started_ms if answer else 0
            player.last_answered = answer is not None
            player.last_correct = correct
            player.last_points = 0
            if answer is not None or pid in self.state.eligible:
                got = award(
                    question,
                    correct,
                    elapsed,
                    limit_ms,
                    player.streak,
                    speed_points=self.state.settings.speed_points,
                    streak_bonus_on=self.state.settings.streak_bonus,
                )
                player.last_points, player.streak = got.points, got.streak
                player.score += got.points
                if correct:
                    player.correct_ms += elapsed
            # One history entry per question of this game; None when not answered.
            player.history.extend([None] * (self.state.question_index - len(player.history)))
            if answer is not None:
                player.history.append(
                    {
                        "answer": wire_answer(answer.option),
                        "correct": correct,
                        "points": player.last_points,
                        "time_ms": elapsed,
                    }
                )
            else:
                player.history.append(None)
        self.state.counts.append(counts)
        self.state.top_ids = None  # scores changed
        self.state.enter(Phase.REVEAL)
        self.state.deadline_ms = self.state.progress_due_ms = None
        reveal_ms = self.state.settings.reveal_seconds * 1000
        self.state.phase_ends_ms = now_ms + reveal_ms if reveal_ms else None
        board = self.views.leaderboard()
        self.state.last_result = self.views.result_message(
            question, counts, board[:LEADERBOARD_TOP]
        )
        if self.state.phase_ends_ms is not None:
            self.state.last_result["next_at_ms"] = self.state.phase_ends_ms
        # The result makes any count still on its way moot.
        out.append(Send(self.state.last_result, ends_counts=True))
        ranks = {entry["player_id"]: entry["rank"] for entry in board}
        for pid, player in self.state.players.items():
            if player.connected:
                mine = {
                    "type": "your_result",
                    "question_index": self.state.question_index,
                    "kind": question.kind,
                    "answered": player.last_answered,
                    "correct": player.last_correct,
                    "points": player.last_points,
                    "score": player.score,
                    "rank": ranks[pid],
                    "streak": player.streak,
                }
                out.append(Send(mine, to=pid))

    # After a question.

    def next(self, now_ms: int, out: list[Output]) -> None:
        if self.state.question_index + 1 < len(self.state.questions):
            self.open_question(self.state.question_index + 1, now_ms, out)
            return
        self.finish(out)

    def finish(self, out: list[Output]) -> None:
        """Game over, after the last question or at the host's end_game.

        An open question is dropped unscored: every score stays the one the
        last ``your_result`` gave.
        """
        self.state.enter(Phase.FINISHED)
        self.state.phase_ends_ms = self.state.deadline_ms = self.state.progress_due_ms = None
        self.state.answers.clear()
        self.state.final_board = None
        message = {
            "type": "game_over",
            "leaderboard": self.views.final_leaderboard(),
            "player_count": len(self.state.players),
        }
        out.append(Send(message))
        out.append(Playing(False))

    def play_again(self, command: PlayAgain, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(command.request_id)))
        self.state.enter(Phase.LOBBY)
        for player in self.state.players.values():
            player.score = player.streak = player.correct_ms = player.last_points = 0
            player.last_correct = player.last_answered = False
            player.history = []
        self.state.questions = ()
        self.state.counts = []
        self.state.question_index = -1
        self.state.deadline_ms = self.state.phase_ends_ms = None
        self.state.answers.clear()
        self.state.eligible.clear()
        self.state.last_result = None
        self.state.final_board = None
        self.state.top_ids = None
        out.append(Send({"type": "room_state", "room": self.views.state_for(None, now_ms)}))
