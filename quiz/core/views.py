"""What a seat sees of a room: room states, questions, leaderboards, results. No I/O.

Whatever grows with the room is capped here (protocol 1.1, "Large rooms"):
a room state lists at most 100 players, from a list of ids that is kept
between calls and rebuilt only when scores change or a listed player
leaves, so a join costs O(1) however big the room.
"""

from __future__ import annotations

import heapq
from typing import Any

from quiz.core import rounds
from quiz.core.kinds import AnswerValue, shown_order
from quiz.core.messages import Message, with_request_id
from quiz.core.question import Question
from quiz.core.state import FINAL_TOP, STATE_PLAYERS_MAX, Phase, Player, RoomState
from quiz.core.teams import Teams


def wire_answer(value: AnswerValue) -> Any:
    """An answer as JSON carries it: a list for a multi or an order answer."""
    return list(value) if isinstance(value, tuple) else value


class Views:
    """What each seat sees of the room: it builds messages and changes
    nothing but the caches of lists it builds (``top_ids``, ``final_board``)."""

    def __init__(self, state: RoomState, teams: Teams) -> None:
        self.state = state
        self.teams = teams

    def state_for(self, player_id: str | None, now_ms: int) -> Message:
        """The room state as ``player_id`` sees it (``your_answer`` is theirs).

        With ``player_id`` None (a state broadcast to everyone) there is no
        ``your_answer``: each client keeps its own.
        """
        state: Message = {
            "room_id": self.state.room_id,
            "phase": str(self.state.phase),
            "host_id": self.state.host_id,
            "host_plays": self.state.host_id in self.state.players,
            "locked": self.state.locked,
            "topic": self.state.settings.topic,
            "settings": self.state.settings.to_dict(),
            "players": self.listed_players(player_id),
            "player_count": len(self.state.players),
            "question_index": self.state.question_index,
            "total_questions": self.total_questions(),
            "media": self.media(),
            "server_time_ms": now_ms,
        }
        if self.teams.on:
            state["teams"] = self.teams.listed()
        number = self.round_number()
        if number is not None:
            state["round"] = rounds.describe(self.state.questions, number)
        if player_id is not None and player_id == self.state.host_id:
            # Who has more time is between the host and those players.
            extra = {p.id: p.extra for p in self.state.players.values() if p.extra != 1}
            if extra:
                state["extra_time"] = extra
        if self.state.phase is Phase.QUESTION:
            state["question"] = self.question_message(now_ms, player_id)
            if player_id is not None:
                answer = self.state.answers.get(player_id)
                state["your_answer"] = self.as_sent(answer.option) if answer else None
        if self.state.phase is Phase.COUNTDOWN and self.state.phase_ends_ms is not None:
            state["countdown_ends_ms"] = self.state.phase_ends_ms
        if (
            self.state.phase in (Phase.REVEAL, Phase.FINISHED)
            and self.state.last_result is not None
        ):
            state["last_result"] = self.state.last_result
        if self.state.phase is Phase.FINISHED:
            state["leaderboard"] = self.final_leaderboard()
        return state

    def round_number(self) -> int | None:
        """The round the game is in (None: no game, or a quiz without rounds)."""
        questions = self.state.questions
        if not questions or not rounds.starts(questions):
            return None
        index = self.state.question_index
        if self.state.phase is Phase.COUNTDOWN:
            index += 1  # a round's title shows during the countdown to its first question
        return rounds.round_of(questions, max(index, 0))

    def media(self) -> list[str]:
        """The media ids of the quiz the room will play (or plays), for clients
        to fetch ahead: in the order they are first needed."""
        questions = self.state.questions or self.state.quiz
        return list(dict.fromkeys(i for q in questions for i in q.media()))

    def total_questions(self) -> int:
        return (
            len(self.state.questions) or len(self.state.quiz) or self.state.settings.num_questions
        )

    def listed_players(self, recipient: str | None) -> list[Message]:
        """Everyone up to 100 players (seat order); past that 100: the best
        by score, then seat, always including the recipient."""
        if len(self.state.players) <= STATE_PLAYERS_MAX:
            return [p.state() for p in self.state.players.values()]
        if self.state.top_ids is None:
            best = heapq.nsmallest(
                STATE_PLAYERS_MAX, self.state.players.values(), key=lambda p: (-p.score, p.seat)
            )
            self.state.top_ids = tuple(p.id for p in best)
        if self.state.top_states is None or self.state.top_states[0] is not self.state.top_ids:
            # Built once per change of the list, not once per join: every
            # joiner of a filling room gets the same 99 or 100 entries.
            self.state.top_states = (
                self.state.top_ids,
                [self.state.players[pid].state() for pid in self.state.top_ids],
            )
        listed = self.state.top_states[1]
        me = self.state.players.get(recipient or "")
        if me is None or me.id in self.state.top_ids:
            return listed
        # At most 100 in all: the best 99, and the recipient.
        return [*listed[: STATE_PLAYERS_MAX - 1], me.state()]

    def leaderboard(self, top: int | None = None) -> list[Message]:
        """Players ranked: by score, then by total time of correct answers.

        Players equal on both share a rank (1, 1, 3); seat order breaks the
        tie in the listing only, so it is stable. With ``top``, only the
        first ``top`` (their ranks need nobody below them).
        """

        def key(p: Player) -> tuple[int, int, int]:
            return (-p.score, p.correct_ms, p.seat)

        players = self.state.players.values()
        ordered = sorted(players, key=key) if top is None else heapq.nsmallest(top, players, key)
        board: list[Message] = []
        rank = 0
        previous: tuple[int, int] | None = None
        for position, player in enumerate(ordered, start=1):
            score_key = (player.score, player.correct_ms)
            if score_key != previous:
                rank, previous = position, score_key
            entry = {"player_id": player.id, "name": player.name, "score": player.score}
            entry["rank"] = rank
            if player.team is not None:
                entry["team"] = player.team
            board.append(entry)
        return board

    def ranks(self) -> dict[str, int]:
        return {entry["player_id"]: entry["rank"] for entry in self.leaderboard()}

    def final_leaderboard(self) -> list[Message]:
        """game_over's leaderboard: the top 100, kept until a listed player leaves."""
        if self.state.final_board is None:
            self.state.final_board = self.leaderboard(FINAL_TOP)
        return self.state.final_board

    def limit_ms(self, question: Question, player: Player | None = None) -> int | None:
        """The question's own time limit, else the room's, times the player's
        extra time; None: no limit."""
        seconds = question.time_limit or self.state.settings.time_per_question
        if not seconds:
            return None
        return round(seconds * 1000 * (player.extra if player is not None else 1))

    def shown(self, question: Question) -> tuple[int, ...]:
        """The order an ``order`` question's items are shown in this game."""
        s = self.state
        return shown_order(question, f"{s.room_id}:{s.generation}:{s.question_index}")

    def question_message(self, now_ms: int, player_id: str | None = None) -> Message:
        """The open question, as everyone sees it, or as ``player_id`` does
        (with their own time, if the host gave them more)."""
        s = self.state
        question = s.questions[s.question_index]
        message: Message = {
            "type": "question",
            "question_index": s.question_index,
            "total_questions": len(s.questions),
            "kind": question.kind,
            "points": question.points,
            "question": question.text,
        }
        if question.kind == "order":
            message["options"] = [question.options[i] for i in self.shown(question)]
        elif question.kind == "slider":
            assert question.slider is not None
            bounds = question.slider.to_dict()
            message.update({key: bounds[key] for key in ("min", "max", "step")})
        elif question.kind != "text":
            message["options"] = list(question.options)
        message.update(question.media_fields())
        number = self.round_number()
        if number is not None:
            message["round"] = number
        player = s.players.get(player_id or "")
        limit_ms = self.limit_ms(question, player)
        message["time_limit_ms"] = limit_ms
        own = player is not None and player.extra != 1 and limit_ms is not None
        message["deadline_ms"] = s.question_started_ms + limit_ms if own else self.base_deadline()
        message["server_time_ms"] = now_ms
        return message

    def base_deadline(self) -> int | None:
        """The open question's deadline for a player without extra time."""
        s = self.state
        limit_ms = self.limit_ms(s.questions[s.question_index])
        return None if limit_ms is None else s.question_started_ms + limit_ms

    def result_message(self, question: Question, tally: list[Any], board: list[Message]) -> Message:
        single = question.kind in ("choice", "true_false")
        result: Message = {
            "type": "question_result",
            "question_index": self.state.question_index,
            "kind": question.kind,
            "correct_answer": question.correct[0] if single else None,
            "correct_answers": list(question.correct),
        }
        if question.kind == "slider":
            assert question.slider is not None
            result["histogram"] = tally
            result["correct_value"] = question.slider.to_dict()["correct"]
        else:
            result["answer_counts"] = tally
        if question.kind == "order":
            result["correct_order"] = self.correct_order(question)
        if question.kind == "text":
            result["accepted_answers"] = list(question.answers)
        result["explanation"] = question.explanation
        if self.state.settings.leaderboard == "question":
            result["leaderboard"] = board
            if self.teams.on:
                result["teams"] = self.teams.standings()
        return result

    def as_sent(self, value: AnswerValue) -> Any:
        """An answer to the open question as its player sent it: an order
        answer in the shown indexes (the room keeps the items' own)."""
        question = self.state.questions[self.state.question_index]
        if question.kind == "order" and isinstance(value, tuple):
            position = {item: place for place, item in enumerate(self.shown(question))}
            return [position[item] for item in value]
        return wire_answer(value)

    def correct_order(self, question: Question) -> list[int]:
        """The shown indexes of an order question's items, in the right order."""
        position = {item: place for place, item in enumerate(self.shown(question))}
        return [position[item] for item in range(len(question.options))]

    def joined_message(
        self, kind: str, player: Player, request_id: str | None, now_ms: int | None = None
    ) -> Message:
        return with_request_id(
            {
                "type": kind,
                "room_id": self.state.room_id,
                "player_id": player.id,
                "is_host": player.id == self.state.host_id,
                "room": self.state_for(
                    player.id, self.state.created_ms if now_ms is None else now_ms
                ),
            },
            request_id,
        )

    def results(self, request_id: str | None) -> Message:
        """``results``: every closed question and every player's answers to each."""
        closed = len(self.state.counts)
        questions = []
        for index, (question, tally) in enumerate(
            zip(self.state.questions, self.state.counts, strict=False)
        ):
            entry = question.to_dict()
            entry.pop("source", None)
            entry["index"] = index
            entry["correct_answers"] = list(question.correct)
            if question.kind == "text":
                entry["accepted_answers"] = list(question.answers)
            entry["histogram" if question.kind == "slider" else "answer_counts"] = tally
            questions.append(entry)
        players = []
        for ranked in self.leaderboard():
            player = self.state.players[ranked["player_id"]]
            row_rank = ranked["rank"]
            answers = player.history[:closed]
            row = {"id": player.id, "name": player.name, "score": player.score}
            if player.team is not None:
                row["team"] = player.team
            row["rank"] = row_rank
            row["answers"] = answers + [None] * (closed - len(answers))
            players.append(row)
        message: Message = {
            "type": "results",
            "room_id": self.state.room_id,
            "topic": self.state.settings.topic,
            "player_count": len(self.state.players),
            "questions": questions,
            "players": players,
        }
        if self.teams.on:
            message["teams"] = self.teams.standings()
        return with_request_id(message, request_id)
