"""The lobby: the host's own quiz, AI-written drafts to review, settings. No I/O."""

from __future__ import annotations

import dataclasses

from llm.types import Question
from quiz.core.commands import Generate, Output, QuestionsReady, Reply, Send
from quiz.core.kinds import localized
from quiz.core.state import Phase, wrong_phase
from quiz.core.views import Views
from quiz.wire.protocol import GenerateQuestions, SetQuestions, UpdateSettings, ack


class LobbyRules(Views):
    """The part of a room that prepares the next game."""

    def _set_questions(self, command: SetQuestions, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.LOBBY:
            out.append(Reply(wrong_phase(self.phase, "set_questions", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self.use_quiz(command.questions)
        if command.topic is not None:
            self.settings = dataclasses.replace(self.settings, topic=command.topic)
        out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))

    def _update_settings(self, command: UpdateSettings, now_ms: int, out: list[Output]) -> None:
        if self.phase is not Phase.LOBBY:
            out.append(Reply(wrong_phase(self.phase, "update_settings", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self.settings = dataclasses.replace(self.settings, **command.changes)
        out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))

    def use_quiz(self, questions: tuple[Question, ...]) -> None:
        """The host's own questions, played in order at the next start."""
        self.quiz = tuple(localized(q, self.settings.language) for q in questions)

    def _draft(self, command: GenerateQuestions, out: list[Output]) -> None:
        if self.phase is not Phase.LOBBY:
            out.append(Reply(wrong_phase(self.phase, "generate_questions", command.request_id)))
            return
        out.append(Reply(ack(command.request_id)))
        self.generation += 1
        self.draft_generation = self.generation
        out.append(
            Generate(
                self.generation,
                command.topic,
                command.count,
                command.difficulty,
                command.language,
                tuple(self.played),
                draft=True,
            )
        )

    def _draft_ready(self, ready: QuestionsReady, out: list[Output]) -> None:
        """A draft arrived: to the host alone, to edit and send back with set_questions."""
        self.draft_generation = None
        llm = any(q.source == "llm" for q in ready.questions)
        draft = {
            "type": "questions_draft",
            "questions": [q.to_dict() for q in ready.questions],
            "source": "llm" if llm else "fallback",
        }
        out.append(Send(draft, to=self.host_id))
