"""Properties of team scoring and of slider scoring, under any sequence of events.

Team scores are kept up to date per event in O(1) (quiz.core.teams); after
every step of a random game (players joining with or without a team,
leaving, being kicked or moved, dropping and coming back, answering,
questions closing, games restarting, the teams renamed), every team's
member count, total and score must equal what a recount of the players
gives, for both ``mean`` and ``sum``.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from quiz.core.commands import (
    CloseQuestion,
    Disconnected,
    EndGame,
    KickPlayer,
    LeaveRoom,
    MovePlayer,
    NextQuestion,
    PlayAgain,
    Resume,
    StartGame,
    SubmitAnswer,
    Tick,
    UpdateSettings,
)
from quiz.core.kinds import credit
from quiz.core.parse import parse_question
from quiz.core.question import Question
from quiz.core.room import Room
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.core.state import Phase
from tests.game_helpers import make_seat

QUIZ = (
    Question("A?", ("a", "b", "c"), 1, source="host"),
    parse_question(
        {"kind": "slider", "text": "N?", "min": 0, "max": 10, "step": 1, "correct": 5}, "q"
    ),
    Question("B?", ("a", "b"), 0, source="host", round="Two"),
)


class TeamMachine(RuleBasedStateMachine):
    @initialize(
        mode=st.sampled_from(["mean", "sum"]), teams=st.integers(2, 4), host_plays=st.booleans()
    )
    def create(self, mode: str, teams: int, host_plays: bool) -> None:
        self.now = 0
        self.next_id = 1
        names = tuple(f"T{i}" for i in range(teams))
        settings = RoomSettings(
            teams=names, team_score=mode, reveal_seconds=0, host_plays=host_plays
        )
        self.room, _ = Room.create(
            "ROOM",
            settings,
            RoomLimits(countdown_ms=0),
            make_seat("p0", "Host", "h0"),
            0,
            quiz=QUIZ,
        )

    def step(self, sender: str | None, command: Any, dt: int = 10) -> list[Any]:
        self.now += dt
        return self.room.handle(sender, command, self.now)

    def players(self) -> list[str]:
        return list(self.room.state.players)

    # Who is in the room.

    @rule(team=st.one_of(st.none(), st.integers(-1, 5)))
    def join(self, team: int | None) -> None:
        pid = f"p{self.next_id}"
        self.next_id += 1
        self.step(None, make_seat(pid, f"Player {pid}", "h" + pid, team=team))

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        others = [p for p in self.players() if p != self.room.state.host_id]
        if others:
            self.step(data.draw(st.sampled_from(others)), LeaveRoom())

    @rule(data=st.data())
    def kick(self, data: st.DataObject) -> None:
        others = [p for p in self.players() if p != self.room.state.host_id]
        if others:
            self.step(self.room.state.host_id, KickPlayer(data.draw(st.sampled_from(others))))

    @rule(data=st.data(), team=st.integers(0, 3))
    def move(self, data: st.DataObject, team: int) -> None:
        if self.players():
            pid = data.draw(st.sampled_from(self.players()))
            self.step(self.room.state.host_id, MovePlayer(pid, team))

    @rule(data=st.data(), back=st.booleans())
    def drop(self, data: st.DataObject, back: bool) -> None:
        if self.players():
            pid = data.draw(st.sampled_from(self.players()))
            self.step(pid, Disconnected())
            if back:
                self.step(None, Resume(self.room.state.players[pid].token_hash))

    @rule(count=st.integers(0, 4))
    def rename(self, count: int) -> None:
        names = tuple(f"N{i}" for i in range(count)) if count != 1 else ()
        self.step(self.room.state.host_id, UpdateSettings({"teams": names}))

    # The game.

    @rule()
    def start(self) -> None:
        self.step(self.room.state.host_id, StartGame())

    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        state = self.room.state
        if state.phase is Phase.QUESTION and self.players():
            pid = data.draw(st.sampled_from(self.players()))
            question = state.questions[state.question_index]
            value = data.draw(
                st.integers(0, 10) if question.kind == "slider" else st.integers(0, 1)
            )
            self.step(
                pid, SubmitAnswer(state.question_index, value), data.draw(st.integers(0, 3000))
            )

    @rule(command=st.sampled_from([CloseQuestion(), NextQuestion(), EndGame(), PlayAgain()]))
    def host_moves(self, command: Any) -> None:
        self.step(self.room.state.host_id, command)

    @rule(dt=st.sampled_from([100, 20_000, 60_000]))
    def wait(self, dt: int) -> None:
        self.step(None, Tick(), dt)

    @invariant()
    def teams_equal_a_recount(self) -> None:
        state = self.room.state
        if state.closed:
            return
        n = len(state.settings.teams)
        members = [0] * n
        totals = [0] * n
        for player in state.players.values():
            if n:
                assert player.team is not None and 0 <= player.team < n, player
                members[player.team] += 1
                totals[player.team] += player.score
            else:
                assert player.team is None
        for watcher in state.watchers.values():
            assert watcher.team is None
        assert state.team_members == members
        assert state.team_totals == totals
        standings = self.room.teams.standings()
        for entry in standings:
            t = entry["team"]
            if state.settings.team_score == "sum":
                expected = totals[t]
            else:
                expected = math.floor(totals[t] / members[t] + 0.5) if members[t] else 0
            assert entry["score"] == expected and entry["players"] == members[t]
        # Ranks: best first, ties share the rank of the first of them.
        scores = [e["score"] for e in standings]
        assert scores == sorted(scores, reverse=True)
        for entry in standings:
            first = scores.index(entry["score"])
            assert entry["rank"] == first + 1


TeamMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestTeams = TeamMachine.TestCase


SLIDERS = st.builds(
    lambda low, steps, step, k, tolerance, margin: parse_question(
        {
            "kind": "slider",
            "text": "N?",
            "min": low,
            "max": low + steps * step,
            "step": step,
            "correct": low + k % (steps + 1) * step,
            "tolerance": tolerance,
            "margin": margin,
        },
        "q",
    ),
    low=st.integers(-1000, 1000),
    steps=st.integers(1, 200),
    step=st.sampled_from([1, 2, 5, 10]),
    k=st.integers(0, 10_000),
    tolerance=st.integers(0, 50),
    margin=st.integers(1, 100),
)


@given(SLIDERS, st.data())
def test_slider_credit_is_full_within_tolerance_nothing_beyond_and_falls_between(
    question: Question, data: st.DataObject
) -> None:
    slider = question.slider
    assert slider is not None
    k = data.draw(st.integers(0, round((slider.max - slider.min) / slider.step)))
    value = slider.min + k * slider.step
    distance = abs(value - slider.correct)
    share = credit(question, value)
    assert 0.0 <= share <= 1.0
    if distance <= slider.tolerance:
        assert share == 1.0
    elif distance >= slider.tolerance + slider.margin:
        assert share == 0.0
    else:
        assert math.isclose(share, 1 - (distance - slider.tolerance) / slider.margin)
    # Closer is never worth less.
    nearer = value - slider.step if value > slider.correct else value + slider.step
    if abs(nearer - slider.correct) < distance:
        assert credit(question, nearer) >= share
