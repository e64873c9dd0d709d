"""The lobby: the host's own quiz, AI-written drafts to review, settings. No I/O."""

from __future__ import annotations

import dataclasses

from quiz.core.commands import GenerateQuestions, QuestionsReady, SetQuestions, UpdateSettings
from quiz.core.kinds import localized
from quiz.core.messages import ack
from quiz.core.outputs import Generate, Output, Reply, Send
from quiz.core.question import Question
from quiz.core.state import RoomState
from quiz.core.teams import Teams
from quiz.core.views import Views


class Lobby:
    """What the next game will be. Changes the host's quiz, the settings and
    the draft in progress; touches no seat and no score."""

    def __init__(self, state: RoomState, views: Views, teams: Teams) -> None:
        self.state = state
        self.views = views
        self.teams = teams

    def set_questions(self, command: SetQuestions, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(command.request_id)))
        self.use_quiz(command.questions)
        if command.topic is not None:
            self.state.settings = dataclasses.replace(self.state.settings, topic=command.topic)
        out.append(Send({"type": "room_state", "room": self.views.state_for(None, now_ms)}))

    def update_settings(self, command: UpdateSettings, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(command.request_id)))
        before = self.state.settings.teams
        self.state.settings = dataclasses.replace(self.state.settings, **command.changes)
        if self.state.settings.teams != before:
            self.teams.renamed(before)
            self.state.top_states = None  # listed entries show the teams
        out.append(Send({"type": "room_state", "room": self.views.state_for(None, now_ms)}))

    def use_quiz(self, questions: tuple[Question, ...]) -> None:
        """The host's own questions, played in order at the next start."""
        self.state.quiz = tuple(localized(q, self.state.settings.language) for q in questions)

    def draft(self, command: GenerateQuestions, out: list[Output]) -> None:
        out.append(Reply(ack(command.request_id)))
        self.state.generation += 1
        self.state.draft_generation = self.state.generation
        out.append(
            Generate(
                self.state.generation,
                command.topic,
                command.count,
                command.difficulty,
                command.language,
                tuple(self.state.played),
                draft=True,
                sliders=True,
            )
        )

    def draft_ready(self, ready: QuestionsReady, out: list[Output]) -> None:
        """A draft arrived: to the host alone, to edit and send back with set_questions."""
        self.state.draft_generation = None
        llm = any(q.source == "llm" for q in ready.questions)
        draft = {
            "type": "questions_draft",
            "questions": [q.to_dict() for q in ready.questions],
            "source": "llm" if llm else "fallback",
        }
        out.append(Send(draft, to=self.state.host_id))
