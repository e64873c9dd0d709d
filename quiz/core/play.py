"""The game: questions in, answers checked and scored, results out. No I/O.

The lobby's own business (the host's quiz, drafts, settings) is quiz.core.lobby's.

What an answer may be and when it is right is quiz.core.kinds' to say, how
much it earns quiz.core.scoring's; this module runs the phases around them.
"""

from __future__ import annotations

from llm.types import Question
from quiz.core.commands import Generate, Output, QuestionsReady, Reply, Send
from quiz.core.kinds import answer_counts, answer_error, is_correct
from quiz.core.scoring import award
from quiz.core.state import LEADERBOARD_TOP, PLAYED_MAX, Answer, Phase, wrong_phase
from quiz.core.views import Views, wire_answer
from quiz.wire.protocol import (
    ErrorCode,
    PlayAgain,
    StartGame,
    SubmitAnswer,
    ack,
    error,
    with_request_id,
)


class PlayRules(Views):
    """The part of a room that runs games."""

    # Starting a game.

    def _start(self, command: StartGame, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.LOBBY:
            out.append(Reply(wrong_phase(self.phase, "start_game", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self.started = True
        self.empty_since_ms = None
        self.draft_generation = None  # a draft still on its way is not wanted now
        self.generation += 1
        if self.quiz:
            self._begin(self.quiz, now_ms, out)
            return
        self._enter(Phase.GENERATING)
        s = self.settings
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
        if self.phase is not Phase.GENERATING:
            return None
        s = self.settings
        exclude = tuple(self.played)
        return Generate(
            self.generation, s.topic, s.num_questions, s.difficulty, s.language, exclude
        )

    def _questions_ready(self, ready: QuestionsReady, now_ms: int, out: list[Output]) -> None:
        if ready.generation == self.draft_generation and self.phase is Phase.LOBBY:
            self._draft_ready(ready, out)
            return
        if self.phase is not Phase.GENERATING or ready.generation != self.generation:
            return  # a late answer to an abandoned request
        if not ready.questions:
            self._enter(Phase.LOBBY)
            out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))
            return
        self._begin(ready.questions, now_ms, out)

    def _begin(self, questions: tuple[Question, ...], now_ms: int, out: list[Output]) -> None:
        """Questions in hand: announce them and count down to the first."""
        self.questions = questions
        self.played = (self.played + [q.text for q in questions])[-PLAYED_MAX:]
        self.counts = []
        for seat in self.players.values():
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
        self._enter(Phase.COUNTDOWN)
        self.phase_ends_ms = now_ms + self.limits.countdown_ms
        seconds = self.limits.countdown_ms // 1000
        out.append(Send({"type": "countdown", "seconds": seconds, "ends_ms": self.phase_ends_ms}))

    # During a question.

    def _answer(self, sender: str, command: SubmitAnswer, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id
        if sender not in self.players:
            why = "you present or watch this room: only players answer"
            out.append(Reply(error(ErrorCode.NOT_A_PLAYER, why, rid)))
            return
        if self.phase is not Phase.QUESTION:
            out.append(Reply(wrong_phase(self.phase, "submit_answer", rid)))
            return
        if command.question_index != self.question_index:
            why = (
                f"question {command.question_index} is not open; question {self.question_index} is"
            )
            out.append(Reply(error(ErrorCode.STALE_QUESTION, why, rid)))
            return
        if sender not in self.eligible:
            why = "you joined during this question; you play from the next one"
            out.append(Reply(error(ErrorCode.WRONG_PHASE, why, rid)))
            return
        if sender in self.answers:
            why = "only your first answer counts"
            out.append(Reply(error(ErrorCode.ALREADY_ANSWERED, why, rid)))
            return
        why_not = answer_error(self.questions[self.question_index], command.answer)
        if why_not is not None:
            out.append(Reply(error(ErrorCode.INVALID_ANSWER, why_not, rid)))
            return
        self.answers[sender] = Answer(command.answer, now_ms)
        # ``answered`` counts connected eligible players only (``able``'s
        # population): an answer that reaches the room from a player marked
        # disconnected must not count, or it closes the question before the
        # connected players answer (and _set_connected counts it again on
        # resume). Found by tests/test_game_properties.py.
        if self.players[sender].connected:
            self.answered += 1
        received = {"type": "answer_received", "question_index": self.question_index}
        out.append(Reply(with_request_id(received, rid)))
        self._progress_changed(now_ms, out)

    def _open_question(self, index: int, now_ms: int, out: list[Output]) -> None:
        self._enter(Phase.QUESTION)
        self.question_index = index
        self.question_started_ms = now_ms
        limit_ms = self.limit_ms(self.questions[index])
        self.deadline_ms = None if limit_ms is None else now_ms + limit_ms
        self.phase_ends_ms = None
        self.answers.clear()
        # Everyone seated when the question opens may answer it; who joins
        # later plays from the next one.
        self.eligible = set(self.players)
        self.able = self.connected_count
        self.answered = 0
        out.append(Send(self._question_message(now_ms)))

    def _progress_changed(self, now_ms: int, out: list[Output]) -> None:
        """After an answer or a departure: report progress, close when all answered."""
        if self.phase is not Phase.QUESTION:
            return
        progress = {
            "type": "answer_progress",
            "question_index": self.question_index,
            "answered": self.answered,
            "total": self.able,
        }
        out.append(Send(progress))
        # With nobody connected who can answer, wait for the deadline (or
        # the host): they may come back within it.
        if self.able and self.answered == self.able:
            self._close_question(now_ms, out)

    def _close_question(self, now_ms: int, out: list[Output]) -> None:
        question = self.questions[self.question_index]
        limit_ms = self.limit_ms(question)
        counts = answer_counts(question, (a.option for a in self.answers.values()))
        for pid, player in self.players.items():
            answer = self.answers.get(pid)
            correct = is_correct(question, answer.option if answer else None)
            elapsed = answer.at_ms - self.question_started_ms if answer else 0
            player.last_answered = answer is not None
            player.last_correct = correct
            player.last_points = 0
            if answer is not None or pid in self.eligible:
                got = award(
                    question,
                    correct,
                    elapsed,
                    limit_ms,
                    player.streak,
                    speed_points=self.settings.speed_points,
                    streak_bonus_on=self.settings.streak_bonus,
                )
                player.last_points, player.streak = got.points, got.streak
                player.score += got.points
                if correct:
                    player.correct_ms += elapsed
            # One history entry per question of this game; None when not answered.
            player.history.extend([None] * (self.question_index - len(player.history)))
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
        self.counts.append(counts)
        self.top_ids = None  # scores changed
        self._enter(Phase.REVEAL)
        self.deadline_ms = None
        reveal_ms = self.settings.reveal_seconds * 1000
        self.phase_ends_ms = now_ms + reveal_ms if reveal_ms else None
        board = self.leaderboard()
        self.last_result = self._result_message(question, counts, board[:LEADERBOARD_TOP])
        if self.phase_ends_ms is not None:
            self.last_result["next_at_ms"] = self.phase_ends_ms
        out.append(Send(self.last_result))
        ranks = {entry["player_id"]: entry["rank"] for entry in board}
        for pid, player in self.players.items():
            if player.connected:
                mine = {
                    "type": "your_result",
                    "question_index": self.question_index,
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

    def _next(self, now_ms: int, out: list[Output]) -> None:
        if self.question_index + 1 < len(self.questions):
            self._open_question(self.question_index + 1, now_ms, out)
            return
        self._finish(out)

    def _finish(self, out: list[Output]) -> None:
        """Game over, after the last question or at the host's end_game.

        An open question is dropped unscored: every score stays the one the
        last ``your_result`` gave.
        """
        self._enter(Phase.FINISHED)
        self.phase_ends_ms = self.deadline_ms = None
        self.answers.clear()
        self.final_board = None
        message = {
            "type": "game_over",
            "leaderboard": self.final_leaderboard(),
            "player_count": len(self.players),
        }
        out.append(Send(message))

    def _play_again(self, command: PlayAgain, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.FINISHED:
            out.append(Reply(wrong_phase(self.phase, "play_again", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self._enter(Phase.LOBBY)
        for player in self.players.values():
            player.score = player.streak = player.correct_ms = player.last_points = 0
            player.last_correct = player.last_answered = False
            player.history = []
        self.questions = ()
        self.counts = []
        self.question_index = -1
        self.deadline_ms = self.phase_ends_ms = None
        self.answers.clear()
        self.eligible.clear()
        self.last_result = None
        self.final_board = None
        self.top_ids = None
        out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))
