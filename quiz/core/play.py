"""The games: from the host's start to the game's end, round by round. No I/O.

A game starts with questions (the host's quiz, or generated ones), counts
down, then asks them one by one (quiz.core.asking opens, counts and scores
each); a quiz with rounds (quiz.core.rounds) shows a round's title before
its first question and its standings after its last. The lobby's own
business (the host's quiz, drafts, settings) is quiz.core.lobby's.
"""

from __future__ import annotations

from quiz.core import rounds
from quiz.core.asking import Asking
from quiz.core.commands import PlayAgain, QuestionsReady, StartGame
from quiz.core.lobby import Lobby
from quiz.core.messages import ack
from quiz.core.outputs import Generate, Output, Playing, Reply, Send
from quiz.core.question import Question
from quiz.core.state import LEADERBOARD_TOP, PLAYED_MAX, Phase, RoomState
from quiz.core.teams import Teams
from quiz.core.views import Views


class Play:
    """The games. Changes the phase and the questions; opens each question
    through asking, which scores it; hands a draft that arrives to the lobby."""

    def __init__(
        self, state: RoomState, views: Views, lobby: Lobby, asking: Asking, teams: Teams
    ) -> None:
        self.state = state
        self.views = views
        self.lobby = lobby
        self.asking = asking
        self.teams = teams

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
        self.state.question_index = -1
        self.state.round_over = False
        if rounds.starts(questions):
            self._round_start(0, out)
        self._countdown(now_ms, out)
        out.append(Playing(True))

    # After a question.

    def next(self, now_ms: int, out: list[Output]) -> None:
        """After a result: the round's standings if the round ends here, else
        the next question (a new round's title first), else the end."""
        s = self.state
        questions, index = s.questions, s.question_index
        if not s.round_over and rounds.is_last(questions, index):
            self._round_over(now_ms, out)
            return
        s.round_over = False
        if index + 1 >= len(questions):
            self.finish(out)
        elif rounds.is_first(questions, index + 1):
            self._round_start(index + 1, out)
            self._countdown(now_ms, out)
        else:
            self.asking.open_question(index + 1, now_ms, out)

    def _round_start(self, index: int, out: list[Output]) -> None:
        """A round's title on every screen: a countdown follows, then its first question."""
        number = rounds.round_of(self.state.questions, index)
        message = {"type": "round_start", **rounds.describe(self.state.questions, number)}
        out.append(Send(message))

    def _round_over(self, now_ms: int, out: list[Output]) -> None:
        """A round's standings, for as long as a result shows; then on."""
        s = self.state
        s.round_over = True
        number = rounds.round_of(s.questions, s.question_index)
        described = rounds.describe(s.questions, number)
        message = {
            "type": "round_over",
            "round": number,
            "title": described["title"],
            "leaderboard": self.views.leaderboard(LEADERBOARD_TOP),
        }
        if self.teams.on:
            message["teams"] = self.teams.standings()
        reveal_ms = s.settings.reveal_seconds * 1000
        s.phase_ends_ms = now_ms + reveal_ms if reveal_ms else None
        if s.phase_ends_ms is not None:
            message["next_at_ms"] = s.phase_ends_ms
        s.last_result = message  # what a screen that comes back shows
        out.append(Send(message))

    def _countdown(self, now_ms: int, out: list[Output]) -> None:
        s = self.state
        s.enter(Phase.COUNTDOWN)
        s.phase_ends_ms = now_ms + s.limits.countdown_ms
        seconds = s.limits.countdown_ms // 1000
        out.append(Send({"type": "countdown", "seconds": seconds, "ends_ms": s.phase_ends_ms}))

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
        if self.teams.on:
            message["teams"] = self.teams.standings()
        out.append(Send(message))
        out.append(Playing(False))

    def play_again(self, command: PlayAgain, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(command.request_id)))
        self.state.enter(Phase.LOBBY)
        for player in self.state.players.values():
            player.score = player.streak = player.correct_ms = player.last_points = 0
            player.last_correct = player.last_answered = False
            player.history = []
        self.state.count_teams()
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
